"""Seeded mutations of valid, signed transactions that stay properly signed.

A mutant changes one thing in a template and is signed again by the
template's own signers (their keys are in the story's key ring), so the
ledger cannot refuse it for its signatures and must judge what changed.
Payloads that carry signatures of their own are re-signed too: a DER
certificate or CRL by its issuer (new signature over the mutated
to-be-signed bytes), a CBOR voucher by its device, a metering usage receipt
by its customer. A few mutants deliberately keep a stale signature, drop one
or add a stranger's, and a few are raw byte flips of the body.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from typing import Any

import cbor2

from contracts.templates import DOMAIN_USAGE
from ledger.crypto import DOMAIN_TX, DOMAIN_VOUCHER, KeyPair, signing_message, verify
from ledger.encoding import canonical
from ledger.types import Signature, Transaction

Ring = Mapping[str, KeyPair]
Json = Any
DER_FIELDS = frozenset({"certificate", "crl", "root"})
INTS = (0, 1, -1, 2**53 - 1, 2**53, 2**63, 2**64 - 1, -(2**63))
STRINGS = ("", "halyk", "kaspi", "alice", "bob", "nobody", "KZT", "x" * 141, "Ä€𝄞", "0" * 64)


def envelope(network: str, body: bytes, signatures: list[Signature]) -> bytes:
    """The canonical envelope around ``body`` (bytes spliced in as they are)."""
    return (
        b'{"body":'
        + body
        + b',"network":'
        + canonical(network)
        + b',"signatures":'
        + canonical(signatures)
        + b"}"
    )


def signed(network: str, body: bytes, signers: list[KeyPair]) -> bytes:
    message = signing_message(DOMAIN_TX, network, body)
    return envelope(
        network, body, [Signature(k.public_hex, k.sign(message).hex()) for k in signers]
    )


def signers_of(tx: Transaction, ring: Ring) -> list[KeyPair]:
    return [ring[s.key] for s in tx.signatures]


def signer_of(ring: Ring, message: bytes, signature: bytes) -> KeyPair | None:
    """The ring's key that made ``signature`` over ``message``, if any."""
    return next((k for k in ring.values() if verify(k.public, message, signature)), None)


# -- plain JSON fields -----------------------------------------------------------------


def leaves(value: Json, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into ``value`` (containers included, the body itself and ``kind`` excluded)."""
    found = [path] if path and path != ("kind",) else []
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for name, child in items:
        found += leaves(child, (*path, name))
    return found


def get(value: Json, path: tuple[Any, ...]) -> Json:
    for step in path:
        value = value[step]
    return value


def put(value: Json, path: tuple[Any, ...], new: Json) -> None:
    get(value, path[:-1])[path[-1]] = new


def other(value: Json, rng: random.Random, ring: Ring) -> Json:
    """A replacement for one JSON value, chosen for what it is."""
    if isinstance(value, bool):
        return rng.choice([not value, 0, "true", None])
    if isinstance(value, int):
        return rng.choice([*INTS, value + 1, value - 1, value * 2, rng.randrange(2**40)])
    if isinstance(value, str):
        return other_string(value, rng, ring)
    if isinstance(value, list):
        if not value:
            return rng.choice([[0], [""], None])
        return rng.choice([[], value[:-1], [*value, value[0]], value[::-1], {"0": value[0]}])
    if isinstance(value, dict):
        if value:
            dropped = dict(value)
            dropped.pop(rng.choice(sorted(value)))
            return rng.choice([dropped, {**value, "extra": 1}, []])
        return rng.choice([{"extra": 1}, None])
    return rng.choice([0, "", [], {}])


def other_string(value: str, rng: random.Random, ring: Ring) -> Json:
    hexlike = len(value) % 2 == 0 and all(c in "0123456789abcdef" for c in value) and value
    if hexlike and rng.random() < 0.7:
        at = rng.randrange(len(value))
        nibble = rng.choice([c for c in "0123456789abcdef" if c != value[at]])
        choices = [
            value[:at] + nibble + value[at + 1 :],
            value[:-2],
            value + "00",
            value.upper(),
            rng.choice(sorted(ring)),
        ]
        return rng.choice(choices)
    if value and rng.random() < 0.3:
        at = rng.randrange(len(value))
        return value[:at] + chr(ord(value[at]) ^ 1) + value[at + 1 :]
    return rng.choice([*STRINGS, value * 2, 7, None])


def mutate_field(tx: Transaction, rng: random.Random, ring: Ring) -> tuple[str, bytes]:
    body = json.loads(tx.body_bytes)
    paths = leaves(body)
    payloads = [p for p in paths if p[-1] in DER_FIELDS or "vouchers" in p[-2:-1] or "receipt" in p]
    path = rng.choice(payloads if payloads and rng.random() < 0.5 else paths)
    old = get(body, path)
    if path[-1] in DER_FIELDS and isinstance(old, str):
        put(body, path, mutate_der(bytes.fromhex(old), rng, ring).hex())
        how = "der"
    elif "vouchers" in path and isinstance(old, str):
        put(body, path, mutate_voucher(bytes.fromhex(old), tx.network, rng, ring).hex())
        how = "voucher"
    else:
        put(body, path, other(old, rng, ring))
        how = "field"
        if path[0] == "usage" and len(path) > 2:
            resign_usage(body, tx.network, ring)
            how = "usage"
    name = f"{how} {'.'.join(str(p) for p in path)}"
    return name, signed(tx.network, canonical(body), signers_of(tx, ring))


def resign_usage(body: Json, network: str, ring: Ring) -> None:
    """The customer signs the mutated usage receipt again (if its key is still one we hold)."""
    usage = body["usage"]
    if (
        isinstance(usage, dict)
        and isinstance(usage.get("receipt"), dict)
        and usage.get("key") in ring
    ):
        message = signing_message(DOMAIN_USAGE, network, canonical(usage["receipt"]))
        usage["sig"] = ring[usage["key"]].sign(message).hex()


# -- DER and CBOR payloads -------------------------------------------------------------


def der_element(data: bytes, at: int) -> tuple[int, int]:
    """(start of content, end) of the DER element whose tag is at ``at``."""
    size = data[at + 1]
    if size < 0x80:
        return at + 2, at + 2 + size
    count = size & 0x7F
    start = at + 2 + count
    return start, start + int.from_bytes(data[at + 2 : start], "big")


def elements(data: bytes, start: int, end: int) -> list[int]:
    """Where every DER element between ``start`` and ``end`` begins, nested ones included."""
    found, at = [], start
    while at + 2 <= end:
        found.append(at)
        content, after = der_element(data, at)
        if data[at] & 0x20 and after <= end:  # constructed: walk inside
            found += elements(data, content, after)
        if after <= at:
            break
        at = after
    return found


def flip_in(tbs: bytes, rng: random.Random) -> bytes:
    """A bit of one element's tag, length or first content byte (the version, an OID, a
    name, a date, an extension...), or of any byte."""
    starts = elements(tbs, 0, len(tbs))
    changed = bytearray(tbs)
    if starts and rng.random() < 0.7:
        at = rng.choice(starts) + rng.choice([0, 1, 2, 2, 2, 3])
    else:
        at = rng.randrange(len(tbs))
    at = min(at, len(tbs) - 1)
    changed[at] ^= 1 << rng.randrange(8)
    return bytes(changed)


def mutate_der(der: bytes, rng: random.Random, ring: Ring) -> bytes:
    """Mostly a flip inside the to-be-signed part, signed again by the issuer."""
    content, _ = der_element(der, 0)
    _, tbs_end = der_element(der, content)
    tbs, signature = der[content:tbs_end], der[-64:]
    issuer = signer_of(ring, tbs, signature)
    roll = rng.random()
    if roll < 0.7 and issuer is not None:
        changed = flip_in(tbs, rng)
        return der[:content] + changed + der[tbs_end:-64] + issuer.sign(changed)
    if roll < 0.85:
        at = rng.randrange(len(der))
        return der[:at] + bytes([der[at] ^ 0xFF]) + der[at + 1 :]
    return rng.choice([der[: rng.randrange(len(der))], der + b"\x00", b""])


def mutate_voucher(raw: bytes, network: str, rng: random.Random, ring: Ring) -> bytes:
    """One field of the voucher's body changed, signed again by the device."""
    body, signature = cbor2.loads(raw)
    device = signer_of(ring, signing_message(DOMAIN_VOUCHER, network, cbor(body)), signature)
    at = rng.randrange(len(body))
    value = body[at]
    if isinstance(value, bytes):
        body[at] = rng.choice(
            [
                value[:-1],
                value + b"\x00",
                bytes(len(value)),
                rng.choice(sorted(ring.values(), key=lambda k: k.public_hex)).public,
            ]
        )
    else:
        body[at] = rng.choice([*INTS[:6], value + 1, value - 1, "1"])
    if device is None or rng.random() < 0.15:
        return cbor([body, signature])
    return cbor([body, device.sign(signing_message(DOMAIN_VOUCHER, network, cbor(body)))])


def cbor(value: Any) -> bytes:
    return cbor2.dumps(value, canonical=True)


# -- signatures and raw bytes ------------------------------------------------------------


def mutate_signatures(tx: Transaction, rng: random.Random, ring: Ring) -> tuple[str, bytes]:
    signers = signers_of(tx, ring)
    stranger = ring[sorted(ring)[rng.randrange(len(ring))]]
    roll = rng.random()
    if roll < 0.3:
        return "signatures: one more", signed(tx.network, tx.body_bytes, [*signers, stranger])
    if roll < 0.5 and len(signers) > 1:
        return "signatures: one fewer", signed(tx.network, tx.body_bytes, signers[1:])
    if roll < 0.7:
        return "signatures: a stranger's", signed(tx.network, tx.body_bytes, [stranger])
    body = json.loads(tx.body_bytes)
    path = rng.choice(leaves(body))
    put(body, path, other(get(body, path), rng, ring))
    return "signatures: stale", envelope(tx.network, canonical(body), list(tx.signatures))


def mutate_bytes(tx: Transaction, rng: random.Random, ring: Ring) -> tuple[str, bytes]:
    data = bytearray(tx.body_bytes)
    at = rng.randrange(len(data))
    data[at] = rng.randrange(32, 127)
    return f"byte {at}", signed(tx.network, bytes(data), signers_of(tx, ring))


STRATEGIES: tuple[
    tuple[float, Callable[[Transaction, random.Random, Ring], tuple[str, bytes]]], ...
] = (
    (0.75, mutate_field),
    (0.15, mutate_signatures),
    (0.10, mutate_bytes),
)


def mutate(tx: Transaction, rng: random.Random, ring: Ring) -> tuple[str, bytes]:
    """One mutant of ``tx``: what was changed, and the envelope's bytes."""
    roll, total = rng.random(), 0.0
    for weight, strategy in STRATEGIES:
        total += weight
        if roll < total:
            return strategy(tx, rng, ring)
    return mutate_field(tx, rng, ring)
