"""Reading and verifying the offline PKI with no network: certificates and CRLs.

Parsing is ``cryptography``'s; every signature is Ed25519 checked by
libsodium (:func:`ledger.crypto.verify`) over the certificate's or CRL's
to-be-signed bytes, which is exactly what RFC 8410 signs. Each loader checks
the profile of ``docs/offline.md`` and returns a small frozen view, so the
verifier, the ledger's rules and the API share one reading of every
certificate. Pure module: a phone carries it.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import NameOID, SignatureAlgorithmOID

from ledger.crypto import verify
from offline.der import LIMITS_OID, decode_limits
from offline.errors import InvalidCertificate, TamperedBundle, UnknownDevice
from offline.params import OfflineLimits

T = TypeVar("T")
P = ParamSpec("P")
_LIMITS = x509.ObjectIdentifier(LIMITS_OID)
# What ``cryptography`` raises for malformed input, eagerly or when it parses a part lazily
# (the version, the key, extensions, names): each is this certificate's fault, not ours.
_PARSE_ERRORS = (
    ValueError,
    TypeError,
    x509.InvalidVersion,
    UnsupportedAlgorithm,
    x509.DuplicateExtension,
    x509.UnsupportedGeneralNameType,
)


def _parsed(loader: Callable[P, T]) -> Callable[P, T]:
    """Turn any parse failure of untrusted DER into :class:`InvalidCertificate`."""

    @functools.wraps(loader)
    def load(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return loader(*args, **kwargs)
        except _PARSE_ERRORS as exc:
            raise InvalidCertificate(reason=f"cannot be parsed: {exc}") from None

    return load


def _ms(moment: datetime.datetime) -> int:
    return int(moment.timestamp()) * 1000


def _raw_key(certificate: x509.Certificate) -> str:
    key = certificate.public_key()
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise InvalidCertificate(reason="the subject key is not Ed25519")
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def _load(der: bytes) -> x509.Certificate:
    try:
        certificate = x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise InvalidCertificate(reason=f"not a DER certificate: {exc}") from None
    if certificate.signature_algorithm_oid != SignatureAlgorithmOID.ED25519:
        raise InvalidCertificate(reason="the signature algorithm is not Ed25519")
    if certificate.serial_number <= 0:  # RFC 5280 4.1.2.2; later cryptography releases refuse it
        raise InvalidCertificate(reason="the serial number is not positive")
    return certificate


def _name(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    found = name.get_attributes_for_oid(oid)
    if len(found) != 1 or not isinstance(found[0].value, str):
        raise InvalidCertificate(reason=f"the name needs exactly one {oid._name}")
    return found[0].value


def _is_ca(extensions: x509.Extensions) -> bool:
    try:
        return bool(extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _signed_by(certificate: x509.Certificate, issuer_key: str) -> bool:
    return verify(
        bytes.fromhex(issuer_key), certificate.tbs_certificate_bytes, certificate.signature
    )


@dataclass(frozen=True, slots=True)
class Authority:
    """A verified CA: the central bank root or a bank's CA."""

    name: str
    """The root's common name, or the bank id."""
    key: str
    """The Ed25519 public key (hex) it signs with: a ledger key."""
    not_before: int
    not_after: int
    der: bytes


@_parsed
def load_root(der: bytes) -> Authority:
    """The self-signed central bank root, checked."""
    certificate = _load(der)
    key = _raw_key(certificate)
    if not _is_ca(certificate.extensions) or certificate.issuer != certificate.subject:
        raise InvalidCertificate(reason="the root must be a self-issued CA")
    if not _signed_by(certificate, key):
        raise InvalidCertificate(reason="the root's self-signature does not verify")
    return Authority(
        name=_name(certificate.subject, NameOID.COMMON_NAME),
        key=key,
        not_before=_ms(certificate.not_valid_before_utc),
        not_after=_ms(certificate.not_valid_after_utc),
        der=der,
    )


@_parsed
def load_bank_ca(der: bytes, root: Authority) -> Authority:
    """A bank's CA certificate, checked to be a CA issued by ``root``."""
    certificate = _load(der)
    key = _raw_key(certificate)
    if not _is_ca(certificate.extensions):
        raise InvalidCertificate(reason="a bank CA certificate must have CA=true")
    if _name(certificate.issuer, NameOID.COMMON_NAME) != root.name:
        raise InvalidCertificate(reason="the bank CA is not issued by the root")
    if not _signed_by(certificate, root.key):
        raise InvalidCertificate(reason="the root's signature on the bank CA does not verify")
    return Authority(
        name=_name(certificate.subject, NameOID.COMMON_NAME),
        key=key,
        not_before=_ms(certificate.not_valid_before_utc),
        not_after=_ms(certificate.not_valid_after_utc),
        der=der,
    )


@dataclass(frozen=True, slots=True)
class DeviceCertificate:
    """What a device certificate says, once parsed (its signature is checked separately)."""

    serial: int
    key: str
    """The device's Ed25519 public key (hex): it signs vouchers and defunds."""
    wallet_id: str
    bank_id: str
    limits: OfflineLimits
    not_before: int
    not_after: int
    tbs: bytes
    signature: bytes
    der: bytes

    @property
    def serial_hex(self) -> str:
        """The serial as lowercase hex, as the ledger and the API name devices."""
        return format(self.serial, "x")

    def valid_at(self, time_ms: int) -> bool:
        """True within the certificate's validity period."""
        return self.not_before <= time_ms <= self.not_after


@_parsed
def load_device(der: bytes) -> DeviceCertificate:
    """Parse a device certificate and check its profile (not yet its issuer)."""
    certificate = _load(der)
    extensions = certificate.extensions  # parsed once: it is most of the cost
    if _is_ca(extensions):
        raise InvalidCertificate(reason="a device certificate must not be a CA")
    try:
        extension = extensions.get_extension_for_oid(_LIMITS).value
    except x509.ExtensionNotFound:
        raise InvalidCertificate(reason="the offline limits extension is missing") from None
    if not isinstance(extension, x509.UnrecognizedExtension):
        raise InvalidCertificate(reason="the offline limits extension is not ours")
    return DeviceCertificate(
        serial=certificate.serial_number,
        key=_raw_key(certificate),
        wallet_id=_name(certificate.subject, NameOID.USER_ID),
        bank_id=_name(certificate.issuer, NameOID.COMMON_NAME),
        limits=decode_limits(extension.value),
        not_before=_ms(certificate.not_valid_before_utc),
        not_after=_ms(certificate.not_valid_after_utc),
        tbs=certificate.tbs_certificate_bytes,
        signature=certificate.signature,
        der=der,
    )


def check_issued(device: DeviceCertificate, bank_ca: Authority | None) -> None:
    """The device certificate is signed by its bank's CA key."""
    if bank_ca is None:
        raise UnknownDevice(serial=device.serial_hex, reason=f"no CA for bank {device.bank_id}")
    if not verify(bytes.fromhex(bank_ca.key), device.tbs, device.signature):
        raise TamperedBundle(what="certificate_signature", reason="the bank's signature fails")


@dataclass(frozen=True, slots=True)
class RevocationList:
    """A verified CRL of one bank."""

    bank_id: str
    number: int
    this_update: int
    next_update: int
    revoked: frozenset[int]
    der: bytes


@_parsed
def load_crl(der: bytes, bank_ca: Authority) -> RevocationList:
    """Parse a CRL and check it is signed by ``bank_ca`` and numbered."""
    try:
        crl = x509.load_der_x509_crl(der)
    except ValueError as exc:
        raise InvalidCertificate(reason=f"not a DER CRL: {exc}") from None
    if crl.signature_algorithm_oid != SignatureAlgorithmOID.ED25519:
        raise InvalidCertificate(reason="the CRL's signature algorithm is not Ed25519")
    if _name(crl.issuer, NameOID.COMMON_NAME) != bank_ca.name:
        raise InvalidCertificate(reason="the CRL is issued by another bank")
    if not verify(bytes.fromhex(bank_ca.key), crl.tbs_certlist_bytes, crl.signature):
        raise InvalidCertificate(reason="the bank's signature on the CRL does not verify")
    try:
        number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except x509.ExtensionNotFound:
        raise InvalidCertificate(reason="the CRL has no CRL number") from None
    next_update = crl.next_update_utc
    if next_update is None:
        raise InvalidCertificate(reason="the CRL has no next update")
    return RevocationList(
        bank_id=bank_ca.name,
        number=number,
        this_update=_ms(crl.last_update_utc),
        next_update=_ms(next_update),
        revoked=frozenset(entry.serial_number for entry in crl),
        der=der,
    )
