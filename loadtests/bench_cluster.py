"""The three-node cluster against one node, on the same machine, in one run.

``python -m loadtests.bench_cluster [--payments 20000 --kills 10 --json PATH]``

1. **single node**: ``python -m node run`` (one API worker, eight threads: the cluster
   nodes' settings) on a fresh directory; the REST batch workload of bench_api
   (pre-signed payment chains, ``POST /v1/transactions/batch?wait=commit`` from
   ``--senders`` connections), timed until every payment is committed; then single
   submissions with ``?wait=commit`` at ``--concurrency`` for the submit→commit latency.
2. **cluster**: three nats-servers (JetStream R3, file storage, fsync on every write) and
   three nodes, the same genesis and the very same workload sent to the producer, then
   the same latency phase sent to a follower (forwarded to the producer).
3. **failover**: a fresh cluster under a light load of payers, the producer SIGKILLed
   ``--kills`` times (restarted after each): time from the kill to the first block the
   new producer commits, and the end-of-run checks of loadtests/cluster_chaos.py.

Everything runs on the same two cores: the load generator, the three servers and the
three nodes share them (a real cluster gives each node its own machine). The figures are
printed side by side with the machine's load average; nothing is asserted here.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from loadtests import api_workload as work
from loadtests.bench_api import committed_total, wait_committed
from loadtests.bench_core import load_average
from loadtests.cluster_chaos import run as chaos_run
from loadtests.clusterkit import Cluster, ClusterNode, NatsServer
from loadtests.core_network import NETWORK, T0, key
from loadtests.loadgen import percentile, run_load
from loadtests.netkit import ROOT, NodeProcess
from loadtests.servers import prepare_node_data
from wallet.client import TengeClient

TARGET_RATIO = 0.7
TARGET_FAILOVER_S = 10.0
MOONSHOT_FAILOVER_S = 3.0


def prepare(data: Path) -> None:
    prepare_node_data(data, NETWORK, key("cb"), key("producer"), T0)


def workload(
    url: str, args: argparse.Namespace
) -> tuple[list[list[bytes]], list[list[bytes]], int]:
    """Found the network through ``url``; the batch lanes, the latency lanes, the count."""
    with TengeClient(url, timeout=120) as client:
        chains = work.PaymentChains(work.found_network(client, args.wallets), args.seed)
    payments = chains.sign(args.payments)
    batches = [
        work.batch_requests(lane, args.batch_size)
        for lane in work.lanes_by_wallet(payments, args.senders)
    ]
    singles = [
        work.single_requests(lane, wait=True)
        for lane in work.lanes_by_wallet(chains.sign(args.singles), args.concurrency)
    ]
    return batches, singles, len(payments)


def throughput(url: str, port: int, lanes: list[list[bytes]], count: int, limit: float) -> float:
    """Committed payments per second: from the first batch sent to the last one committed."""
    with TengeClient(url) as client:
        committed, rejected = committed_total(client)
        load = run_load(("127.0.0.1", port), lanes, len(lanes), time_limit=limit)
        if not load.complete or set(load.status_counts()) != {200}:
            raise RuntimeError(f"batch phase failed: {load.status_counts()}")
        drain = wait_committed(client, committed + count, rejected, limit)
    return count / (load.seconds + drain)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU the processes have used so far (from /proc, by pid)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def roles_of(nodes: list[NodeProcess], servers: list[NatsServer]) -> dict[str, list[int]]:
    """The pids of each role: the first node's writer and API processes, the others' whole
    trees (the followers), the nats-servers."""
    first, *others = nodes
    writer = first.pid_of("writer")
    roles = {
        "writer": [writer],
        "api": [p for p in first.tree() if p != writer],
        "followers": [p for n in others for p in n.tree()],
        "nats": [s.pid for s in servers],
    }
    return {name: pids for name, pids in roles.items() if pids}


class CpuShare:
    """CPU µs per committed payment of each role, over one measured phase."""

    def __init__(self, roles: dict[str, list[int]]) -> None:
        self.roles = roles
        self.before = {name: cpu_seconds(pids) for name, pids in roles.items()}

    def per_payment(self, count: int) -> dict[str, float]:
        used = {name: cpu_seconds(pids) - self.before[name] for name, pids in self.roles.items()}
        figures = {name: round(seconds * 1e6 / count, 1) for name, seconds in used.items()}
        figures["total"] = round(sum(used.values()) * 1e6 / count, 1)
        return figures


def latency(port: int, lanes: list[list[bytes]], limit: float) -> dict[str, float]:
    """Submit → commit (``?wait=commit`` answered) p50 and p99, in milliseconds."""
    load = run_load(("127.0.0.1", port), lanes, min(4, len(lanes)), time_limit=limit)
    if set(load.status_counts()) != {200}:
        raise RuntimeError(f"latency phase failed: {load.status_counts()}")
    return {
        "p50_ms": round(percentile(load.latencies, 0.5) * 1000, 1),
        "p99_ms": round(percentile(load.latencies, 0.99) * 1000, 1),
        "requests": load.requests,
    }


def run_single(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    prepare(root / "single")
    node = NodeProcess(root / "single", workers=1, threads=8).start()
    try:
        batches, singles, count = workload(node.url, args)
        cpu = CpuShare(roles_of([node], []))
        tps = throughput(node.url, node.port, batches, count, args.time_limit)
        return {
            "tps": round(tps, 1),
            "cpu_us_per_payment": cpu.per_payment(count),
            "latency": latency(node.port, singles, args.time_limit),
        }
    finally:
        node.stop()


def yield_cpu(nodes: list[ClusterNode], niceness: int) -> None:
    """Lower the followers' CPU priority (every process of theirs, by pid): on one machine
    this stands in for each node having its own, so that the producer's path is what is
    measured and the followers apply what is left of the CPU (they catch up after)."""
    for node in nodes:
        for pid in node.tree():
            with contextlib.suppress(ProcessLookupError):
                os.setpriority(os.PRIO_PROCESS, pid, niceness)


def run_cluster(args: argparse.Namespace, root: Path, niceness: int = 0) -> dict[str, Any]:
    cluster = Cluster(
        root / f"cluster{niceness}", lease_ttl_ms=args.lease_ttl_ms, prepare_first=prepare
    )
    try:
        cluster.start()
        producer = cluster.wait_for_producer()
        follower = next(n for n in cluster.nodes if n is not producer)
        if niceness:
            yield_cpu([n for n in cluster.nodes if n is not producer], niceness)
        batches, singles, count = workload(producer.url, args)
        others = [n for n in cluster.nodes if n is not producer]
        cpu = CpuShare(roles_of([producer, *others], cluster.servers))
        tps = throughput(producer.url, producer.port, batches, count, args.time_limit)
        started = time.monotonic()
        cluster.wait_converged(300)
        converged_s = round(time.monotonic() - started, 1)
        shares = cpu.per_payment(count)  # the followers' whole catch-up included
        half = len(singles) // 2
        at_producer = latency(producer.port, singles[:half], args.time_limit)
        via_follower = latency(follower.port, singles[half:], args.time_limit)
        return {
            "tps": round(tps, 1),
            "cpu_us_per_payment": shares,
            "latency": at_producer,
            "via_follower": via_follower,
            "followers_caught_up_s": converged_s,
        }
    finally:
        cluster.stop()


def run_failover(args: argparse.Namespace, root: Path) -> dict[str, Any]:
    report = chaos_run(
        args.kills, args.seed, args.payers, root / "failover", "producer", args.lease_ttl_ms
    )
    rtos = sorted(float(f["rto_s"]) for f in report["faults"])  # type: ignore[attr-defined]
    return {
        "kills": len(rtos),
        "rto_p50_s": round(statistics.median(rtos), 2),
        "rto_max_s": round(max(rtos), 2),
        "rtos_s": [round(r, 2) for r in rtos],
        **{k: report[k] for k in ("acknowledged", "lost", "duplicated", "tips_equal", "audit_ok")},
    }


def verdict(value: float, good: bool) -> str:
    return f"{value} ({'met' if good else 'MISSED'})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="3-node cluster vs one node, same machine")
    add = parser.add_argument
    add("--payments", type=int, default=20_000)
    add("--wallets", type=int, default=400)
    add("--batch-size", type=int, default=500)
    add("--senders", type=int, default=4)
    add("--singles", type=int, default=2_000)
    add("--concurrency", type=int, default=8)
    add("--kills", type=int, default=10)
    add("--payers", type=int, default=4)
    add("--lease-ttl-ms", type=int, default=2000)
    add("--seed", type=int, default=7)
    add("--time-limit", type=float, default=300.0)
    add("--rounds", type=int, default=1, help="single/cluster pairs; the median pair counts")
    add("--followers-nice", type=int, default=10, help="a second cluster run, followers niced")
    add("--json", help="write the figures here too")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="tenge-bench-cluster-"))
    result: dict[str, Any] = {"load_average_start": load_average(), "cpus": os.cpu_count()}
    rounds: list[dict[str, Any]] = []
    for index in range(args.rounds):  # interleaved, so that a busier minute hits both
        one = {"single": run_single(args, root / f"r{index}")}
        one["cluster"] = run_cluster(args, root / f"r{index}")
        if args.followers_nice:
            one["cluster_followers_niced"] = run_cluster(
                args, root / f"r{index}", args.followers_nice
            )
        rounds.append(one)
    result["rounds"] = rounds
    for name in rounds[0]:  # the round with the median ratio to its own single-node run
        ordered = sorted(rounds, key=lambda r: r[name]["tps"] / r["single"]["tps"])
        result[name] = ordered[len(ordered) // 2][name]
        result[f"{name}_single_tps"] = ordered[len(ordered) // 2]["single"]["tps"]
    result["failover"] = run_failover(args, root) if args.kills else None
    result["load_average_end"] = load_average()
    result["ratio"] = round(result["cluster"]["tps"] / result["cluster_single_tps"], 3)
    if args.followers_nice:
        niced = result["cluster_followers_niced"]["tps"]
        single_tps = result["cluster_followers_niced_single_tps"]
        result["ratio_followers_niced"] = round(niced / single_tps, 3)
    result["ratios_per_round"] = [
        round(r["cluster"]["tps"] / r["single"]["tps"], 3) for r in rounds
    ]
    print_report(result)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


def print_report(result: dict[str, Any]) -> None:
    single, cluster, failover = result["single"], result["cluster"], result["failover"]
    print(f"load average {result['load_average_start']} -> {result['load_average_end']}")
    print(f"{'':28}{'single node':>14}{'3-node cluster':>16}")
    paired = result["cluster_single_tps"]  # the single-node run of the same round
    print(f"{'committed tx/s (batches)':28}{paired:>14}{cluster['tps']:>16}")
    for name in ("p50_ms", "p99_ms"):
        row = f"submit->commit {name}"
        print(f"{row:28}{single['latency'][name]:>14}{cluster['latency'][name]:>16}")
    print(f"  via a follower: {cluster['via_follower']}")
    print(f"  followers caught up {cluster['followers_caught_up_s']} s after the load")
    print(f"  ratio in each round: {result['ratios_per_round']}")
    print(f"  CPU µs per committed payment, single node: {single['cpu_us_per_payment']}")
    print(f"  CPU µs per committed payment, cluster:     {cluster['cpu_us_per_payment']}")
    print(f"cluster / single = {verdict(result['ratio'], result['ratio'] >= TARGET_RATIO)}")
    niced = result.get("cluster_followers_niced")
    if niced:
        ratio = result["ratio_followers_niced"]
        print(
            f"followers at lower CPU priority (one machine standing in for three): "
            f"{niced['tps']} tx/s, p50 {niced['latency']['p50_ms']} ms, p99 "
            f"{niced['latency']['p99_ms']} ms, caught up {niced['followers_caught_up_s']} s "
            f"after; / single = {verdict(ratio, ratio >= TARGET_RATIO)}"
        )
    if failover:
        p50, worst = failover["rto_p50_s"], failover["rto_max_s"]
        print(
            f"failover over {failover['kills']} producer kills: p50 {p50} s, max "
            f"{verdict(worst, worst < TARGET_FAILOVER_S)} (moonshot < {MOONSHOT_FAILOVER_S} s: "
            f"{'met' if worst < MOONSHOT_FAILOVER_S else 'missed'}); lost {failover['lost']}, "
            f"duplicated {failover['duplicated']}, audit {failover['audit_ok']}"
        )


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
