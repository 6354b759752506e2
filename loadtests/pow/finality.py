"""When blocks joined the best branch and when they reached finality, as one node saw it.

A transaction is *committed* once its block is on the best branch and
*final* once that block has ``depth`` confirmations (itself plus ``depth - 1``
blocks on top; Bitcoin's customary 6). Times are ``time.monotonic()``
seconds; only blocks still on the best branch at the end count.
"""

from __future__ import annotations

from node.pow.node import PowNode
from node.pow.tree import TreeEntry


class FinalityWatch:
    """Records first-on-best-branch and first-final times of blocks."""

    def __init__(self, node: PowNode, depth: int) -> None:
        self.node, self.depth = node, depth
        self.included_at: dict[bytes, float] = {}
        self.final_at: dict[bytes, float] = {}

    def update(self, now: float) -> None:
        """Call after every block the node received: walks the tip down to known finality."""
        tip = self.node.tip
        entry: TreeEntry | None = tip
        tree = self.node.tree
        while entry is not None and entry.parent is not None:
            self.included_at.setdefault(entry.block_hash, now)
            if tip.height - entry.height + 1 >= self.depth:
                if entry.block_hash in self.final_at:
                    return
                self.final_at[entry.block_hash] = now
            entry = tree.parent_of(entry)

    def tx_times(self) -> dict[bytes, tuple[float, float | None]]:
        """For each txid on the best branch: (committed at, final at or None)."""
        times: dict[bytes, tuple[float, float | None]] = {}
        for entry in self.node.best_chain():
            included = self.included_at.get(entry.block_hash)
            if included is None:
                continue
            final = self.final_at.get(entry.block_hash)
            for tx in entry.txs:
                times[tx.txid] = (included, final)
        return times
