"""Crash under load: SIGKILL the node at random moments; nothing acknowledged may be lost.

``python -m loadtests.chaos --kills 20 --seed 7 --json reports/chaos.json``
``python -m loadtests.chaos --target writer --kills 10`` (``node`` | ``supervisor`` |
``writer`` | ``api`` | ``worker``)

Payers (threads, each with its own wallets) submit payments with
``?wait=commit``; a payment counts as *acknowledged* only when the node
answered 200 "committed". At random moments (the seed is printed) the whole
node — supervisor, writer, gunicorn and its workers — is killed with SIGKILL.
While it is down, ``audit`` re-derives the state from the blocks and must match
the stored digest and supply; then the node restarts on the same directory and
the time until it answers again is the recovery time. With ``--target`` one
process alone is killed: the supervisor (its children must die with it, then
``tenge-node run`` starts again), the writer or the API master (the supervisor
starts it again), or one API worker (its master replaces it); the recovery
time is then until the node answers through a replacement. At the end every
acknowledged txid must be in the ledger at the height it was acknowledged
with.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from ledger.audit import audit
from ledger.params import kzt
from ledger.queries import tx_location
from ledger.types import Output
from loadtests.netkit import NETWORK, NodeProcess, alive, key, prepare
from node.composition import full_registry
from node.writer import open_ledger
from wallet import builders
from wallet.client import ApiError, TengeClient


def found(client: TengeClient, wallets: list[str]) -> None:
    """A bank and ``wallets`` business wallets with money."""
    cb, bank = key("central-bank"), key("bank")
    client.submit(
        builders.bank_register(NETWORK, cb, "bank", "Bank", [bank.public_hex], kzt(10**9))
    )
    client.submit(
        builders.issue(NETWORK, cb, "bank", [Output(owner=bank.public_hex, amount=kzt(10**8))], 1)
    )
    opens = [
        builders.wallet_open(NETWORK, bank, "bank", w, "business", [key(w).public_hex])
        for w in wallets
    ]
    client.submit_batch(opens, wait=True)
    coins = client.bank_coins("bank", bank)
    total = sum(c.output.amount for c in coins)
    outs = [Output(owner=key(w).public_hex, amount=kzt(100_000)) for w in wallets]
    change = Output(owner=bank.public_hex, amount=total - kzt(100_000) * len(wallets))
    client.submit(builders.transfer(NETWORK, coins, [*outs, change], [bank]))


class Payer(threading.Thread):
    """Pays from its own wallets until told to stop; remembers every acknowledgement."""

    def __init__(
        self, url: str, own: list[str], everyone: list[str], seed: int, stop: threading.Event
    ):
        super().__init__(daemon=True)
        self.url, self.own, self.everyone = url, own, everyone
        self.rng, self.stop_event = random.Random(seed), stop
        self.acked: dict[str, int] = {}
        self.refused = self.failed = 0

    def run(self) -> None:
        with TengeClient(self.url, timeout=10) as client:
            while not self.stop_event.is_set():
                payer = self.own[self.rng.randrange(len(self.own))]
                try:
                    self.pay(client, payer)
                except ApiError as error:
                    if error.status >= 500:
                        self.failed += 1
                        time.sleep(0.05)
                    else:
                        self.refused += 1
                except (httpx.HTTPError, OSError):
                    self.failed += 1  # the node is down; this one may or may not be committed
                    time.sleep(0.05)

    def pay(self, client: TengeClient, payer: str) -> None:
        me = key(payer)
        payee = key(self.rng.choice(self.everyone)).public_hex
        coins = client.coins(payer, me)
        tx = builders.pay(
            NETWORK, coins, [me], payee, self.rng.randrange(100, 10_000), me.public_hex
        )
        result = client.submit(tx).result
        if result.status == "committed" and result.height is not None:
            self.acked[result.txid] = result.height


def check_data(data: Path) -> tuple[bool, str]:
    """Audit the stopped node's data: digest and supply must re-derive exactly."""
    store = open_ledger(str(data / "ledger"))
    try:
        report = audit(store, full_registry())
    finally:
        store.close()
    return report.ok, "; ".join(p.what for p in report.problems[:3])


def count_lost(data: Path, acked: dict[str, int]) -> list[str]:
    store = open_ledger(str(data / "ledger"))
    try:
        return [
            txid
            for txid, height in acked.items()
            if (found := tx_location(store, bytes.fromhex(txid))) is None or found.height != height
        ]
    finally:
        store.close()


TARGETS = ("node", "supervisor", "writer", "api", "worker")


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Seconds until ``condition()`` holds; RuntimeError after ``timeout``."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.02)
    return time.monotonic() - started


def strike(node: NodeProcess, target: str, rng: random.Random) -> tuple[float, bool | None]:
    """Kill ``target`` with SIGKILL; (seconds until the node serves again, audit verdict).

    The data is audited between kill and restart when the whole node is down;
    while one process is replaced the others keep the database open, so the
    verdict is None and the final audit covers it.
    """
    if target == "node":
        node.kill()
        ok, _ = check_data(node.data)
        return node.start().boot_seconds, ok
    if target == "supervisor":
        tree = node.tree()
        node.kill_pid(tree[0])
        wait_for(lambda: not any(alive(pid) for pid in tree), 30, "the children to die")
        ok, _ = check_data(node.data)
        return node.start().boot_seconds, ok
    if target == "worker":
        workers = node.workers()
        victim = rng.choice(workers)
        os.kill(victim, signal.SIGKILL)
        started = time.monotonic()
        wait_for(lambda: len(set(node.workers()) - {victim}) >= len(workers), 30, "a new worker")
        wait_for(node.healthy, 30, "the node")
        return time.monotonic() - started, None
    old = node.pid_of(target)
    old_workers = node.workers() if target == "api" else []
    os.kill(old, signal.SIGKILL)
    started = time.monotonic()
    wait_for(lambda: node.pid_of(target) != old and node.healthy(), 60, f"a new {target}")
    wait_for(lambda: not any(alive(pid) for pid in old_workers), 30, "the old workers to exit")
    return time.monotonic() - started, None


def run(kills: int, seed: int, payers: int, data: Path, target: str = "node") -> dict[str, object]:
    rng = random.Random(seed)
    print(f"chaos: seed={seed} kills={kills} payers={payers} target={target} data={data}")
    prepare(data)
    node = NodeProcess(data)
    node.start()
    wallets = [f"w{i}" for i in range(payers * 4)]
    with TengeClient(node.url) as client:
        found(client, wallets)
    stop = threading.Event()
    threads = [
        Payer(node.url, wallets[i * 4 : i * 4 + 4], wallets, seed + i, stop) for i in range(payers)
    ]
    for thread in threads:
        thread.start()
    recoveries: list[float] = []
    mismatches = 0
    try:
        for number in range(1, kills + 1):
            time.sleep(rng.uniform(0.3, 1.5))
            recovery, ok = strike(node, target, rng)
            mismatches += ok is False
            recoveries.append(recovery)
            acked = sum(len(t.acked) for t in threads)
            verdict = {True: "ok", False: "MISMATCH", None: "at the end"}[ok]
            print(
                f"kill {number}/{kills} ({target}): audit {verdict}, "
                f"recovered in {recovery:.2f} s, {acked} acknowledged so far",
                flush=True,
            )
        time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
        node.stop()
    acked_all = {txid: h for t in threads for txid, h in t.acked.items()}
    lost = count_lost(data, acked_all)
    ok, _ = check_data(data)
    mismatches += not ok
    return {
        "seed": seed,
        "target": target,
        "kills": kills,
        "acknowledged": len(acked_all),
        "lost": len(lost),
        "digest_mismatches": mismatches,
        "recovery_p50_s": round(statistics.median(recoveries), 3) if recoveries else 0.0,
        "recovery_max_s": round(max(recoveries), 3) if recoveries else 0.0,
        "refused": sum(t.refused for t in threads),
        "failed_while_down": sum(t.failed for t in threads),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Kill -9 the node under load and count losses")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--target", choices=TARGETS, default="node", help="what to kill")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--payers", type=int, default=4, help="concurrent paying threads")
    parser.add_argument("--data", help="data directory (default: a fresh temporary one)")
    parser.add_argument("--json", help="write the summary here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="chaos-") as tmp:
        data = Path(args.data) if args.data else Path(tmp) / "data"
        result = run(args.kills, args.seed, args.payers, data, args.target)
    for name, value in result.items():
        print(f"{name:>20}: {value}")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    healthy = result["lost"] == 0 and result["digest_mismatches"] == 0
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
