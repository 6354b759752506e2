"""Core benchmark: committed transfers/s against the machine's Ed25519 ceilings.

``python -m loadtests.bench_core --json PATH [--outputs 10000,100000,1000000] [--repeat 3]``
``python -m loadtests.bench_core --mix [--wallets 1000 --rounds 20]``: the mixed
workload of :mod:`loadtests.bench_mix` (70 % plain, 20 % special-purpose, 10 %
contract templates) beside plain transfers, measured in the same run.

For each state size it runs a separate process that (1) builds a network on
LevelDB in a temporary directory and fills the state with that many unspent
outputs, (2) pre-signs chains of transfers among M wallets (signing is outside
the timed part; each wallet's payments spend its previous change, so the
txids are known in advance), (3) measures raw PyNaCl verification of the same
messages — the ceilings: on the producer's number of threads, on one thread
per core, and on one process per core — and (4) measures end-to-end committed
throughput through the real producer: JSON decode, signature verification,
stateful checks, apply, and one synced LevelDB batch per block, with the CPU
each party spent per transaction, under the writer process's collector policy
(node/collector.py) as a node runs it; then (5) offers fresh payments at a fixed
rate (``--offered``) and reports submit-to-commit latency.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import wait
from typing import Any

from ledger.encoding import canonical
from ledger.storage.leveldb import LevelDBStore, LevelStats
from loadtests.core_measure import CpuMarks, offered_load, verify_ceiling, verify_ceiling_processes
from loadtests.core_network import (
    NETWORK,
    T0,
    Setup,
    build_network,
    key,
    open_network,
    presign,
)
from node.collector import Collector
from node.producer import Producer

__all__ = ["NETWORK", "T0", "key", "run_one"]
EDGE_REGISTRY = "ledger.rules:core_registry"
ZERO_LEVEL = LevelStats(0, 0, 0, 0)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def load_average() -> float:
    """The machine's 1-minute load average (other engineers share it)."""
    return round(os.getloadavg()[0], 2)


class GcPauses:
    """The garbage collector's pauses while it is installed, by generation (gc.callbacks)."""

    def __init__(self) -> None:
        self.pauses: list[tuple[int, float]] = []
        self._began = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        else:
            self.pauses.append((info["generation"], (time.perf_counter() - self._began) * 1000))

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)

    def figures(self) -> dict[str, Any]:
        full = [ms for generation, ms in self.pauses if generation == 2]
        return {
            "gc_collections": len(self.pauses),
            "gc_full_collections": len(full),
            "gc_max_pause_ms": round(max((ms for _, ms in self.pauses), default=0.0), 1),
            "gc_max_full_pause_ms": round(max(full, default=0.0), 1),
        }


def make_producer(setup: Setup, threads: int, queue: int) -> Producer:
    """The real producer with ``threads`` edge worker processes checking whole envelopes."""
    return Producer(
        setup.chain,
        setup.producer,
        verify_workers=threads,
        verify_mode="process",
        edge_registry=EDGE_REGISTRY,
        max_queue=queue + 1,
    )


@contextlib.contextmanager
def writer_gc(producer: Producer, calm: bool) -> Iterator[None]:
    """The writer process's collector policy (node/writer.py), installed as the writer
    installs it; ``calm=False`` leaves the interpreter's default collector."""
    if not calm:
        yield
        return
    collector = Collector(lambda: producer.queue_size() == 0).start()
    producer.on_commit.append(collector.after_block)
    try:
        yield
    finally:
        collector.stop()


def measure_throughput(setup: Setup, raws: list[bytes], threads: int) -> dict[str, Any]:
    """Every payment submitted at once; committed tx/s and the CPU each party spent."""
    producer = make_producer(setup, threads, len(raws))
    with producer, writer_gc(producer, calm=True):
        marks = CpuMarks(producer)
        started = time.perf_counter()
        futures = [producer.submit(raw) for raw in raws]
        # Blocks settle in submission order: wait for the last before looking at the rest
        # (a wait on every future would hang a waiter on each, in the writer's own process).
        wait(futures[-1:])
        wait(futures)
        elapsed = time.perf_counter() - started
        cpu = marks.per_tx_us(sum(1 for f in futures if f.result().committed))
    outcomes = [f.result() for f in futures]
    committed = sum(1 for o in outcomes if o.committed)
    refused = [o.error for o in outcomes if not o.committed]
    blocks = [t for t in producer.timings if t.txs]
    block_ms = [t.build_ms + t.commit_ms for t in blocks]
    return {
        "committed": committed,
        "refused": len(refused),
        "first_refusal": str(refused[0]) if refused else None,
        "seconds": round(elapsed, 3),
        "tps": round(committed / elapsed, 1),
        **cpu,
        "blocks": len(blocks),
        "block_p50_ms": round(percentile(block_ms, 0.5), 1),
        "block_p99_ms": round(percentile(block_ms, 0.99), 1),
        "build_p50_ms": round(percentile([t.build_ms for t in blocks], 0.5), 1),
        "commit_p50_ms": round(percentile([t.commit_ms for t in blocks], 0.5), 1),
    }


def measure_latency(
    setup: Setup, raws: list[bytes], threads: int, rate: float, calm_gc: bool = True
) -> dict[str, Any]:
    """Payments offered at ``rate`` per second; submit-to-commit latency percentiles."""
    producer = make_producer(setup, threads, len(raws))
    with producer, GcPauses() as pauses, writer_gc(producer, calm_gc):
        started = time.perf_counter()
        futures, latencies = offered_load(producer, raws, rate)
        elapsed = time.perf_counter() - started
    return {
        "calm_gc": calm_gc,
        **pauses.figures(),
        "offered_tps": rate,
        "offered_committed": len(latencies),
        "offered_refused": len(futures) - len(latencies),
        "offered_achieved_tps": round(len(latencies) / elapsed, 1),
        "latency_p50_ms": round(percentile(latencies, 0.5), 1),
        "latency_p99_ms": round(percentile(latencies, 0.99), 1),
        "latency_max_ms": round(max(latencies, default=0.0), 1),
    }


def leveldb_figures(
    before: dict[int, LevelStats], after: dict[int, LevelStats], committed: int
) -> dict[str, Any]:
    """What LevelDB wrote (memtable flushes and compactions) per transaction, and its levels."""
    written = sum(a.written_mb - before.get(n, ZERO_LEVEL).written_mb for n, a in after.items())
    read = sum(a.read_mb - before.get(n, ZERO_LEVEL).read_mb for n, a in after.items())
    per_tx = 1024 / max(committed, 1)
    return {
        "leveldb_written_kb_per_tx": round(written * per_tx, 2),
        "leveldb_compaction_read_kb_per_tx": round(read * per_tx, 2),
        "leveldb_files_by_level": {n: a.files for n, a in after.items() if a.files},
    }


def gc_policies(mode: str) -> list[str]:
    """The latency phases to run: the interpreter's default collector, the writer's, or both."""
    return ["default", "calm"] if mode == "both" else [mode]


def run_one(
    outputs: int,
    wallets: int,
    rounds: int,
    threads: int,
    seed: int,
    offered: float = 0.0,
    offered_seconds: float = 6.0,
    gc_mode: str = "both",
    state: str | None = None,
) -> dict[str, Any]:
    """One state size, in this process: ceilings, throughput, and latency at ``offered``;
    on a copy of the state filled in ``state`` instead when given."""
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="bench-core-") as tmp:
        if state:  # filled beforehand (python -m loadtests.core_network): time none of it here
            shutil.copytree(os.path.join(state, "db"), os.path.join(tmp, "db"))
            setup, outputs = open_network(state, os.path.join(tmp, "db"))
            wallets = len(setup.wallets)
        else:
            setup = build_network(os.path.join(tmp, "db"), wallets, outputs, T0 + 1000)
        # A long-running node has compacted what it wrote; do not time the filling's compaction.
        store = setup.chain.store
        assert isinstance(store, LevelDBStore)
        store.compact()
        txs = presign(setup, rounds, seed)
        raws = [canonical(t.envelope()) for t in txs]
        cores = os.cpu_count() or 1
        ceiling = verify_ceiling(txs, threads)
        machine = ceiling if threads == cores else verify_ceiling(txs, cores)
        processes = verify_ceiling_processes(txs, cores)
        height_before, levels_before = setup.chain.tip.height, store.levels()
        result = measure_throughput(setup, raws, threads)
        result["blocks_after"] = setup.chain.tip.height - height_before
        result |= leveldb_figures(levels_before, store.levels(), int(result["committed"]))
        for n, policy in enumerate(gc_policies(gc_mode) if offered > 0 else ()):
            later = presign(setup, max(1, int(offered * offered_seconds) // wallets), seed + 1 + n)
            later_raws = [canonical(t.envelope()) for t in later]
            figures = measure_latency(setup, later_raws, threads, offered, policy == "calm")
            result |= {f"{policy}_gc_{name}": value for name, value in figures.items()}
            result |= figures if policy == "calm" or gc_mode == "default" else {}
        store.close()
    tps = float(result["tps"])
    return {
        "outputs_in_state": outputs,
        "wallets": wallets,
        "transactions": len(txs),
        **result,
        "verify_threads": threads,
        "verify_ceiling": round(ceiling, 1),
        "ratio": round(tps / ceiling, 3),
        "machine_ceiling": round(machine, 1),
        "machine_ratio": round(tps / machine, 3),
        "process_ceiling": round(processes, 1),
        "process_ratio": round(tps / processes, 3),
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "load_before": load_before,
        "load_after": load_average(),
    }


def print_table(runs: list[dict[str, Any]]) -> None:
    """One line per run, the figures the issue's targets read."""
    columns = [
        "outputs_in_state",
        "tps",
        "process_ceiling",
        "process_ratio",
        "machine_ceiling",
        "verify_ceiling",
        "writer_cpu_us_per_tx",
        "writer_python_cpu_us_per_tx",
        "leveldb_written_kb_per_tx",
        "edge_cpu_us_per_tx",
        "block_p50_ms",
        "latency_p50_ms",
        "latency_p99_ms",
        "latency_max_ms",
        "default_gc_latency_p99_ms",
        "gc_max_pause_ms",
        "load_before",
        "rss_mb",
    ]
    print(" | ".join(f"{c:>14}" for c in columns))
    for run in runs:
        print(" | ".join(f"{run.get(c, '')!s:>14}" for c in columns))


def run_mixed(wallets: int, rounds: int, threads: int, seed: int, out: str | None) -> int:
    """The mixed workload beside plain transfers on one network; prints both and the ratio."""
    from loadtests.bench_mix import run_mix

    result = run_mix(wallets, wallets * rounds // 2, threads, seed)
    print(
        f"plain transfers {result['plain_tps']} tx/s, mixed 70/20/10 {result['mixed_tps']} tx/s, "
        f"ratio {result['ratio']} (target >= 0.8); kinds {result['mixed_kinds']}"
    )
    if out:
        with open(out, "w") as handle:
            json.dump(result, handle, indent=2)
    return 0


def single_command(args: argparse.Namespace, size: int) -> list[str]:
    """The command line of one state size's run in its own process."""
    command = [sys.executable, "-m", "loadtests.bench_core", "--single", "--outputs", str(size)]
    for name in ("wallets", "rounds", "threads", "seed", "offered", "offered_seconds", "gc"):
        command += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
    return command + (["--state", args.state] if args.state else [])


def summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Best and median per state size, the slowest size's best, and the spread across sizes."""
    sizes: dict[int, list[dict[str, Any]]] = {}
    for run in runs:
        sizes.setdefault(int(run["outputs_in_state"]), []).append(run)
    per_size = {
        size: {
            "best_tps": max(float(r["tps"]) for r in group),
            "median_tps": statistics.median(float(r["tps"]) for r in group),
            "best_writer_cpu_us_per_tx": min(float(r["writer_cpu_us_per_tx"]) for r in group),
            "best_writer_python_cpu_us_per_tx": min(
                float(r["writer_python_cpu_us_per_tx"]) for r in group
            ),
        }
        for size, group in sizes.items()
    }
    best = [figures["best_tps"] for figures in per_size.values()]
    return {
        **min(runs, key=lambda r: float(r["tps"])),
        "per_size": per_size,
        "runs": runs,
        "tps_spread": round(max(best) / min(best) - 1, 3),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (each state size in its own process) and print the table."""
    parser = argparse.ArgumentParser(description="Core ledger benchmark")
    add = parser.add_argument
    add("--json", help="write results here")
    add("--outputs", default="10000,100000,1000000", help="state sizes, comma-separated")
    add("--wallets", type=int, default=1000)
    add("--rounds", type=int, default=40, help="payments per wallet")
    add(
        "--threads",
        type=int,
        default=1,
        help="the producer's edge worker processes (one measured as fast as two on 2 cores, "
        "and it leaves the writer and LevelDB's compaction a core)",
    )
    add("--seed", type=int, default=7)
    add("--repeat", type=int, default=1, help="runs per state size (best and median reported)")
    add("--offered", type=float, default=5000, help="offered tx/s of the latency phase (0: skip)")
    add("--offered-seconds", type=float, default=6.0, help="length of the latency phase")
    add(
        "--gc",
        choices=("both", "calm", "default"),
        default="both",
        help="latency phase under the interpreter's default collector, the writer's "
        "(node/collector.py), or both one after the other",
    )
    add(
        "--state",
        help="a state filled by `python -m loadtests.core_network DIR` (its size and wallets "
        "replace --outputs and --wallets): each run copies it instead of filling one",
    )
    add("--single", action="store_true", help=argparse.SUPPRESS)
    add("--mix", action="store_true", help="mixed workload (70/20/10) beside plain transfers")
    args = parser.parse_args(argv)
    if args.mix:
        return run_mixed(args.wallets, args.rounds, args.threads, args.seed, args.json)
    sizes = [int(x) for x in args.outputs.split(",")] if not args.state else [0]
    if args.single:
        figures = run_one(
            sizes[0],
            args.wallets,
            args.rounds,
            args.threads,
            args.seed,
            args.offered,
            args.offered_seconds,
            args.gc,
            args.state,
        )
        print(json.dumps(figures))
        return 0
    runs = []
    for _ in range(args.repeat):
        for size in sizes:
            print(
                f"bench_core: {args.state or f'{size:,} outputs'} in state, "
                f"{args.wallets} wallets x {args.rounds} payments, load {load_average()} ...",
                file=sys.stderr,
            )
            done = subprocess.run(
                single_command(args, size), check=True, capture_output=True, text=True
            )
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print_table(runs)
    summary = summarise(runs)
    for size, figures in summary["per_size"].items():
        print(
            f"{size:>11,} outputs: best {figures['best_tps']} tx/s, median "
            f"{figures['median_tps']} tx/s, writer CPU "
            f"{figures['best_writer_cpu_us_per_tx']} us/tx "
            f"({figures['best_writer_python_cpu_us_per_tx']} in its Python threads)"
        )
    print(f"spread of the best rates across sizes {summary['tps_spread']:.1%}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(summary, out, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
