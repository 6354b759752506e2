"""The payee's offline verification: every rejection has its own code.

Nothing here touches a network: the trust store was downloaded once (at
setup) and every check runs on the payee's phone. The software keystore
stands in for the device's secure element, which is why these tests can
clone the device and roll its counter back at all.
"""

from __future__ import annotations

import socket

import cbor2
import msgspec
import pytest

from ledger.errors import TengeError
from offline.bundle import Bundle, decode_bundle
from offline.certs import bank_ca_certificate, device_certificate, revocation_list
from offline.device import pay
from offline.errors import (
    BrokenChain,
    CertificateExpired,
    CounterReplay,
    DeviceRevoked,
    MalformedVoucher,
    PurseLimitExceeded,
    StaleCrl,
    SyncTooOld,
    TamperedBundle,
    UnknownDevice,
    VoucherCountExceeded,
    VoucherLimitExceeded,
    VoucherTimeSkew,
    WrongPayee,
)
from offline.inbox import Inbox
from offline.params import HOUR_MS, OfflineLimits, kzt
from offline.trust import TrustStore
from offline.verify import VerifyCache, verify_bundle
from offline.voucher import Voucher, sign_voucher
from tests.offline_cast import Cast, cast


@pytest.fixture(scope="module")
def c() -> Cast:
    return cast()


def code_of(call: object) -> str:
    assert callable(call)
    with pytest.raises(TengeError) as caught:
        call()
    return caught.value.code


def forged(c: Cast, **fields: int) -> Bundle:
    """A voucher the device's own limits would never sign (a modified device)."""
    state = c.alice.state
    assert state.purse is not None
    values = dict(
        purse=state.purse.purse_id,
        counter=1,
        prev=state.purse.purse_id,
        payee=c.bob.public,
        amount=kzt(100),
        cumulative=kzt(100),
        time_ms=c.now(),
    )
    values.update(fields)
    signed = sign_voucher(c.network, Voucher(**values), c.alice.key)  # type: ignore[arg-type]
    return Bundle.build(
        c.network, signed, state.certificate, state.purse.funding, state.purse.receipt
    )


def test_an_honest_bundle_verifies_with_no_network(
    c: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the offline path opened a connection")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    bundle, _ = c.pay(c.bob, kzt(1_500))
    accepted = verify_bundle(bundle.encode(), c.trust, c.bob.public, c.now())
    assert accepted.device.wallet_id == "alice"
    assert accepted.funding.funded == kzt(30_000)
    assert accepted.seen.received == kzt(1_500)


def test_a_device_of_an_unknown_bank_is_refused(c: Cast) -> None:
    rogue = c.pilot.key("rogue-bank")
    certificate = device_certificate(
        rogue, "rogue", "alice", c.alice.key.public_hex, c.alice.state.device.limits, c.now()
    )
    bundle, _ = c.pay(c.bob, kzt(10))
    swapped = Bundle(c.network, bundle.voucher, certificate, bundle.funding, bundle.receipt_cbor)
    call = lambda: verify_bundle(swapped.encode(), c.trust, c.bob.public, c.now())  # noqa: E731
    assert code_of(call) == UnknownDevice.code


def test_a_device_listed_in_the_crl_is_refused(c: Cast) -> None:
    serial = c.alice.state.device.serial
    crl = revocation_list(c.bank, "halyk", 99, [(serial, c.now())], c.now(), c.now() + HOUR_MS)
    trust = c.trust.with_crl("halyk", crl)
    bundle, _ = c.pay(c.bob, kzt(10))
    call = lambda: verify_bundle(bundle.encode(), trust, c.bob.public, c.now())  # noqa: E731
    assert code_of(call) == DeviceRevoked.code


def test_an_expired_certificate_is_refused(c: Cast) -> None:
    bundle, _ = c.pay(c.bob, kzt(10))
    later = c.alice.state.device.not_after + 1_000
    call = lambda: verify_bundle(bundle.encode(), c.trust, c.bob.public, later)  # noqa: E731
    assert code_of(call) == CertificateExpired.code


def test_a_stale_crl_makes_the_payee_refuse(c: Cast) -> None:
    age = c.trust.params.crl_max_age_ms
    when = c.trust.crls["halyk"].this_update + age + 1_000
    bundle, _ = c.pay(c.bob, kzt(10), after_ms=when - c.pilot.time_ms)
    call = lambda: verify_bundle(bundle.encode(), c.trust, c.bob.public, when)  # noqa: E731
    assert code_of(call) == StaleCrl.code


def test_a_replayed_voucher_is_refused(c: Cast) -> None:
    bundle, _ = c.pay(c.bob, kzt(10))
    inbox = Inbox()
    _, inbox = inbox.receive(bundle.encode(), c.trust, c.bob.public, c.now())
    call = lambda: inbox.receive(bundle.encode(), c.trust, c.bob.public, c.now())  # noqa: E731
    assert code_of(call) == CounterReplay.code


def test_a_rolled_back_counter_is_refused_and_kept_as_evidence(c: Cast) -> None:
    first, after = c.pay(c.bob, kzt(10))
    rolled, _ = c.pay(c.bob, kzt(20))  # from the state before `first`: the same counter
    _, inbox = Inbox().receive(first.encode(), c.trust, c.bob.public, c.now())
    with pytest.raises(CounterReplay) as caught:
        inbox.receive(rolled.encode(), c.trust, c.bob.public, c.now())
    inbox = inbox.with_evidence(rolled.encode(), caught.value)
    (evidence,) = inbox.evidence
    assert {evidence.first, evidence.second} == {first.voucher.raw, rolled.voucher.raw}
    assert after.counter == 1


def test_a_voucher_off_the_seen_chain_is_refused(c: Cast) -> None:
    first, _ = c.pay(c.bob, kzt(10))
    _, clone = c.pay(c.carol, kzt(30))  # a copy of the device pays Carol first ...
    second, _ = c.pay(c.bob, kzt(20), state=clone)  # ... then Bob, on another chain
    _, inbox = Inbox().receive(first.encode(), c.trust, c.bob.public, c.now())
    call = lambda: inbox.receive(second.encode(), c.trust, c.bob.public, c.now())  # noqa: E731
    assert code_of(call) == BrokenChain.code


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"amount": kzt(20_001), "cumulative": kzt(20_001)}, VoucherLimitExceeded),
        ({"amount": kzt(100), "cumulative": kzt(30_001)}, PurseLimitExceeded),
        ({"counter": 101, "cumulative": kzt(200)}, VoucherCountExceeded),
    ],
)
def test_vouchers_beyond_the_device_limits_are_refused(
    c: Cast, fields: dict[str, int], error: type[TengeError]
) -> None:
    bundle = forged(c, **fields)
    call = lambda: verify_bundle(bundle.encode(), c.trust, c.bob.public, c.now())  # noqa: E731
    assert code_of(call) == error.code


def test_the_device_refuses_to_sign_beyond_its_limits(c: Cast) -> None:
    assert code_of(lambda: c.pay(c.bob, kzt(20_001))) == VoucherLimitExceeded.code
    assert code_of(lambda: c.pay(c.bob, kzt(30_001))) == PurseLimitExceeded.code


def test_a_bundle_for_another_network_is_refused(c: Cast) -> None:
    bundle, _ = c.pay(c.bob, kzt(10))
    other = TrustStore(
        "kzt-other", c.trust.producer_keys, c.trust.params, c.trust.root, c.trust.cas, c.trust.crls
    )
    call = lambda: verify_bundle(bundle.encode(), other, c.bob.public, c.now())  # noqa: E731
    assert code_of(call) == "wrong_network"


def test_a_voucher_for_someone_else_is_refused(c: Cast) -> None:
    bundle, _ = c.pay(c.carol, kzt(10))
    call = lambda: verify_bundle(bundle.encode(), c.trust, c.bob.public, c.now())  # noqa: E731
    assert code_of(call) == WrongPayee.code


def tamper_amount(data: bytes) -> bytes:
    items = cbor2.loads(data)
    voucher = cbor2.loads(items[2])
    voucher[0][5] -= 1  # the amount, signature unchanged
    items[2] = cbor2.dumps(voucher, canonical=True)
    return cbor2.dumps(items, canonical=True)


def tamper_receipt(data: bytes) -> bytes:
    items = cbor2.loads(data)
    receipt = cbor2.loads(items[5])
    receipt[3] = bytes(32)  # the header's tx_root
    items[5] = cbor2.dumps(receipt, canonical=True)
    return cbor2.dumps(items, canonical=True)


def tamper_certificate(c: Cast, data: bytes) -> bytes:
    other = c.pilot.key("another-device")
    certificate = c.pilot.certificate("alice", "halyk", other, c.alice.state.device.limits)
    items = cbor2.loads(data)
    items[3] = certificate
    return cbor2.dumps(items, canonical=True)


@pytest.mark.parametrize("part", ["voucher_signature", "receipt", "device_key"])
def test_a_tampered_bundle_is_refused(c: Cast, part: str) -> None:
    bundle, _ = c.pay(c.bob, kzt(10))
    data = {
        "voucher_signature": tamper_amount,
        "receipt": tamper_receipt,
        "device_key": lambda d: tamper_certificate(c, d),
    }[part](bundle.encode())
    with pytest.raises(TamperedBundle) as caught:
        verify_bundle(data, c.trust, c.bob.public, c.now())
    assert caught.value.what == part


def test_bytes_that_are_not_a_bundle_are_refused(c: Cast) -> None:
    bundle, _ = c.pay(c.bob, kzt(10))
    data = bundle.encode()
    for bad in (b"", data[:-3], data + b"\x00", b"\xff" * 40):
        assert code_of(lambda bad=bad: decode_bundle(bad)) == MalformedVoucher.code


def test_a_purse_past_its_offline_window_is_refused(c: Cast) -> None:
    hours = c.alice.state.device.limits.max_offline_hours
    purse = c.alice.state.purse
    assert purse is not None
    when = purse.funded_at + hours * HOUR_MS + 1_000
    bundle = forged(c, time_ms=when)
    fresh = c.trust.with_crl(
        "halyk", revocation_list(c.bank, "halyk", 50, [], when - 1_000, when + HOUR_MS)
    )
    call = lambda: verify_bundle(bundle.encode(), fresh, c.bob.public, when)  # noqa: E731
    assert code_of(call) == SyncTooOld.code


def test_a_voucher_with_a_wrong_device_clock_is_refused(c: Cast) -> None:
    bundle, _ = c.pay(c.bob, kzt(10))
    later = c.now() + c.trust.params.clock_skew_ms + 60_000
    call = lambda: verify_bundle(bundle.encode(), c.trust, c.bob.public, later)  # noqa: E731
    assert code_of(call) == VoucherTimeSkew.code


def test_a_cached_certificate_and_receipt_give_the_same_verdicts(c: Cast) -> None:
    cache = VerifyCache()
    bundle, state = c.pay(c.bob, kzt(10))
    verify_bundle(bundle.encode(), c.trust, c.bob.public, c.now(), None, cache)
    second, _ = pay(state, c.alice.key, c.bob.public, kzt(10), c.now())
    assert verify_bundle(second.encode(), c.trust, c.bob.public, c.now(), None, cache)
    assert len(cache.devices) == len(cache.fundings) == 1
    tampered = tamper_amount(second.encode())
    with pytest.raises(TamperedBundle):
        verify_bundle(tampered, c.trust, c.bob.public, c.now(), None, cache)


def test_the_trust_store_survives_the_phone_storage(c: Cast) -> None:
    again = TrustStore.decode(c.trust.encode())
    assert again.crls["halyk"].number == c.trust.crls["halyk"].number
    assert again.root.key == c.pilot.cb.public_hex
    assert msgspec.to_builtins(again.params) == msgspec.to_builtins(c.trust.params)


def test_a_bank_ca_not_issued_by_the_root_is_not_trusted(c: Cast) -> None:
    outsider = c.pilot.key("outsider")
    forged_ca = bank_ca_certificate(outsider, c.network, "halyk", c.bank.public_hex, c.now())
    with pytest.raises(TengeError) as caught:
        TrustStore.build(
            c.network,
            c.trust.producer_keys,
            c.trust.params,
            c.trust.root.der,
            {"halyk": forged_ca},
            {},
        )
    assert caught.value.code == "invalid_certificate"


def test_limits_in_the_certificate_are_the_ones_verified(c: Cast) -> None:
    assert c.alice.state.device.limits == OfflineLimits(
        max_purse=kzt(100_000), max_voucher=kzt(20_000), max_vouchers=100, max_offline_hours=96
    )
