"""Wallets: banks open and update their own; tiers limit what wallets move."""

from __future__ import annotations

import pytest

from ledger.errors import (
    BankInactive,
    DuplicateKey,
    KeyInUse,
    LimitExceeded,
    MissingSignature,
    NotAuthorized,
    UnknownBank,
    UnknownWallet,
    WalletExists,
    WalletFrozen,
)
from ledger.params import kzt
from ledger.queries import bank_wallets, history, wallet
from ledger.records import WalletRecord
from ledger.types import TierLimits, Transaction, WalletOpen
from tests.harness import NETWORK, T0, Harness, key
from wallet import builders

ALMATY_MIDNIGHT = T0 + 19 * 3600 * 1000  # 2026-01-02 00:00 in Almaty is 19:00 UTC


def record(net: Harness, wallet_id: str) -> WalletRecord:
    found = wallet(net.store, wallet_id)
    assert found is not None
    return found


def limit_error(net: Harness, tx: Transaction, advance_ms: int = 1000) -> LimitExceeded:
    error = net.refusal(tx, advance_ms)
    assert isinstance(error, LimitExceeded), error
    return error


@pytest.fixture
def halyk(net: Harness) -> Harness:
    net.add_bank("halyk", reserve=kzt(100_000_000))
    return net


# -- opening and updating ------------------------------------------------------


def test_bank_opens_a_wallet_with_its_tier_and_keys(halyk: Harness) -> None:
    alice = halyk.add_wallet("alice", "halyk", "anonymous")
    found = record(halyk, "alice")
    assert (found.bank_id, found.tier, found.keys) == ("halyk", "anonymous", (alice.public_hex,))
    assert (found.status, found.balance) == ("active", 0)
    assert bank_wallets(halyk.store, "halyk") == ["alice"]
    assert len(history(halyk.store, "alice")) == 1


def test_bank_cannot_open_a_wallet_for_another_bank(halyk: Harness) -> None:
    kaspi = halyk.add_bank("kaspi", reserve=0)
    tx = builders.wallet_open(NETWORK, kaspi, "halyk", "alice", "basic", [key("alice").public_hex])
    error = halyk.refusal(tx)
    assert isinstance(error, NotAuthorized)
    assert (error.action, error.signer) == ("wallet.open", kaspi.public_hex)


def test_central_bank_cannot_open_a_wallet(halyk: Harness) -> None:
    tx = builders.wallet_open(NETWORK, halyk.cb, "halyk", "alice", "basic", [key("a").public_hex])
    error = halyk.refusal(tx)
    assert isinstance(error, NotAuthorized)
    assert error.signer == halyk.cb.public_hex


def test_bank_cannot_update_another_banks_wallet(halyk: Harness) -> None:
    kaspi = halyk.add_bank("kaspi", reserve=0)
    halyk.add_wallet("alice", "halyk")
    error = halyk.refusal(builders.wallet_update(NETWORK, kaspi, "alice", nonce=1, status="frozen"))
    assert isinstance(error, NotAuthorized)
    assert (error.action, error.signer) == ("wallet.update", kaspi.public_hex)
    assert record(halyk, "alice").status == "active"


def test_opening_a_wallet_id_twice_is_a_conflict(halyk: Harness) -> None:
    halyk.add_wallet("alice", "halyk")
    tx = builders.wallet_open(
        NETWORK, key("halyk"), "halyk", "alice", "full", [key("alice-2").public_hex]
    )
    error = halyk.refusal(tx)
    assert isinstance(error, WalletExists)
    assert error.wallet_id == "alice"


@pytest.mark.parametrize("holder", ["bob", "halyk"])
def test_opening_a_wallet_with_a_key_already_registered_is_a_conflict(
    halyk: Harness, holder: str
) -> None:
    halyk.add_wallet("bob", "halyk")
    taken = key(holder).public_hex
    error = halyk.refusal(
        builders.wallet_open(NETWORK, key("halyk"), "halyk", "alice", "basic", [taken])
    )
    assert isinstance(error, KeyInUse)
    assert error.key == taken


def test_opening_a_wallet_with_a_key_listed_twice_is_invalid(halyk: Harness) -> None:
    k = key("alice").public_hex
    tx = builders.wallet_open(NETWORK, key("halyk"), "halyk", "alice", "basic", [k, k])
    error = halyk.refusal(tx)
    assert isinstance(error, DuplicateKey)
    assert error.key == k


def test_opening_a_wallet_at_an_unknown_bank_is_refused(halyk: Harness) -> None:
    tx = builders.wallet_open(
        NETWORK, key("halyk"), "nobank", "alice", "basic", [key("a").public_hex]
    )
    error = halyk.refusal(tx)
    assert isinstance(error, UnknownBank)
    assert error.bank_id == "nobank"


def test_suspended_bank_cannot_open_wallets(halyk: Harness) -> None:
    halyk.commit(builders.bank_update(NETWORK, halyk.cb, "halyk", nonce=1, status="suspended"))
    tx = builders.wallet_open(
        NETWORK, key("halyk"), "halyk", "alice", "basic", [key("a").public_hex]
    )
    error = halyk.refusal(tx)
    assert isinstance(error, BankInactive)
    assert error.bank_id == "halyk"


def test_updating_an_unknown_wallet_is_refused(halyk: Harness) -> None:
    error = halyk.refusal(
        builders.wallet_update(NETWORK, key("halyk"), "ghost", nonce=1, tier="full")
    )
    assert isinstance(error, UnknownWallet)
    assert error.wallet_id == "ghost"


def test_added_key_belongs_to_the_wallet_and_can_receive(halyk: Harness) -> None:
    halyk.add_wallet("alice", "halyk")
    spare = key("alice-spare")
    halyk.commit(
        builders.wallet_update(NETWORK, key("halyk"), "alice", nonce=1, add_keys=[spare.public_hex])
    )
    halyk.commit(halyk.pay(key("halyk"), spare, kzt(5)))
    assert record(halyk, "alice").keys == (key("alice").public_hex, spare.public_hex)
    assert record(halyk, "alice").balance == kzt(5)


def test_frozen_wallet_can_neither_send_nor_receive_until_unfrozen(halyk: Harness) -> None:
    alice = halyk.add_wallet("alice", "halyk", funds=kzt(100))
    bob = halyk.add_wallet("bob", "halyk", funds=kzt(100))
    halyk.commit(builders.wallet_update(NETWORK, key("halyk"), "alice", nonce=1, status="frozen"))
    sends, receives = halyk.pay(alice, bob, kzt(1)), halyk.pay(bob, alice, kzt(1))
    for tx in (sends, receives, halyk.pay(key("halyk"), alice, kzt(1))):
        error = halyk.refusal(tx)
        assert isinstance(error, WalletFrozen)
        assert error.wallet_id == "alice"
    halyk.commit(builders.wallet_update(NETWORK, key("halyk"), "alice", nonce=2, status="active"))
    halyk.commit(sends)
    assert (halyk.balance(alice), halyk.balance(bob)) == (kzt(99), kzt(101))


def test_wallet_open_without_any_signature_is_refused(halyk: Harness) -> None:
    body = WalletOpen(
        wallet_id="mallory", bank_id="halyk", tier="business", keys=(key("m").public_hex,)
    )
    error = halyk.refusal(Transaction.create(NETWORK, body, []))
    assert isinstance(error, NotAuthorized | MissingSignature)


# -- tier limits (DESIGN.md defaults) ------------------------------------------


def test_payment_over_the_per_payment_limit_is_rejected(halyk: Harness) -> None:
    alice = halyk.add_wallet("alice", "halyk", "anonymous", funds=kzt(100_000))
    bob = halyk.add_wallet("bob", "halyk", "business")
    error = limit_error(halyk, halyk.pay(alice, bob, kzt(50_000) + 1))
    assert (error.wallet_id, error.limit) == ("alice", "per_payment")
    assert (error.allowed, error.requested) == (kzt(50_000), kzt(50_000) + 1)
    halyk.commit(halyk.pay(alice, bob, kzt(50_000)))


def test_transfer_over_daily_limit_is_rejected(halyk: Harness) -> None:
    alice = halyk.add_wallet("alice", "halyk", "anonymous", funds=kzt(300_000))
    bob = halyk.add_wallet("bob", "halyk", "business")
    halyk.commit(halyk.pay(alice, bob, kzt(50_000)))
    halyk.commit(halyk.pay(alice, bob, kzt(40_000)))
    error = limit_error(halyk, halyk.pay(alice, bob, kzt(10_000) + 1))
    assert (error.wallet_id, error.limit) == ("alice", "daily")
    assert (error.allowed, error.requested) == (kzt(10_000), kzt(10_000) + 1)
    halyk.commit(halyk.pay(alice, bob, kzt(10_000)))
    assert record(halyk, "alice").day_outflow == kzt(100_000)


def test_daily_limit_resets_at_almaty_midnight(halyk: Harness) -> None:
    alice = halyk.add_wallet("alice", "halyk", "anonymous", funds=kzt(300_000))
    bob = halyk.add_wallet("bob", "halyk", "business")
    halyk.commit(halyk.pay(alice, bob, kzt(50_000)))
    halyk.commit(halyk.pay(alice, bob, kzt(50_000)))
    payment = halyk.pay(alice, bob, kzt(1))
    error = limit_error(halyk, payment, advance_ms=ALMATY_MIDNIGHT - 1 - halyk.time_ms)
    assert (error.limit, error.allowed, error.requested) == ("daily", 0, kzt(1))
    (outcome,) = halyk.block([payment], advance_ms=1)  # the first block of the new day
    assert outcome.committed
    assert halyk.chain.tip.time_ms == ALMATY_MIDNIGHT
    assert record(halyk, "alice").day_outflow == kzt(1)


def test_payment_over_the_receivers_balance_cap_is_rejected(halyk: Harness) -> None:
    alice = halyk.add_wallet("alice", "halyk", "basic", funds=kzt(50_000))
    bob = halyk.add_wallet("bob", "halyk", "anonymous", funds=kzt(260_000))
    error = limit_error(halyk, halyk.pay(alice, bob, kzt(40_000) + 1))
    assert (error.wallet_id, error.limit) == ("bob", "balance")
    assert (error.allowed, error.requested) == (kzt(40_000), kzt(40_000) + 1)
    halyk.commit(halyk.pay(alice, bob, kzt(40_000)))
    assert record(halyk, "bob").balance == kzt(300_000)


def test_change_back_to_the_payer_does_not_count_against_limits(halyk: Harness) -> None:
    alice = halyk.add_wallet("alice", "halyk", "anonymous", funds=kzt(300_000))
    bob = halyk.add_wallet("bob", "halyk", "business")
    assert [c.output.amount for c in halyk.coins(alice)] == [kzt(300_000)]
    halyk.commit(halyk.pay(alice, bob, kzt(40_000)))  # spends 300,000, gets 260,000 back
    after = record(halyk, "alice")
    assert (after.balance, after.day_outflow) == (kzt(260_000), kzt(40_000))


def test_business_wallets_and_banks_have_no_limits(halyk: Harness) -> None:
    shop = halyk.add_wallet("shop", "halyk", "business", funds=kzt(60_000_000))
    supplier = halyk.add_wallet("supplier", "halyk", "business")
    halyk.commit(halyk.pay(shop, supplier, kzt(60_000_000)))
    halyk.commit(halyk.pay(supplier, key("halyk"), kzt(60_000_000)))  # defund to the bank
    assert halyk.balance(key("halyk")) == kzt(100_000_000)


def test_full_tier_has_no_balance_cap_but_a_per_payment_limit(halyk: Harness) -> None:
    alice = halyk.add_wallet("alice", "halyk", "full", funds=kzt(50_000_000))
    bob = halyk.add_wallet("bob", "halyk", "business")
    error = limit_error(halyk, halyk.pay(alice, bob, kzt(10_000_000) + 1))
    assert (error.limit, error.allowed) == ("per_payment", kzt(10_000_000))


def test_limits_set_by_the_central_bank_change_the_limits(halyk: Harness) -> None:
    alice = halyk.add_wallet("alice", "halyk", "anonymous", funds=kzt(1_000))
    bob = halyk.add_wallet("bob", "halyk", "business")
    halyk.commit(
        builders.limits_set(NETWORK, halyk.cb, "anonymous", TierLimits(per_payment=kzt(10)), 1)
    )
    error = limit_error(halyk, halyk.pay(alice, bob, kzt(10) + 1))
    assert (error.limit, error.allowed) == ("per_payment", kzt(10))
    halyk.commit(halyk.pay(alice, bob, kzt(10)))


def test_raising_a_wallets_tier_lifts_its_limits(halyk: Harness) -> None:
    alice = halyk.add_wallet("alice", "halyk", "anonymous", funds=kzt(100_000))
    bob = halyk.add_wallet("bob", "halyk", "business")
    halyk.commit(builders.wallet_update(NETWORK, key("halyk"), "alice", nonce=1, tier="business"))
    halyk.commit(halyk.pay(alice, bob, kzt(100_000)))
    assert record(halyk, "alice").tier == "business"
