"""Per-kind vectors: one committed transaction of every feature kind, and its rejections.

The core block of ``tools.vectors.core`` holds the core kinds; this module adds,
under ``kind_vectors`` in ``docs/encoding-vectors.json``, the first transaction
of every other registered kind that the stories of ``tools.vectors.stories``
and ``tools.vectors.private_story`` commit (body, signing message, txid,
signatures, envelope, the names of its signers), the seeds of those signers,
and rejection vectors derived from each kind's vector by rules that need no
hand-written bytes:

- an unknown field appended to the body;
- a required field left out;
- a defaulted field written out with its default (it must be omitted);
- a bounded integer set to 0 where the kind requires at least 1, re-signed so
  only the stateless validation can refuse it;

and a few refusals of a family's own (``RESPELLED``, ``RESIGNED``): a hash-lock
in capitals, a three-digit MCC, a certificate that is not DER, and so on.

Each rejection records the stage (``decode`` or ``validate``) and the error
code the real code gives.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import msgspec
from msgspec import inspect as mi

from ledger.crypto import KeyPair
from ledger.encoding import canonical
from ledger.registry import Registry
from ledger.types import Transaction
from node.composition import full_registry
from tools.vectors.private_story import privacy_net, privacy_story
from tools.vectors.signing import Step, envelope, outcome, transaction_vector
from tools.vectors.stories import (
    NETWORK,
    Committed,
    assets_story,
    contracts_story,
    first_of_each_kind,
    offline_story,
)

Json = dict[str, Any]

# kind -> family, by the part of the kind before its dot (and a few whole kinds).
FAMILIES = {
    "program": "program",
    "escrow": "escrow",
    "meter": "meter",
    "mandate": "mandate",
    "asset": "assets",
    "device": "offline",
    "offline": "offline",
    "purse": "offline",
    "reserve.fund": "offline",
    "voucher.deposit": "offline",
    "privacy": "privacy",
    "private.transfer": "privacy",
    "anon": "privacy",
}


def family_of(kind: str) -> str:
    """The feature family a kind belongs to (``core`` for the ledger's own kinds)."""
    return FAMILIES.get(kind) or FAMILIES.get(kind.split(".")[0], "core")


def committed_kinds(core_kinds: set[str]) -> tuple[dict[str, Committed], dict[str, bytes]]:
    """The first transaction of every non-core kind, and the seed of every signer named."""
    net = privacy_net()
    contracts_story(net)
    assets_story(net)
    privacy_story(net)
    found = first_of_each_kind(net.chain, net.names, skip=core_kinds)
    pilot, pilot_names = offline_story()
    offline_names = {k: (f"offline:{n}", seed) for k, (n, seed) in pilot_names.items()}
    offline = first_of_each_kind(pilot.chain, offline_names, skip=core_kinds | set(found))
    seeds = {name: seed for name, seed in (*net.names.values(), *offline_names.values())}
    return {**found, **offline}, seeds


# -- rejections derived from a kind's vector -------------------------------------------------


def body_fields(kind: str, registry: Registry) -> list[mi.Field]:
    info = mi.type_info(registry.rule(kind).body)
    assert isinstance(info, mi.StructType)
    return list(info.fields)


def respelled(body: bytes, change: Any) -> bytes:
    """The body's JSON object changed by ``change`` (a function of the dict), in canonical JSON."""
    data = json.loads(body)
    change(data)
    return canonical(data)


def decoder_mutations(tx: Transaction, registry: Registry) -> Iterator[tuple[str, bytes]]:
    """Bodies the decoder refuses: an unknown field, a required field missing, a default written."""
    body = tx.body_bytes
    yield "unknown field", swap_last(body, b',"zz_unknown":1}')
    fields = body_fields(tx.kind, registry)
    required = [f for f in fields if f.required]
    if required:
        name = required[0].encode_name
        yield f"required field {name} missing", respelled(body, lambda d: d.pop(name))
    for f in fields:
        if f.required or f.encode_name in json.loads(body):
            continue
        default = f.default_factory() if f.default is msgspec.NODEFAULT else f.default
        if default is None:
            continue
        value = msgspec.to_builtins(default)
        yield (
            f"default written out: {f.encode_name}",
            respelled(body, lambda d, n=f.encode_name, v=value: d.__setitem__(n, v)),
        )
        return


def swap_last(body: bytes, tail: bytes) -> bytes:
    """``body`` with its closing brace replaced by ``tail``."""
    assert body.endswith(b"}")
    return body[:-1] + tail


def at_least_one(field: mi.Field) -> bool:
    t = field.type
    if isinstance(t, mi.Metadata):
        return (t.extra_json_schema or {}).get("minimum") == 1
    return False


def zero_amount(
    tx: Transaction, registry: Registry, keys: list[KeyPair]
) -> Iterator[tuple[str, bytes]]:
    """The first integer the kind requires to be at least 1, set to 0 and signed again."""
    for f in body_fields(tx.kind, registry):
        if at_least_one(f) and isinstance(getattr(tx.body, f.name), int):
            body = msgspec.structs.replace(tx.body, **{f.name: 0})
            signed = Transaction.create(NETWORK, body, keys)
            yield f"{f.encode_name} of zero", canonical(signed.envelope())
            return


# A family's own refusals, beyond the mechanical ones: (kind, name, change to the body's JSON).
RESPELLED: list[tuple[str, str, Any]] = [
    (
        "escrow.open",
        "hashlock in uppercase hex",
        lambda d: d.update(hashlock=d["hashlock"].upper()),
    ),
    ("program.create", "a policy MCC of three digits", lambda d: d["policy"].update(mcc=["581"])),
    ("asset.dvp", "asset token without its prefix", lambda d: d.update(asset=d["asset"][6:])),
    ("voucher.deposit", "network id in capitals", lambda d: d.update(network="KZT-DEVNET")),
    (
        "private.transfer",
        "two envelopes (three at least)",
        lambda d: d.update(envelopes=d["envelopes"][:2]),
    ),
    ("mandate.create", "period of 0 ms", lambda d: d.update(period_ms=0)),
]
# ... and ones only the stateless validation sees, signed again: (kind, name, field, value).
RESIGNED: list[tuple[str, str, str, Any]] = [
    ("device.enrol", "certificate that is not DER", "certificate", "3000"),
    ("offline.setup", "root certificate that is not DER", "root", "3000"),
]


def family_cases(tx: Transaction, keys: list[KeyPair]) -> Iterator[tuple[str, bytes]]:
    """The hand-picked refusals of this kind, built from its vector."""
    for kind, name, change in RESPELLED:
        if kind == tx.kind:
            yield name, envelope(respelled(tx.body_bytes, change), tx)
    for kind, name, field_name, value in RESIGNED:
        if kind == tx.kind:
            body = msgspec.structs.replace(tx.body, **{field_name: value})
            yield name, canonical(Transaction.create(NETWORK, body, keys).envelope())


def rejections(kind: str, tx: Transaction, keys: list[KeyPair], registry: Registry) -> list[Json]:
    cases = [(n, envelope(b, tx)) for n, b in decoder_mutations(tx, registry)]
    cases += list(zero_amount(tx, registry, keys))
    cases += list(family_cases(tx, keys))
    found = []
    for name, data in cases:
        stage, code = outcome(data, registry)
        found.append(
            {
                "name": f"{kind}: {name}",
                "kind": kind,
                "family": family_of(kind),
                "envelope": data.decode("utf-8"),
                "stage": stage,
                "code": code,
            }
        )
    return found


def generate(core_kinds: set[str]) -> Json:
    """The ``kind_vectors`` section of the vector file."""
    registry = full_registry()
    committed, seeds = committed_kinds(core_kinds)
    transactions, refused = [], []
    for kind in sorted(committed):
        entry = committed[kind]
        step = Step(kind, entry.tx, entry.signers)
        transactions.append({**transaction_vector(step), "family": family_of(kind)})
        keys = [KeyPair.from_seed(seeds[n]) for n in entry.signers]
        refused += rejections(kind, entry.tx, keys, registry)
    named = sorted({n for c in committed.values() for n in c.signers})
    return {
        "network": NETWORK,
        "keys": [
            {"name": n, "seed": seeds[n].hex(), "public": KeyPair.from_seed(seeds[n]).public_hex}
            for n in named
        ],
        "transactions": transactions,
        "rejections": refused,
    }
