"""Hostile DER and CBOR for the offline PKI and the phone's files: a code, never a crash.

Every single-bit flip of a root, bank CA, device certificate and CRL is run
through its loader: it either parses (its signature is checked later) or is
refused with a code from the error tree. The flips issue 18 reported (the
version at byte 11, the key's OID at bytes 110-111) are named cases, on the
loaders and on the payee's offline verifier, which the wallet SDK runs.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable

import cbor2
import pytest

from ledger.crypto import KeyPair, sha256
from ledger.errors import TengeError
from offline.bundle import Bundle
from offline.certs import bank_ca_certificate, device_certificate, revocation_list, root_certificate
from offline.device import DeviceState
from offline.errors import InvalidCertificate, MalformedVoucher
from offline.params import default_tier_limits
from offline.pki import Authority, load_bank_ca, load_crl, load_device, load_root
from offline.trust import TrustStore
from offline.verify import verify_bundle
from tests.offline_cast import Cast, cast

T = 1_767_225_600_000
CB, BANK, DEVICE = (KeyPair.from_seed(sha256(n)) for n in (b"hostile cb", b"bank", b"device"))
ROOT_DER = root_certificate(CB, "kzt-test", T)
CA_DER = bank_ca_certificate(CB, "kzt-test", "halyk", BANK.public_hex, T)
LIMITS = default_tier_limits()["basic"]
DEVICE_DER = device_certificate(BANK, "halyk", "w-1", DEVICE.public_hex, LIMITS, T, 5)
CRL_DER = revocation_list(BANK, "halyk", 3, [(5, T), (7, T)], T, T + 1000)
ED25519_OID = bytes.fromhex("06032b6570")


def key_oid(der: bytes) -> int:
    """Where the subject key's algorithm OID starts (after the signature algorithm's)."""
    return der.index(ED25519_OID, der.index(ED25519_OID) + 1) + 2


def version_at(der: bytes) -> int:
    """Where the version's value is: ``[0] { INTEGER 2 }`` opens the to-be-signed part."""
    return der.index(bytes.fromhex("a003020102")) + 4


def reported(der: bytes) -> list[tuple[int, int]]:
    """(byte, bit) flips like the report's: the version's value, the key's OID."""
    version, oid = version_at(der), key_oid(der)
    return [(version, 0), (version, 2), (oid, 0), (oid, 1), (oid + 1, 0), (oid + 1, 3)]


def flip(data: bytes, at: int, bit: int) -> bytes:
    changed = bytearray(data)
    changed[at] ^= 1 << bit
    return bytes(changed)


def loaders() -> dict[str, tuple[bytes, Callable[[bytes], object]]]:
    root = load_root(ROOT_DER)
    ca = load_bank_ca(CA_DER, root)
    return {
        "root": (ROOT_DER, load_root),
        "bank CA": (CA_DER, lambda d: load_bank_ca(d, root)),
        "device": (DEVICE_DER, load_device),
        "CRL": (CRL_DER, lambda d: load_crl(d, ca)),
    }


@pytest.fixture(scope="module")
def c() -> Cast:
    return cast()


def test_the_reported_offsets_are_the_version_and_the_key_algorithm(c: Cast) -> None:
    enrolled = c.alice.state.certificate  # an enrolled phone's, as in the report
    assert (version_at(enrolled), key_oid(enrolled)) == (11, 110)


@pytest.mark.parametrize("case", range(6))
def test_a_device_certificate_with_a_flipped_version_or_key_oid_is_invalid(case: int) -> None:
    at, bit = reported(DEVICE_DER)[case]
    with pytest.raises(InvalidCertificate):
        load_device(flip(DEVICE_DER, at, bit))


@pytest.mark.parametrize("name", ["root", "bank CA", "device", "CRL"])
def test_every_single_bit_flip_parses_or_is_refused_with_a_code(name: str) -> None:
    der, load = loaders()[name]
    codes: Counter[str] = Counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # cryptography warns about some serial numbers
        for at in range(len(der)):
            for bit in range(8):
                try:
                    load(flip(der, at, bit))
                    codes["parsed"] += 1
                except TengeError as error:
                    codes[error.code] += 1
    assert set(codes) <= {"parsed", InvalidCertificate.code, MalformedVoucher.code}, codes
    assert codes[InvalidCertificate.code] > 0


def test_a_certificate_with_a_serial_that_is_not_positive_is_invalid() -> None:
    der = device_certificate(BANK, "halyk", "w-1", DEVICE.public_hex, LIMITS, T, 5)
    serial = der.index(bytes.fromhex("020105"))  # INTEGER 5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(InvalidCertificate):
            load_device(flip(der, serial + 2, 7))  # -123: RFC 5280 wants it positive


@pytest.mark.parametrize("case", range(6))
def test_the_offline_verifier_refuses_a_bundle_with_a_flipped_certificate(
    c: Cast, case: int
) -> None:
    bundle, _ = c.pay(c.bob, 100)
    at, bit = reported(bundle.certificate)[case]
    hostile = Bundle(
        bundle.network,
        bundle.voucher,
        flip(bundle.certificate, at, bit),
        bundle.funding,
        bundle.receipt_cbor,
    )
    with pytest.raises(InvalidCertificate):
        verify_bundle(hostile.encode(), c.trust, c.bob.public, c.now())


def test_a_trust_store_holding_a_flipped_root_is_refused(c: Cast) -> None:
    stored = cbor2.loads(c.trust.encode())
    stored["root"] = flip(stored["root"], version_at(stored["root"]), 0)
    with pytest.raises(InvalidCertificate):
        TrustStore.decode(cbor2.dumps(stored, canonical=True))


@pytest.mark.parametrize(
    "items",
    [
        [],
        [1],
        {"a": 1},
        [1, "kzt-test", b"", [b""], 0, b"", 0],
        [1, "kzt-test", b"", [b"", cbor2.CBORTag(99, 1)], 0, b"", 0],
        [1, "kzt-test", b"", {1: 2}, 0, b"", 0],
        [1, 7, b"", None, 0, b"", 0],
        [1, "kzt-test", "text", None, "0", b"", 0],
    ],
    ids=["empty", "short", "a map", "short purse", "tagged", "purse map", "int network", "types"],
)
def test_a_damaged_device_state_file_is_malformed(items: object) -> None:
    with pytest.raises(MalformedVoucher):
        DeviceState.decode(cbor2.dumps(items))


def test_authority_views_keep_the_der_they_came_from() -> None:
    root = load_root(ROOT_DER)
    assert isinstance(root, Authority) and root.der == ROOT_DER


@pytest.mark.parametrize(
    "change",
    [
        {"cas": [b"x"]},
        {"crls": {"halyk": "text"}},
        {"producers": "a key"},
        {"params": {}},
        {"extra": 1},
    ],
    ids=["cas list", "crl text", "producers text", "params map", "extra member"],
)
def test_a_damaged_trust_store_file_is_malformed(c: Cast, change: dict[str, object]) -> None:
    stored = {**cbor2.loads(c.trust.encode()), **change}
    with pytest.raises(MalformedVoucher):
        TrustStore.decode(cbor2.dumps(stored, canonical=True))
