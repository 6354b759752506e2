"""Where the latency tail comes from: the core benchmark's latency phase, traced.

``python -m loadtests.latency_trace --outputs 10000 [--offered 5000] [--seconds 6] [--slowest 12]``

Runs the throughput phase as :mod:`loadtests.bench_core` does, then the latency phase
with every block's take, verify and commit stamped on the phase's clock, the queue left
behind each block, the garbage collector's pauses and LevelDB's compaction statistics;
prints latency per half second of submission and the slowest blocks with when they
happened. Decision record 0020 found the tail with it.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from concurrent.futures import Future
from typing import Any

from ledger.encoding import canonical
from ledger.storage.leveldb import LevelDBStore
from ledger.types import Transaction
from loadtests.bench_core import load_average, make_producer, measure_throughput, percentile
from loadtests.core_measure import offered_load
from loadtests.core_network import T0, Setup, build_network, presign
from node.collector import Collector
from node.ordering import Outcome
from node.producer import Producer


class Trace:
    """Timestamps (ms on the phase's clock) of each block's stages in a producer."""

    def __init__(self, producer: Producer) -> None:
        self.t0 = time.perf_counter()
        self.takes: list[tuple[float, int, int]] = []  # at, size, left in queue
        self.verifies: list[tuple[float, float]] = []  # began, ended
        self.commits: list[tuple[float, float, float, float]] = []  # began, ended, build, write
        self.gc: list[tuple[float, int, float]] = []
        self._gc_began = 0.0
        take, verify, commit = producer._take_batch, producer._verify, producer._commit

        def traced_take() -> Any:
            batch = take()
            if batch:
                self.takes.append((self.now(), len(batch), producer.queue_size()))
            return batch

        def traced_verify(batch: Any) -> Any:
            began = self.now()
            checked = verify(batch)
            self.verifies.append((began, self.now()))
            return checked

        def traced_commit(batch: Any) -> None:
            began = self.now()
            commit(batch)
            timing = producer.timings[-1]  # build, then the synced batch (the fsync)
            self.commits.append((began, self.now(), timing.build_ms, timing.commit_ms))

        producer._take_batch = traced_take  # type: ignore[method-assign]
        producer._verify = traced_verify  # type: ignore[method-assign]
        producer._commit = traced_commit  # type: ignore[method-assign]

    def now(self) -> float:
        return (time.perf_counter() - self.t0) * 1000

    def on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_began = self.now()
        else:
            self.gc.append((self._gc_began, info["generation"], self.now() - self._gc_began))


def traced_latency(setup: Setup, raws: list[bytes], threads: int, rate: float) -> dict[str, Any]:
    """The latency phase of the core benchmark (the writer's collector), traced."""
    producer = make_producer(setup, threads, len(raws))
    trace = Trace(producer)
    with producer:
        collector = Collector(lambda: producer.queue_size() == 0).start()
        producer.on_commit.append(collector.after_block)
        gc.callbacks.append(trace.on_gc)
        submitted_at: list[float] = []
        real_submit = producer.submit

        def stamped(raw: Transaction | bytes, verified: bool = False) -> Future[Outcome]:
            submitted_at.append(trace.now())
            return real_submit(raw, verified)

        producer.submit = stamped  # type: ignore[method-assign,assignment]
        trace.t0 = time.perf_counter()
        _, latencies = offered_load(producer, raws, rate)
        gc.callbacks.remove(trace.on_gc)
        collector.stop()
    return {"trace": trace, "submitted": submitted_at, "latencies": latencies}


def report(found: dict[str, Any], stats: tuple[str, str], slowest: int) -> None:
    """Latency by time of submission, the slowest blocks, GC pauses, LevelDB's compactions."""
    trace: Trace = found["trace"]
    lat, at = found["latencies"], found["submitted"]
    print(
        f"latency p50 {percentile(lat, 0.5):.1f} p99 {percentile(lat, 0.99):.1f} "
        f"max {max(lat):.1f} ms, {len(lat)} committed"
    )
    print("per 500 ms of submission: n p50 p99 max")
    buckets: dict[int, list[float]] = {}
    for t, ms in zip(at, lat, strict=False):
        buckets.setdefault(int(t // 500), []).append(ms)
    for b, values in sorted(buckets.items()):
        print(
            f"  {b * 500:>6} ms {len(values):>5} {percentile(values, 0.5):7.1f} "
            f"{percentile(values, 0.99):7.1f} {max(values):7.1f}"
        )
    rows = list(zip(trace.takes, trace.verifies, trace.commits, strict=False))
    print(
        f"{len(rows)} blocks; the {slowest} slowest (verify + commit), in ms on the phase's clock:"
    )
    print("  taken_at  txs queue_left | verify_ms | commit_at stage_ms (build_ms write_ms)")
    rows.sort(key=lambda r: r[1][1] - r[1][0] + r[2][1] - r[2][0], reverse=True)
    for (t, size, left), (vb, ve), (cb, ce, build, write) in sorted(rows[:slowest]):
        print(
            f"  {t:8.1f} {size:5} {left:6} | {ve - vb:9.1f} | {cb:9.1f} {ce - cb:8.1f} "
            f"({build:6.1f} {write:6.1f})"
        )
    stages = [c[1] - c[0] for c in trace.commits]
    writes = [c[3] for c in trace.commits]
    print(
        f"committer stage p50 {percentile(stages, 0.5):.1f} p99 {percentile(stages, 0.99):.1f} ms; "
        f"synced write p50 {percentile(writes, 0.5):.1f} p99 {percentile(writes, 0.99):.1f} "
        f"max {max(writes, default=0.0):.1f} ms; verify p50 "
        f"{percentile([e - b for b, e in trace.verifies], 0.5):.1f} ms"
    )
    print("gc pauses >= 5 ms: at gen ms")
    for t, gen, ms in trace.gc:
        if ms >= 5:
            print(f"  {t:8.1f} {gen} {ms:6.1f}")
    for name, text in zip(("before", "after"), stats, strict=True):
        print(f"leveldb.stats {name}:\n{text}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--outputs", type=int, default=10_000)
    parser.add_argument("--offered", type=float, default=5000)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--slowest", type=int, default=12, help="blocks to list")
    parser.add_argument("--skip-throughput", action="store_true", help="latency phase only")
    args = parser.parse_args(argv)
    print(f"load before {load_average()}")
    with tempfile.TemporaryDirectory(prefix="trace-core-") as tmp:
        setup = build_network(os.path.join(tmp, "db"), 1000, args.outputs, T0 + 1000)
        store = setup.chain.store
        assert isinstance(store, LevelDBStore)
        store.compact()
        if not args.skip_throughput:
            raws = [canonical(t.envelope()) for t in presign(setup, args.rounds, 7)]
            figures = measure_throughput(setup, raws, 1)
            print(
                f"throughput {figures['tps']} tx/s blocks {figures['blocks']} build p50 "
                f"{figures['build_p50_ms']} commit p50 {figures['commit_p50_ms']}"
            )
        later = presign(setup, int(args.offered * args.seconds) // 1000, 8)
        raws = [canonical(t.envelope()) for t in later]
        db = store._db
        before = db.get_property(b"leveldb.stats").decode()
        found = traced_latency(setup, raws, 1, args.offered)
        after = db.get_property(b"leveldb.stats").decode()
        report(found, (before, after), args.slowest)
        store.close()
    print(f"load after {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
