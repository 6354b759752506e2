"""The payment bundle: everything a payee needs to verify a voucher with no network.

A bundle is the deterministic CBOR array::

    [1, network, voucher, certificate, funding, receipt]

``voucher`` is the signed voucher's bytes, ``certificate`` the device
certificate (DER), ``funding`` the canonical JSON body of the purse's
``purse.fund`` (its txid is the purse id) and ``receipt`` the bytes of the
compact funding receipt, itself deterministic CBOR: ``[height, prev_hash,
time_ms, tx_root, tx_count, state_digest, producer, signature, index,
[proof...]]`` (the txid is the voucher's purse). It fits one QR code. Pure
module; see ``docs/offline.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cbor2

from ledger.types import BlockHeader, Receipt
from offline.errors import MalformedVoucher
from offline.voucher import SignedVoucher, cbor, decode_voucher

VERSION = 1
MAX_BUNDLE_BYTES = 2_900  # a version-40 QR code holds 2,953 bytes at level L


def compact_receipt(receipt: Receipt) -> list[Any]:
    """The receipt as the bundle carries it (txid and network left out)."""
    header = receipt.header
    return [
        header.height,
        bytes.fromhex(header.prev_hash),
        header.time_ms,
        bytes.fromhex(header.tx_root),
        header.tx_count,
        bytes.fromhex(header.state_digest),
        bytes.fromhex(header.producer),
        bytes.fromhex(receipt.signature),
        receipt.index,
        [bytes.fromhex(p) for p in receipt.proof],
    ]


def _hex(value: Any, size: int) -> str:
    if not (isinstance(value, bytes) and len(value) == size):
        raise TypeError(f"expected {size} bytes")
    return value.hex()


def _natural(value: Any) -> int:
    if type(value) is not int or not 0 <= value < 2**63:
        raise TypeError("expected a non-negative integer")
    return value


def expand_receipt(items: Any, network: str, txid: bytes) -> Receipt:
    """A full :class:`Receipt` from its compact form (types and sizes checked)."""
    try:
        height, prev, time_ms, root, count, digest, producer, signature, index, proof = items
        header = BlockHeader(
            height=_natural(height),
            prev_hash=_hex(prev, 32),
            time_ms=_natural(time_ms),
            tx_root=_hex(root, 32),
            tx_count=_natural(count),
            state_digest=_hex(digest, 32),
            producer=_hex(producer, 32),
        )
        if not isinstance(proof, list) or len(proof) > 64:
            raise TypeError("expected a proof of at most 64 hashes")
        return Receipt(
            network=network,
            header=header,
            signature=_hex(signature, 64),
            txid=txid.hex(),
            index=_natural(index),
            proof=tuple(_hex(p, 32) for p in proof),
        )
    except (ValueError, TypeError) as exc:
        raise MalformedVoucher(part="receipt", reason=str(exc)) from None


def decode_receipt(data: bytes, network: str, txid: bytes) -> Receipt:
    """A full :class:`Receipt` from its compact CBOR bytes (canonical only)."""
    try:
        items = cbor2.loads(data)
    except (cbor2.CBORDecodeError, ValueError, TypeError) as exc:
        raise MalformedVoucher(part="receipt", reason=f"not CBOR: {exc}") from None
    if cbor(items) != data:
        raise MalformedVoucher(part="receipt", reason="not in deterministic CBOR")
    return expand_receipt(items, network, txid)


@dataclass(frozen=True, slots=True)
class Bundle:
    """A voucher with the device certificate and the funding receipt."""

    network: str
    voucher: SignedVoucher
    certificate: bytes
    funding: bytes
    """Canonical JSON body of the ``purse.fund`` transaction."""
    receipt_cbor: bytes
    """The compact funding receipt, itself deterministic CBOR."""

    @classmethod
    def build(
        cls,
        network: str,
        voucher: SignedVoucher,
        certificate: bytes,
        funding: bytes,
        receipt: Receipt,
    ) -> Bundle:
        """A bundle from its parts."""
        return cls(network, voucher, certificate, funding, cbor(compact_receipt(receipt)))

    @property
    def receipt(self) -> Receipt:
        """The funding receipt (its txid is the voucher's purse)."""
        return decode_receipt(self.receipt_cbor, self.network, self.voucher.voucher.purse)

    def encode(self) -> bytes:
        """The bundle's deterministic CBOR bytes."""
        return cbor(
            [
                VERSION,
                self.network,
                self.voucher.raw,
                self.certificate,
                self.funding,
                self.receipt_cbor,
            ]
        )


def decode_bundle(data: bytes) -> Bundle:
    """Parse a bundle; only its canonical spelling is accepted (the receipt is parsed
    when a verifier first needs it: a cached one is compared by its bytes)."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise MalformedVoucher(part="bundle", reason=f"longer than {MAX_BUNDLE_BYTES} bytes")
    try:
        items = cbor2.loads(data)
    except (cbor2.CBORDecodeError, ValueError, TypeError) as exc:
        raise MalformedVoucher(part="bundle", reason=f"not CBOR: {exc}") from None
    if not (isinstance(items, list) and len(items) == 6 and items[0] == VERSION):
        raise MalformedVoucher(part="bundle", reason="expected a version 1 bundle of 6 fields")
    _, network, voucher, certificate, funding, receipt = items
    if not (isinstance(network, str) and all(isinstance(b, bytes) for b in items[2:6])):
        raise MalformedVoucher(part="bundle", reason="field types")
    if cbor(items) != data:
        raise MalformedVoucher(part="bundle", reason="not in deterministic CBOR")
    return Bundle(network, decode_voucher(voucher), certificate, funding, receipt)
