"""The wire formats of offline payments: vouchers, bundles, the limits extension, the PKI.

The vectors in ``docs/offline-vectors.json`` are regenerated and compared,
and every hex string the document shows must be one of them, so
``docs/offline.md`` cannot drift from the code.
"""

from __future__ import annotations

import json
from pathlib import Path

import cbor2
import pytest
import segno

from ledger.crypto import DOMAIN_VOUCHER, KeyPair, sha256
from ledger.encoding import MAX_AMOUNT
from offline.bundle import decode_bundle
from offline.certs import bank_ca_certificate, device_certificate, revocation_list, root_certificate
from offline.der import decode_limits, encode_limits
from offline.errors import InvalidCertificate, MalformedVoucher
from offline.params import default_tier_limits
from offline.pki import load_bank_ca, load_crl, load_device, load_root
from offline.voucher import MAX_COUNTER, MAX_VOUCHER_BYTES, Voucher, decode_voucher, sign_voucher
from tools.vectors.offline import vectors

DOCS = Path(__file__).resolve().parents[2] / "docs"
KEY = KeyPair.from_seed(sha256(b"formats"))
T = 1_767_225_600_000


@pytest.fixture(scope="module")
def generated() -> dict[str, object]:
    return vectors()


def test_the_documented_vectors_are_what_the_code_produces(generated: dict[str, object]) -> None:
    assert json.loads((DOCS / "offline-vectors.json").read_text()) == generated


def test_the_document_shows_the_vectors(generated: dict[str, object]) -> None:
    text = (DOCS / "offline.md").read_text()
    first = generated["vouchers"][0]  # type: ignore[index]
    for value in (first["body"], first["signature"], first["voucher_id"], generated["limits_der"]):
        assert value in text.replace("\n", "").replace(" ", ""), value


def test_a_voucher_signs_domain_network_and_body(generated: dict[str, object]) -> None:
    first = generated["vouchers"][0]  # type: ignore[index]
    message = bytes.fromhex(first["signing_message"])
    network = str(generated["network"]).encode()
    assert message == DOMAIN_VOUCHER + network + bytes.fromhex(first["body"])
    assert sha256(message).hex() == first["voucher_id"]
    signed = decode_voucher(bytes.fromhex(first["signed"]))
    assert signed.verify(str(generated["network"]), bytes.fromhex(str(generated["device_key"])))
    second = generated["vouchers"][1]  # type: ignore[index]
    assert second["fields"]["prev"] == first["voucher_id"]  # the hash chain
    assert first["fields"]["prev"] == first["fields"]["purse"]


def test_even_the_largest_voucher_fits_in_220_bytes() -> None:
    biggest = Voucher(
        purse=b"\xff" * 32,
        counter=MAX_COUNTER,
        prev=b"\xff" * 32,
        payee=b"\xff" * 32,
        amount=MAX_AMOUNT - MAX_COUNTER,
        cumulative=MAX_AMOUNT,
        time_ms=MAX_AMOUNT,
    )
    signed = sign_voucher("kzt-a-network-id-of-32-characters"[:32], biggest, KEY)
    assert len(signed.raw) <= MAX_VOUCHER_BYTES == 220
    assert decode_voucher(signed.raw) == signed


def non_shortest(data: bytes) -> bytes:
    """The same voucher with its counter (1) written as a two-byte integer."""
    assert data[:3] == b"\x82\x88\x01" and data[3:5] == b"\x58\x20" and data[37] == 0x01
    return data[:37] + b"\x18\x01" + data[38:]


@pytest.mark.parametrize(
    "mutate",
    [
        non_shortest,
        lambda d: d + b"\x00",
        lambda d: d[:-1],
        lambda d: cbor2.dumps([cbor2.loads(d)[0]], canonical=True),
        lambda d: cbor2.dumps([[2, *cbor2.loads(d)[0][1:]], cbor2.loads(d)[1]], canonical=True),
    ],
    ids=["non-shortest integer", "trailing byte", "truncated", "no signature", "version 2"],
)
def test_only_the_canonical_voucher_is_accepted(
    generated: dict[str, object], mutate: object
) -> None:
    data = bytes.fromhex(generated["vouchers"][0]["signed"])  # type: ignore[index]
    assert callable(mutate)
    with pytest.raises(MalformedVoucher):
        decode_voucher(mutate(data))


def test_the_bundle_fits_one_qr_code(generated: dict[str, object]) -> None:
    data = bytes.fromhex(str(generated["bundle"]))
    bundle = decode_bundle(data)
    assert bundle.encode() == data
    code = segno.make(data, error="l", micro=False)
    print(f"bundle {len(data)} bytes -> QR version {code.version}, {code.symbol_size()[0]} modules")
    assert code.version <= 40 and len(data) < 2_953


def test_the_limits_extension_is_strict_der() -> None:
    limits = default_tier_limits()["business"]
    der = encode_limits(limits)
    assert decode_limits(der) == limits
    for bad in (
        der + b"\x00",  # trailing
        der[:2] + b"\x02\x02\x00\x01" + der[5:],  # a non-minimal version
        b"\x30\x03\x02\x01\x02",  # version 2, nothing else
        der[:1] + bytes((der[1] + 1,)) + der[2:],  # a length past the end
    ):
        with pytest.raises(MalformedVoucher):
            decode_limits(bad)


def test_the_certificate_chain_follows_the_profile() -> None:
    cb, bank, device = KEY, KeyPair.from_seed(sha256(b"bank")), KeyPair.from_seed(sha256(b"dev"))
    limits = default_tier_limits()["basic"]
    root = load_root(root_certificate(cb, "kzt-test", T))
    ca = load_bank_ca(bank_ca_certificate(cb, "kzt-test", "halyk", bank.public_hex, T), root)
    cert = load_device(device_certificate(bank, "halyk", "w-1", device.public_hex, limits, T, 5))
    assert (root.key, ca.key, ca.name) == (cb.public_hex, bank.public_hex, "halyk")
    assert (cert.serial, cert.key, cert.wallet_id, cert.bank_id) == (
        5,
        device.public_hex,
        "w-1",
        "halyk",
    )
    assert cert.limits == limits and cert.not_before == T
    crl = load_crl(revocation_list(bank, "halyk", 3, [(5, T)], T, T + 1000), ca)
    assert (crl.number, crl.revoked, crl.this_update) == (3, frozenset({5}), T)
    other = KeyPair.from_seed(sha256(b"other bank"))
    with pytest.raises(InvalidCertificate):
        load_crl(revocation_list(other, "halyk", 4, [], T, T + 1000), ca)
    with pytest.raises(InvalidCertificate):
        load_device(bank_ca_certificate(cb, "kzt-test", "halyk", bank.public_hex, T))  # a CA


@pytest.mark.parametrize(
    "der",
    [b"", b"\x30\x00", b"\x30\x82\x01\x00" + b"\x00" * 10, bytes(range(256)) * 2],
    ids=["empty", "empty sequence", "truncated", "noise"],
)
def test_malformed_certificates_and_crls_are_refused_with_a_code(der: bytes) -> None:
    root = load_root(root_certificate(KEY, "kzt-test", T))
    for load in (
        load_root,
        load_device,
        lambda d: load_bank_ca(d, root),
        lambda d: load_crl(d, root),
    ):
        with pytest.raises(InvalidCertificate):
            load(der)


def test_a_certificate_with_a_corrupted_limits_extension_is_refused() -> None:
    device = KeyPair.from_seed(sha256(b"dev"))
    der = device_certificate(
        KEY, "halyk", "w-1", device.public_hex, default_tier_limits()["basic"], T
    )
    limits = encode_limits(default_tier_limits()["basic"])
    with pytest.raises((InvalidCertificate, MalformedVoucher)):
        load_device(der.replace(limits, limits[:-1] + b"\xff"))  # signature aside, it cannot parse
