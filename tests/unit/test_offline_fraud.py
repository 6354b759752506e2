"""Double spends: detected at deposit with the device's signatures as proof, every honest
payee paid in full, the device revoked, the payer's wallet charged — and nobody else.

The cheater here is a copy of a software key (a secure element would refuse
to be cloned or rewound); the ledger must not rely on that.
"""

from __future__ import annotations

import pytest

from ledger.audit import audit
from ledger.state import StateView
from offline.params import kzt
from offline.proofs import pair_fraud
from offline.queries import bank_frauds, wallet_frauds
from offline.records import (
    BankOffline,
    DeviceRecord,
    FraudRecord,
    PurseRecord,
    bank_key,
    device_key,
    fraud_key,
    purse_key,
    reserve_lock,
)
from offline.voucher import decode_voucher
from tests.offline_cast import Cast, cast
from wallet.offline import builders as ob


@pytest.fixture
def c() -> Cast:
    return cast()


def read(c: Cast, key: bytes, type_: type) -> object:
    return StateView(c.pilot.store).read(key, type_)


def fraud(c: Cast) -> FraudRecord | None:
    return read(c, fraud_key(c.purse), FraudRecord)  # type: ignore[return-value]


def purse(c: Cast) -> PurseRecord:
    found = read(c, purse_key(c.purse), PurseRecord)
    assert isinstance(found, PurseRecord)
    return found


def test_a_cloned_device_paying_twice_is_caught_and_both_payees_are_paid(c: Cast) -> None:
    honest, _ = c.pay(c.bob, kzt(1_000))
    cloned, _ = c.pay(c.carol, kzt(2_000))  # the same counter, from a copy of the device
    c.pilot.commit(c.deposit(c.bob, honest.voucher))
    assert fraud(c) is None
    c.pilot.commit(c.deposit(c.carol, cloned.voucher))
    record = fraud(c)
    assert record is not None and record.kind == "double_counter"
    assert (record.serial, record.wallet_id) == (c.alice.serial, "alice")
    proof = [decode_voucher(bytes.fromhex(raw)) for raw in record.proof]
    assert all(v.verify(c.network, c.alice.key.public) for v in proof)  # signed by the device
    assert pair_fraud(proof[0], proof[1], c.network) == "double_counter"
    assert c.pilot.balance(c.bob) == kzt(2_000) and c.pilot.balance(c.carol) == kzt(2_000)
    device = read(c, device_key(c.alice.serial), DeviceRecord)
    assert isinstance(device, DeviceRecord) and device.status == "revoked"
    c.pilot.publish_crl("halyk")
    assert c.alice.state.device.serial in c.pilot.trust().crls["halyk"].revoked


def test_when_the_purse_runs_dry_the_reserve_pays_and_the_payer_repays_it(c: Cast) -> None:
    state = c.alice.state
    honest = []
    for _ in range(2):  # the phone spends its whole purse on Bob
        bundle, state = c.pay(c.bob, kzt(15_000), state=state)
        honest.append(bundle.voucher)
    copy = c.alice.state  # a copy made before, spending it all again on Carol
    cloned = []
    for _ in range(2):
        bundle, copy = c.pay(c.carol, kzt(15_000), state=copy)
        cloned.append(bundle.voucher)
    reserve = c.pilot.reserve("halyk")
    c.pilot.commit(c.deposit(c.bob, *honest))
    c.pilot.commit(c.deposit(c.carol, *cloned))
    assert c.pilot.balance(c.carol) == kzt(30_000)  # paid in full
    assert purse(c).advanced == kzt(30_000) and c.pilot.reserve("halyk") == reserve - kzt(30_000)
    alice = c.alice.wallet_key
    claw = ob.clawback(c.network, c.bank, c.purse, c.pilot.coins(alice), kzt(30_001))
    assert c.pilot.refusal(claw).code == "clawback_exceeds_debt"
    c.pilot.commit(ob.clawback(c.network, c.bank, c.purse, c.pilot.coins(alice), kzt(30_000)))
    assert c.pilot.reserve("halyk") == reserve
    offline = read(c, bank_key("halyk"), BankOffline)
    assert isinstance(offline, BankOffline) and offline.advanced == 0
    report = audit(c.pilot.store, c.pilot.chain.registry)
    assert report.ok, report.problems


def test_no_wallet_is_charged_without_a_proof(c: Cast) -> None:
    bundle, _ = c.pay(c.bob, kzt(1_000))
    c.pilot.commit(c.deposit(c.bob, bundle.voucher))
    alice = c.alice.wallet_key
    claw = ob.clawback(c.network, c.bank, c.purse, c.pilot.coins(alice), kzt(1))
    assert c.pilot.refusal(claw).code == "clawback_exceeds_debt"
    stranger = c.pilot.key("kaspi")
    assert c.pilot.refusal(ob.clawback(c.network, stranger, c.purse, c.pilot.coins(alice), 1)).code
    assert fraud(c) is None


def test_a_broken_chain_between_settled_counters_is_proof(c: Cast) -> None:
    first, _ = c.pay(c.bob, kzt(1_000))
    _, fork = c.pay(c.carol, kzt(500))  # a copy pays Carol counter 1 (never deposited) ...
    second, _ = c.pay(c.carol, kzt(700), state=fork)  # ... and counter 2, chained to it
    c.pilot.commit(c.deposit(c.bob, first.voucher))
    c.pilot.commit(c.deposit(c.carol, second.voucher))
    record = fraud(c)
    assert record is not None and record.kind == "broken_chain"
    assert c.pilot.balance(c.carol) == kzt(700)


def test_a_voucher_after_the_defund_statement_is_proof(c: Cast) -> None:
    first, state = c.pay(c.bob, kzt(1_000))
    to = c.alice.wallet_key.public_hex
    defund = ob.purse_defund(c.network, c.alice.key, c.purse, 1, kzt(1_000), kzt(29_000), to)
    c.pilot.commit(defund)
    late, _ = c.pay(c.carol, kzt(3_000), state=state)  # counter 2: after the statement
    c.pilot.commit(c.deposit(c.carol, late.voucher))
    record = fraud(c)
    assert record is not None and record.kind == "after_defund"
    assert record.statement == defund.txid.hex()
    assert c.pilot.balance(c.carol) == kzt(3_000)  # the reserve paid: the purse kept 1,000
    c.pilot.commit(c.deposit(c.bob, first.voucher))
    assert c.pilot.locked(f"purse/{c.purse}") == 0


def test_evidence_a_payee_refused_offline_is_recorded(c: Cast) -> None:
    first, _ = c.pay(c.bob, kzt(1_000))
    rolled, _ = c.pay(c.bob, kzt(1_001))  # the same counter again: the payee refused it
    tx = ob.fraud(
        c.network, c.bob, c.purse, c.alice.key.public_hex, [first.voucher, rolled.voucher]
    )
    c.pilot.commit(tx)
    record = fraud(c)
    assert record is not None and record.kind == "double_counter"
    assert c.pilot.refusal(tx).code == "duplicate_transaction"
    again = ob.fraud(c.network, c.carol, c.purse, c.alice.key.public_hex, [rolled.voucher])
    assert c.pilot.refusal(again).code == "not_fraud_proof"  # already on record


def test_consistent_vouchers_are_not_proof(c: Cast) -> None:
    first, state = c.pay(c.bob, kzt(1_000))
    second, _ = c.pay(c.bob, kzt(1_000), state=state)
    tx = ob.fraud(
        c.network, c.bob, c.purse, c.alice.key.public_hex, [first.voucher, second.voucher]
    )
    assert c.pilot.refusal(tx).code == "not_fraud_proof"


def test_the_fraud_views_name_the_device_for_its_wallet_and_its_bank(c: Cast) -> None:
    honest, _ = c.pay(c.bob, kzt(1_000))
    cloned, _ = c.pay(c.carol, kzt(1_000))
    c.pilot.commit(c.deposit(c.bob, honest.voucher), c.deposit(c.carol, cloned.voucher))
    store = c.pilot.store
    for listed in (wallet_frauds(store.get, "alice"), bank_frauds(store.get, "halyk")):
        (record,) = listed.frauds
        assert record.serial == c.alice.serial and listed.owed == {c.purse: 0}
    assert wallet_frauds(store.get, "bob").frauds == ()
    assert c.pilot.locked(reserve_lock("halyk")) == kzt(1_000_000)
