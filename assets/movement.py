"""Moving assets: ``asset.transfer`` (assets only) and ``asset.dvp`` (asset against tenge).

Every movement of an asset is a ledger transaction, as the law requires of
secured digital assets. A delivery versus payment is *one* transaction
with both legs: the seller's asset outputs and the buyer's KZT are its
inputs, the asset to the buyer and the price to the seller its outputs, so
both legs settle in the same block or neither does. Its tenge leg is a
payment like any other: the wallets must be active, and the buyer's
per-payment and daily limits and the seller's balance cap apply (the
core's :func:`~ledger.rules.limits.check_limits`; assets never count).
"""

from __future__ import annotations

from collections.abc import Iterable

from assets.changes import changes, token_record
from assets.errors import DvpExpired, DvpLegMismatch, InvalidAsset
from assets.types import AssetDvp, AssetTransfer, is_asset
from ledger.errors import TokenNotAllowed
from ledger.records import KeyOwner
from ledger.registry import Effect, Pending, TxRule, apply_writes
from ledger.rules.limits import active_owners, check_limits, wallet_flows
from ledger.rules.transfer import check_conservation
from ledger.state import StateView
from ledger.types import KZT, Body, Output
from ledger.validation import as_body, body_of, require_signers

# -- asset.transfer -----------------------------------------------------------------------


def validate_transfer(body: Body) -> None:
    """Only asset tokens: tenge moves with ``transfer`` or, against an asset, ``asset.dvp``."""
    body = as_body(body, AssetTransfer)
    for output in body.outputs:
        if not is_asset(output.token):
            raise InvalidAsset(field="outputs", reason="asset.transfer moves digital assets only")


def check_transfer(pending: Pending, state: StateView) -> Effect:
    """The holders sign; per token what is spent is created; every party registered and active."""
    body = body_of(pending.tx, AssetTransfer)
    require_signers(pending.tx, {o.owner for o in pending.spent})
    for token in sorted(check_conservation(pending.spent, body.outputs)):
        token_record(token, state)
    owners = active_owners([o.owner for o in (*pending.spent, *body.outputs)], state)
    return changes((), parties=_wallet_ids(owners.values()))


def _wallet_ids(owners: Iterable[KeyOwner]) -> list[str]:
    return sorted({o.id for o in owners if o.kind == "wallet"})


# -- asset.dvp ----------------------------------------------------------------------------


def validate_dvp(body: Body) -> None:
    """Two different keys; at most one change output per leg, in the leg's token."""
    body = as_body(body, AssetDvp)
    if body.seller == body.buyer:
        raise InvalidAsset(field="buyer", reason="the buyer is not the seller")
    tokens = [o.token for o in body.change]
    if len(set(tokens)) != len(tokens) or not set(tokens) <= {body.asset, KZT}:
        raise InvalidAsset(field="change", reason="at most one asset and one KZT change output")


def check_dvp(pending: Pending, state: StateView) -> Effect:
    """Before the deadline, each leg from its own party, signed by both; the tenge leg within
    the limits of any payment. Returns the wallets' new balances."""
    body = body_of(pending.tx, AssetDvp)
    time_ms = pending.block.time_ms
    if body.deadline is not None and time_ms >= body.deadline:
        raise DvpExpired(deadline=body.deadline, time_ms=time_ms)
    token_record(body.asset, state)
    created = body.creates()
    owners = active_owners([o.owner for o in (*pending.spent, *created)], state)
    seller, buyer = owners[body.seller].id, owners[body.buyer].id
    if seller == buyer:
        raise DvpLegMismatch(leg="tenge", field="parties", expected="two parties", got=seller)
    legs = {body.asset: ("asset", seller), KZT: ("tenge", buyer)}
    for field, outputs in (("inputs", pending.spent), ("change", body.change)):
        _check_leg(field, outputs, legs, owners)
    check_conservation(pending.spent, created)
    require_signers(pending.tx, {o.owner for o in pending.spent})
    wallets = check_limits(wallet_flows(pending.spent, created, owners), state, pending.block)
    return changes(wallets, parties=_wallet_ids([owners[body.seller], owners[body.buyer]]))


def _check_leg(
    field: str,
    outputs: Iterable[Output],
    legs: dict[str, tuple[str, str]],
    owners: dict[str, KeyOwner],
) -> None:
    """Each output is of a leg's token and held by that leg's party: the asset's by the seller,
    the KZT by the buyer."""
    for output in outputs:
        if output.token not in legs:
            raise TokenNotAllowed(token=output.token)
        leg, party = legs[output.token]
        holder = owners[output.owner].id
        if holder != party:
            raise DvpLegMismatch(leg=leg, field=field, expected=party, got=holder)


RULES = (
    TxRule("asset.transfer", AssetTransfer, check_transfer, apply_writes, validate_transfer),
    TxRule("asset.dvp", AssetDvp, check_dvp, apply_writes, validate_dvp),
)
