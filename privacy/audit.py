"""Audits of the private and anonymous pools: the public one, and the regulator's.

The **public audit** needs only the chain: it checks every private transfer's
and token spend's attestation (the validator's signature, under the key the
parameters named at that height), that no nullifier, commitment or token
appears twice, that state holds exactly the nullifier and spent-token sets
the blocks imply, that each private pool equals what its open edges moved
in and out, and that each anonymous pool equals its outstanding tokens times
the denomination. The core audit (:func:`ledger.audit.audit`) does the rest:
replay, state digest, supply = open outputs + locked pools.

The **regulator's audit** also holds the escrow key (rebuilt from k shares):
it opens every regulator envelope (:mod:`privacy.regulator`) and re-derives every private payment —
notes created and spent, each spent once and only after it was created,
value conserved per token, the payer's signature valid — and checks that the
unspent notes add up to the private pools and the replay reproduces the
state digest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import msgspec

from ledger.audit import audit as core_audit
from ledger.crypto import verify
from ledger.encoding import decode_json
from ledger.errors import AuditMismatch
from ledger.records import Locked, TxLocation
from ledger.registry import Registry
from ledger.storage import KeyValueStore, schema
from ledger.types import Block, Output, Transaction
from ledger.validation import decode_envelope
from privacy.records import anon_pool, private_pool
from privacy.types import (
    AnonSpend,
    AnonSupply,
    AnonWithdraw,
    PrivacyConfigure,
    PrivacyParams,
    PrivateTransfer,
)


class PrivacyAudit(msgspec.Struct, frozen=True):
    """What the audit found; ``ok`` only when ``problems`` is empty."""

    private_transfers: int
    nullifiers: int
    commitments: int
    token_spends: int
    private_pool: dict[str, int]
    anonymous_pool: dict[int, int]
    state_digest: str
    problems: tuple[AuditMismatch, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def transactions(store: KeyValueStore, registry: Registry) -> Iterator[tuple[int, Transaction]]:
    """Every committed transaction with its height, in order."""
    for _, raw in store.iterate(schema.BLOCK):
        block = decode_json(raw, Block)
        for envelope in block.txs:
            yield block.header.height, decode_envelope(envelope, registry)


class _Tally:
    """Sets and sums gathered from the blocks."""

    def __init__(self) -> None:
        self.nullifiers: Counter[str] = Counter()
        self.commitments: Counter[str] = Counter()
        self.tokens: Counter[tuple[int, str]] = Counter()
        self.edges: Counter[str] = Counter()
        self.issued: Counter[int] = Counter()
        self.transfers = 0
        self.problems: list[AuditMismatch] = []

    def attested(self, height: int, tx: Transaction, params: PrivacyParams | None) -> None:
        signed = [s for s in tx.signatures if params is not None and s.key == params.validator]
        if not signed or not verify(
            bytes.fromhex(signed[0].key), tx.message, bytes.fromhex(signed[0].sig)
        ):
            what = f"attestation of {tx.txid.hex()} (block {height})"
            self.problems.append(AuditMismatch(what=what, expected="valid"))


def public_audit(store: KeyValueStore, registry: Registry) -> PrivacyAudit:
    """Everything a replica or the public can check about the pools."""
    tally, params = _Tally(), None
    for height, tx in transactions(store, registry):
        body = tx.body
        if isinstance(body, PrivacyConfigure):
            params = body.params
        elif isinstance(body, PrivateTransfer):
            tally.attested(height, tx, params)
            _count_transfer(tally, body, tx, store, registry)
        elif isinstance(body, AnonSpend):
            tally.attested(height, tx, params)
            tally.tokens.update((body.denomination, t) for t in body.tokens)
        elif isinstance(body, AnonWithdraw):
            tally.issued[body.denomination] += len(body.blinded)
    _check_sets(tally, store)
    private, anonymous = _check_pools(tally, store)
    report = core_audit(store, registry)
    return PrivacyAudit(
        private_transfers=tally.transfers,
        nullifiers=sum(tally.nullifiers.values()),
        commitments=sum(tally.commitments.values()),
        token_spends=sum(tally.tokens.values()),
        private_pool=private,
        anonymous_pool=anonymous,
        state_digest=report.state_digest,
        problems=(*tally.problems, *report.problems),
    )


def _count_transfer(
    tally: _Tally, body: PrivateTransfer, tx: Transaction, store: KeyValueStore, registry: Registry
) -> None:
    tally.transfers += 1
    tally.nullifiers.update(body.nullifiers)
    tally.commitments.update(body.commitments)
    for output in body.outputs:
        tally.edges[output.token] -= output.amount
    for point in body.inputs:
        spent = output_of(store, registry, point.txid, point.index)
        tally.edges[spent.token] += spent.amount


def output_of(store: KeyValueStore, registry: Registry, txid: str, index: int) -> Output:
    """The open output an input spent, from the block that created it."""
    location = decode_json(store.get(schema.tx_key(bytes.fromhex(txid))) or b"", TxLocation)
    block = decode_json(store.get(schema.block_key(location.height)) or b"", Block)
    return decode_envelope(block.txs[location.index], registry).body.creates()[index]


def _check_sets(tally: _Tally, store: KeyValueStore) -> None:
    for what, counter in (("nullifier", tally.nullifiers), ("commitment", tally.commitments)):
        for value, count in counter.items():
            if count > 1:
                mismatch = AuditMismatch(what=f"{what} {value}", expected="once", found=str(count))
                tally.problems.append(mismatch)
    for family, size in (("nf", len(tally.nullifiers)), ("token", len(tally.tokens))):
        stored = sum(1 for _ in store.iterate(schema.privacy_key(family, "")))
        _expect(tally, f"{family} set in state", size, stored)
    for (denomination, token), count in tally.tokens.items():
        if count > 1:
            tally.problems.append(
                AuditMismatch(what=f"token {denomination}/{token}", expected="once")
            )


def locked_in(store: KeyValueStore, pool: str) -> int:
    raw = store.get(schema.locked_key(pool))
    return decode_json(raw, Locked).amount if raw else 0


def _check_pools(tally: _Tally, store: KeyValueStore) -> tuple[dict[str, int], dict[int, int]]:
    private = {token: locked_in(store, private_pool(token)) for token in tally.edges}
    for token, moved in tally.edges.items():
        _expect(tally, f"private pool {token}", moved, private[token])
    spent = Counter(d for d, _ in tally.tokens.elements())
    anonymous = {}
    for denomination in sorted(tally.issued.keys() | spent.keys()):
        anonymous[denomination] = locked_in(store, anon_pool(denomination))
        outstanding = tally.issued[denomination] - spent[denomination]
        pool = anonymous[denomination]
        _expect(tally, f"anonymous pool {denomination}", outstanding * denomination, pool)
        raw = store.get(schema.privacy_key("anon", str(denomination)))
        record = decode_json(raw, AnonSupply) if raw else AnonSupply()
        _expect(tally, f"tokens outstanding {denomination}", outstanding, record.outstanding)
    return private, anonymous


def _expect(tally: _Tally, what: str, expected: int, found: int) -> None:
    if expected != found:
        tally.problems.append(AuditMismatch(what=what, expected=str(expected), found=str(found)))
