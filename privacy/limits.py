"""Tier limits on private value: the core's own check, fed the wallet's whole position.

A wallet that pays or holds privately is still one wallet to its tier: the
balance cap counts open outputs plus private notes, the daily limit counts
open plus private outflow. :func:`check_combined` hands the core's
:func:`~ledger.rules.limits.check_limits` a view in which each wallet's record
carries those combined figures, so the very same function refuses with the
very same :class:`~ledger.errors.LimitExceeded` (``limit`` = ``per_payment``,
``daily``, ``balance``). The level's own caps follow (``private_per_payment``,
``private_daily``; ``anonymous_*`` for withdrawals), with the same error class.

Only the validator can run this for a private payment (the private figures
are in its book); open payments get the same combined check at the producer
through :func:`open_payment_guard`, a registry guard.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import msgspec

from ledger.errors import LimitExceeded, UnknownWallet
from ledger.records import WalletRecord
from ledger.registry import BlockContext, Pending, WalletFlow, Write
from ledger.rules.limits import check_limits, wallet_flows
from ledger.state import StateView
from ledger.types import TierLimits
from privacy.book import BookEntry, LimitBook
from privacy.errors import PrivacyLevelNotAllowed
from privacy.types import LevelCaps

SELF_CHECKED = frozenset({"private.transfer"})


class CombinedWallets(StateView):
    """The state as tier limits see wallets that also hold private value."""

    def __init__(self, view: StateView, records: Mapping[str, WalletRecord]) -> None:
        super().__init__(view.store)
        self._view, self._records = view, records

    def wallet(self, wallet_id: str) -> WalletRecord | None:
        return self._records.get(wallet_id) or self._view.wallet(wallet_id)

    def limits(self, tier: str) -> TierLimits:
        return self._view.limits(tier)


def combined(record: WalletRecord, entry: BookEntry, day: int) -> WalletRecord:
    """The open record with private holdings and today's private outflow added."""
    open_today = record.day_outflow if record.day == day else 0
    return msgspec.structs.replace(
        record,
        balance=record.balance + entry.balance,
        day=day,
        day_outflow=open_today + entry.today(day),
    )


def check_combined(
    flows: Mapping[str, WalletFlow],
    open_deltas: Mapping[str, int],
    book: LimitBook,
    state: StateView,
    block: BlockContext,
    entries: Mapping[str, BookEntry] | None = None,
) -> list[Write]:
    """Tier limits on each wallet's whole position; the book entries to write.

    The whole outflow goes to the book (a public record may not move by a
    private amount); the open record changes only by its open outputs' delta,
    which the caller writes.
    """
    known = entries or {}
    entries = {w: known[w] if w in known else book.read(state, w) for w in flows}
    records = {}
    for wallet_id in flows:
        record = state.wallet(wallet_id)
        if record is not None:
            records[wallet_id] = combined(record, entries[wallet_id], block.day)
    updated = check_limits(flows, CombinedWallets(state, records), block)
    writes = []
    for new in updated:
        old = state.wallet(new.wallet_id)
        if old is None:  # check_limits refused unknown wallets
            raise UnknownWallet(wallet_id=new.wallet_id)
        open_balance = old.balance + open_deltas.get(new.wallet_id, 0)
        entry = BookEntry(
            balance=new.balance - open_balance,
            day=block.day,
            day_outflow=entries[new.wallet_id].today(block.day) + flows[new.wallet_id].sent,
        )
        writes.append(book.write(new.wallet_id, entry))
    return writes


def check_level(wallet: WalletRecord, caps: LevelCaps, level: str, sent: int, today: int) -> None:
    """The level is allowed for the tier, and this outflow is within its caps."""
    if caps.access == "barred":
        raise PrivacyLevelNotAllowed(wallet_id=wallet.wallet_id, tier=wallet.tier, level=level)
    _within(wallet, f"{level}_per_payment", caps.per_payment, sent)
    if caps.daily is not None:
        _within(wallet, f"{level}_daily", caps.daily - today, sent)


def _within(wallet: WalletRecord, limit: str, allowed: int | None, requested: int) -> None:
    if allowed is not None and requested > allowed:
        raise LimitExceeded(
            wallet_id=wallet.wallet_id, limit=limit, allowed=max(allowed, 0), requested=requested
        )


def open_payment_guard(book: LimitBook) -> Callable[[Pending, StateView], None]:
    """A registry guard: open payments see the private figures of wallets that have any."""

    def guard(pending: Pending, state: StateView) -> None:
        if pending.tx.kind in SELF_CHECKED or not book.any_filed(state):
            return
        created = pending.tx.body.creates()
        keys = {o.owner for o in (*pending.spent, *created)}
        owners = {k: state.key_owner(k) for k in keys}
        known = {k: o for k, o in owners.items() if o is not None}
        if len(known) != len(owners):
            return  # the kind's own check refuses unregistered keys
        flows = wallet_flows(pending.spent, created, known)
        private = {w: f for w, f in flows.items() if not book.read(state, w).empty}
        if private:
            check_combined(private, {}, book, state, pending.block)

    return guard
