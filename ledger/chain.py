"""The chain: genesis, building and replaying blocks, committing them, receipts.

A block is built by checking transactions in order against a
:class:`~ledger.state.StateView`; rejected ones are dropped with their error
and leave no trace, whether a rule refused them or failed on them. The block
and every state change it causes are then committed with ONE synced write
batch. Replaying a stored or received block runs the very same code and must
reproduce its header exactly.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import msgspec

from ledger.crypto import (
    DOMAIN_GENESIS,
    KeyPair,
    merkle_root,
    sha256,
    signing_message,
    verify,
)
from ledger.encoding import canonical, decode_json
from ledger.errors import InvalidBlock, TengeError
from ledger.feed import write_feed
from ledger.params import genesis_writes
from ledger.records import ChainTip, HistoryNote, KeyOwner, TxLocation
from ledger.registry import BlockContext, Effect, Pending, Registry
from ledger.state import MISSING, RecordCache, StateView, next_digest
from ledger.storage import KeyValueStore, StorageError
from ledger.storage import schema as s
from ledger.types import Block, BlockHeader, Genesis, Output, Transaction
from ledger.validation import (
    check_transaction,
    contained,
    decode_envelope,
    validate_transaction,
)

ZERO32 = bytes(32)
log = logging.getLogger(__name__)


Verdict = int | TengeError
"""For each submitted transaction: its position in the block, or why it was left out."""


class BuiltBlock(msgspec.Struct, frozen=True):
    """A block ready to commit, its state changes, and a verdict per submitted tx."""

    block: Block
    transactions: tuple[Transaction, ...]
    changes: dict[bytes, bytes | None]
    verdicts: tuple[Verdict, ...]
    records: dict[bytes, Any] = msgspec.field(default_factory=dict)
    """The decoded state records among ``changes``, which the chain keeps once committed."""

    @property
    def height(self) -> int:
        return self.block.header.height

    @property
    def rejected(self) -> list[tuple[int, TengeError]]:
        """(submission index, error) of every transaction left out."""
        return [(i, v) for i, v in enumerate(self.verdicts) if isinstance(v, TengeError)]


def genesis_hash(genesis: Genesis) -> bytes:
    """SHA-256 of the genesis document's signing message; block 1's prev_hash."""
    return sha256(signing_message(DOMAIN_GENESIS, genesis.network, canonical(genesis)))


class Chain:
    """The committed chain held in one store, which only this chain writes."""

    def __init__(
        self,
        store: KeyValueStore,
        registry: Registry,
        genesis: Genesis | None = None,
        cached_records: int = 100_000,
    ):
        """``cached_records``: decoded state records kept across blocks, per generation
        (:class:`~ledger.state.RecordCache`)."""
        self.store = store
        self.registry = registry
        self.records = RecordCache(cached_records)
        raw_tip = store.get(s.TIP)
        if raw_tip is None:
            if genesis is None:
                raise ValueError("an empty store needs a genesis document")
            self._initialise(genesis)
            raw_tip = store.get(s.TIP)
            if raw_tip is None:
                raise RuntimeError("the store did not keep the genesis tip it was just given")
        self.tip: ChainTip = decode_json(raw_tip, ChainTip)
        self.genesis: Genesis = StateView(store).genesis()
        if genesis is not None and canonical(genesis) != canonical(self.genesis):
            raise ValueError("the store belongs to another genesis")
        self.network = self.genesis.network
        self.central_bank_keys = frozenset(self.genesis.central_bank_keys)

    def _initialise(self, genesis: Genesis) -> None:
        view = StateView(self.store)
        genesis_writes(genesis, view)
        changes = view.changes()
        tip = ChainTip(
            height=0,
            block_hash=genesis_hash(genesis).hex(),
            state_digest=next_digest(ZERO32, changes).hex(),
            time_ms=genesis.time_ms,
        )
        self.store.write_batch({**changes, s.TIP: canonical(tip)})

    def context(self, time_ms: int) -> BlockContext:
        """The context of the next block this node produces; time never runs backwards."""
        return BlockContext(
            network=self.network,
            height=self.tip.height + 1,
            time_ms=max(time_ms, self.tip.time_ms),
            central_bank_keys=self.central_bank_keys,
            producing=True,
        )

    def build(self, txs: Sequence[Transaction], time_ms: int, producer: KeyPair) -> BuiltBlock:
        """Check ``txs`` in order (signatures already verified) and sign a block."""
        context = self.context(time_ms)
        view = StateView(self.store, self.records)
        included, verdicts = execute(txs, view, context, self.registry)
        changes = view.changes()
        header = BlockHeader(
            height=context.height,
            prev_hash=self.tip.block_hash,
            time_ms=context.time_ms,
            tx_root=merkle_root([tx.txid for tx in included]).hex(),
            tx_count=len(included),
            state_digest=next_digest(bytes.fromhex(self.tip.state_digest), changes).hex(),
            producer=producer.public_hex,
        )
        signature = producer.sign(header.signing_message(self.network)).hex()
        block = Block(header=header, signature=signature, txs=tuple(t.envelope() for t in included))
        return BuiltBlock(block, tuple(included), changes, tuple(verdicts), view.records())

    def replay(self, block: Block) -> BuiltBlock:
        """Re-execute a stored or received block; it must match its header exactly."""
        header = block.header
        self._check_header(header)
        txs = [decode_envelope(envelope, self.registry) for envelope in block.txs]
        for tx in txs:
            validate_transaction(tx, self.registry, self.network)
        view = StateView(self.store, self.records)
        context = BlockContext(self.network, header.height, header.time_ms, self.central_bank_keys)
        included, verdicts = execute(txs, view, context, self.registry)
        for index, verdict in enumerate(verdicts):
            if isinstance(verdict, TengeError):
                reason = f"tx {txs[index].txid.hex()}: {verdict.code}"
                raise InvalidBlock(height=header.height, reason=reason)
        changes = view.changes()
        expected = next_digest(bytes.fromhex(self.tip.state_digest), changes).hex()
        if header.state_digest != expected:
            raise InvalidBlock(height=header.height, reason="state digest differs")
        if header.tx_root != merkle_root([t.txid for t in txs]).hex():
            raise InvalidBlock(height=header.height, reason="tx_root differs")
        return BuiltBlock(block, tuple(included), changes, tuple(verdicts), view.records())

    def _check_header(self, header: BlockHeader) -> None:
        reason = None
        if header.height != self.tip.height + 1:
            reason = f"expected height {self.tip.height + 1}"
        elif header.prev_hash != self.tip.block_hash:
            reason = "prev_hash is not the tip"
        elif header.time_ms < self.tip.time_ms:
            reason = "time runs backwards"
        elif header.producer not in self.genesis.producer_keys:
            reason = "unknown producer"
        if reason:
            raise InvalidBlock(height=header.height, reason=reason)

    def commit(self, built: BuiltBlock) -> ChainTip:
        """Write the block and all its changes in one synced batch; durable on return."""
        header = built.block.header
        if header.height != self.tip.height + 1 or header.prev_hash != self.tip.block_hash:
            raise InvalidBlock(height=header.height, reason="does not extend the tip")
        tip = ChainTip(
            height=header.height,
            block_hash=header.block_hash(self.network).hex(),
            state_digest=header.state_digest,
            time_ms=header.time_ms,
        )
        batch = dict(built.changes)
        batch[s.block_key(header.height)] = canonical(built.block)
        batch[s.TIP] = canonical(tip)
        self.store.write_batch(batch, sync=True)
        self.records.committed(built.records)
        self.tip = tip
        return tip

    def block(self, height: int) -> Block | None:
        """The committed block at a height."""
        raw = self.store.get(s.block_key(height))
        return None if raw is None else decode_json(raw, Block)

    def verify_signature(self, block: Block) -> bool:
        """True when a known producer signed the block's header."""
        return block.header.producer in self.genesis.producer_keys and verify(
            bytes.fromhex(block.header.producer),
            block.header.signing_message(self.network),
            bytes.fromhex(block.signature),
        )


def execute(
    txs: Sequence[Transaction], view: StateView, context: BlockContext, registry: Registry
) -> tuple[list[Transaction], list[Verdict]]:
    """Check and apply each transaction in order; keep the good, report the rest.

    Each transaction runs in its own journal (:meth:`StateView.begin`):
    whatever refuses it — a rule's verdict, or a :class:`RuleFailed` when its
    check or its apply raised something unexpected, even after writing —
    undoes its writes, and the block goes on without it. A replay treats any
    refusal as an invalid block (:meth:`Chain.replay`). A kind with a fast path
    (``TxRule.fast``) tries it first; it decides and writes as the general path
    would, or leaves the transaction to it.
    """
    included: list[Transaction] = []
    verdicts: list[Verdict] = []
    fast = {rule.body: rule.fast for rule in registry.rules.values() if rule.fast is not None}
    guards = registry.guards if context.producing else ()
    for tx in txs:
        view.begin()
        try:
            shortcut = fast.get(type(tx.body))
            try:  # the kind's fast path for its common case, when it has one
                done = shortcut is not None and shortcut(tx, view, context, len(included), guards)
            except (TengeError, StorageError):
                raise
            except Exception:  # a bug there: the general path decides instead
                log.exception("shortcut_failed kind=%s txid=%s", tx.kind, tx.txid.hex())
                view.rollback()
                done = False
            if not done:
                pending, effect = check_transaction(tx, view, context, registry)
                position = len(included)
                contained(tx, "apply", apply_transaction, pending, effect, view, registry, position)
        except TengeError as error:
            view.rollback()
            verdicts.append(error)
            continue
        verdicts.append(len(included))
        included.append(tx)
    return included, verdicts


def apply_transaction(
    pending: Pending, effect: Effect, view: StateView, registry: Registry, position: int
) -> None:
    """The writes every kind shares, then the kind's own."""
    tx, height, write = pending.tx, pending.block.height, view.write
    txid, kind = tx.txid, tx.kind
    for point, output in zip(tx.body.spends(), pending.spent, strict=True):
        spent_txid = bytes.fromhex(point.txid)
        write(s.output_key(spent_txid, point.index), None)
        write(s.owner_output_key(bytes.fromhex(output.owner), spent_txid, point.index), None)
    created = tx.body.creates() if effect.outputs is None else effect.outputs
    for index, output in enumerate(created):
        write(s.output_key(txid, index), output)
        write(s.owner_output_key(bytes.fromhex(output.owner), txid, index), b"")
    registry.rule(kind).apply(pending, effect, view)
    write(s.tx_key(txid), TxLocation(height=height, index=position, outputs=len(created)))
    if effect.parties:
        deltas, txid_hex = wallet_deltas(pending.spent, created, view), txid.hex()
        for party in effect.parties:
            note = HistoryNote(txid=txid_hex, kind=kind, delta=deltas.get(party, {}))
            write(s.history_key(party, height, position), note)
    if effect.parties or effect.banks or effect.instructions:
        write_feed(pending, effect, created, view, position)


def wallet_deltas(
    spent: Sequence[Output], created: Sequence[Output], view: StateView
) -> dict[str, dict[str, int]]:
    """Per wallet and token, what its outputs gained or lost in one transaction."""
    deltas: dict[str, dict[str, int]] = {}
    owners: dict[str, KeyOwner | None] = {}
    for sign, outputs in ((-1, spent), (1, created)):
        for output in outputs:
            owner = owners.get(output.owner, MISSING)
            if owner is MISSING:
                owner = owners[output.owner] = view.key_owner(output.owner)
            if owner is not None and owner.kind == "wallet":
                tokens = deltas.setdefault(owner.id, {})
                tokens[output.token] = tokens.get(output.token, 0) + sign * output.amount
    return {w: {t: v for t, v in d.items() if v} for w, d in deltas.items()}
