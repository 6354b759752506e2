"""Reverse waterfall: a payment larger than the balance pulls the shortfall from the bank's pool."""

from __future__ import annotations

import pytest

from ledger.audit import audit
from ledger.errors import (
    BankInactive,
    InvalidAmount,
    LimitExceeded,
    NotAuthorized,
    NotReserveKey,
    PoolInsufficient,
    ReverseWaterfallRefused,
    TengeError,
    ValueNotConserved,
)
from ledger.feed import bank_feed
from ledger.params import kzt
from ledger.queries import wallet
from ledger.records import WalletRecord, WaterfallInstruction
from ledger.rules.reverse_waterfall import pool_of
from ledger.state import StateView
from ledger.types import KZT, Output, PoolWithdraw, Transaction, Transfer
from tests.harness import NETWORK, Harness, key
from wallet import builders

POOL = kzt(100_000)
MANDATE = kzt(50_000)


def record(net: Harness, wallet_id: str) -> WalletRecord:
    found = wallet(net.store, wallet_id)
    assert found is not None
    return found


def pool(net: Harness, bank_id: str = "halyk") -> int:
    return pool_of(bank_id, StateView(net.store))


def debits(net: Harness, bank_id: str = "halyk") -> list[WaterfallInstruction]:
    found = [e.instruction for e in bank_feed(net.store, bank_id, limit=10_000)]
    return [i for i in found if i is not None and i.direction == "debit"]


def refused(net: Harness, tx: Transaction) -> TengeError:
    """The refusal of ``tx``; the pool and the payer's record are as they were."""
    before = (pool(net), record(net, "dana"))
    error = net.refusal(tx)
    assert (pool(net), record(net, "dana")) == before
    return error


def short_pay(net: Harness, amount: int, payer: str = "dana") -> Transaction:
    return builders.pay_with_shortfall(
        NETWORK, net.coins(key(payer)), [key(payer)], key("shop").public_hex, amount
    )


@pytest.fixture
def halyk(net: Harness) -> Harness:
    """halyk with a funded pool; dana (basic, 1,000 KZT) linked with a mandate; a shop."""
    net.add_bank("halyk", reserve=kzt(10_000_000))
    net.add_wallet("shop", "halyk", "business")
    net.add_wallet("dana", "halyk", "basic", funds=kzt(1_000))
    net.commit(builders.link_deposit(NETWORK, key("halyk"), "dana", "KZ-dana"))
    net.commit(builders.reverse_mandate(NETWORK, [key("dana")], "dana", MANDATE))
    net.commit(builders.pool_fund(NETWORK, "halyk", net.coins(key("halyk")), POOL, [key("halyk")]))
    return net


# -- the pool ---------------------------------------------------------------------------


def test_the_bank_funds_its_pool_from_its_reserve(halyk: Harness) -> None:
    assert pool(halyk) == POOL
    assert halyk.balance(key("halyk")) == kzt(10_000_000) - kzt(1_000) - POOL
    report = audit(halyk.store, halyk.chain.registry)
    assert report.ok, report.problems
    assert report.supply[KZT] == kzt(10_000_000)


def test_the_bank_withdraws_from_its_pool_to_a_reserve_key(halyk: Harness) -> None:
    reserve = halyk.balance(key("halyk"))
    halyk.commit(builders.pool_withdraw(NETWORK, key("halyk"), "halyk", kzt(30_000)))
    assert pool(halyk) == POOL - kzt(30_000)
    assert halyk.balance(key("halyk")) == reserve + kzt(30_000)


def test_withdrawing_more_than_the_pool_is_refused(halyk: Harness) -> None:
    error = halyk.refusal(builders.pool_withdraw(NETWORK, key("halyk"), "halyk", POOL + 1))
    assert isinstance(error, PoolInsufficient)
    assert (error.available, error.requested) == (POOL, POOL + 1)


def test_withdrawing_to_a_key_that_is_not_the_banks_is_refused(halyk: Harness) -> None:
    body = PoolWithdraw(bank_id="halyk", amount=kzt(1), to=key("dana").public_hex)
    error = halyk.refusal(Transaction.create(NETWORK, body, [key("halyk")]))
    assert isinstance(error, NotReserveKey)


# -- the mandate ------------------------------------------------------------------------


def test_the_mandate_is_signed_by_the_wallet_and_recorded(halyk: Harness) -> None:
    assert record(halyk, "dana").mandate == MANDATE


def test_the_bank_cannot_sign_the_wallets_mandate(halyk: Harness) -> None:
    tx = builders.reverse_mandate(NETWORK, [key("halyk")], "dana", MANDATE * 2, nonce=1)
    assert isinstance(halyk.refusal(tx), NotAuthorized)


def test_an_unlinked_wallet_cannot_sign_a_mandate(halyk: Harness) -> None:
    halyk.add_wallet("erlan", "halyk", "basic")
    error = halyk.refusal(builders.reverse_mandate(NETWORK, [key("erlan")], "erlan", MANDATE))
    assert isinstance(error, ReverseWaterfallRefused)
    assert (error.wallet_id, error.reason) == ("erlan", "not_linked")


def test_unlinking_the_deposit_ends_the_mandate(halyk: Harness) -> None:
    halyk.commit(builders.link_deposit(NETWORK, key("halyk"), "dana", None, nonce=1))
    assert (record(halyk, "dana").deposit, record(halyk, "dana").mandate) == (None, None)


# -- paying more than the balance ---------------------------------------------------------


def test_a_payment_larger_than_the_balance_pulls_the_shortfall_from_the_pool(
    halyk: Harness,
) -> None:
    payment = short_pay(halyk, kzt(1_000) + kzt(20_000))
    halyk.commit(payment)
    assert halyk.balance(key("shop")) == kzt(21_000)
    assert (halyk.balance(key("dana")), record(halyk, "dana").balance) == (0, 0)
    assert pool(halyk) == POOL - kzt(20_000)
    (debit,) = debits(halyk)
    assert (debit.wallet_id, debit.deposit, debit.amount) == ("dana", "KZ-dana", kzt(20_000))
    assert record(halyk, "dana").day_outflow == kzt(21_000)
    report = audit(halyk.store, halyk.chain.registry)
    assert report.ok, report.problems
    assert report.supply[KZT] == kzt(10_000_000)


def test_a_shortfall_over_the_mandate_is_refused_and_nothing_moves(halyk: Harness) -> None:
    error = refused(halyk, short_pay(halyk, kzt(1_000) + MANDATE + 1))
    assert isinstance(error, LimitExceeded)
    assert (error.limit, error.allowed, error.requested) == ("mandate", MANDATE, MANDATE + 1)


def test_a_revoked_mandate_pulls_nothing(halyk: Harness) -> None:
    halyk.commit(builders.reverse_mandate(NETWORK, [key("dana")], "dana", None, nonce=1))
    error = refused(halyk, short_pay(halyk, kzt(1_001)))
    assert isinstance(error, ReverseWaterfallRefused) and error.reason == "no_mandate"


def test_a_shortfall_larger_than_the_pool_is_refused(halyk: Harness) -> None:
    halyk.commit(builders.pool_withdraw(NETWORK, key("halyk"), "halyk", POOL - kzt(5)))
    error = refused(halyk, short_pay(halyk, kzt(1_000) + kzt(6)))
    assert isinstance(error, PoolInsufficient)
    assert (error.available, error.requested) == (kzt(5), kzt(6))


def test_a_pulling_payment_pays_nothing_back_to_the_payer(halyk: Harness) -> None:
    (coin,) = halyk.coins(key("dana"))
    outputs = (
        Output(owner=key("shop").public_hex, amount=coin.output.amount),
        Output(owner=key("dana").public_hex, amount=kzt(5)),
    )
    body = Transfer(inputs=(coin.point,), outputs=outputs, shortfall=kzt(5))
    error = refused(halyk, Transaction.create(NETWORK, body, [key("dana")]))
    assert isinstance(error, ReverseWaterfallRefused) and error.reason == "change_to_payer"


def test_a_shortfall_that_does_not_balance_the_outputs_is_refused(halyk: Harness) -> None:
    (coin,) = halyk.coins(key("dana"))
    outputs = (Output(owner=key("shop").public_hex, amount=coin.output.amount + kzt(10)),)
    body = Transfer(inputs=(coin.point,), outputs=outputs, shortfall=kzt(9))
    error = refused(halyk, Transaction.create(NETWORK, body, [key("dana")]))
    assert isinstance(error, ValueNotConserved)


def test_the_per_payment_limit_counts_the_pulled_part(halyk: Harness) -> None:
    limit = StateView(halyk.store).limits("basic").per_payment
    assert limit is not None
    halyk.commit(builders.reverse_mandate(NETWORK, [key("dana")], "dana", limit * 2, nonce=1))
    halyk.commit(
        builders.pool_fund(NETWORK, "halyk", halyk.coins(key("halyk")), limit, [key("halyk")])
    )
    error = refused(halyk, short_pay(halyk, limit + 1))
    assert isinstance(error, LimitExceeded)
    assert (error.limit, error.requested) == ("per_payment", limit + 1)


def test_a_bank_cannot_pull_from_its_own_pool_by_transfer(halyk: Harness) -> None:
    coins = halyk.coins(key("halyk"))
    tx = builders.pay_with_shortfall(
        NETWORK, coins[:1], [key("halyk")], key("shop").public_hex, coins[0].output.amount + 1
    )
    error = halyk.refusal(tx)
    assert isinstance(error, ReverseWaterfallRefused) and error.reason == "several_payers"


def test_a_pulling_payment_to_a_capped_linked_payee_splits_both_ways(halyk: Harness) -> None:
    cap = StateView(halyk.store).limits("anonymous").balance_cap
    assert cap is not None
    erlan = halyk.add_wallet("erlan", "halyk", "anonymous", funds=cap - kzt(100))
    halyk.commit(builders.link_deposit(NETWORK, key("halyk"), "erlan", "KZ-erlan"))
    tx = builders.pay_with_shortfall(
        NETWORK, halyk.coins(key("dana")), [key("dana")], erlan.public_hex, kzt(1_300)
    )
    halyk.commit(tx)
    assert record(halyk, "erlan").balance == cap
    found = [e.instruction for e in bank_feed(halyk.store, "halyk", limit=10_000)]
    moves = [(i.wallet_id, i.direction, i.amount) for i in found if i is not None]
    assert moves == [("erlan", "credit", kzt(1_200)), ("dana", "debit", kzt(300))]
    assert audit(halyk.store, halyk.chain.registry).ok


def test_a_zero_shortfall_is_an_invalid_amount(halyk: Harness) -> None:
    (coin,) = halyk.coins(key("dana"))
    outputs = (Output(owner=key("shop").public_hex, amount=coin.output.amount),)
    body = Transfer(inputs=(coin.point,), outputs=outputs, shortfall=0)
    error = refused(halyk, Transaction.create(NETWORK, body, [key("dana")]))
    assert isinstance(error, InvalidAmount) and error.minimum == 1


def test_a_suspended_banks_pool_pays_no_shortfall(halyk: Harness) -> None:
    halyk.commit(builders.bank_update(NETWORK, halyk.cb, "halyk", nonce=7, status="suspended"))
    error = refused(halyk, short_pay(halyk, kzt(1_001)))
    assert isinstance(error, BankInactive) and error.bank_id == "halyk"
