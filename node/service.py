"""The ledger as a service: what the REST API asks of the node, in one place.

:class:`LedgerService` runs in the process that owns LevelDB (the single
writer). The Flask app receives it (or a client with the same methods, when
API workers run in other processes) and never touches storage itself.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import Future
from concurrent.futures import wait as wait_for
from datetime import date

import msgspec

from ledger.chain import Chain, execute, genesis_hash
from ledger.daybook import DayBook, bank_report, issuance_report, wallet_report
from ledger.encoding import decode_json, decode_strict
from ledger.errors import HeightNotOrdered, HeightNotReached, TengeError
from ledger.feed import bank_feed
from ledger.queries import (
    HistoryEntry,
    Holding,
    bank_wallets,
    history,
    holdings_of_key,
    holdings_of_wallet,
)
from ledger.receipts import make_receipt
from ledger.records import BankRecord, KeyOwner, SupplyRecord, WalletRecord
from ledger.state import StateView
from ledger.statements import Report
from ledger.storage import schema
from ledger.types import TIERS, Block, BlockHeader, Receipt, Transaction
from ledger.validation import parse_transaction, validate_transaction
from node.nonces import NonceBook, NonceClaims
from node.ordering import Ordering, Outcome
from wire.bank import FeedPage
from wire.core import CheckResult, Health, NetworkInfo, Problem, SubmitResult, SupplyInfo

FORWARD_WAIT_S = 8.0
"""How long the producer waits for a forwarded submission's block before answering pending."""
MAX_HEIGHT_WAIT_MS = 10_000
"""The longest a read waits for its ``min_height`` (read-your-writes on a replica)."""


class LedgerService:
    """Submission and reads over one chain and its ordering backend."""

    def __init__(self, chain: Chain, ordering: Ordering, remember: int = 100_000) -> None:
        """``ordering`` is the local producer on a single node (:mod:`node.ordering`)."""
        self.chain, self.ordering = chain, ordering
        self.store = chain.store
        self._lock = threading.Lock()
        self._applied = threading.Condition()
        self._pending: dict[bytes, Future[Outcome]] = {}
        self._refused: OrderedDict[bytes, Problem] = OrderedDict()
        self.nonces: NonceClaims = NonceBook(self.store)
        self._remember = remember
        self.started = time.monotonic()
        self.counters: dict[str, int] = {
            "transactions_committed_total": 0,
            "transactions_rejected_total": 0,
            "blocks_total": 0,
        }
        ordering.on_commit.append(self._on_commit)

    # -- writes ------------------------------------------------------------------

    def submit(
        self, txs: Sequence[Transaction], wait: bool = False, timeout: float = 10.0
    ) -> list[SubmitResult]:
        """Queue transactions already checked at the edge; optionally wait for their block."""
        view = StateView(self.store)  # one view, one lock, for the whole batch
        known = [self._committed(tx.txid, view) for tx in txs]
        with self._lock:
            futures = [found or self._enqueue(tx) for found, tx in zip(known, txs, strict=True)]
        if wait:
            wait_for([f for f in futures if isinstance(f, Future)], timeout=timeout)
        return [
            f if isinstance(f, SubmitResult) else self._result(txs[i].txid, f)
            for i, f in enumerate(futures)
        ]

    def submit_envelopes(
        self, envelopes: Sequence[bytes], wait: bool = False, timeout: float = 10.0
    ) -> list[SubmitResult]:
        """:meth:`submit` for canonical envelope bytes from an API worker (already verified)."""
        registry = self.chain.registry
        return self.submit([parse_transaction(e, registry) for e in envelopes], wait, timeout)

    def serve_forwarded(self, envelope: bytes) -> SubmitResult:
        """A submission another replica forwarded to this producer: deduplicated and
        answered like a local one (committed already, pending, or its refusal). Its
        signatures are checked again here: a replica's block must never be one that the
        others' replay refuses, whatever a peer sent."""
        tx = parse_transaction(envelope, self.chain.registry)
        validate_transaction(tx, self.chain.registry, self.chain.network)
        return self.submit([tx], wait=True, timeout=FORWARD_WAIT_S)[0]

    def _enqueue(self, tx: Transaction) -> Future[Outcome]:
        """The transaction's future, queued once (the caller holds the lock)."""
        future = self._pending.get(tx.txid)
        if future is None or (future.done() and future.exception() is not None):
            # a refusal to order it (503: failover, full queue) is not kept: a retry re-queues
            future = self._pending[tx.txid] = self.ordering.submit(tx, verified=True)
        return future

    def _committed(self, txid: bytes, view: StateView | None = None) -> SubmitResult | None:
        location = (view or StateView(self.store)).tx_location(txid)
        if location is None:
            return None
        return SubmitResult(txid.hex(), "committed", location.height, location.index)

    def _result(self, txid: bytes, future: Future[Outcome]) -> SubmitResult:
        if not future.done():
            return SubmitResult(txid.hex(), "pending")
        outcome = future.result()
        if outcome.error is not None:
            return SubmitResult(txid.hex(), "rejected", problem=Problem.of(outcome.error))
        return SubmitResult(txid.hex(), "committed", outcome.height, outcome.index)

    def _on_commit(self, height: int, outcomes: Sequence[Outcome]) -> None:
        with self._lock:
            self.counters["blocks_total"] += 1
            for outcome in outcomes:
                self._pending.pop(outcome.txid, None)
                if outcome.error is None:
                    self.counters["transactions_committed_total"] += 1
                else:
                    self.counters["transactions_rejected_total"] += 1
                    self._refused[outcome.txid] = Problem.of(outcome.error)
            while len(self._refused) > self._remember:
                self._refused.popitem(last=False)
        with self._applied:
            self._applied.notify_all()

    def height_at_least(self, min_height: int, wait_ms: int) -> int:
        """This replica's height once it is at least ``min_height`` (a client that just
        submitted reads its own writes). A height already ordered (in the cluster's
        stream) is waited for up to ``wait_ms``; one nobody has ordered yet is refused at
        once. Either refusal is :class:`HeightNotReached` (503, retry)."""
        height = self.chain.tip.height
        if min_height <= height:
            return height
        ordered = getattr(self.ordering, "ordered_height", None)
        if ordered is None or ordered(min_height) < min_height:  # one node: its tip is all
            raise HeightNotOrdered(min_height=min_height, height=height)
        deadline = time.monotonic() + min(wait_ms, MAX_HEIGHT_WAIT_MS) / 1000
        with self._applied:
            while (height := self.chain.tip.height) < min_height:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise HeightNotReached(min_height=min_height, height=height)
                self._applied.wait(left)
        return height

    # -- transactions and blocks -------------------------------------------------

    def status(self, txid: bytes) -> SubmitResult | None:
        """Committed, pending, rejected (recently), or None if never seen."""
        found = self._committed(txid)
        if found is not None:
            return found
        with self._lock:
            future = self._pending.get(txid)
            problem = self._refused.get(txid)
        if future is not None:
            return self._result(txid, future)
        if problem is not None:
            return SubmitResult(txid.hex(), "rejected", problem=problem)
        return None

    def receipt(self, txid: bytes) -> Receipt | None:
        return make_receipt(self.store, self.chain.network, txid)

    def block(self, height: int) -> Block | None:
        return self.chain.block(height)

    def headers(self, start: int, limit: int) -> list[BlockHeader]:
        """Headers from ``start`` upwards (at most ``limit``)."""
        found = []
        for height in range(max(start, 1), min(start + limit, self.chain.tip.height + 1)):
            block = self.chain.block(height)
            if block is not None:
                found.append(block.header)
        return found

    # -- public figures ----------------------------------------------------------

    def network(self) -> NetworkInfo:
        genesis = self.chain.genesis
        view = StateView(self.store)
        return NetworkInfo(
            network=genesis.network,
            genesis_hash=genesis_hash(genesis).hex(),
            central_bank_keys=genesis.central_bank_keys,
            producer_keys=genesis.producer_keys,
            tip=self.chain.tip,
            limits={tier: view.limits(tier) for tier in TIERS},
        )

    def supply(self) -> SupplyInfo:
        """Outstanding supply per token and every bank's figures."""
        tokens = {
            key[len(schema.SUPPLY) :].decode(): decode_json(raw, SupplyRecord).outstanding
            for key, raw in self.store.iterate(schema.SUPPLY)
        }
        banks = tuple(decode_json(raw, BankRecord) for _, raw in self.store.iterate(schema.BANK))
        return SupplyInfo(height=self.chain.tip.height, tokens=tokens, banks=banks)

    def bank(self, bank_id: str) -> BankRecord | None:
        return StateView(self.store).bank(bank_id)

    # -- private reads (the API checks who may ask) ------------------------------

    def key_owner(self, key: str) -> KeyOwner | None:
        return StateView(self.store).key_owner(key)

    def wallet(self, wallet_id: str) -> WalletRecord | None:
        return StateView(self.store).wallet(wallet_id)

    def holdings(self, wallet_id: str) -> list[Holding]:
        record = self.wallet(wallet_id)
        return [] if record is None else holdings_of_wallet(self.store, record)

    def bank_holdings(self, bank_id: str) -> list[Holding]:
        """Unspent outputs on the bank's reserve keys."""
        record = self.bank(bank_id)
        if record is None:
            return []
        return [h for key in record.keys for h in holdings_of_key(self.store, key)]

    def history(self, wallet_id: str, limit: int, before: str | None) -> list[HistoryEntry]:
        return history(self.store, wallet_id, limit, before)

    def bank_wallets(self, bank_id: str, limit: int, after: str | None) -> list[str]:
        ids = bank_wallets(self.store, bank_id)
        if after is not None:
            ids = [i for i in ids if i > after]
        return ids[:limit]

    def bank_feed(self, bank_id: str, after: str | None, limit: int) -> FeedPage:
        """The bank's events after the cursor (``ledger.feed``), at most ``limit``."""
        tip = self.chain.tip.height
        events = tuple(e for e in bank_feed(self.store, bank_id, after, limit) if e.height <= tip)
        return FeedPage(events, events[-1].id if events else after, tip)

    def bank_statement(self, bank_id: str, day: str) -> Report | None:
        """The bank's report for a UTC day (``YYYY-MM-DD``; ``ledger.daybook``)."""
        return bank_report(self._day_book(day), bank_id)

    def wallet_statement(self, wallet_id: str, day: str) -> Report | None:
        return wallet_report(self._day_book(day), wallet_id)

    def issuance_statement(self, day: str) -> Report:
        return issuance_report(self._day_book(day))

    def _day_book(self, day: str) -> DayBook:
        return DayBook(
            self.store, self.chain.genesis, self.chain.tip.height, date.fromisoformat(day)
        )

    def claim_nonce(self, key: str, nonce: str, window_s: float) -> bool:
        """True the first time a (key, nonce) pair is seen within the window, across restarts."""
        return self.nonces.claim(key, nonce, window_s)

    def consensus_record(self, key: bytes) -> bytes | None:
        """The committed bytes under a consensus key (feature modules decode their records)."""
        return self.store.get(key) if key and schema.is_consensus(key) else None

    def dry_run(self, envelope: bytes, time_ms: int | None) -> CheckResult:
        """Check a transaction (verified at the edge) against committed state, at
        ``time_ms`` or now, exactly as the next block would; nothing is written."""
        tx = parse_transaction(envelope, self.chain.registry)
        context = self.chain.context(self.ordering.clock() if time_ms is None else time_ms)
        # Checked and applied in a view that is then dropped: a rule that fails only while
        # applying is refused here too, with the same verdict as in a block.
        _, (verdict,) = execute([tx], StateView(self.store), context, self.chain.registry)
        if isinstance(verdict, TengeError):
            return CheckResult(tx.txid.hex(), tx.kind, False, context.time_ms, Problem.of(verdict))
        return CheckResult(tx.txid.hex(), tx.kind, True, context.time_ms)

    def writer_call(self, name: str, payload: bytes) -> bytes:
        """A writer call a feature registered (:class:`ledger.registry.WriterCall`): the
        request decoded strictly as the call's type, the answer encoded as JSON."""
        call = self.chain.registry.call(name)
        request = decode_strict(payload, call.request, f"{name} request")
        return msgspec.json.encode(call.handle(self, request))

    def now_ms(self) -> int:
        """The ordering backend's clock: the time the next block would carry, at least."""
        return self.ordering.clock()

    # -- operations --------------------------------------------------------------

    def health(self) -> Health:
        return Health(
            status="ok",
            height=self.chain.tip.height,
            queue=self.ordering.queue_size(),
            uptime_s=int(time.monotonic() - self.started),
            role=getattr(self.ordering, "role", "single"),  # a cluster's ordering says its role
        )

    def metrics(self) -> dict[str, float]:
        with self._lock:
            figures: dict[str, float] = dict(self.counters)
        figures["chain_height"] = self.chain.tip.height
        figures["queue_depth"] = self.ordering.queue_size()
        figures["pending"] = len(self._pending)
        return figures
