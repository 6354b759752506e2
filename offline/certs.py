"""Issuing the offline PKI: root, bank CA and device certificates, and CRLs.

Real X.509 (RFC 5280) built by ``cryptography`` with Ed25519 keys (RFC 8410).
The keys are the ledger's own (docs/decisions/0006-offline-pki.md): the root
is a genesis central bank key, a bank's CA key is one of the bank's
registered keys, a device key is the key the phone generated and the ledger
registers at enrolment. Pure module; banks and the central bank run it.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from ledger.crypto import KeyPair, sha256
from offline.der import LIMITS_OID, encode_limits
from offline.params import OfflineLimits

DEVICE_YEARS = 2
CA_YEARS = 10
ROOT_YEARS = 20
_DER = Encoding.DER


def private_key(pair: KeyPair) -> ed25519.Ed25519PrivateKey:
    """The ``cryptography`` view of a ledger key pair (same RFC 8032 seed)."""
    return ed25519.Ed25519PrivateKey.from_private_bytes(pair.seed)


def public_key(public_hex: str) -> ed25519.Ed25519PublicKey:
    """The ``cryptography`` view of a ledger public key."""
    return ed25519.Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex))


def when(time_ms: int) -> datetime.datetime:
    """Unix milliseconds as an aware UTC datetime, truncated to the second (X.509 precision)."""
    return datetime.datetime.fromtimestamp(time_ms // 1000, tz=datetime.UTC)


def years_after(time_ms: int, years: int) -> int:
    return time_ms + years * 365 * 86_400_000


def root_name(network: str) -> x509.Name:
    """The central bank root's name; it names the network it anchors."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "National Bank of Kazakhstan"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{network} offline root"),
        ]
    )


def bank_name(bank_id: str) -> x509.Name:
    """A bank CA's name: its ledger bank id, short because every device certificate repeats it."""
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, bank_id)])


def _ca_extensions(builder: x509.CertificateBuilder, path_length: int) -> x509.CertificateBuilder:
    usage = x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )
    return builder.add_extension(
        x509.BasicConstraints(ca=True, path_length=path_length), critical=True
    ).add_extension(usage, critical=True)


def root_certificate(central_bank: KeyPair, network: str, time_ms: int) -> bytes:
    """The self-signed root (DER), on a genesis central bank key."""
    name = root_name(network)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key(central_bank.public_hex))
        .serial_number(_serial(b"root:" + central_bank.public))
        .not_valid_before(when(time_ms))
        .not_valid_after(when(years_after(time_ms, ROOT_YEARS)))
    )
    signed = _ca_extensions(builder, 1).sign(private_key(central_bank), None)
    return signed.public_bytes(_DER)


def bank_ca_certificate(
    central_bank: KeyPair, network: str, bank_id: str, bank_key: str, time_ms: int
) -> bytes:
    """A bank's CA certificate (DER): the root certifies one of the bank's ledger keys."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(bank_name(bank_id))
        .issuer_name(root_name(network))
        .public_key(public_key(bank_key))
        .serial_number(_serial(b"ca:" + bank_id.encode() + bytes.fromhex(bank_key)))
        .not_valid_before(when(time_ms))
        .not_valid_after(when(years_after(time_ms, CA_YEARS)))
    )
    return _ca_extensions(builder, 0).sign(private_key(central_bank), None).public_bytes(_DER)


def device_certificate(
    bank: KeyPair,
    bank_id: str,
    wallet_id: str,
    device_key: str,
    limits: OfflineLimits,
    time_ms: int,
    serial: int | None = None,
    years: int = DEVICE_YEARS,
) -> bytes:
    """A device certificate (DER): binds ``device_key`` to ``wallet_id`` with its limits."""
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    limits_value = x509.UnrecognizedExtension(
        x509.ObjectIdentifier(LIMITS_OID), encode_limits(limits)
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.USER_ID, wallet_id)]))
        .issuer_name(bank_name(bank_id))
        .public_key(public_key(device_key))
        .serial_number(serial if serial is not None else random_serial())
        .not_valid_before(when(time_ms))
        .not_valid_after(when(years_after(time_ms, years)))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(limits_value, critical=True)
    )
    return builder.sign(private_key(bank), None).public_bytes(_DER)


def random_serial() -> int:
    """A fresh 63-bit positive serial number."""
    return secrets.randbits(63) | 1


def _serial(seed: bytes) -> int:
    return int.from_bytes(sha256(seed)[:8], "big") >> 1 | 1


def revocation_list(
    bank: KeyPair,
    bank_id: str,
    number: int,
    revoked: Iterable[tuple[int, int]],
    time_ms: int,
    next_ms: int,
) -> bytes:
    """A bank-signed CRL (DER) listing ``(serial, revoked_at_ms)`` pairs, with its CRL number."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(bank_name(bank_id))
        .last_update(when(time_ms))
        .next_update(when(next_ms))
        .add_extension(x509.CRLNumber(number), critical=False)
    )
    for serial, revoked_at in sorted(revoked):
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(when(revoked_at))
            .build()
        )
        builder = builder.add_revoked_certificate(entry)
    return builder.sign(private_key(bank), None).public_bytes(_DER)
