"""Wallet tier limits, shared by every kind that moves a wallet's value.

A wallet's *flow* in one transaction is what leaves it (``sent``) and what
enters it (``received``), netted per wallet so that change returning to the
payer is not counted. Limits apply to the net: per payment and daily to net
outflow, the balance cap to net inflow. Banks have no tier and no limits.

Value a wallet moves into what it holds outside its outputs (its offline
purse, ``WalletFlow.kept``) is outflow for the per-payment and daily limits
but stays in the balance the cap applies to (``balance + held``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NoReturn

import msgspec

from ledger.errors import BankInactive, LimitExceeded, UnregisteredRecipient, WalletFrozen
from ledger.records import KeyOwner, WalletRecord
from ledger.registry import BlockContext, WalletFlow
from ledger.state import StateView
from ledger.types import KZT, Output, TierLimits, is_money


def owner_of(key: str, state: StateView) -> KeyOwner:
    """Who holds a key; outputs to unregistered keys, or to keys that never
    hold outputs (an offline device's), are refused."""
    owner = state.key_owner(key)
    if owner is None or not owner.holds_outputs:
        raise UnregisteredRecipient(owner=key)
    return owner


def require_active(owner: KeyOwner, state: StateView) -> None:
    """The wallet is not frozen, or the bank is not suspended."""
    if owner.kind == "wallet":
        wallet = state.wallet(owner.id)
        if wallet is None or wallet.status != "active":
            raise WalletFrozen(wallet_id=owner.id)
    else:
        bank = state.bank(owner.id)
        if bank is None or bank.status != "active":
            raise BankInactive(bank_id=owner.id)


def active_owners(keys: Iterable[str], state: StateView) -> dict[str, KeyOwner]:
    """The owner of each distinct key, each checked to be registered and active."""
    owners: dict[str, KeyOwner] = {}
    for key in keys:
        if key not in owners:
            owner = owners[key] = owner_of(key, state)
            require_active(owner, state)
    return owners


def wallet_flows(
    spent: Iterable[Output], created: Iterable[Output], owners: Mapping[str, KeyOwner]
) -> dict[str, WalletFlow]:
    """Net money leaving and entering each wallet (banks are left out).

    Outputs of digital assets are not money and count for no limit (``is_money``).
    """
    net: dict[str, int] = {}
    for sign, outputs in ((-1, spent), (1, created)):
        for output in outputs:
            owner = owners[output.owner]
            # Outputs hold the one KZT object (Output.__post_init__): the usual case is one test.
            if owner.kind == "wallet" and (output.token is KZT or is_money(output.token)):
                net[owner.id] = net.get(owner.id, 0) + sign * output.amount
    return {
        wallet_id: WalletFlow(wallet_id, sent=max(-amount, 0), received=max(amount, 0))
        for wallet_id, amount in net.items()
    }


def check_limits(
    flows: Mapping[str, WalletFlow], state: StateView, block: BlockContext
) -> tuple[WalletRecord, ...]:
    """Refuse any tier limit breach; return the wallets with updated counters."""
    updated = []
    day = block.day
    for wallet_id in sorted(flows):
        wallet = state.wallet(wallet_id)
        if wallet is None:  # a key owner always names an existing wallet
            raise WalletFrozen(wallet_id=wallet_id)
        updated.append(_check_wallet(wallet, flows[wallet_id], state.limits(wallet.tier), day))
    return tuple(updated)


def _check_wallet(
    wallet: WalletRecord, flow: WalletFlow, limits: TierLimits, day: int
) -> WalletRecord:
    spent_today = wallet.day_outflow if wallet.day == day else 0
    breach = first_breach(wallet, limits, flow.sent, flow.received, spent_today)
    if breach is not None:
        _exceeded(wallet, *breach)
    return msgspec.structs.replace(
        wallet,
        balance=wallet.balance + flow.received - flow.sent + flow.drawn,
        held=wallet.held + flow.kept,
        day=day,
        day_outflow=spent_today + flow.sent,
    )


def first_breach(
    wallet: WalletRecord, limits: TierLimits, sent: int, received: int, spent_today: int
) -> tuple[str, int, int] | None:
    """The first tier limit that sending ``sent`` and receiving ``received`` today would
    break, as (limit, allowed, requested); None within every limit."""
    if sent:
        if limits.per_payment is not None and sent > limits.per_payment:
            return "per_payment", limits.per_payment, sent
        if limits.daily is not None and sent > limits.daily - spent_today:
            return "daily", limits.daily - spent_today, sent
    if received and limits.balance_cap is not None:
        room = limits.balance_cap - wallet.balance - wallet.held
        if received > room:
            return "balance", room, received
    return None


def _exceeded(wallet: WalletRecord, limit: str, allowed: int, requested: int) -> NoReturn:
    raise LimitExceeded(
        wallet_id=wallet.wallet_id, limit=limit, allowed=max(allowed, 0), requested=requested
    )
