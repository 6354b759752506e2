"""What every transaction vector records, and how a refusal is found."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.encoding import canonical
from ledger.errors import TengeError
from ledger.registry import Registry
from ledger.types import Transaction
from ledger.validation import parse_transaction, validate_transaction

NETWORK = "kzt-devnet"

Json = dict[str, Any]


@dataclass(frozen=True)
class Step:
    """One transaction of the vector block, with the names of its signers."""

    name: str
    tx: Transaction
    signers: tuple[str, ...]


def transaction_vector(step: Step) -> Json:
    """Every intermediate of signing one transaction."""
    tx = step.tx
    return {
        "name": step.name,
        "kind": tx.kind,
        "signers": list(step.signers),
        "body": tx.body_bytes.decode("utf-8"),
        "message_hex": tx.message.hex(),
        "txid": tx.txid.hex(),
        "signatures": [{"key": s.key, "sig": s.sig} for s in tx.signatures],
        "envelope": canonical(tx.envelope()).decode("utf-8"),
    }


def envelope(body: bytes, tx: Transaction, network: str = NETWORK) -> bytes:
    """A canonical envelope around arbitrary body bytes."""
    sigs = canonical(tx.signatures)
    return (
        b'{"body":' + body + b',"network":' + canonical(network) + b',"signatures":' + sigs + b"}"
    )


def outcome(data: bytes, registry: Registry) -> tuple[str, str]:
    """Where the real code refuses an envelope, and with which error code."""
    try:
        tx = parse_transaction(data, registry)
    except TengeError as error:
        return "decode", error.code
    try:
        validate_transaction(tx, registry, NETWORK)
    except TengeError as error:
        return "validate", error.code
    raise AssertionError(f"accepted: {data!r}")
