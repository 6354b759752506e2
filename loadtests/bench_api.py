"""REST API benchmark: a real node on loopback against the ledger core and a Flask ceiling.

``python -m loadtests.bench_api --json PATH [--workers 2 --threads 4 --concurrency 32]``

In one run, on one machine, one phase after the other:

1. **in-process** — the core benchmark's single run
   (:func:`loadtests.bench_core.run_one`, in its own process, small state):
   committed transfers/s with no HTTP at all;
2. **a real node** (``python -m node run`` in a fresh temporary data
   directory, genesis trusting the benchmark's deterministic keys), founded
   over its own API: a bank and ``--wallets`` funded wallets;
3. **batch** — pre-signed payment chains in batches of ``--batch-size``
   through ``POST /v1/transactions/batch?wait=commit`` from ``--senders``
   concurrent senders, timed until every transaction is committed;
4. **single** — ``POST /v1/transactions`` (no wait, 202) at ``--concurrency``
   with p50/p99 latency, then timed on until the node has committed them all;
5. **single, wait=commit** — a smaller run answered only after the block;
6. **ceiling** — once the node has stopped, a minimal Flask app
   (:mod:`loadtests.ceiling_app`) under the node's exact gunicorn flags, sent
   the very requests of phase 4 by the same generator at the same concurrency.

The load generator (:mod:`loadtests.loadgen`) runs in several processes on
the same two cores as the servers; its CPU, the node writer's, the API
workers' and everybody else's (other jobs on the machine) are reported per
phase, with the load average, so the figures can be read honestly.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from loadtests import api_workload as work
from loadtests.api_report import print_table
from loadtests.core_network import NETWORK, T0, key
from loadtests.loadgen import LoadResult, http_request, percentile, run_load
from loadtests.servers import (
    CpuProbe,
    ServerProcess,
    ceiling_server,
    free_port,
    node_server,
    prepare_node_data,
)
from wallet.client import TengeClient
from wire.core import MAX_BATCH, BatchResponse


def measure_inproc(args: argparse.Namespace) -> dict[str, Any]:
    """The core benchmark's single run at a small state size, in its own process."""
    command = [sys.executable, "-m", "loadtests.bench_core", "--single"]
    command += ["--outputs", str(args.inproc_outputs), "--wallets", str(args.inproc_wallets)]
    command += ["--rounds", str(args.inproc_rounds), "--seed", str(args.seed), "--offered", "0"]
    done = subprocess.run(command, check=True, capture_output=True, text=True, timeout=300)
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def latency_figures(load: LoadResult, prefix: str) -> dict[str, Any]:
    """Rate, p50/p99 and statuses of a finished phase (a cut-short one is an error)."""
    if not load.complete:
        raise RuntimeError(f"{prefix}: not every request was answered within --time-limit")
    latencies = load.latencies
    return {
        f"{prefix}_requests": load.requests,
        f"{prefix}_rps": round(load.rps, 1),
        f"{prefix}_p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        f"{prefix}_p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        f"{prefix}_statuses": {str(k): v for k, v in sorted(load.status_counts().items())},
    }


def run_ceiling(args: argparse.Namespace, lanes: list[list[bytes]]) -> dict[str, Any]:
    """The Flask ceiling under the node's gunicorn flags, same requests, same generator."""
    server = ceiling_server(free_port(), args.workers, args.threads).start()
    try:
        address = ("127.0.0.1", server.port)
        warm = [[http_request("GET", "/health")] * 20 for _ in lanes]
        run_load(address, warm, args.client_procs)
        probe = CpuProbe(server, writer=False)
        load = run_load(address, lanes, args.client_procs, time_limit=args.time_limit)
        figures = {
            **latency_figures(load, "ceiling"),
            "ceiling_cpu": probe.figures(load, load.requests),
        }
    finally:
        server.stop()
    return {**figures, "ceiling_pids": server.pids}


def committed_total(client: TengeClient) -> tuple[int, int]:
    """The writer's (committed, rejected) transaction counters from /metrics."""
    figures = {}
    for line in client.http.get("/metrics").text.splitlines():
        name, _, value = line.partition(" ")
        figures[name] = value
    return (
        int(float(figures["tenge_transactions_committed_total"])),
        int(float(figures["tenge_transactions_rejected_total"])),
    )


def wait_committed(client: TengeClient, target: int, rejected: int, limit: float) -> float:
    """Seconds until the node has committed ``target`` transactions in all."""
    started = time.monotonic()
    while True:
        now_committed, now_rejected = committed_total(client)
        if now_committed >= target:
            return time.monotonic() - started
        if now_rejected > rejected:
            raise RuntimeError(f"the node refused {now_rejected - rejected} benchmark payments")
        if time.monotonic() - started > limit:
            raise RuntimeError(f"only {now_committed}/{target} committed after {limit}s")
        time.sleep(0.02)


def run_batches(
    args: argparse.Namespace,
    server: ServerProcess,
    client: TengeClient,
    lanes: list[list[bytes]],
    count: int,
) -> dict[str, Any]:
    """Batches from ``--senders`` concurrent senders, until every payment is committed."""
    committed_before, rejected_before = committed_total(client)
    probe = CpuProbe(server, writer=True)
    address = ("127.0.0.1", server.port)
    load = run_load(address, lanes, len(lanes), keep_bodies=True, time_limit=args.time_limit)
    if not load.complete:
        raise RuntimeError("batch: not every batch was answered within --time-limit")
    answers = [
        msgspec.json.decode(b, type=BatchResponse) for lane in load.lanes for b in lane.bodies
    ]
    refused = [r.problem for a in answers for r in a.results if r.status == "rejected"]
    if refused or set(load.status_counts()) != {200}:
        raise RuntimeError(f"batch phase failed: {load.status_counts()} {refused[:1]}")
    drain = wait_committed(client, committed_before + count, rejected_before, args.time_limit)
    cpu = probe.figures(load, count, drain)
    seconds = load.seconds + drain
    return {
        "batch_transactions": count,
        "batch_requests": load.requests,
        "batch_seconds": round(seconds, 3),
        "batch_tps": round(count / seconds, 1),
        "batch_pending_after_wait": sum(a.pending for a in answers),
        "batch_request_p50_ms": round(percentile(load.latencies, 0.5) * 1000, 1),
        "batch_cpu": cpu,
    }


def run_singles(
    args: argparse.Namespace,
    server: ServerProcess,
    client: TengeClient,
    lanes: list[list[bytes]],
    prefix: str,
) -> dict[str, Any]:
    """One transaction per request at ``--concurrency``; then until all are committed."""
    committed_before, rejected_before = committed_total(client)
    probe = CpuProbe(server, writer=True)
    address = ("127.0.0.1", server.port)
    load = run_load(address, lanes, args.client_procs, time_limit=args.time_limit)
    if not set(load.status_counts()) <= {200, 202}:
        raise RuntimeError(f"{prefix} phase failed: {load.status_counts()}")
    target = committed_before + load.requests
    drain = wait_committed(client, target, rejected_before, args.time_limit)
    cpu = probe.figures(load, load.requests, drain)
    return {
        **latency_figures(load, prefix),
        f"{prefix}_commit_tps": round(load.requests / (load.seconds + drain), 1),
        f"{prefix}_cpu": cpu,
    }


def run_node(args: argparse.Namespace, tmp: Path) -> tuple[dict[str, Any], list[list[bytes]]]:
    """Found a network on a fresh node, then the batch and single-transaction phases.

    Returns the figures and the single-transaction envelopes, lane by lane, so
    the ceiling can be sent exactly the same requests.
    """
    prepare_node_data(tmp / "data", NETWORK, key("cb"), key("producer"), T0)
    server = node_server(tmp / "data", free_port(), args.workers, args.threads).start()
    try:
        with TengeClient(server.url, timeout=120) as client:
            started = time.monotonic()
            chains = work.PaymentChains(work.found_network(client, args.wallets), args.seed)
            result: dict[str, Any] = {"founding_s": round(time.monotonic() - started, 2)}
            started = time.monotonic()
            batch_txs = chains.sign(args.batches * args.batch_size)
            singles = work.lanes_by_wallet(chains.sign(args.singles), args.concurrency)
            waits = work.lanes_by_wallet(chains.sign(args.wait_singles), args.concurrency)
            batches = [
                work.batch_requests(lane, args.batch_size)
                for lane in work.lanes_by_wallet(batch_txs, args.senders)
            ]
            result["presign_s"] = round(time.monotonic() - started, 2)
            result.update(run_batches(args, server, client, batches, len(batch_txs)))
            no_wait = [work.single_requests(lane, wait=False) for lane in singles]
            result.update(run_singles(args, server, client, no_wait, "single"))
            with_wait = [work.single_requests(lane, wait=True) for lane in waits]
            result.update(run_singles(args, server, client, with_wait, "single_wait"))
            result["node_height"] = client.health().height
    finally:
        code = server.stop()
    if code != 0:
        raise RuntimeError(f"the node did not stop cleanly (exit {code})")
    return {**result, "node_pids": server.pids}, singles


def cpu_bounds(result: dict[str, Any], cpus: int) -> dict[str, float]:
    """Rates if the servers had every core to themselves: cores / CPU seconds per item.

    An upper bound (perfect parallelism, no client), but one that other jobs on
    a shared machine barely move, unlike the measured rates.
    """
    bounds = {}
    for name, prefix in (
        ("batch_tps", "batch"),
        ("single_rps", "single"),
        ("ceiling_rps", "ceiling"),
    ):
        per_item_ms = result[f"{prefix}_cpu"]["server_cpu_ms_per_item"]
        bounds[name] = round(cpus / per_item_ms * 1000, 1) if per_item_ms else 0.0
    return bounds


def ratio(a: float, b: float) -> float:
    return round(a / b, 3) if b else 0.0


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--json", help="write the results here")
    add("--workers", type=int, default=2, help="gunicorn worker processes (node and ceiling)")
    add("--threads", type=int, default=4, help="threads per worker (node and ceiling)")
    add("--concurrency", type=int, default=32, help="connections for single requests")
    add("--batches", type=int, default=20, help="batches in the batch phase")
    add("--batch-size", type=int, default=1000, help="transactions per batch")
    add("--senders", type=int, default=4, help="concurrent batch senders")
    add("--singles", type=int, default=15000, help="single-transaction requests (no wait)")
    add("--wait-singles", type=int, default=2000, help="single requests with ?wait=commit")
    add("--wallets", type=int, default=1000, help="funded wallets paying each other")
    add("--client-procs", type=int, default=4, help="load generator processes")
    add("--inproc-outputs", type=int, default=10000, help="state size of the in-process run")
    add("--inproc-wallets", type=int, default=1000, help="wallets of the in-process run")
    add("--inproc-rounds", type=int, default=10, help="payments per wallet, in-process run")
    add("--time-limit", type=float, default=120.0, help="seconds allowed per phase")
    add("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    counts = ("workers", "threads", "concurrency", "batches", "batch_size", "senders", "singles")
    for name in (*counts, "wait_singles", "wallets", "client_procs", "inproc_rounds"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.batch_size > MAX_BATCH:
        parser.error(f"--batch-size is at most {MAX_BATCH} (the API's batch limit)")
    payments = args.batches * args.batch_size + args.singles + args.wait_singles
    if -(-payments // args.wallets) > work.MAX_PAYMENTS_PER_WALLET:
        parser.error(f"more than {work.MAX_PAYMENTS_PER_WALLET} payments per wallet")
    if args.wallets < max(args.concurrency, args.senders):
        parser.error("--wallets must be at least --concurrency and --senders")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    loadavg_start = os.getloadavg()
    started = time.monotonic()
    print("bench_api: in-process core run ...", file=sys.stderr)
    inproc = measure_inproc(args)
    print("bench_api: node (founding, batches, singles) ...", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        node, single_lanes = run_node(args, Path(tmp))
    print("bench_api: ceiling ...", file=sys.stderr)
    ceiling = run_ceiling(args, [work.single_requests(lane, False) for lane in single_lanes])
    result: dict[str, Any] = {
        "inproc_tps": inproc["tps"],
        "inproc_transactions": inproc["transactions"],
        "inproc_outputs_in_state": inproc["outputs_in_state"],
        **node,
        **ceiling,
    }
    result["batch_ratio"] = ratio(result["batch_tps"], result["inproc_tps"])
    result["single_ratio"] = ratio(result["single_rps"], result["ceiling_rps"])
    result["cpu_bound"] = cpu_bounds(result, os.cpu_count() or 1)
    result.update(
        workers=args.workers,
        threads=args.threads,
        worker_class="gthread",
        concurrency=args.concurrency,
        batch_size=args.batch_size,
        senders=args.senders,
        wallets=args.wallets,
        client_procs=args.client_procs,
        seed=args.seed,
        cpus=os.cpu_count(),
        python=platform.python_version(),
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        loadavg_start=[round(x, 2) for x in loadavg_start],
        loadavg_end=[round(x, 2) for x in os.getloadavg()],
        wall_s=round(time.monotonic() - started, 1),
    )
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
