"""Transactions waiting for a block, first seen first served.

The pool admits a transaction that passed the ledger's stateless checks and
spends nothing another pooled transaction spends (first seen wins; there is
no replacement). When a block is connected its transactions leave the pool
and so does every pooled transaction that spent the same outputs; when a
block is disconnected in a reorganisation its transactions come back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from ledger.encoding import canonical
from ledger.errors import DoubleSpend, DuplicateTransaction
from ledger.types import OutPoint, Transaction

log = logging.getLogger(__name__)


class Mempool:
    """Pending ledger transactions in arrival order, with their spent outputs."""

    def __init__(self) -> None:
        self._txs: dict[bytes, Transaction] = {}
        self._sizes: dict[bytes, int] = {}
        self._spenders: dict[OutPoint, bytes] = {}

    def __len__(self) -> int:
        return len(self._txs)

    def __contains__(self, txid: bytes) -> bool:
        return txid in self._txs

    def add(self, tx: Transaction) -> None:
        """Admit ``tx``; a duplicate or a conflict with a pooled one is refused."""
        if tx.txid in self._txs:
            raise DuplicateTransaction(txid=tx.txid.hex())
        for point in tx.body.spends():
            if point in self._spenders:
                raise DoubleSpend(txid=point.txid, index=point.index)
        self._txs[tx.txid] = tx
        self._sizes[tx.txid] = len(canonical(tx.envelope()))
        for point in tx.body.spends():
            self._spenders[point] = tx.txid

    def remove(self, txids: Iterable[bytes]) -> None:
        """Drop transactions (mined, or refused by the tip's state)."""
        for txid in txids:
            tx = self._txs.pop(txid, None)
            if tx is None:
                continue
            del self._sizes[txid]
            for point in tx.body.spends():
                self._spenders.pop(point, None)

    def remove_for_block(self, txs: Iterable[Transaction]) -> None:
        """A block was connected: drop its transactions and any that conflict."""
        for tx in txs:
            conflicts = {self._spenders.get(p) for p in tx.body.spends()} - {None, tx.txid}
            if conflicts:
                log.info("evicted %d conflicting tx(s) of %s", len(conflicts), tx.txid.hex()[:16])
            self.remove([tx.txid, *(c for c in conflicts if c is not None)])

    def restore(self, txs: Iterable[Transaction]) -> int:
        """A block was disconnected: put its transactions back, ahead of newer ones."""
        restored: list[bytes] = []
        for tx in txs:
            try:
                self.add(tx)
            except (DuplicateTransaction, DoubleSpend):
                continue
            restored.append(tx.txid)
        first = {txid: self._txs[txid] for txid in restored}
        self._txs = {**first, **{k: v for k, v in self._txs.items() if k not in first}}
        return len(restored)

    def select(self, max_bytes: int) -> list[Transaction]:
        """Oldest first, as many as fit in ``max_bytes`` of encoded envelopes."""
        chosen: list[Transaction] = []
        used = 0
        for txid, tx in self._txs.items():
            size = self._sizes[txid] + 1  # the separating comma
            if used + size > max_bytes:
                break
            chosen.append(tx)
            used += size
        return chosen

    def transactions(self) -> list[Transaction]:
        """Every pooled transaction, oldest first."""
        return list(self._txs.values())
