"""Every block a node has accepted, as a tree rooted at genesis, with its work.

The tree answers the questions fork choice and header rules ask: the
cumulative work of a branch, the expected target after a retarget, the median
time of past blocks, and the path between two tips. It holds no ledger state.
"""

from __future__ import annotations

import msgspec

from ledger.types import Transaction
from node.pow.block import PowBlock, PowGenesis
from node.pow.params import PowParams
from node.pow.work import block_work, retarget


class TreeEntry(msgspec.Struct, frozen=True):
    """One accepted block and where it sits."""

    block_hash: bytes
    height: int
    parent: bytes | None
    time_ms: int
    target: int
    chain_work: int
    """Sum of the work of this block and all its ancestors."""
    seq: int
    """Arrival order at this node; the first seen wins ties."""
    block: PowBlock | None = None
    txs: tuple[Transaction, ...] = ()
    """The block's ledger transactions, decoded and signature-checked once."""


class BlockTree:
    """Accepted blocks by hash, with children links."""

    def __init__(self, genesis: PowGenesis) -> None:
        root = TreeEntry(
            block_hash=genesis.genesis_hash(),
            height=0,
            parent=None,
            time_ms=genesis.time_ms,
            target=int(genesis.target, 16),
            chain_work=0,
            seq=0,
        )
        self.genesis = root
        self.entries: dict[bytes, TreeEntry] = {root.block_hash: root}
        self.children: dict[bytes, list[bytes]] = {root.block_hash: []}

    def __contains__(self, block_hash: bytes) -> bool:
        return block_hash in self.entries

    def __getitem__(self, block_hash: bytes) -> TreeEntry:
        return self.entries[block_hash]

    def add(self, block: PowBlock, txs: tuple[Transaction, ...]) -> TreeEntry:
        """Insert a block whose parent is present; returns its entry."""
        header = block.header
        parent = self.entries[bytes.fromhex(header.prev_hash)]
        entry = TreeEntry(
            block_hash=block.block_hash(),
            height=header.height,
            parent=parent.block_hash,
            time_ms=header.time_ms,
            target=header.target_int,
            chain_work=parent.chain_work + block_work(header.target_int),
            seq=len(self.entries),
            block=block,
            txs=txs,
        )
        self.entries[entry.block_hash] = entry
        self.children[entry.block_hash] = []
        self.children[parent.block_hash].append(entry.block_hash)
        return entry

    def parent_of(self, entry: TreeEntry) -> TreeEntry:
        """The entry ``entry`` builds on."""
        if entry.parent is None:
            raise LookupError("genesis has no parent")
        return self.entries[entry.parent]

    def ancestor(self, entry: TreeEntry, height: int) -> TreeEntry:
        """The ancestor of ``entry`` at ``height`` (itself when equal)."""
        while entry.height > height:
            entry = self.parent_of(entry)
        return entry

    def median_time_past(self, entry: TreeEntry, span: int) -> int:
        """Median time of ``entry`` and up to ``span - 1`` of its ancestors."""
        times = [entry.time_ms]
        while len(times) < span and entry.parent is not None:
            entry = self.parent_of(entry)
            times.append(entry.time_ms)
        return sorted(times)[len(times) // 2]

    def expected_target(self, parent: TreeEntry, params: PowParams) -> int:
        """The target a child of ``parent`` must carry.

        At every multiple of the window the target is scaled by the time the
        last ``window`` blocks actually took over the time they should take.
        """
        height = parent.height + 1
        window = params.retarget_window
        if height % window:
            return parent.target
        first = self.ancestor(parent, height - window)
        return retarget(
            parent.target,
            parent.time_ms - first.time_ms,
            window * params.target_interval_ms,
            params.max_retarget_factor,
            params.pow_limit_int,
        )

    def fork_paths(
        self, old_tip: TreeEntry, new_tip: TreeEntry
    ) -> tuple[list[TreeEntry], list[TreeEntry]]:
        """Blocks to disconnect (tip first) and to connect (lowest first)."""
        down: list[TreeEntry] = []
        up: list[TreeEntry] = []
        a, b = old_tip, new_tip
        while a.block_hash != b.block_hash:
            if a.height >= b.height:
                down.append(a)
                a = self.parent_of(a)
            else:
                up.append(b)
                b = self.parent_of(b)
        return down, up[::-1]

    def descendants(self, block_hash: bytes) -> set[bytes]:
        """Every block built on ``block_hash``, at any depth."""
        found: set[bytes] = set()
        pending = list(self.children[block_hash])
        while pending:
            child = pending.pop()
            found.add(child)
            pending.extend(self.children[child])
        return found

    def best(self, excluded: set[bytes]) -> TreeEntry:
        """The entry with the most cumulative work, first seen on ties."""
        candidates = (e for h, e in self.entries.items() if h not in excluded)
        return max(candidates, key=lambda e: (e.chain_work, -e.seq))

    def chain(self, tip: TreeEntry) -> list[TreeEntry]:
        """The branch from block 1 up to ``tip``."""
        path: list[TreeEntry] = []
        while tip.parent is not None:
            path.append(tip)
            tip = self.parent_of(tip)
        return path[::-1]
