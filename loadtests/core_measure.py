"""What the core benchmark measures beside the committed rate: ceilings, CPU, latency.

- the Ed25519 ceilings: raw libsodium verifications of the run's own messages
  on threads, and on worker processes (the issue's "2-process raw-verify
  ceiling": no GIL handoffs, nothing but verification);
- CPU per transaction: the writer process's (every thread of it: submission,
  the verifier thread's hand-off, the committer) and the edge workers' (their
  processes, read from ``/proc``), both less sensitive to neighbours than a rate;
- submit-to-commit latency at an offered rate: payments are submitted on a
  fixed schedule, and each one's latency runs from its submission to the moment
  its block's synced batch returned (the producer's commit listener).
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from multiprocessing.synchronize import Barrier
from pathlib import Path

from ledger.crypto import verify
from ledger.types import Transaction
from loadtests.servers import TICKS, cpu_seconds
from node.ordering import Outcome
from node.producer import Producer

Triple = tuple[bytes, bytes, bytes]
_held: list[Triple] = []  # a ceiling worker's share, sent before the clock starts
_barrier: Barrier


def triples(txs: Sequence[Transaction]) -> list[Triple]:
    """``(public key, message, signature)`` of each transaction's first signature."""
    return [
        (bytes.fromhex(t.signatures[0].key), t.message, bytes.fromhex(t.signatures[0].sig))
        for t in txs
    ]


def _chunks(items: list[Triple], parts: int) -> list[list[Triple]]:
    size = -(-len(items) // parts)
    return [items[i : i + size] for i in range(0, len(items), size)]


def _verify_chunk(chunk: Sequence[Triple]) -> int:
    return sum(verify(k, m, s) for k, m, s in chunk)


def verify_ceiling(txs: Sequence[Transaction], threads: int) -> float:
    """Raw Ed25519 verifications per second over the same messages, ``threads`` wide."""
    items = triples(txs)
    with ThreadPoolExecutor(threads) as pool:
        started = time.perf_counter()
        verified = sum(pool.map(_verify_chunk, _chunks(items, threads)))
        elapsed = time.perf_counter() - started
    assert verified == len(items)
    return len(items) / elapsed


def _start_ceiling(barrier: Barrier) -> None:
    global _barrier
    _barrier = barrier


def _hold(chunk: list[Triple]) -> None:
    global _held
    _held = chunk
    _barrier.wait()  # a worker waiting here takes no second share


def _verify_held(_: int) -> int:
    _barrier.wait()
    return _verify_chunk(_held)


def verify_ceiling_processes(txs: Sequence[Transaction], processes: int) -> float:
    """Raw verifications per second on ``processes`` worker processes, the messages
    handed over before the clock starts (so the figure is verification alone)."""
    items = triples(txs)
    chunks = _chunks(items, processes)
    context = multiprocessing.get_context("forkserver")
    barrier = context.Barrier(len(chunks))
    with context.Pool(len(chunks), initializer=_start_ceiling, initargs=(barrier,)) as pool:
        pool.map(_hold, chunks, chunksize=1)
        started = time.perf_counter()
        verified = sum(pool.map(_verify_held, range(len(chunks)), chunksize=1))
        elapsed = time.perf_counter() - started
    assert verified == len(items)
    return len(items) / elapsed


def own_cpu_seconds() -> float:
    """User + system CPU of this process, all its threads, children excluded."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def thread_cpu_seconds() -> dict[int, float]:
    """CPU seconds of each thread of this process so far, by native thread id."""
    found = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            stat = Path(f"/proc/self/task/{tid}/stat").read_text()
        except OSError:  # the thread ended
            continue
        fields = stat.rsplit(")", 1)[1].split()
        found[int(tid)] = (int(fields[11]) + int(fields[12])) / TICKS
    return found


class CpuMarks:
    """CPU seconds of the writer (this process) and of the edge workers, between marks.

    The writer's CPU is split into its Python threads' and the rest: LevelDB's own
    background thread (compaction), which grows with the size of the database.
    """

    def __init__(self, producer: Producer) -> None:
        self.producer = producer
        self.pids = producer.verifier.start_workers()
        self.threads = thread_cpu_seconds()
        self.writer, self.edge = own_cpu_seconds(), cpu_seconds(self.pids)

    def per_tx_us(self, committed: int) -> dict[str, float]:
        """Microseconds of CPU per committed transaction since the marks were taken."""
        writer = own_cpu_seconds() - self.writer
        edge = cpu_seconds(self.pids) - self.edge
        committer = sum(t.cpu_ms for t in self.producer.timings) / 1000
        python = {t.native_id for t in threading.enumerate()}
        native = sum(
            cpu - self.threads.get(tid, 0.0)
            for tid, cpu in thread_cpu_seconds().items()
            if tid not in python
        )
        n = max(committed, 1)
        return {
            "writer_cpu_us_per_tx": round(writer / n * 1e6, 1),
            "writer_python_cpu_us_per_tx": round((writer - native) / n * 1e6, 1),
            "writer_leveldb_thread_cpu_us_per_tx": round(native / n * 1e6, 1),
            "committer_cpu_us_per_tx": round(committer / n * 1e6, 1),
            "edge_cpu_us_per_tx": round(edge / n * 1e6, 1),
        }


def offered_load(
    producer: Producer, raws: Sequence[bytes], rate: float
) -> tuple[list[Future[Outcome]], list[float]]:
    """Submit ``raws`` at ``rate`` per second on a fixed schedule; latencies in ms.

    Each latency is from the submission to the end of its block's commit, when
    the producer's commit listener runs (after the synced batch returned).
    """
    committed_at: dict[bytes, float] = {}

    def on_commit(height: int, outcomes: Sequence[Outcome]) -> None:
        now = time.perf_counter()
        for outcome in outcomes:
            committed_at[outcome.txid] = now

    producer.on_commit.append(on_commit)
    submitted: list[float] = []
    futures: list[Future[Outcome]] = []
    started = time.perf_counter()
    for i, raw in enumerate(raws):
        due = started + i / rate
        ahead = due - time.perf_counter()
        if ahead > 0.001:  # sleep in slices of at least a millisecond; submit the rest at once
            time.sleep(ahead)
        submitted.append(time.perf_counter())
        futures.append(producer.submit(raw))
    # Blocks settle in submission order: wait for the last first. A wait on every future
    # at once hangs a waiter on each under its lock, in the writer's own process, and the
    # last block's payments were charged that client-side work (decision record 0020).
    wait_for(futures[-1:])
    wait_for(futures)
    latencies = [
        (committed_at[f.result().txid] - at) * 1000
        for f, at in zip(futures, submitted, strict=True)
        if f.result().committed
    ]
    producer.on_commit.remove(on_commit)
    return futures, latencies
