"""Faults in the three-node cluster under load: nothing acknowledged may be lost.

``python -m loadtests.cluster_chaos --faults 6 --seed 7``
``python -m loadtests.cluster_chaos --kind producer --faults 3 --json reports/cluster.json``

Payers (threads) each own one coin of a bank and pay it on to the bank, one payment
after the other; each sends its payment to the nodes in turn and resends the same bytes
after a 503 or a dropped connection (a submission is idempotent by its txid), so a
payment counts as *acknowledged* once any node answered 200 "committed". Meanwhile one
fault at a time strikes (``--kind``, or a seeded mix of them):

- ``producer``: SIGKILL the producing node (its whole process tree), restart it later;
- ``writer``: SIGKILL the producing node's writer process alone (its supervisor starts it);
- ``follower``: SIGKILL a node that does not produce, restart it;
- ``stream-leader``: SIGKILL the nats-server that leads the block stream, restart it;
- ``stall``: SIGSTOP the producing node past its lease TTL, then SIGCONT it: it must
  step down and never commit as a stale producer.

The recovery time of a fault (RTO) is from the fault to the first block committed above
the height the cluster had reached. At the end the nodes stop cleanly and each node's
LevelDB is checked offline: every acknowledged txid at the height it was acknowledged
with (``lost``), no txid twice (``duplicated``), the same tip on every node, and the
audit re-deriving each node's state digest and supply from its blocks.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from ledger.chain import Chain
from ledger.encoding import canonical
from ledger.params import kzt
from ledger.registry import Registry
from ledger.storage import KeyValueStore, schema
from ledger.types import OutPoint, Output, Transaction, Transfer
from ledger.validation import decode_envelope
from loadtests.chaos import check_data, count_lost
from loadtests.clusterkit import Cluster, ClusterNode, NatsServer
from loadtests.netkit import NETWORK, ROOT, key
from node.composition import full_registry
from node.writer import open_ledger
from wallet import builders
from wallet.client import TengeClient

KINDS = ("producer", "writer", "follower", "stream-leader", "stall")
RESEND_FOR_S = 90.0
"""How long a payer keeps resending one payment before it gives up on it."""
PAUSE_S = 0.2
"""A payer's pause after a 503 or a dropped connection (faster than Retry-After, to
measure the recovery time rather than the client's patience)."""


class ClusterPayer(threading.Thread):
    """Pays its coin on to the bank, payment after payment, through every node in turn."""

    def __init__(self, index: int, urls: list[str], coin: OutPoint, stop: threading.Event):
        super().__init__(daemon=True, name=f"payer-{index}")
        self.urls, self.coin, self.stop_event = urls, coin, stop
        self.turn = index
        self.bank = key("bank")
        self.acked: dict[str, int] = {}
        self.resends = self.refused = self.abandoned = 0

    def run(self) -> None:
        with httpx.Client(timeout=5.0) as http:  # a commit takes milliseconds
            while not self.stop_event.is_set():
                body = Transfer(
                    inputs=(self.coin,),
                    outputs=(Output(owner=self.bank.public_hex, amount=kzt(1_000)),),
                )
                tx = Transaction.create(NETWORK, body, [self.bank])
                height = self.send(http, canonical(tx.envelope()))
                if height is None:
                    return  # refused or abandoned: this coin's fate is unknown, stop paying
                self.acked[tx.txid.hex()] = height
                self.coin = OutPoint(txid=tx.txid.hex(), index=0)

    def send(self, http: httpx.Client, envelope: bytes) -> int | None:
        """The height the payment committed at, resending the same bytes across nodes."""
        deadline = time.monotonic() + RESEND_FOR_S
        while time.monotonic() < deadline:
            url = self.urls[self.turn % len(self.urls)]
            try:
                answer = http.post(
                    f"{url}/v1/transactions",
                    params={"wait": "commit"},
                    content=envelope,
                    headers={"content-type": "application/json"},
                )
            except httpx.HTTPError:
                answer = None
            if answer is not None and answer.status_code == 200:
                result = answer.json()["result"]
                if result["status"] == "committed":
                    return int(result["height"])
            elif answer is not None and 400 <= answer.status_code < 500:
                self.refused += 1
                return None
            self.resends += 1
            self.turn += 1
            time.sleep(PAUSE_S)
        self.abandoned += 1
        return None


def found(client: TengeClient, coins: int) -> list[OutPoint]:
    """A bank with ``coins`` coins of 1,000 KZT, one for each payer."""
    cb, bank = key("central-bank"), key("bank")
    register = builders.bank_register(NETWORK, cb, "bank", "Bank", [bank.public_hex], kzt(10**9))
    client.submit(register)
    outputs = [Output(owner=bank.public_hex, amount=kzt(1_000)) for _ in range(coins)]
    issued = client.submit(builders.issue(NETWORK, cb, "bank", outputs, 1)).result
    return [OutPoint(txid=issued.txid, index=i) for i in range(coins)]


@dataclass
class Strike:
    """One fault and how long the cluster took to commit again."""

    kind: str
    target: str
    rto_s: float
    stale_commit: bool = False


@dataclass
class ClusterRun:
    cluster: Cluster
    rng: random.Random
    ttl_s: float
    strikes: list[Strike] = field(default_factory=list)

    def heights(self) -> int:
        """The highest height a running node has applied."""
        return max(node.height() for node in self.cluster.nodes if node.running())

    def strike(self, kind: str) -> Strike:
        """One fault; returns once the cluster committed a block above its height before."""
        cluster = self.cluster
        producer = cluster.wait_for_producer(60)
        before = cluster.stream_height()
        started = time.monotonic()
        restart: ClusterNode | NatsServer | None = None
        stale = False
        if kind == "producer":
            producer.kill()
            restart, target = producer, producer.node_id
        elif kind == "writer":
            os.kill(producer.pid_of("writer"), signal.SIGKILL)
            target = f"{producer.node_id}/writer"
        elif kind == "follower":
            node = self.rng.choice([n for n in cluster.nodes if n is not producer])
            node.kill()
            restart, target = node, node.node_id
        elif kind == "stream-leader":
            server = cluster.stream_leader()
            server.kill()
            restart, target = server, server.name
        elif kind == "stall":
            pids = producer.sigstop()
            time.sleep(self.ttl_s * 2)
            ClusterNode.sigcont(pids)
            target = producer.node_id
        else:
            raise ValueError(f"unknown fault {kind!r}")
        if kind != "stream-leader":  # what the stream held when the fault struck
            before = max(before, cluster.stream_height())
        rto = self.wait_commit_above(before, started)
        if kind == "stall":
            stale = not self.stepped_down(producer)
        if restart is not None:
            restart.start()
        found = Strike(kind, target, rto, stale)
        self.strikes.append(found)
        return found

    def wait_commit_above(self, height: int, since: float, timeout: float = 120.0) -> float:
        while time.monotonic() - since < timeout:
            with contextlib.suppress(ValueError):
                if self.heights() > height:
                    return time.monotonic() - since
            time.sleep(0.02)
        raise RuntimeError(f"no block above {height} within {timeout} s of the fault")

    def stepped_down(self, stalled: ClusterNode, timeout: float = 30.0) -> bool:
        """The stalled node ends up a follower (or another node produces and it does not)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = stalled.health()
            if found and found.get("role") == "follower":
                return True
            time.sleep(0.1)
        return False


def verify(cluster: Cluster, acked: dict[str, int]) -> dict[str, object]:
    """Offline, on every stopped node's LevelDB: lost, duplicated, tips, audit."""
    registry = full_registry()
    tips: set[bytes | None] = set()
    lost: set[str] = set()
    duplicated = 0
    audits: list[dict[str, object]] = []
    for node in cluster.nodes:
        lost.update(count_lost(node.data, acked))
        store = open_ledger(str(node.data / "ledger"))
        try:
            tip = store.get(schema.TIP)
            tips.add(tip)
            duplicated += duplicates(store, registry)
        finally:
            store.close()
        ok, why = check_data(node.data)
        audits.append({"node": node.node_id, "ok": ok, "problems": why})
    return {
        "lost": len(lost),
        "duplicated": duplicated,
        "tips_equal": len(tips) == 1,
        "audit_ok": all(a["ok"] for a in audits),
        "audits": audits,
    }


def duplicates(store: KeyValueStore, registry: Registry) -> int:
    """Transactions that appear in more than one place of the node's chain."""
    chain = Chain(store, registry)
    seen: set[bytes] = set()
    twice = 0
    for height in range(1, chain.tip.height + 1):
        block = chain.block(height)
        if block is None:
            raise RuntimeError(f"block {height} is missing below the tip")
        for envelope in block.txs:
            txid = decode_envelope(envelope, registry).txid
            twice += txid in seen
            seen.add(txid)
    return twice


def run(
    faults: int,
    seed: int,
    payers: int,
    root: Path,
    kind: str = "mixed",
    lease_ttl_ms: int = 2000,
    settle_s: float = 2.0,
) -> dict[str, object]:
    """Start a cluster, pay under ``faults`` faults, stop it, check every node's data."""
    rng = random.Random(seed)
    cluster = Cluster(root, lease_ttl_ms=lease_ttl_ms)
    stop = threading.Event()
    started = time.monotonic()
    workers: list[ClusterPayer] = []
    try:
        cluster.start()
        urls = [node.url for node in cluster.nodes]
        with TengeClient(cluster.wait_for_producer().url) as client:
            coins = found(client, payers)
        workers = [ClusterPayer(i, urls, coin, stop) for i, coin in enumerate(coins)]
        for worker in workers:
            worker.start()
        chaos = ClusterRun(cluster, rng, lease_ttl_ms / 1000)
        for _ in range(faults):
            time.sleep(settle_s * (0.5 + rng.random()))
            chaos.strike(kind if kind != "mixed" else rng.choice(KINDS))
        time.sleep(settle_s)
        stop.set()
        for worker in workers:
            worker.join(timeout=RESEND_FOR_S + 20)
        cluster.wait_converged(60)
    finally:
        stop.set()
        cluster.stop()
    acked = {txid: height for w in workers for txid, height in w.acked.items()}
    rtos = [s.rto_s for s in chaos.strikes]
    report: dict[str, object] = {
        "seed": seed,
        "faults": [vars(s) for s in chaos.strikes],
        "acknowledged": len(acked),
        "resends": sum(w.resends for w in workers),
        "refused": sum(w.refused for w in workers),
        "abandoned": sum(w.abandoned for w in workers),
        "stale_commits": sum(s.stale_commit for s in chaos.strikes),
        "rto_p50_s": statistics.median(rtos) if rtos else None,
        "rto_max_s": max(rtos) if rtos else None,
        "seconds": round(time.monotonic() - started, 1),
        **verify(cluster, acked),
    }
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="faults in the 3-node cluster under load")
    parser.add_argument("--faults", type=int, default=6)
    parser.add_argument("--kind", choices=("mixed", *KINDS), default="mixed")
    parser.add_argument("--seed", type=int, default=int(time.time()) % 10_000)
    parser.add_argument("--payers", type=int, default=8)
    parser.add_argument("--lease-ttl-ms", type=int, default=2000)
    parser.add_argument("--data", default="", help="directory (default: a temporary one)")
    parser.add_argument("--json", help="write the report here too")
    args = parser.parse_args(argv)
    root = Path(args.data) if args.data else Path(tempfile.mkdtemp(prefix="tenge-cchaos-"))
    print(f"seed {args.seed}, data {root}", flush=True)
    report = run(args.faults, args.seed, args.payers, root, args.kind, args.lease_ttl_ms)
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(text + "\n")
    good = (
        report["lost"] == 0
        and report["duplicated"] == 0
        and report["tips_equal"]
        and report["audit_ok"]
        and report["stale_commits"] == 0
    )
    return 0 if good else 1


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
