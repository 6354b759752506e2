"""Vouchers: what a payer's device signs to pay offline, in compact deterministic CBOR.

A voucher body is the CBOR array (RFC 8949, core deterministic encoding)::

    [1, purse, counter, prev, payee, amount, cumulative, time_ms]

``purse`` is the purse id (the txid of its ``purse.fund``), ``counter``
starts at 1 and increases by one per voucher, ``prev`` is the id of the
previous voucher (the purse id for counter 1), ``payee`` the payee's Ed25519
key, ``amount`` and ``cumulative`` (all vouchers of the purse so far,
this one included) are tiyn, ``time_ms`` the device clock. The device signs
``DOMAIN_VOUCHER || network || body`` with its certified key; the voucher id
is SHA-256 of those same bytes. A signed voucher is ``[body, signature]``.
Byte-by-byte layout and test vectors: ``docs/offline.md``. Pure module.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import cbor2

from ledger.crypto import DOMAIN_VOUCHER, KeyPair, sha256, signing_message, verify
from ledger.encoding import MAX_AMOUNT
from offline.errors import BrokenChain, MalformedVoucher

VERSION = 1
MAX_COUNTER = 65_535
MAX_VOUCHER_BYTES = 220


def cbor(value: Any) -> bytes:
    """Deterministic CBOR (RFC 8949 section 4.2.1: shortest forms, definite lengths)."""
    return cbor2.dumps(value, canonical=True)


@dataclass(frozen=True, slots=True)
class Voucher:
    """One offline payment from a purse, before or after signing."""

    purse: bytes
    """32 bytes: the txid of the purse's ``purse.fund``."""
    counter: int
    """1 for the purse's first voucher, then strictly increasing by one."""
    prev: bytes
    """32 bytes: id of the previous voucher of the purse (the purse id for counter 1)."""
    payee: bytes
    """32 bytes: the payee's Ed25519 public key."""
    amount: int
    """Tiyn paid by this voucher."""
    cumulative: int
    """Tiyn paid by the purse's vouchers so far, this one included."""
    time_ms: int
    """The payer device's clock, Unix milliseconds."""

    def body(self) -> bytes:
        """The canonical CBOR body the device signs."""
        return cbor(
            [
                VERSION,
                self.purse,
                self.counter,
                self.prev,
                self.payee,
                self.amount,
                self.cumulative,
                self.time_ms,
            ]
        )

    def message(self, network: str) -> bytes:
        """The signed bytes: ``DOMAIN_VOUCHER || network || body``."""
        return signing_message(DOMAIN_VOUCHER, network, self.body())


@dataclass(frozen=True, slots=True)
class SignedVoucher:
    """A voucher with its device signature and its exact wire bytes."""

    voucher: Voucher
    signature: bytes
    raw: bytes
    """The canonical CBOR of ``[body, signature]``: what travels and what is stored."""
    body: bytes
    """The canonical CBOR of the body: what was signed, after the domain and network."""

    def message(self, network: str) -> bytes:
        """The signed bytes: ``DOMAIN_VOUCHER || network || body``."""
        return signing_message(DOMAIN_VOUCHER, network, self.body)

    def voucher_id(self, network: str) -> bytes:
        """SHA-256 of the signed message: the next voucher's ``prev``."""
        return sha256(self.message(network))

    def verify(self, network: str, device_key: bytes) -> bool:
        """True when ``device_key`` signed this voucher for ``network``."""
        return verify(device_key, self.message(network), self.signature)


def sign_voucher(network: str, voucher: Voucher, device: KeyPair) -> SignedVoucher:
    """Check the voucher's shape, sign it with the device key, encode it."""
    check_shape(voucher)
    body = voucher.body()
    signature = device.sign(signing_message(DOMAIN_VOUCHER, network, body))
    raw = cbor([cbor2.loads(body), signature])
    return SignedVoucher(voucher, signature, raw, body)


def check_shape(voucher: Voucher) -> None:
    """Sizes and ranges; a cumulative below what the counter implies is a broken chain."""
    for name in ("purse", "prev", "payee"):
        if len(getattr(voucher, name)) != 32:
            raise MalformedVoucher(part="voucher", reason=f"{name} must be 32 bytes")
    if not 1 <= voucher.counter <= MAX_COUNTER:
        raise MalformedVoucher(part="voucher", reason="counter out of range")
    for name in ("amount", "cumulative"):
        if not 1 <= getattr(voucher, name) <= MAX_AMOUNT:
            raise MalformedVoucher(part="voucher", reason=f"{name} out of range")
    if not 0 <= voucher.time_ms <= MAX_AMOUNT:
        raise MalformedVoucher(part="voucher", reason="time out of range")
    if voucher.cumulative < voucher.amount + voucher.counter - 1:  # earlier ones paid >= 1 each
        raise BrokenChain(purse=voucher.purse.hex(), counter=voucher.counter, reason="cumulative")


@functools.lru_cache(maxsize=16_384)
def decode_voucher(data: bytes) -> SignedVoucher:
    """Parse a signed voucher; only its one canonical spelling is accepted."""
    if len(data) > MAX_VOUCHER_BYTES:
        raise MalformedVoucher(part="voucher", reason=f"longer than {MAX_VOUCHER_BYTES} bytes")
    try:
        outer = cbor2.loads(data)
    except (cbor2.CBORDecodeError, ValueError, TypeError) as exc:
        raise MalformedVoucher(part="voucher", reason=f"not CBOR: {exc}") from None
    if not (isinstance(outer, list) and len(outer) == 2 and isinstance(outer[0], list)):
        raise MalformedVoucher(part="voucher", reason="expected [body, signature]")
    body, signature = outer
    if len(body) != 8 or body[0] != VERSION or not _types_ok(body, signature):
        raise MalformedVoucher(part="voucher", reason="expected a version 1 body of 8 fields")
    voucher = Voucher(*body[1:])
    check_shape(voucher)
    if cbor(outer) != data:
        raise MalformedVoucher(part="voucher", reason="not in deterministic CBOR")
    return SignedVoucher(voucher, signature, data, data[1:-66])  # 0x82 body 0x58 0x40 signature


_BODY_TYPES = (int, bytes, int, bytes, bytes, int, int, int)


def _types_ok(body: list[Any], signature: Any) -> bool:
    return (
        isinstance(signature, bytes)
        and len(signature) == 64
        and all(type(v) is t for v, t in zip(body, _BODY_TYPES, strict=True))
    )


def first_prev(purse: bytes) -> bytes:
    """The ``prev`` of a purse's first voucher: the purse id itself."""
    return purse
