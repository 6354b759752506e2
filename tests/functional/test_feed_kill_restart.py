"""Kill the node and the bank's consumer mid-consumption; the bank's books lose nothing.

A real node process serves a bank whose wallets pay each other from a thread.
The bank's consumer (``tests.functional.feed_child``, its own process) follows
the feed with a durable cursor and books every event in SQLite. Twice, while
events flow, the whole node and the consumer are killed with SIGKILL (by pid);
both restart on the same directories and the consumer resumes from its saved
cursor. In the end the books hold exactly the ledger's events for the bank —
none lost, none extra — and their balances equal the ledger's, so an event
delivered twice was applied once.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from ledger.params import kzt
from tests.functional.feed_child import RESERVE
from tests.harness import NETWORK, key
from tests.integration.conftest import Api
from tests.integration.nodes import ROOT, NodeProcess, prepare
from tests.integration.story import found_bank, open_wallet
from wallet import builders
from wallet.builders import InsufficientFunds
from wallet.client import ApiError, TengeClient

KILLS = 2
WALLETS = 4
BOUND_S = 30.0


def wait_for(condition: Callable[[], bool], what: str, timeout: float = BOUND_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class Payments(threading.Thread):
    """The bank's wallets pay each other until stopped; the node may be down meanwhile."""

    def __init__(self, url: str, wallets: list[str], seed: int) -> None:
        super().__init__(daemon=True)
        self.url, self.wallets, self.rng = url, wallets, random.Random(seed)
        self.stopped = threading.Event()
        self.acknowledged: set[str] = set()

    def run(self) -> None:
        with TengeClient(self.url, timeout=5) as client:
            while not self.stopped.is_set():
                payer, payee = self.rng.sample(self.wallets, 2)
                try:
                    coins = client.coins(payer, key(payer))
                    tx = builders.pay(
                        NETWORK, coins, [key(payer)], key(payee).public_hex,
                        self.rng.randrange(1, 10_000), key(payer).public_hex,
                    )  # fmt: skip
                    result = client.submit(tx).result
                    if result.status == "committed":
                        self.acknowledged.add(result.txid)
                except InsufficientFunds:
                    continue  # another payer's turn
                except (ApiError, httpx.HTTPError, OSError):
                    time.sleep(0.05)  # down or restarting: try again


class Consumer:
    """The bank's consumer process and a read-only view of its books."""

    def __init__(self, url: str, directory: Path) -> None:
        self.url, self.directory = url, directory
        self.books = directory / "books.sqlite"
        self.bank_id = ""
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start (or restart) following ``bank_id``'s feed from the saved cursor."""
        args = [sys.executable, "-m", "tests.functional.feed_child", "--url", self.url]
        args += ["--bank", self.bank_id, "--dir", str(self.directory)]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(args, cwd=ROOT, env=env)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # SIGKILL to this pid only
            self.process.wait()

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def query(self, sql: str) -> list[tuple[object, ...]]:
        if not self.books.exists():
            return []
        with sqlite3.connect(self.books, timeout=30) as books:
            try:
                return books.execute(sql).fetchall()
            except sqlite3.OperationalError:  # before the consumer created its tables
                return []

    def applied(self) -> set[str]:
        return {str(row[0]) for row in self.query("SELECT event_id FROM applied")}

    def balances(self) -> dict[str, dict[str, int]]:
        books: dict[str, dict[str, int]] = {}
        for account, token, amount in self.query("SELECT account, token, amount FROM balance"):
            if amount:
                books.setdefault(str(account), {})[str(token)] = int(str(amount))
        return books


def ledger_events(client: TengeClient, bank_id: str) -> list[str]:
    """Every event id of the bank's feed, read page by page."""
    ids: list[str] = []
    after: str | None = None
    while page := client.bank_events(bank_id, key(bank_id), after, limit=500).events:
        ids += [event.id for event in page]
        after = page[-1].id
    return ids


def ledger_balances(client: TengeClient, bank_id: str, wallets: list[str]) -> dict[str, dict]:
    bank = key(bank_id)
    balances = {w: client.wallet(w, bank).balances for w in wallets}
    reserve = sum(c.output.amount for c in client.bank_coins(bank_id, bank))
    balances[RESERVE] = {"KZT": reserve}
    return {account: {t: a for t, a in b.items() if a} for account, b in balances.items()}


@pytest.mark.slow
def test_feed_consumer_killed_with_the_node_resumes_without_loss_or_double_effect(
    tmp_path: Path,
) -> None:
    seed = int(os.environ.get("FEED_SEED", "20261203"))
    print(f"feed kill/restart: seed={seed} kills={KILLS}")
    data = tmp_path / "data"
    prepare(data)
    (tmp_path / "bank").mkdir()
    node = NodeProcess(data).start()
    payments: Payments | None = None
    consumer = Consumer(node.url, tmp_path / "bank")
    try:
        with TengeClient(node.url) as client:
            api = Api(client, "node")
            bank_id, bank = found_bank(api)
            wallets = [
                open_wallet(api, bank_id, bank, "basic", kzt(1_000))[0] for _ in range(WALLETS)
            ]
        print(f"step 1: bank {bank_id} with {WALLETS} wallets on a node at {node.url}")
        payments = Payments(node.url, wallets, seed)
        payments.start()
        consumer.bank_id = bank_id
        consumer.start()
        for kill in range(1, KILLS + 1):
            floor = len(consumer.applied()) + 5
            wait_for(lambda at=floor: len(consumer.applied()) > at, "the consumer to book events")
            node.kill()
            consumer.kill()
            print(f"step 2.{kill}: killed node and consumer with {len(consumer.applied())} booked")
            node.start()
            print(f"         node restarted in {node.boot_seconds:.1f} s")
            consumer.start()
        acknowledged = len(payments.acknowledged)
        wait_for(lambda: len(payments.acknowledged) > acknowledged + 3, "payments after restart")
        payments.stopped.set()
        payments.join(timeout=BOUND_S)
        with TengeClient(node.url) as client:
            expected = ledger_events(client, bank_id)
            wait_for(lambda: consumer.applied() >= set(expected), "the consumer to catch up")
            consumer.kill()
            balances = ledger_balances(client, bank_id, wallets)
        redelivered = consumer.query("SELECT count(*) FROM redelivered")[0][0]
        print(
            f"step 3: {len(expected)} events in the ledger, {len(consumer.applied())} booked, "
            f"{redelivered} delivered again and ignored, {len(payments.acknowledged)} payments"
        )
        assert len(set(expected)) == len(expected)
        assert consumer.applied() == set(expected), "the books hold exactly the ledger's events"
        assert consumer.balances() == balances, "every event took effect exactly once"
        txids = {str(row[0]) for row in consumer.query("SELECT txid FROM applied")}
        assert payments.acknowledged <= txids, "every acknowledged payment reached the books"
    finally:
        if payments is not None:
            payments.stopped.set()
        consumer.kill()
        node.stop()
