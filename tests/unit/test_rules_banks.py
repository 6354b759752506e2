"""The central bank's acts (register, update, issue, limits) and redemption."""

from __future__ import annotations

from ledger.encoding import MAX_AMOUNT
from ledger.errors import (
    BankExists,
    BankInactive,
    DuplicateKey,
    InvalidAmount,
    IssuanceLimitExceeded,
    KeyInUse,
    MissingSignature,
    NotAuthorized,
    NotReserveKey,
    TokenNotAllowed,
    UnknownBank,
    UnknownInput,
    ValueNotConserved,
)
from ledger.params import kzt
from ledger.queries import bank
from ledger.state import StateView
from ledger.types import KZT, Issue, OutPoint, Output, Redeem, TierLimits, Transaction
from tests.harness import NETWORK, Harness, key
from wallet import builders


def supply(net: Harness) -> int:
    return StateView(net.store).supply(KZT).outstanding


def issue(net: Harness, bank_id: str, amount: int, owner: str | None = None) -> Transaction:
    to = owner or key(bank_id).public_hex
    return builders.issue(
        NETWORK, net.cb, bank_id, [Output(owner=to, amount=amount)], net.next_nonce()
    )


def redeem_tx(net: Harness, bank_id: str, amount: int, change: tuple[Output, ...]) -> Transaction:
    owner = key(bank_id)
    body = Redeem(
        bank_id=bank_id,
        inputs=tuple(c.point for c in net.coins(owner)),
        amount=amount,
        change=change,
    )
    return Transaction.create(NETWORK, body, [owner])


# -- who may act ---------------------------------------------------------------


def test_central_bank_registers_a_bank_with_its_keys_and_limit(net: Harness) -> None:
    net.add_bank("halyk", reserve=0, limit=kzt(500))
    record = bank(net.store, "halyk")
    assert record is not None
    assert record.keys == (key("halyk").public_hex,)
    assert (record.issuance_limit, record.status, record.outstanding) == (kzt(500), "active", 0)


def test_bank_registration_signed_by_a_bank_is_not_authorized(net: Harness) -> None:
    halyk = net.add_bank("halyk")
    tx = builders.bank_register(NETWORK, halyk, "kaspi", "Kaspi", [key("kaspi").public_hex], 1)
    error = net.refusal(tx)
    assert isinstance(error, NotAuthorized)
    assert (error.action, error.signer) == ("bank.register", halyk.public_hex)


def test_issue_signed_by_a_bank_is_not_authorized(net: Harness) -> None:
    halyk = net.add_bank("halyk")
    tx = builders.issue(NETWORK, halyk, "halyk", [Output(owner=halyk.public_hex, amount=1)], 1)
    error = net.refusal(tx)
    assert isinstance(error, NotAuthorized)
    assert (error.action, error.signer) == ("issue", halyk.public_hex)


def test_issue_co_signed_by_a_bank_is_not_authorized(net: Harness) -> None:
    halyk = net.add_bank("halyk")
    body = builders.issue(NETWORK, net.cb, "halyk", [Output(owner=halyk.public_hex, amount=1)], 1)
    tx = Transaction.create(NETWORK, body.body, [net.cb, halyk])
    error = net.refusal(tx)
    assert isinstance(error, NotAuthorized)
    assert error.signer == halyk.public_hex


def test_bank_update_signed_by_a_bank_is_not_authorized(net: Harness) -> None:
    halyk = net.add_bank("halyk")
    tx = builders.bank_update(NETWORK, halyk, "halyk", nonce=1, issuance_limit=kzt(10**10))
    error = net.refusal(tx)
    assert isinstance(error, NotAuthorized)
    assert error.action == "bank.update"


def test_limits_set_signed_by_a_bank_is_not_authorized(net: Harness) -> None:
    halyk = net.add_bank("halyk")
    tx = builders.limits_set(NETWORK, halyk, "anonymous", TierLimits(), 1)
    error = net.refusal(tx)
    assert isinstance(error, NotAuthorized)
    assert (error.action, error.signer) == ("limits.set", halyk.public_hex)


# -- registration conflicts ----------------------------------------------------


def test_registering_a_bank_id_twice_is_a_conflict(net: Harness) -> None:
    net.add_bank("halyk", reserve=0)
    tx = builders.bank_register(NETWORK, net.cb, "halyk", "Again", [key("other").public_hex], 1)
    error = net.refusal(tx)
    assert isinstance(error, BankExists)
    assert error.bank_id == "halyk"


def test_registering_a_bank_with_another_banks_key_is_a_conflict(net: Harness) -> None:
    halyk = net.add_bank("halyk", reserve=0)
    tx = builders.bank_register(NETWORK, net.cb, "kaspi", "Kaspi", [halyk.public_hex], 1)
    error = net.refusal(tx)
    assert isinstance(error, KeyInUse)
    assert error.key == halyk.public_hex


def test_adding_a_wallet_key_to_a_bank_is_a_conflict(net: Harness) -> None:
    net.add_bank("halyk", reserve=0)
    alice = net.add_wallet("alice", "halyk")
    tx = builders.bank_update(NETWORK, net.cb, "halyk", nonce=1, add_keys=[alice.public_hex])
    error = net.refusal(tx)
    assert isinstance(error, KeyInUse)
    assert error.key == alice.public_hex


def test_registering_a_bank_with_a_key_listed_twice_is_invalid(net: Harness) -> None:
    k = key("kaspi").public_hex
    error = net.refusal(builders.bank_register(NETWORK, net.cb, "kaspi", "Kaspi", [k, k], 1))
    assert isinstance(error, DuplicateKey)
    assert error.key == k


def test_negative_issuance_limit_is_an_invalid_amount(net: Harness) -> None:
    net.add_bank("halyk", reserve=0)
    error = net.refusal(builders.bank_update(NETWORK, net.cb, "halyk", nonce=1, issuance_limit=-1))
    assert isinstance(error, InvalidAmount)
    assert (error.amount, error.minimum) == (-1, 0)


def test_updating_an_unknown_bank_is_refused(net: Harness) -> None:
    error = net.refusal(builders.bank_update(NETWORK, net.cb, "nobank", nonce=1, status="active"))
    assert isinstance(error, UnknownBank)
    assert error.bank_id == "nobank"


# -- issuance ------------------------------------------------------------------


def test_issue_exactly_up_to_the_limit_succeeds(net: Harness) -> None:
    net.add_bank("halyk", reserve=0, limit=kzt(1_000))
    net.commit(issue(net, "halyk", kzt(600)), issue(net, "halyk", kzt(400)))
    assert net.balance(key("halyk")) == kzt(1_000)
    assert supply(net) == kzt(1_000)
    record = bank(net.store, "halyk")
    assert record is not None and record.issued == kzt(1_000)


def test_issue_beyond_the_limit_is_refused(net: Harness) -> None:
    net.add_bank("halyk", reserve=0, limit=kzt(1_000))
    net.commit(issue(net, "halyk", kzt(1_000)))
    error = net.refusal(issue(net, "halyk", 1))
    assert isinstance(error, IssuanceLimitExceeded)
    assert (error.bank_id, error.limit, error.outstanding, error.requested) == (
        "halyk",
        kzt(1_000),
        kzt(1_000),
        1,
    )
    assert supply(net) == kzt(1_000)


def test_raising_the_limit_allows_more_issuance(net: Harness) -> None:
    net.add_bank("halyk", reserve=kzt(1_000), limit=kzt(1_000))
    net.commit(builders.bank_update(NETWORK, net.cb, "halyk", nonce=1, issuance_limit=kzt(1_500)))
    net.commit(issue(net, "halyk", kzt(500)))
    assert supply(net) == kzt(1_500)


def test_the_largest_amount_can_be_issued(net: Harness) -> None:
    net.add_bank("halyk", reserve=0, limit=MAX_AMOUNT)
    net.commit(issue(net, "halyk", MAX_AMOUNT))
    assert supply(net) == MAX_AMOUNT


def test_issue_to_a_key_that_is_not_the_banks_reserve_is_refused(net: Harness) -> None:
    net.add_bank("halyk", reserve=0)
    kaspi = net.add_bank("kaspi", reserve=0)
    alice = net.add_wallet("alice", "halyk")
    for owner in (alice.public_hex, kaspi.public_hex):
        error = net.refusal(issue(net, "halyk", 1, owner=owner))
        assert isinstance(error, NotReserveKey)
        assert (error.bank_id, error.owner) == ("halyk", owner)


def test_issue_of_a_token_other_than_kzt_is_refused(net: Harness) -> None:
    halyk = net.add_bank("halyk", reserve=0)
    token = "ab" * 32
    out = Output(owner=halyk.public_hex, amount=1, token=token)
    error = net.refusal(builders.issue(NETWORK, net.cb, "halyk", [out], 1))
    assert isinstance(error, TokenNotAllowed)
    assert error.token == token


def test_issue_to_an_unknown_bank_is_refused(net: Harness) -> None:
    error = net.refusal(issue(net, "nobank", 1))
    assert isinstance(error, UnknownBank)
    assert error.bank_id == "nobank"


def test_suspended_bank_cannot_receive_issuance(net: Harness) -> None:
    net.add_bank("halyk", reserve=0)
    net.commit(builders.bank_update(NETWORK, net.cb, "halyk", nonce=1, status="suspended"))
    error = net.refusal(issue(net, "halyk", 1))
    assert isinstance(error, BankInactive)
    assert error.bank_id == "halyk"
    net.commit(builders.bank_update(NETWORK, net.cb, "halyk", nonce=2, status="active"))
    net.commit(issue(net, "halyk", 1))


# -- redemption ----------------------------------------------------------------


def test_redeem_burns_money_and_lowers_supply_and_the_banks_figures(net: Harness) -> None:
    halyk = net.add_bank("halyk", reserve=kzt(1_000), limit=kzt(1_000))
    net.commit(builders.redeem(NETWORK, "halyk", net.coins(halyk), kzt(300), [halyk]))
    assert net.balance(halyk) == kzt(700)
    assert supply(net) == kzt(700)
    record = bank(net.store, "halyk")
    assert record is not None
    assert (record.issued, record.redeemed, record.outstanding) == (kzt(1_000), kzt(300), kzt(700))
    net.commit(issue(net, "halyk", kzt(300)))  # headroom under the limit is back


def test_redeem_whose_amount_and_change_exceed_the_inputs_is_refused(net: Harness) -> None:
    halyk = net.add_bank("halyk", reserve=kzt(1_000))
    error = net.refusal(
        redeem_tx(net, "halyk", kzt(300), (Output(owner=halyk.public_hex, amount=kzt(701)),))
    )
    assert isinstance(error, ValueNotConserved)
    assert (error.token, error.inputs, error.outputs) == (KZT, kzt(1_000), kzt(1_001))


def test_redeem_whose_amount_and_change_fall_short_of_the_inputs_is_refused(net: Harness) -> None:
    halyk = net.add_bank("halyk", reserve=kzt(1_000))
    error = net.refusal(
        redeem_tx(net, "halyk", kzt(300), (Output(owner=halyk.public_hex, amount=1),))
    )
    assert isinstance(error, ValueNotConserved)
    assert (error.inputs, error.outputs) == (kzt(1_000), kzt(300) + 1)
    assert supply(net) == kzt(1_000)


def test_redeem_change_to_a_key_outside_the_bank_is_refused(net: Harness) -> None:
    net.add_bank("halyk", reserve=kzt(1_000))
    alice = net.add_wallet("alice", "halyk")
    change = (Output(owner=alice.public_hex, amount=kzt(700)),)
    error = net.refusal(redeem_tx(net, "halyk", kzt(300), change))
    assert isinstance(error, NotReserveKey)
    assert (error.bank_id, error.owner) == ("halyk", alice.public_hex)


def test_redeem_on_behalf_of_another_bank_is_not_authorized(net: Harness) -> None:
    halyk = net.add_bank("halyk", reserve=kzt(1_000))
    net.add_bank("kaspi", reserve=0)
    body = Redeem(bank_id="kaspi", inputs=(net.coins(halyk)[0].point,), amount=kzt(1_000))
    error = net.refusal(Transaction.create(NETWORK, body, [halyk]))
    assert isinstance(error, NotAuthorized)
    assert (error.action, error.signer) == ("redeem", halyk.public_hex)


def test_redeem_of_zero_is_an_invalid_amount(net: Harness) -> None:
    halyk = net.add_bank("halyk", reserve=kzt(1_000))
    point = net.coins(halyk)[0].point
    body = Redeem(
        bank_id="halyk",
        inputs=(point,),
        amount=0,
        change=(Output(owner=halyk.public_hex, amount=kzt(1_000)),),
    )
    error = net.refusal(Transaction.create(NETWORK, body, [halyk]))
    assert isinstance(error, InvalidAmount)
    assert error.amount == 0


def test_redeem_of_an_unknown_output_is_refused(net: Harness) -> None:
    halyk = net.add_bank("halyk", reserve=0)
    body = Redeem(bank_id="halyk", inputs=(OutPoint(txid="00" * 32, index=0),), amount=1)
    error = net.refusal(Transaction.create(NETWORK, body, [halyk]))
    assert isinstance(error, UnknownInput)
    assert (error.txid, error.index) == ("00" * 32, 0)


def test_issue_without_any_signature_is_refused(net: Harness) -> None:
    halyk = net.add_bank("halyk", reserve=0)
    body = Issue(bank_id="halyk", outputs=(Output(owner=halyk.public_hex, amount=kzt(1)),))
    error = net.refusal(Transaction.create(NETWORK, body, []))
    assert isinstance(error, NotAuthorized | MissingSignature)
    assert supply(net) == 0
