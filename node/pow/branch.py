"""The ledger state at the tip of the best branch, with undo for reorganisations.

The state is the ledger's own: a :class:`~ledger.state.StateView` over a
:class:`~ledger.storage.memory.MemoryStore`, and a block's transactions run
through :func:`ledger.chain.execute` exactly as the permissioned chain runs
them. Connecting a block records the previous value of every key it wrote, so
disconnecting it (in a reorganisation) puts the store back byte for byte.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import msgspec

from ledger.chain import execute
from ledger.errors import TengeError
from ledger.params import genesis_writes
from ledger.registry import BlockContext, Registry
from ledger.state import StateView
from ledger.storage.memory import MemoryStore
from ledger.types import Transaction
from ledger.validation import decode_envelope, validate_transaction
from node.pow.block import PowGenesis
from node.pow.coinbase import RewardCoins, RewardUndo
from node.pow.errors import RejectedTransaction
from node.pow.tree import TreeEntry

log = logging.getLogger(__name__)


def run_transactions(
    txs: Sequence[Transaction], view: StateView, ctx: BlockContext, registry: Registry
) -> tuple[list[Transaction], dict[bytes, TengeError]]:
    """:func:`ledger.chain.execute`, with the refusals keyed by txid."""
    included, verdicts = execute(txs, view, ctx, registry)
    return included, {
        tx.txid: verdict
        for tx, verdict in zip(txs, verdicts, strict=True)
        if isinstance(verdict, TengeError)
    }


class BlockUndo(msgspec.Struct, frozen=True):
    """Previous values of every key one block wrote, and its reward-coin undo."""

    ledger: dict[bytes, bytes | None]
    rewards: RewardUndo


def bootstrap_state(genesis: PowGenesis, registry: Registry) -> MemoryStore:
    """A store holding the ledger genesis and the bootstrap transactions' effects."""
    store = MemoryStore()
    view = StateView(store)
    genesis_writes(genesis.ledger, view)
    txs = [decode_envelope(envelope, registry) for envelope in genesis.bootstrap]
    for tx in txs:
        validate_transaction(tx, registry, genesis.network)
    ctx = context(genesis, 0, genesis.ledger.time_ms)
    _, rejected = run_transactions(txs, view, ctx, registry)
    if rejected:
        txid, error = next(iter(rejected.items()))
        raise ValueError(f"bootstrap transaction {txid.hex()} refused: {error}")
    store.write_batch(view.changes(), sync=False)
    return store


def context(genesis: PowGenesis, height: int, time_ms: int) -> BlockContext:
    """The ledger's block context for a PoW block."""
    return BlockContext(
        network=genesis.network,
        height=height,
        time_ms=time_ms,
        central_bank_keys=frozenset(genesis.ledger.central_bank_keys),
    )


class BranchState:
    """Ledger state and reward coins after the blocks of one branch."""

    def __init__(self, genesis: PowGenesis, registry: Registry) -> None:
        self.genesis, self.registry = genesis, registry
        self.store = bootstrap_state(genesis, registry)
        self.rewards = RewardCoins()
        self._undo: dict[bytes, BlockUndo] = {}

    def view(self) -> StateView:
        """A fresh view over the tip's state (for building templates)."""
        return StateView(self.store)

    def execute(
        self, txs: list[Transaction], height: int, time_ms: int
    ) -> tuple[StateView, list[Transaction], dict[bytes, TengeError]]:
        """Run ``txs`` on a view of the tip without writing anything."""
        view = self.view()
        included, rejected = run_transactions(
            txs, view, context(self.genesis, height, time_ms), self.registry
        )
        return view, included, rejected

    def connect(self, entry: TreeEntry) -> None:
        """Apply one block on top of the current tip, or raise and change nothing."""
        block = entry.block
        if block is None:
            raise ValueError("genesis is never connected")
        view, _, rejected = self.execute(list(entry.txs), entry.height, entry.time_ms)
        if rejected:
            txid, error = next(iter(rejected.items()))
            raise RejectedTransaction(
                height=entry.height,
                reason="transaction refused on this branch",
                txid=txid.hex(),
                error=error.code,
            )
        params = self.genesis.params
        rewards = self.rewards.connect(
            block.coinbase, block.spends, self.genesis.network, params.coinbase_maturity
        )
        changes = view.changes()
        previous = {key: self.store.get(key) for key in changes}
        self.store.write_batch(changes, sync=False)
        self._undo[entry.block_hash] = BlockUndo(ledger=previous, rewards=rewards)

    def disconnect(self, entry: TreeEntry) -> None:
        """Undo the tip block ``entry``."""
        undo = self._undo.pop(entry.block_hash)
        self.store.write_batch(undo.ledger, sync=False)
        self.rewards.disconnect(undo.rewards)
        log.debug("disconnected height=%d hash=%s", entry.height, entry.block_hash.hex()[:16])
