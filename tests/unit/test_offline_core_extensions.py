"""The small generic extension points the offline module needs from the core.

- ``WalletFlow.kept``: outflow that stays the wallet's (held outside its
  outputs): it counts for the per-payment and daily limits and stays inside
  the balance the cap applies to (``WalletRecord.held``).
- ``KeyOwner`` kind ``device``: a registered key that never holds outputs.
- ``schema.offline_key``: a consensus prefix for the module's records.
"""

from __future__ import annotations

import pytest

from ledger.encoding import canonical
from ledger.errors import LimitExceeded, UnregisteredRecipient
from ledger.records import KeyOwner, WalletRecord
from ledger.registry import BlockContext, WalletFlow
from ledger.rules.limits import check_limits, owner_of
from ledger.state import StateView
from ledger.storage import schema
from ledger.storage.memory import MemoryStore
from ledger.types import TierLimits

BLOCK = BlockContext(network="kzt-test", height=1, time_ms=0, central_bank_keys=frozenset())
KEY = "ab" * 32


def view_with(wallet: WalletRecord, limits: TierLimits) -> StateView:
    view = StateView(MemoryStore())
    view.put_wallet(wallet)
    view.write(schema.limits_key(wallet.tier), limits)
    return view


def test_kept_outflow_counts_for_daily_limits_and_stays_in_the_capped_balance() -> None:
    wallet = WalletRecord(wallet_id="w", bank_id="b", tier="basic", keys=(KEY,), balance=1_000)
    view = view_with(wallet, TierLimits(balance_cap=1_000, per_payment=500, daily=600))
    (after,) = check_limits({"w": WalletFlow("w", sent=400, kept=400)}, view, BLOCK)
    assert (after.balance, after.held, after.day_outflow) == (600, 400, 400)
    with pytest.raises(LimitExceeded) as daily:
        check_limits(
            {"w": WalletFlow("w", sent=300, kept=300)},
            view_with(after, TierLimits(daily=600)),
            BLOCK,
        )
    assert daily.value.limit == "daily"
    with pytest.raises(LimitExceeded) as cap:  # 600 in outputs + 400 held = the 1,000 cap
        check_limits(
            {"w": WalletFlow("w", received=1)},
            view_with(after, TierLimits(balance_cap=1_000)),
            BLOCK,
        )
    assert (cap.value.limit, cap.value.allowed) == ("balance", 0)


def test_a_wallet_that_holds_nothing_outside_outputs_encodes_as_before() -> None:
    wallet = WalletRecord(wallet_id="w", bank_id="b", tier="basic", keys=(KEY,), balance=5)
    assert b"held" not in canonical(wallet)  # existing state digests are unchanged


def test_device_keys_are_registered_but_never_hold_outputs() -> None:
    view = StateView(MemoryStore())
    view.put_key_owner(KEY, KeyOwner(kind="device", id="1f"))
    assert not KeyOwner(kind="device", id="1f").holds_outputs
    assert (
        KeyOwner(kind="wallet", id="w").holds_outputs
        and KeyOwner(kind="bank", id="b").holds_outputs
    )
    with pytest.raises(UnregisteredRecipient):
        owner_of(KEY, view)


def test_offline_records_are_consensus_state() -> None:
    key = schema.offline_key("purse", "00" * 32)
    assert key.startswith(schema.OFFLINE) and schema.is_consensus(key)
