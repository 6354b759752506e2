"""Waterfall: a linked wallet's excess over its balance cap goes to its bank, never refused."""

from __future__ import annotations

import pytest

from ledger.audit import audit
from ledger.errors import LimitExceeded, NotAuthorized, UnknownWallet
from ledger.feed import FeedEvent, bank_feed
from ledger.params import kzt
from ledger.queries import wallet
from ledger.records import WalletRecord
from ledger.state import StateView
from ledger.types import KZT, Output, Transfer
from tests.harness import NETWORK, Harness, key
from wallet import builders


def record(net: Harness, wallet_id: str) -> WalletRecord:
    found = wallet(net.store, wallet_id)
    assert found is not None
    return found


def cap(net: Harness, tier: str) -> int:
    found = StateView(net.store).limits(tier).balance_cap
    assert found is not None
    return found


def instructions(net: Harness, bank_id: str) -> list[FeedEvent]:
    return [e for e in bank_feed(net.store, bank_id, limit=10_000) if e.instruction is not None]


@pytest.fixture
def halyk(net: Harness) -> Harness:
    """halyk with a large reserve, a business payer, and dana (anonymous) near her cap."""
    net.add_bank("halyk", reserve=kzt(100_000_000))
    net.add_wallet("shop", "halyk", "business", funds=kzt(10_000_000))
    net.add_wallet("dana", "halyk", "anonymous", funds=cap(net, "anonymous") - kzt(1_000))
    return net


def link(net: Harness, wallet_id: str = "dana", deposit: str | None = "KZ86-dana-01") -> None:
    net.commit(builders.link_deposit(NETWORK, key("halyk"), wallet_id, deposit, nonce=1))


# -- linking ----------------------------------------------------------------------


def test_the_wallets_bank_links_and_unlinks_a_deposit_account(halyk: Harness) -> None:
    link(halyk)
    assert record(halyk, "dana").deposit == "KZ86-dana-01"
    halyk.commit(builders.link_deposit(NETWORK, key("halyk"), "dana", None, nonce=2))
    assert record(halyk, "dana").deposit is None


def test_another_bank_cannot_link_the_wallets_deposit(halyk: Harness) -> None:
    halyk.add_bank("kaspi", reserve=0)
    error = halyk.refusal(builders.link_deposit(NETWORK, key("kaspi"), "dana", "KZ-1"))
    assert isinstance(error, NotAuthorized)
    assert record(halyk, "dana").deposit is None


def test_the_wallet_itself_cannot_link_a_deposit(halyk: Harness) -> None:
    error = halyk.refusal(builders.link_deposit(NETWORK, key("dana"), "dana", "KZ-1"))
    assert isinstance(error, NotAuthorized)


def test_linking_an_unknown_wallet_is_refused(halyk: Harness) -> None:
    error = halyk.refusal(builders.link_deposit(NETWORK, key("halyk"), "nobody", "KZ-1"))
    assert isinstance(error, UnknownWallet)


# -- the split --------------------------------------------------------------------


def test_without_a_link_a_payment_over_the_cap_is_refused_as_before(halyk: Harness) -> None:
    error = halyk.refusal(halyk.pay(key("shop"), key("dana"), kzt(1_000) + 1))
    assert isinstance(error, LimitExceeded)
    assert (error.wallet_id, error.limit) == ("dana", "balance")


def test_the_excess_over_the_cap_goes_to_the_bank_with_a_credit_instruction(
    halyk: Harness,
) -> None:
    link(halyk)
    reserve = halyk.balance(key("halyk"))
    payment = halyk.pay(key("shop"), key("dana"), kzt(5_000))
    halyk.commit(payment)
    assert record(halyk, "dana").balance == cap(halyk, "anonymous")
    assert halyk.balance(key("dana")) == cap(halyk, "anonymous")
    assert halyk.balance(key("halyk")) == reserve + kzt(4_000)
    (event,) = instructions(halyk, "halyk")
    assert event.txid == payment.txid.hex()
    assert event.instruction is not None
    assert (event.instruction.direction, event.instruction.amount) == ("credit", kzt(4_000))
    assert (event.instruction.wallet_id, event.instruction.deposit) == ("dana", "KZ86-dana-01")


def test_the_payers_change_keeps_the_position_it_signed(halyk: Harness) -> None:
    link(halyk)
    payment = halyk.pay(key("shop"), key("dana"), kzt(5_000))
    assert isinstance(payment.body, Transfer)
    change = payment.body.outputs[1]
    halyk.commit(payment)
    (coin,) = halyk.coins(key("shop"))
    assert (coin.point.txid, coin.point.index) == (payment.txid.hex(), 1)
    assert coin.output == change


def test_a_wallet_already_at_its_cap_passes_the_whole_payment_to_its_bank(halyk: Harness) -> None:
    link(halyk)
    halyk.commit(halyk.pay(key("shop"), key("dana"), kzt(1_000)))
    before = halyk.balance(key("dana"))
    halyk.commit(halyk.pay(key("shop"), key("dana"), kzt(700)))
    assert halyk.balance(key("dana")) == before == cap(halyk, "anonymous")
    amounts = [e.instruction.amount for e in instructions(halyk, "halyk") if e.instruction]
    assert amounts == [kzt(700)]


def test_each_linked_payee_is_split_to_its_own_bank(halyk: Harness) -> None:
    halyk.add_bank("kaspi", reserve=0)
    erlan = halyk.add_wallet("erlan", "kaspi", "anonymous")
    link(halyk)
    halyk.commit(builders.link_deposit(NETWORK, key("kaspi"), "erlan", "kaspi-7", nonce=1))
    (coin,) = halyk.coins(key("shop"))
    room = cap(halyk, "anonymous")
    outputs = [
        Output(owner=key("dana").public_hex, amount=kzt(3_000)),
        Output(owner=erlan.public_hex, amount=room + kzt(2)),
        Output(owner=key("shop").public_hex, amount=coin.output.amount - room - kzt(3_002)),
    ]
    halyk.commit(builders.transfer(NETWORK, [coin], outputs, [key("shop")]))
    assert halyk.balance(key("kaspi")) == kzt(2)
    assert record(halyk, "erlan").balance == room
    (kaspi_event,) = instructions(halyk, "kaspi")
    assert kaspi_event.instruction is not None and kaspi_event.instruction.amount == kzt(2)
    (halyk_event,) = instructions(halyk, "halyk")
    assert halyk_event.instruction is not None and halyk_event.instruction.amount == kzt(2_000)


def test_a_waterfall_conserves_supply_and_passes_the_audit(halyk: Harness) -> None:
    link(halyk)
    halyk.commit(halyk.pay(key("shop"), key("dana"), kzt(250_000)))
    report = audit(halyk.store, halyk.chain.registry)
    assert report.ok, report.problems
    assert report.supply[KZT] == kzt(100_000_000)
