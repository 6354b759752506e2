"""The proof-of-work comparator as an ordering backend (``pow``).

Transactions go into a :class:`~node.pow.node.PowNode`'s mempool; a miner
thread mines block after block on the node's best branch (real SHA-256d work
at the network's target); a transaction's outcome is settled once its block
is ``confirmations`` deep on the best branch (six, Bitcoin's custom), or when
the tip refuses it. A reorganisation deeper than that would break the
promise, which is exactly the risk the comparison measures.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future

from ledger.crypto import KeyPair
from ledger.errors import TengeError, Unavailable
from ledger.types import Transaction
from ledger.validation import parse_transaction
from node.ordering import CommitListener, Ordering, Outcome
from node.pow.mining import mine
from node.pow.node import PowNode
from node.pow.tree import TreeEntry

FINAL = 6


class PowOrdering:
    """Orders transactions by mining them; outcomes resolve at finality."""

    def __init__(self, node: PowNode, miner: KeyPair, confirmations: int = FINAL) -> None:
        self.node, self.miner, self.confirmations = node, miner, confirmations
        self.on_commit: list[CommitListener] = []
        self._pending: dict[bytes, Future[Outcome]] = {}
        self._settled_height = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def clock(self) -> int:
        return self.node.clock()

    def queue_size(self) -> int:
        return len(self.node.mempool)

    def submit(self, tx: Transaction | bytes, verified: bool = False) -> Future[Outcome]:
        """The node's stateless checks and its mempool; the future resolves at finality."""
        future: Future[Outcome] = Future()
        try:
            decoded = parse_transaction(tx, self.node.registry) if isinstance(tx, bytes) else tx
            with self._lock:
                self.node.submit(decoded)
                self._pending[decoded.txid] = future
        except TengeError as error:
            future.set_result(Outcome(txid=b"", error=error))
        return future

    def start(self) -> PowOrdering:
        self._thread = threading.Thread(target=self._mine_forever, name="pow-miner", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            for txid, future in self._pending.items():
                future.set_result(Outcome(txid=txid, error=Unavailable(reason="miner stopped")))
            self._pending.clear()

    def mine_one(self) -> None:
        """Mine one block on the best branch, then settle what became final."""
        with self._lock:
            template = self.node.template(self.miner.public_hex)
        block = mine(template)
        with self._lock:
            self.node.receive(block)
            self._refuse_dropped()
            self._settle()

    def _mine_forever(self) -> None:
        while not self._stop.is_set():
            self.mine_one()

    def _refuse_dropped(self) -> None:
        for txid, error in self.node.dropped.items():
            future = self._pending.pop(txid, None)
            if future is not None:
                future.set_result(Outcome(txid=txid, error=error))
        self.node.dropped.clear()

    def _settle(self) -> None:
        final_height = self.node.tip.height - self.confirmations + 1
        chain = self.node.best_chain()
        while self._settled_height < final_height:
            self._settled_height += 1
            self._settle_block(chain[self._settled_height - 1])

    def _settle_block(self, entry: TreeEntry) -> None:
        outcomes: list[Outcome] = []
        for index, tx in enumerate(entry.txs):
            outcome = Outcome(txid=tx.txid, height=entry.height, index=index)
            outcomes.append(outcome)
            future = self._pending.pop(tx.txid, None)
            if future is not None:
                future.set_result(outcome)
        for listener in self.on_commit:
            listener(entry.height, outcomes)


def pow_ordering(node: PowNode, miner: KeyPair, confirmations: int = FINAL) -> Ordering:
    """A started backend, typed as the protocol (so the type checker holds it to the seam)."""
    return PowOrdering(node, miner, confirmations).start()
