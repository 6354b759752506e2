"""Offline kinds on the ledger: enrolment, purses, deposits, idempotency, limits, supply.

Each test runs on both storage backends (memory and LevelDB on disk).
"""

from __future__ import annotations

import msgspec
import pytest

from ledger.audit import audit
from ledger.records import WalletRecord
from ledger.state import StateView
from ledger.storage import KeyValueStore
from ledger.types import KZT
from offline.certs import device_certificate
from offline.params import DAY_MS, HOUR_MS, OfflineLimits, kzt
from offline.records import DeviceRecord, PurseRecord, device_key, purse_key, purse_lock
from tests.offline_cast import BASIC, Cast, cast
from tools.offline_sim.pilot import Pilot
from wallet import builders
from wallet.offline import builders as ob


@pytest.fixture
def c(store: KeyValueStore) -> Cast:
    return cast(store)


def wallet(c: Cast, wallet_id: str) -> WalletRecord:
    found = StateView(c.pilot.store).wallet(wallet_id)
    assert found is not None
    return found


def purse(c: Cast) -> PurseRecord:
    found = StateView(c.pilot.store).read(purse_key(c.purse), PurseRecord)
    assert found is not None
    return found


def assert_audit(c: Cast) -> None:
    report = audit(c.pilot.store, c.pilot.chain.registry)
    assert report.ok, report.problems
    issued = sum(report.banks.values())
    assert report.supply[KZT] == issued


# -- funding -------------------------------------------------------------------------


def test_a_funded_purse_stays_in_the_wallet_balance_and_the_supply(c: Cast) -> None:
    record = wallet(c, "alice")
    assert (record.balance, record.held) == (kzt(70_000), kzt(30_000))
    assert c.pilot.locked(purse_lock(c.purse)) == kzt(30_000)
    assert record.day_outflow == kzt(30_000)  # funding is outflow for the daily limit
    assert_audit(c)


def test_the_balance_cap_counts_the_purse(c: Cast) -> None:
    pilot = c.pilot
    anon = pilot.add_wallet("anon", "halyk", "anonymous", kzt(95_000))
    phone = pilot.enrol("anon", "halyk", OfflineLimits(kzt(20_000), kzt(5_000), 10, 72))
    pilot.fund(phone, kzt(20_000))
    # 75,000 in outputs + 20,000 in the purse; the anonymous cap is 300,000 KZT
    refusal = pilot.refusal(
        builders.pay(
            c.network,
            pilot.coins(c.bank),
            [c.bank],
            anon.public_hex,
            kzt(205_001),
            c.bank.public_hex,
        )
    )
    assert refusal.code == "limit_exceeded"
    assert refusal.details()["allowed"] == kzt(205_000)


def test_funding_counts_against_the_daily_limit(c: Cast) -> None:
    pilot = c.pilot
    pilot.add_wallet("dana", "halyk", "anonymous", kzt(150_000))
    phone = pilot.enrol("dana", "halyk", OfflineLimits(kzt(20_000), kzt(5_000), 10, 72))
    dana = pilot.key("dana")
    for _ in range(2):  # 90,000 of the 100,000 KZT a day an anonymous wallet may send
        coins = pilot.coins(dana)
        pilot.commit(
            builders.pay(c.network, coins, [dana], c.bob.public_hex, kzt(45_000), dana.public_hex)
        )
    fund = ob.purse_fund(c.network, [dana], pilot.coins(dana), phone.key.public_hex, kzt(15_000))
    refusal = pilot.refusal(fund)
    assert (refusal.code, refusal.details()["limit"]) == ("limit_exceeded", "daily")


def test_a_device_funds_one_purse_at_a_time(c: Cast) -> None:
    fund = ob.purse_fund(
        c.network,
        [c.alice.wallet_key],
        c.pilot.coins(c.alice.wallet_key),
        c.alice.key.public_hex,
        kzt(10),
    )
    assert c.pilot.refusal(fund).code == "purse_still_open"


def test_a_purse_above_the_certificate_maximum_is_refused(c: Cast) -> None:
    erin = c.pilot.add_wallet("erin", "halyk", "basic", kzt(10_000))
    phone = c.pilot.enrol("erin", "halyk", OfflineLimits(kzt(1_000), kzt(100), 5, 24))
    fund = ob.purse_fund(c.network, [erin], c.pilot.coins(erin), phone.key.public_hex, kzt(1_001))
    assert c.pilot.refusal(fund).code == "purse_limit_exceeded"


def test_outputs_may_not_be_paid_to_a_device_key(c: Cast) -> None:
    pay = builders.pay(
        c.network, c.pilot.coins(c.bob), [c.bob], c.alice.key.public_hex, 10, c.bob.public_hex
    )
    assert c.pilot.refusal(pay).code == "unregistered_recipient"


# -- enrolment ------------------------------------------------------------------------


def test_a_bank_grants_no_more_than_the_tier_default(c: Cast) -> None:
    above = msgspec.structs.replace(BASIC, max_voucher=BASIC.max_voucher + 1)
    certificate = c.pilot.certificate("alice", "halyk", c.pilot.key("greedy"), above)
    refusal = c.pilot.refusal(ob.enrol(c.network, c.bank, certificate))
    assert refusal.code == "offline_limits_above_tier"
    assert refusal.details()["limit"] == "max_voucher"


def test_enrolment_needs_the_reserve_to_cover_the_grants(store: KeyValueStore) -> None:
    pilot = Pilot(store)
    bank = pilot.add_bank("tiny", reserve=kzt(1_000_000), guarantee=kzt(10_000))  # 10% of 100,000
    pilot.add_wallet("w1", "tiny", "basic", 0)
    pilot.add_wallet("w2", "tiny", "basic", 0)
    pilot.enrol("w1", "tiny", BASIC)  # a 100,000 KZT purse maximum needs 10,000 KZT
    certificate = pilot.certificate("w2", "tiny", pilot.key("d2"), BASIC)
    refusal = pilot.refusal(ob.enrol(pilot.network, bank, certificate))
    assert refusal.code == "reserve_insufficient"


def test_a_bank_enrols_only_devices_of_its_own_wallets(c: Cast) -> None:
    other = c.pilot.add_bank("kaspi", reserve=kzt(1_000_000), guarantee=kzt(100_000))
    certificate = device_certificate(
        other, "kaspi", "bob", c.pilot.key("d").public_hex, BASIC, c.now()
    )
    assert c.pilot.refusal(ob.enrol(c.network, other, certificate)).code == "not_authorized"


def test_a_device_serial_is_enrolled_once(c: Cast) -> None:
    serial = c.alice.state.device.serial
    other = c.pilot.key("same-serial").public_hex
    certificate = device_certificate(c.bank, "halyk", "bob", other, BASIC, c.pilot.time_ms, serial)
    assert c.pilot.refusal(ob.enrol(c.network, c.bank, certificate)).code == "device_exists"


def test_an_expired_certificate_is_not_enrolled(c: Cast) -> None:
    device = c.pilot.key("old-device")
    old = device_certificate(
        c.bank, "halyk", "bob", device.public_hex, BASIC, c.now() - 3 * 365 * DAY_MS
    )
    assert c.pilot.refusal(ob.enrol(c.network, c.bank, old)).code == "certificate_expired"


def test_a_revoked_device_cannot_fund_and_the_next_crl_must_list_it(c: Cast) -> None:
    pilot = c.pilot
    phone = pilot.enrol("bob", "halyk", BASIC, name="second")
    pilot.commit(ob.revoke(c.network, c.bank, phone.serial, "lost"))
    fund = ob.purse_fund(c.network, [c.bob], pilot.coins(c.bob), phone.key.public_hex, kzt(10))
    assert pilot.refusal(fund).code == "device_revoked"
    from offline.certs import revocation_list

    stale = revocation_list(c.bank, "halyk", 7, [], pilot.time_ms, pilot.time_ms + DAY_MS)
    assert pilot.refusal(ob.publish_crl(c.network, c.bank, "halyk", stale)).code == "crl_incomplete"
    pilot.publish_crl("halyk")
    assert int(phone.serial, 16) in pilot.trust().crls["halyk"].revoked
    record = StateView(pilot.store).read(device_key(phone.serial), DeviceRecord)
    assert record is not None and record.status == "revoked"


def test_crl_numbers_only_increase(c: Cast) -> None:
    from offline.certs import revocation_list

    old = revocation_list(c.bank, "halyk", 1, [], c.pilot.time_ms, c.pilot.time_ms + DAY_MS)
    assert c.pilot.refusal(ob.publish_crl(c.network, c.bank, "halyk", old)).code == "crl_not_newer"


# -- deposits ---------------------------------------------------------------------------


def test_vouchers_pay_their_payee_from_the_purse(c: Cast) -> None:
    first, state = c.pay(c.bob, kzt(1_000))
    second, _ = c.pay(c.bob, kzt(2_000), state=state)
    c.pilot.commit(c.deposit(c.bob, first.voucher, second.voucher))
    assert c.pilot.balance(c.bob) == kzt(4_000)
    assert c.pilot.locked(purse_lock(c.purse)) == kzt(27_000)
    assert wallet(c, "alice").held == kzt(27_000)
    assert purse(c).counters == (1, 2)
    assert_audit(c)


def test_a_second_deposit_is_refused_and_pays_nothing(c: Cast) -> None:
    bundle, state = c.pay(c.bob, kzt(1_000))
    c.pilot.commit(c.deposit(c.bob, bundle.voucher))
    later, _ = c.pay(c.bob, kzt(500), state=state)
    again = c.deposit(c.bob, later.voucher, bundle.voucher)  # a batch repeating a paid voucher
    refusal = c.pilot.refusal(again)
    assert refusal.code == "voucher_settled"
    assert refusal.details()["counter"] == 1
    assert c.pilot.balance(c.bob) == kzt(2_000)
    c.pilot.commit(c.deposit(c.bob, later.voucher))  # what was not yet paid still is
    assert c.pilot.balance(c.bob) == kzt(2_500)


def test_the_payee_bank_may_deposit_for_its_customer(c: Cast) -> None:
    bundle, _ = c.pay(c.bob, kzt(1_000))
    c.pilot.commit(c.deposit(c.bob, bundle.voucher, signer=c.bank))
    assert c.pilot.balance(c.bob) == kzt(2_000)


def test_nobody_else_may_deposit_a_voucher(c: Cast) -> None:
    bundle, _ = c.pay(c.bob, kzt(1_000))
    refusal = c.pilot.refusal(c.deposit(c.carol, bundle.voucher))
    assert refusal.code == "not_voucher_payee"


def test_a_deposit_for_another_network_is_refused(c: Cast) -> None:
    bundle, _ = c.pay(c.bob, kzt(10))
    tx = c.deposit(c.bob, bundle.voucher)
    body = msgspec.structs.replace(tx.body, network="kzt-other")
    from ledger.types import Transaction

    assert c.pilot.refusal(Transaction.create(c.network, body, [c.bob])).code == "tampered_bundle"


def test_a_voucher_under_another_device_key_is_refused(c: Cast) -> None:
    bundle, _ = c.pay(c.bob, kzt(10))
    group = (c.purse, c.carol.public_hex, [bundle.voucher])
    assert c.pilot.refusal(ob.deposit(c.network, c.bob, [group])).code == "tampered_bundle"


def test_a_deposit_after_the_window_is_refused(c: Cast) -> None:
    bundle, _ = c.pay(c.bob, kzt(10))
    c.pilot.time_ms = purse(c).settle_by
    assert c.pilot.refusal(c.deposit(c.bob, bundle.voucher)).code == "deposit_too_late"


# -- defund ------------------------------------------------------------------------------


def test_defund_returns_what_the_vouchers_do_not_need(c: Cast) -> None:
    bundle, _ = c.pay(c.bob, kzt(5_000))
    to = c.alice.wallet_key.public_hex
    defund = ob.purse_defund(c.network, c.alice.key, c.purse, 1, kzt(5_000), kzt(25_000), to)
    c.pilot.commit(defund)
    assert wallet(c, "alice").held == kzt(5_000)
    c.pilot.commit(c.deposit(c.bob, bundle.voucher))  # the outstanding voucher still pays
    assert wallet(c, "alice").held == 0
    assert c.pilot.locked(purse_lock(c.purse)) == 0
    assert_audit(c)


def test_defund_must_restate_the_purse(c: Cast) -> None:
    to = c.alice.wallet_key.public_hex
    wrong = ob.purse_defund(c.network, c.alice.key, c.purse, 0, 0, kzt(1), to)
    assert c.pilot.refusal(wrong).code == "defund_mismatch"
    by_wallet = ob.purse_defund(c.network, c.alice.wallet_key, c.purse, 0, 0, kzt(30_000), to)
    assert c.pilot.refusal(by_wallet).code == "missing_signature"  # only the device, until late


def test_after_the_window_the_wallet_takes_back_a_lost_phone_purse(c: Cast) -> None:
    bundle, _ = c.pay(c.bob, kzt(5_000))
    c.pilot.commit(c.deposit(c.bob, bundle.voucher))
    c.pilot.time_ms = purse(c).settle_by + HOUR_MS
    to = c.alice.wallet_key.public_hex
    release = ob.purse_defund(
        c.network, c.alice.wallet_key, c.purse, 1, kzt(5_000), kzt(25_000), to
    )
    c.pilot.commit(release)
    assert wallet(c, "alice").held == 0 and wallet(c, "alice").balance == kzt(95_000)
    assert_audit(c)


def test_the_offline_rules_must_cover_every_tier(c: Cast) -> None:
    from offline.certs import root_certificate
    from offline.params import default_params

    params = default_params()
    partial = msgspec.structs.replace(params, tiers={"basic": params.tiers["basic"]})
    root = root_certificate(c.pilot.cb, c.network, c.pilot.time_ms)
    refusal = c.pilot.refusal(ob.setup(c.network, c.pilot.cb, root, partial, nonce=1))
    assert refusal.code == "schema_violation"
    stranger = c.pilot.key("not the central bank")
    own_root = root_certificate(stranger, c.network, c.pilot.time_ms)
    assert (
        c.pilot.refusal(ob.setup(c.network, stranger, own_root, params, 2)).code == "not_authorized"
    )
