"""Build and sign every transaction kind. Phone-side: uses only ledger types and crypto."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import msgspec

from ledger.crypto import KeyPair
from ledger.types import (
    KZT,
    BankRegister,
    BankUpdate,
    DepositLink,
    Issue,
    LimitsSet,
    OutPoint,
    Output,
    PoolFund,
    PoolWithdraw,
    Redeem,
    ReverseMandate,
    Tier,
    TierLimits,
    Transaction,
    Transfer,
    WalletOpen,
    WalletUpdate,
)


class Coin(msgspec.Struct, frozen=True):
    """An unspent output the wallet can spend, with where it sits."""

    point: OutPoint
    output: Output


class InsufficientFunds(Exception):
    """The wallet's coins do not cover the payment (raised before signing)."""

    def __init__(self, needed: int, available: int) -> None:
        super().__init__(f"need {needed} tiyn, have {available}")
        self.needed, self.available = needed, available


def select_coins(coins: Iterable[Coin], amount: int, token: str = KZT) -> list[Coin]:
    """Largest-first selection of coins of one token covering ``amount``."""
    chosen: list[Coin] = []
    total = 0
    for coin in sorted(coins, key=lambda c: (-c.output.amount, c.point.txid, c.point.index)):
        if coin.output.token != token:
            continue
        if total >= amount:
            break
        chosen.append(coin)
        total += coin.output.amount
    if total < amount:
        raise InsufficientFunds(amount, total)
    return chosen


def pay(
    network: str,
    coins: Sequence[Coin],
    keys: Sequence[KeyPair],
    to: str,
    amount: int,
    change_to: str,
    memo: str = "",
    token: str = KZT,
) -> Transaction:
    """A transfer of ``amount`` to ``to`` from selected ``coins``; change back."""
    chosen = select_coins(coins, amount, token)
    change = sum(c.output.amount for c in chosen) - amount
    outputs = [Output(owner=to, amount=amount, token=token)]
    if change:
        outputs.append(Output(owner=change_to, amount=change, token=token))
    body = Transfer(inputs=tuple(c.point for c in chosen), outputs=tuple(outputs), memo=memo)
    return Transaction.create(network, body, signers_for(chosen, keys))


def signers_for(coins: Sequence[Coin], keys: Sequence[KeyPair]) -> list[KeyPair]:
    """The key pairs of the coins' owners, once each (every owner must be among ``keys``)."""
    by_public = {k.public_hex: k for k in keys}
    owners = sorted({c.output.owner for c in coins})
    missing = [o for o in owners if o not in by_public]
    if missing:
        raise KeyError(f"no key pair for owner {missing[0]}")
    return [by_public[o] for o in owners]


def transfer(
    network: str, coins: Sequence[Coin], outputs: Sequence[Output], keys: Sequence[KeyPair]
) -> Transaction:
    """A transfer spending exactly ``coins`` into ``outputs`` (caller balances it)."""
    body = Transfer(inputs=tuple(c.point for c in coins), outputs=tuple(outputs))
    return Transaction.create(network, body, signers_for(coins, keys))


def bank_register(
    network: str, central_bank: KeyPair, bank_id: str, name: str, keys: Sequence[str], limit: int
) -> Transaction:
    body = BankRegister(bank_id=bank_id, name=name, keys=tuple(keys), issuance_limit=limit)
    return Transaction.create(network, body, [central_bank])


def bank_update(
    network: str,
    central_bank: KeyPair,
    bank_id: str,
    *,
    nonce: int,
    issuance_limit: int | None = None,
    status: str | None = None,
    add_keys: Sequence[str] = (),
) -> Transaction:
    body = BankUpdate(
        bank_id=bank_id,
        nonce=nonce,
        issuance_limit=issuance_limit,
        status=status,  # type: ignore[arg-type]
        add_keys=tuple(add_keys),
    )
    return Transaction.create(network, body, [central_bank])


def issue(
    network: str, central_bank: KeyPair, bank_id: str, outputs: Sequence[Output], nonce: int
) -> Transaction:
    body = Issue(bank_id=bank_id, outputs=tuple(outputs), nonce=nonce)
    return Transaction.create(network, body, [central_bank])


def redeem(
    network: str, bank_id: str, coins: Sequence[Coin], amount: int, keys: Sequence[KeyPair]
) -> Transaction:
    """Return ``amount`` to the central bank; change stays on the first coin's key."""
    change = sum(c.output.amount for c in coins) - amount
    change_outputs = (Output(owner=coins[0].output.owner, amount=change),) if change > 0 else ()
    body = Redeem(
        bank_id=bank_id,
        inputs=tuple(c.point for c in coins),
        amount=amount,
        change=change_outputs,
    )
    return Transaction.create(network, body, signers_for(coins, keys))


def wallet_open(
    network: str,
    bank_key: KeyPair,
    bank_id: str,
    wallet_id: str,
    tier: Tier,
    keys: Sequence[str],
    mcc: str | None = None,
    region: str | None = None,
) -> Transaction:
    body = WalletOpen(
        wallet_id=wallet_id, bank_id=bank_id, tier=tier, keys=tuple(keys), mcc=mcc, region=region
    )
    return Transaction.create(network, body, [bank_key])


def wallet_update(
    network: str,
    bank_key: KeyPair,
    wallet_id: str,
    *,
    nonce: int,
    tier: Tier | None = None,
    status: str | None = None,
    add_keys: Sequence[str] = (),
) -> Transaction:
    body = WalletUpdate(
        wallet_id=wallet_id,
        nonce=nonce,
        tier=tier,
        status=status,  # type: ignore[arg-type]
        add_keys=tuple(add_keys),
    )
    return Transaction.create(network, body, [bank_key])


def limits_set(
    network: str, central_bank: KeyPair, tier: Tier, limits: TierLimits, nonce: int
) -> Transaction:
    body = LimitsSet(tier=tier, limits=limits, nonce=nonce)
    return Transaction.create(network, body, [central_bank])


def link_deposit(
    network: str, bank_key: KeyPair, wallet_id: str, deposit: str | None, *, nonce: int = 0
) -> Transaction:
    """The wallet's bank links ``deposit`` for the waterfall (None unlinks it)."""
    body = DepositLink(wallet_id=wallet_id, deposit=deposit, nonce=nonce)
    return Transaction.create(network, body, [bank_key])


def reverse_mandate(
    network: str, keys: Sequence[KeyPair], wallet_id: str, per_payment: int | None, nonce: int = 0
) -> Transaction:
    """The wallet's standing mandate for the reverse waterfall (None revokes it)."""
    body = ReverseMandate(wallet_id=wallet_id, per_payment=per_payment, nonce=nonce)
    return Transaction.create(network, body, list(keys))


def pay_with_shortfall(
    network: str,
    coins: Sequence[Coin],
    keys: Sequence[KeyPair],
    to: str,
    amount: int,
    memo: str = "",
) -> Transaction:
    """Pay ``amount`` from every KZT coin given, the rest pulled from the bank's waterfall
    pool under the wallet's mandate (the reverse waterfall)."""
    spent = [c for c in coins if c.output.token == KZT]
    shortfall = amount - sum(c.output.amount for c in spent)
    if shortfall <= 0 or not spent:
        raise ValueError("the coins cover the payment: use pay()")
    body = Transfer(
        inputs=tuple(c.point for c in spent),
        outputs=(Output(owner=to, amount=amount),),
        memo=memo,
        shortfall=shortfall,
    )
    return Transaction.create(network, body, signers_for(spent, keys))


def pool_fund(
    network: str, bank_id: str, coins: Sequence[Coin], amount: int, keys: Sequence[KeyPair]
) -> Transaction:
    """Move ``amount`` of the bank's reserve coins into its waterfall pool; change stays on
    the first coin's key."""
    change = sum(c.output.amount for c in coins) - amount
    change_outputs = (Output(owner=coins[0].output.owner, amount=change),) if change > 0 else ()
    body = PoolFund(
        bank_id=bank_id, inputs=tuple(c.point for c in coins), amount=amount, change=change_outputs
    )
    return Transaction.create(network, body, signers_for(coins, keys))


def pool_withdraw(
    network: str, bank_key: KeyPair, bank_id: str, amount: int, nonce: int = 0
) -> Transaction:
    """Take ``amount`` from the bank's waterfall pool back to ``bank_key``."""
    body = PoolWithdraw(bank_id=bank_id, amount=amount, to=bank_key.public_hex, nonce=nonce)
    return Transaction.create(network, body, [bank_key])


def coins_of(tx: Transaction, owner: str | None = None) -> list[Coin]:
    """The coins a transaction creates (optionally only those of one owner)."""
    return [
        Coin(point=OutPoint(txid=tx.txid.hex(), index=i), output=o)
        for i, o in enumerate(tx.body.creates())
        if owner is None or o.owner == owner
    ]
