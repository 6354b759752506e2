"""The payment bundle: everything a payee needs to verify a voucher with no network.

A bundle is the deterministic CBOR array::

    [1, network, voucher, certificate, funding, receipt]

``voucher`` is the signed voucher's bytes, ``certificate`` the device
certificate (DER), ``funding`` the canonical JSON body of the purse's
``purse.fund`` (its txid is the purse id) and ``receipt`` the funding
receipt, compact: ``[height, prev_hash, time_ms, tx_root, tx_count,
state_digest, producer, signature, index, [proof...]]`` (the txid is the
voucher's purse). It fits one QR code. Pure module; see ``docs/offline.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cbor2
import msgspec

from ledger.types import Receipt
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


def expand_receipt(items: Any, network: str, txid: bytes) -> Receipt:
    """A full :class:`Receipt` from its compact form."""
    try:
        height, prev, time_ms, root, count, digest, producer, signature, index, proof = items
        header = {
            "height": height,
            "prev_hash": prev.hex(),
            "time_ms": time_ms,
            "tx_root": root.hex(),
            "tx_count": count,
            "state_digest": digest.hex(),
            "producer": producer.hex(),
        }
        receipt = {
            "network": network,
            "header": header,
            "signature": signature.hex(),
            "txid": txid.hex(),
            "index": index,
            "proof": [p.hex() for p in proof],
        }
        return msgspec.convert(receipt, Receipt)
    except (ValueError, TypeError, AttributeError, msgspec.ValidationError) as exc:
        raise MalformedVoucher(part="receipt", reason=str(exc)) from None


@dataclass(frozen=True, slots=True)
class Bundle:
    """A voucher with the device certificate and the funding receipt."""

    network: str
    voucher: SignedVoucher
    certificate: bytes
    funding: bytes
    """Canonical JSON body of the ``purse.fund`` transaction."""
    receipt: Receipt

    def encode(self) -> bytes:
        """The bundle's deterministic CBOR bytes."""
        return cbor(
            [
                VERSION,
                self.network,
                self.voucher.raw,
                self.certificate,
                self.funding,
                compact_receipt(self.receipt),
            ]
        )


def decode_bundle(data: bytes) -> Bundle:
    """Parse a bundle; only its canonical spelling is accepted."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise MalformedVoucher(part="bundle", reason=f"longer than {MAX_BUNDLE_BYTES} bytes")
    try:
        items = cbor2.loads(data)
    except (cbor2.CBORDecodeError, ValueError, TypeError) as exc:
        raise MalformedVoucher(part="bundle", reason=f"not CBOR: {exc}") from None
    if not (isinstance(items, list) and len(items) == 6 and items[0] == VERSION):
        raise MalformedVoucher(part="bundle", reason="expected a version 1 bundle of 6 fields")
    _, network, voucher, certificate, funding, receipt = items
    if not (isinstance(network, str) and all(isinstance(b, bytes) for b in items[2:5])):
        raise MalformedVoucher(part="bundle", reason="field types")
    signed = decode_voucher(voucher)
    bundle = Bundle(
        network=network,
        voucher=signed,
        certificate=certificate,
        funding=funding,
        receipt=expand_receipt(receipt, network, signed.voucher.purse),
    )
    if bundle.encode() != data:
        raise MalformedVoucher(part="bundle", reason="not in deterministic CBOR")
    return bundle
