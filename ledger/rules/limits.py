"""Wallet tier limits, shared by every kind that moves a wallet's value.

A wallet's *flow* in one transaction is what leaves it (``sent``) and what
enters it (``received``), netted per wallet so that change returning to the
payer is not counted. Limits apply to the net: per payment and daily to net
outflow, the balance cap to net inflow. Banks have no tier and no limits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import msgspec

from ledger.errors import BankInactive, LimitExceeded, UnregisteredRecipient, WalletFrozen
from ledger.records import KeyOwner, WalletRecord
from ledger.registry import BlockContext, WalletFlow
from ledger.state import StateView
from ledger.types import Output


def owner_of(key: str, state: StateView) -> KeyOwner:
    """Who holds a key; outputs to unregistered keys are refused."""
    owner = state.key_owner(key)
    if owner is None:
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


def wallet_flows(
    spent: Iterable[Output], created: Iterable[Output], state: StateView
) -> dict[str, WalletFlow]:
    """Net value leaving and entering each wallet; checks every party is active."""
    sent: dict[str, int] = {}
    received: dict[str, int] = {}
    for totals, outputs in ((sent, spent), (received, created)):
        for output in outputs:
            owner = owner_of(output.owner, state)
            require_active(owner, state)
            if owner.kind == "wallet":
                totals[owner.id] = totals.get(owner.id, 0) + output.amount
    flows = {}
    for wallet_id in sent.keys() | received.keys():
        net = received.get(wallet_id, 0) - sent.get(wallet_id, 0)
        flows[wallet_id] = WalletFlow(wallet_id, sent=max(-net, 0), received=max(net, 0))
    return flows


def check_limits(
    flows: Mapping[str, WalletFlow], state: StateView, block: BlockContext
) -> tuple[WalletRecord, ...]:
    """Refuse any tier limit breach; return the wallets with updated counters."""
    return tuple(
        _check_wallet(_wallet(flow.wallet_id, state), flow, state, block)
        for flow in sorted(flows.values(), key=lambda f: f.wallet_id)
    )


def _wallet(wallet_id: str, state: StateView) -> WalletRecord:
    wallet = state.wallet(wallet_id)
    if wallet is None:  # a key owner always names an existing wallet
        raise WalletFrozen(wallet_id=wallet_id)
    return wallet


def _check_wallet(
    wallet: WalletRecord, flow: WalletFlow, state: StateView, block: BlockContext
) -> WalletRecord:
    limits = state.limits(wallet.tier)
    spent_today = wallet.day_outflow if wallet.day == block.day else 0
    if flow.sent:
        _within(wallet, "per_payment", limits.per_payment, flow.sent)
        if limits.daily is not None:
            _within(wallet, "daily", limits.daily - spent_today, flow.sent)
    if flow.received and limits.balance_cap is not None:
        _within(wallet, "balance", limits.balance_cap - wallet.balance, flow.received)
    return msgspec.structs.replace(
        wallet,
        balance=wallet.balance + flow.received - flow.sent,
        day=block.day,
        day_outflow=spent_today + flow.sent,
    )


def _within(wallet: WalletRecord, limit: str, allowed: int | None, requested: int) -> None:
    if allowed is not None and requested > allowed:
        raise LimitExceeded(
            wallet_id=wallet.wallet_id, limit=limit, allowed=max(allowed, 0), requested=requested
        )
