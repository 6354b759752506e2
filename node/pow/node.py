"""One participant of the PoW network: block tree, best-branch state, mempool.

Fork choice is Nakamoto's: the valid branch with the most cumulative work is
the best; on a tie the one seen first stays. Switching branches disconnects
blocks down to the fork point (their transactions go back to the mempool) and
connects the new branch's blocks, checking each against the branch's ledger
state. A block that fails is marked invalid with all its descendants, the
old branch is restored, and the next best branch is tried.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

from ledger.errors import InvalidBlock, TengeError
from ledger.registry import Registry
from ledger.rules import core_registry
from ledger.types import Transaction
from ledger.validation import validate_transaction
from node.pow.block import PowBlock, PowGenesis, PowHeader, body_root
from node.pow.branch import BranchState
from node.pow.coinbase import Coinbase, RewardSpend
from node.pow.errors import BadMerkleRoot, BadTimestamp, UnknownParent
from node.pow.mempool import Mempool
from node.pow.params import target_hex
from node.pow.reward import block_reward
from node.pow.tree import BlockTree, TreeEntry
from node.pow.validate import check_body, check_header_context, check_proof_of_work

log = logging.getLogger(__name__)
MAX_NONCE_PLACEHOLDER = 2**53 - 1


def wall_ms() -> int:
    """Wall-clock time in Unix milliseconds."""
    return time.time_ns() // 1_000_000


def _permanent(error: InvalidBlock) -> bool:
    """Whether a refusal condemns the header itself.

    A body that does not match its Merkle root may be a corrupted copy of a
    good block, and a block from the future may become valid later; neither is
    remembered. (Bad transaction signatures are not ``InvalidBlock`` errors,
    and since txids exclude signatures, they are not remembered either.)
    """
    if isinstance(error, BadMerkleRoot):
        return False
    return not (isinstance(error, BadTimestamp) and error.time_ms > error.maximum)


class PowNode:
    """Validates, stores and chooses between blocks; builds templates to mine."""

    def __init__(
        self,
        genesis: PowGenesis,
        registry: Registry | None = None,
        clock: Callable[[], int] = wall_ms,
    ) -> None:
        self.genesis, self.params, self.network = genesis, genesis.params, genesis.network
        self.registry = registry or core_registry()
        self.clock = clock
        self.tree = BlockTree(genesis)
        self.state = BranchState(genesis, self.registry)
        self.mempool = Mempool()
        self.tip: TreeEntry = self.tree.genesis
        self.invalid: set[bytes] = set()
        self.rejections: dict[bytes, InvalidBlock] = {}
        self.reorgs = 0
        self.returned_to_mempool = 0
        self.dropped: dict[bytes, TengeError] = {}
        """Transactions the tip refused while a block was assembled, and why (an ordering
        backend reports them to their submitters and clears this)."""

    # -- transactions ----------------------------------------------------------

    def submit(self, tx: Transaction) -> None:
        """Stateless ledger checks, then the mempool (first seen wins)."""
        validate_transaction(tx, self.registry, self.network)
        self.mempool.add(tx)

    # -- blocks ----------------------------------------------------------------

    def receive(self, block: PowBlock) -> TreeEntry | None:
        """Accept a block and move to the best branch; None when already known."""
        header = block.header
        block_hash = check_proof_of_work(header, self.params)
        if block_hash in self.tree:
            return None
        if block_hash in self.invalid:
            raise InvalidBlock(height=header.height, reason="known invalid")
        parent = self.tree.entries.get(bytes.fromhex(header.prev_hash))
        if parent is None:
            raise UnknownParent(
                height=header.height, reason="parent unknown", prev_hash=header.prev_hash
            )
        try:
            if parent.block_hash in self.invalid:
                raise InvalidBlock(height=header.height, reason="builds on an invalid block")
            check_header_context(header, parent, self.tree, self.params, self.clock())
            txs = check_body(block, self.params, self.network, self.registry, self.genesis.register)
        except InvalidBlock as error:
            if _permanent(error):
                self.invalid.add(block_hash)
            raise
        entry = self.tree.add(block, txs)
        self._activate_best()
        if block_hash in self.invalid:
            raise self.rejections.get(block_hash) or InvalidBlock(
                height=header.height, reason="builds on a block that failed to connect"
            )
        return entry

    def _activate_best(self) -> None:
        while True:
            best = self.tree.best(self.invalid)
            if best.chain_work <= self.tip.chain_work:
                return
            try:
                self._reorganise(best)
            except InvalidBlock as error:
                log.warning("branch refused at height=%d: %s", error.height, error)

    def _reorganise(self, new_tip: TreeEntry) -> None:
        down, up = self.tree.fork_paths(self.tip, new_tip)
        for entry in down:
            self.state.disconnect(entry)
        connected: list[TreeEntry] = []
        for entry in up:
            try:
                self.state.connect(entry)
            except InvalidBlock as error:
                self.rejections[entry.block_hash] = error
                self._mark_invalid(entry.block_hash)
                for done in reversed(connected):
                    self.state.disconnect(done)
                for old in reversed(down):
                    self.state.connect(old)
                raise
            connected.append(entry)
        self.tip = new_tip
        self._settle_mempool(down, up)

    def _mark_invalid(self, block_hash: bytes) -> None:
        self.invalid.add(block_hash)
        self.invalid.update(self.tree.descendants(block_hash))

    def _settle_mempool(self, down: list[TreeEntry], up: list[TreeEntry]) -> None:
        if down:
            orphaned = [tx for entry in reversed(down) for tx in entry.txs]
            kept = {tx.txid for entry in up for tx in entry.txs}
            returned = self.mempool.restore(tx for tx in orphaned if tx.txid not in kept)
            self.reorgs += 1
            self.returned_to_mempool += returned
            log.info(
                "reorg depth=%d new_height=%d returned_to_mempool=%d",
                len(down),
                self.tip.height,
                returned,
            )
        for entry in up:
            self.mempool.remove_for_block(entry.txs)

    # -- queries ---------------------------------------------------------------

    def confirmations(self, block_hash: bytes) -> int:
        """1 for the tip, 2 for its parent, ...; 0 off the best branch."""
        entry = self.tree.entries.get(block_hash)
        if entry is None or entry.height > self.tip.height:
            return 0
        if self.tree.ancestor(self.tip, entry.height).block_hash != block_hash:
            return 0
        return self.tip.height - entry.height + 1

    def best_chain(self) -> list[TreeEntry]:
        """Blocks 1..tip of the best branch."""
        return self.tree.chain(self.tip)

    # -- mining ----------------------------------------------------------------

    def template(
        self,
        miner: str,
        time_ms: int | None = None,
        spends: tuple[RewardSpend, ...] = (),
        seal: Callable[[Coinbase], Coinbase] | None = None,
    ) -> PowBlock:
        """An unmined block on the tip: reward, spends, and mempool txs that fit.

        ``seal`` finishes the coinbase (a pool names the worker and signs the job).
        """
        parent, height = self.tip, self.tip.height + 1
        earliest = self.tree.median_time_past(parent, self.params.median_time_span) + 1
        when = max(self.clock() if time_ms is None else time_ms, earliest)
        coinbase = Coinbase(height=height, miner=miner, value=block_reward(height, self.params))
        if seal is not None:
            coinbase = seal(coinbase)
        empty = self.assemble(parent, when, coinbase, spends, [])
        room = self.params.max_block_bytes - empty.size()
        _, included, rejected = self.state.execute(self.mempool.select(room), height, when)
        if rejected:
            log.info("dropping %d tx(s) the tip refuses", len(rejected))
            self.mempool.remove(rejected)
            self.dropped.update(rejected)
        block = self.assemble(parent, when, coinbase, spends, included)
        while block.size() > self.params.max_block_bytes and included:
            included.pop()
            block = self.assemble(parent, when, coinbase, spends, included)
        return block

    def assemble(
        self,
        parent: TreeEntry,
        time_ms: int,
        coinbase: Coinbase,
        spends: tuple[RewardSpend, ...] = (),
        txs: Sequence[Transaction] = (),
    ) -> PowBlock:
        """An unmined block on any known block, exactly as given (nothing is checked)."""
        root = body_root(self.network, coinbase, spends, [tx.txid for tx in txs])
        header = PowHeader(
            height=coinbase.height,
            prev_hash=parent.block_hash.hex(),
            merkle_root=root.hex(),
            time_ms=time_ms,
            target=target_hex(self.tree.expected_target(parent, self.params)),
            nonce=MAX_NONCE_PLACEHOLDER,  # the widest nonce: the size never grows when mined
        )
        return PowBlock(
            header=header,
            coinbase=coinbase,
            spends=spends,
            txs=tuple(tx.envelope() for tx in txs),
        )
