"""Build and sign digital-asset transactions, and the two-party delivery versus payment.

Phone-side like :mod:`wallet.builders`: ledger types and crypto and the
assets module's pure wire types only.

A DvP needs both parties' coins in one body, and each party signs it with
its own keys. The seller writes a :class:`DvpOffer` (its asset coins, the
price, the buyer's key); the buyer completes it with its KZT coins
(:func:`accept_offer`) and signs; the seller checks the body is its offer
(:func:`require_offer`), countersigns (:func:`countersign`) and submits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from assets.types import (
    AssetClass,
    AssetCreate,
    AssetDvp,
    AssetIssue,
    AssetLicense,
    AssetRetire,
    AssetToken,
    AssetTransfer,
    TimeMs,
    item_token,
    unit_token,
)
from ledger.crypto import KeyPair
from ledger.encoding import Amount, Hex32, NetworkId, Wire
from ledger.types import KZT, Body, Memo, OutPoint, Output, Signature, Transaction
from wallet.builders import Coin, select_coins, signers_for


def sign(network: str, body: Body, signers: Iterable[KeyPair]) -> Transaction:
    """Encode and sign a body with each key once."""
    unique = {k.public_hex: k for k in signers}
    return Transaction.create(network, body, [unique[k] for k in sorted(unique)])


def _spend(coins: Sequence[Coin], amount: int, token: str) -> tuple[list[Coin], list[Output]]:
    """Coins of ``token`` covering ``amount`` and the change back to the first one's key."""
    chosen = select_coins(coins, amount, token)
    change = sum(c.output.amount for c in chosen) - amount
    back = [Output(owner=chosen[0].output.owner, amount=change, token=token)] if change else []
    return chosen, back


# -- the platform ------------------------------------------------------------------------


def asset_license(
    network: str,
    central_bank: KeyPair,
    wallet_id: str,
    licence: str,
    nonce: int,
    granted: bool = True,
) -> Transaction:
    """The National Bank licenses a wallet as a platform operator (or withdraws it)."""
    status: Literal["granted", "withdrawn"] = "granted" if granted else "withdrawn"
    body = AssetLicense(wallet_id=wallet_id, licence=licence, status=status, nonce=nonce)
    return sign(network, body, [central_bank])


def asset_create(network: str, platform: KeyPair, terms: AssetClass) -> Transaction:
    """Register an asset class; its id is :func:`assets.types.class_id`."""
    return sign(network, AssetCreate(terms=terms), [platform])


def asset_issue(
    network: str, platform: KeyPair, asset: str, grants: Sequence[Output]
) -> Transaction:
    """Issue units of a class of units: ``grants`` give each holder key an amount."""
    token = unit_token(asset)
    outputs = tuple(Output(owner=g.owner, amount=g.amount, token=token) for g in grants)
    return sign(network, AssetIssue(asset=asset, outputs=outputs), [platform])


def asset_issue_items(
    network: str, platform: KeyPair, asset: str, items: Sequence[tuple[str, str]]
) -> Transaction:
    """Issue items of a class of items: ``(item, holder key)`` pairs, one output each."""
    outputs = tuple(Output(owner=o, amount=1, token=item_token(asset, i)) for i, o in items)
    body = AssetIssue(asset=asset, outputs=outputs, items=tuple(i for i, _ in items))
    return sign(network, body, [platform])


def asset_retire(
    network: str,
    coins: Sequence[Coin],
    holder: Sequence[KeyPair],
    platform: KeyPair,
    token: str,
    units: int,
) -> Transaction:
    """The holder surrenders ``units`` of ``token``; the class's operator signs too."""
    chosen, change = _spend(coins, units, token)
    body = AssetRetire(inputs=tuple(c.point for c in chosen), units=units, change=tuple(change))
    return sign(network, body, [*signers_for(chosen, holder), platform])


# -- holders -------------------------------------------------------------------------------


def asset_transfer(
    network: str,
    coins: Sequence[Coin],
    keys: Sequence[KeyPair],
    token: str,
    to: str,
    units: int,
    memo: str = "",
) -> Transaction:
    """Move ``units`` of ``token`` to ``to``; the change stays on the first coin's key."""
    chosen, change = _spend(coins, units, token)
    outputs = (Output(owner=to, amount=units, token=token), *change)
    body = AssetTransfer(inputs=tuple(c.point for c in chosen), outputs=outputs, memo=memo)
    return sign(network, body, signers_for(chosen, keys))


class DvpOffer(Wire, frozen=True):
    """The seller's half of a DvP: what it delivers, for what price, to whom, from which coins."""

    network: NetworkId
    asset: AssetToken
    units: Amount
    price: Amount
    seller: Hex32
    buyer: Hex32
    inputs: tuple[OutPoint, ...]
    change: tuple[Output, ...] = ()
    deadline: TimeMs | None = None
    memo: Memo = ""


def offer(
    network: str,
    coins: Sequence[Coin],
    token: str,
    units: int,
    price: int,
    buyer: str,
    deadline: int | None = None,
    memo: str = "",
) -> DvpOffer:
    """The seller's offer of ``units`` of ``token`` from its ``coins`` for ``price`` tiyn."""
    chosen, change = _spend(coins, units, token)
    seller = chosen[0].output.owner
    return DvpOffer(
        network=network,
        asset=token,
        units=units,
        price=price,
        seller=seller,
        buyer=buyer,
        inputs=tuple(c.point for c in chosen),
        change=tuple(change),
        deadline=deadline,
        memo=memo,
    )


def accept_offer(terms: DvpOffer, coins: Sequence[Coin]) -> AssetDvp:
    """The whole DvP body: the offer completed with the buyer's KZT coins and change."""
    chosen, change = _spend(coins, terms.price, KZT)
    return AssetDvp(
        asset=terms.asset,
        units=terms.units,
        price=terms.price,
        seller=terms.seller,
        buyer=terms.buyer,
        inputs=(*terms.inputs, *(c.point for c in chosen)),
        change=(*terms.change, *change),
        deadline=terms.deadline,
        memo=terms.memo,
    )


class OfferMismatch(Exception):
    """The DvP body to countersign is not the offer that was made (raised before signing)."""

    def __init__(self, field: str) -> None:
        super().__init__(f"the DvP differs from the offer in {field!r}")
        self.field = field


def require_offer(terms: DvpOffer, body: AssetDvp) -> None:
    """The body delivers what the offer says, from the offer's coins, at its price."""
    for field in ("asset", "units", "price", "seller", "buyer", "deadline", "memo"):
        if getattr(terms, field) != getattr(body, field):
            raise OfferMismatch(field)
    if body.inputs[: len(terms.inputs)] != terms.inputs:
        raise OfferMismatch("inputs")
    if tuple(c for c in body.change if c.token == terms.asset) != terms.change:
        raise OfferMismatch("change")


def dvp(
    network: str,
    seller_coins: Sequence[Coin],
    buyer_coins: Sequence[Coin],
    token: str,
    units: int,
    price: int,
    buyer: str,
    keys: Sequence[KeyPair],
    deadline: int | None = None,
) -> Transaction:
    """Both halves at once, signed by every key in ``keys`` (one party holding both, or a test)."""
    terms = offer(network, seller_coins, token, units, price, buyer, deadline)
    body = accept_offer(terms, buyer_coins)
    coins = [*seller_coins, *buyer_coins]
    spent = {c.point for c in coins} & set(body.inputs)
    return sign(network, body, signers_for([c for c in coins if c.point in spent], keys))


def coins_of_token(tx: Transaction, token: str) -> list[Coin]:
    """The coins of ``token`` a transaction creates."""
    return [
        Coin(point=OutPoint(txid=tx.txid.hex(), index=i), output=o)
        for i, o in enumerate(tx.body.creates())
        if o.token == token
    ]


def countersign(tx: Transaction, keys: Iterable[KeyPair]) -> Transaction:
    """``tx`` with signatures of ``keys`` added (one per key, ordered by key)."""
    message = tx.message
    signatures = {s.key: s for s in tx.signatures}
    for key in keys:
        signatures.setdefault(key.public_hex, Signature(key.public_hex, key.sign(message).hex()))
    ordered = tuple(signatures[k] for k in sorted(signatures))
    return Transaction(tx.network, tx.body, ordered, tx.body_bytes, tx.txid)
