"""LevelDB's steady-state cost per transfer: what its compactions write and the CPU they take.

``python -m loadtests.core_churn --state DIR [--blocks 150] [--option compression=snappy]``

``bench_core`` times 40,000 transfers right after a full compaction: with a 32 MB write
buffer that is one or two memtable flushes and no compaction of level 0 at all, so its
rate hardly sees the compactions a node that has run for hours pays for. This tool
commits ``--blocks`` blocks of 2,000 transfers (build and commit on one thread, as
:mod:`loadtests.core_steps` does) on a copy of a state filled by
``python -m loadtests.core_network DIR``, long enough for several rounds of compaction,
then waits for LevelDB to settle, and prints per transfer:

- the CPU of LevelDB's own (non-Python) threads: flushes and compactions;
- the CPU of the build (its store reads) and of the commit (the batch: memtable and log)
  on the writer's thread;
- the megabytes written by flushes and compactions, and read by compactions;
- the files and megabytes by level at the end, and what was written into each level.

``--option name=value`` replaces one of :data:`ledger.storage.leveldb.TUNING` (``none``
for None, integers as such), to compare plyvel's options on the same state and payments.
The figures are CPU seconds, not rates: run it under the shared bench lock.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from typing import Any

from ledger.chain import Chain
from ledger.rules import core_registry
from ledger.storage.leveldb import TUNING, LevelDBStore, LevelStats
from loadtests.core_measure import thread_cpu_seconds
from loadtests.core_network import T0, open_network, presign

BLOCK = 2000
NEVER = LevelStats(0, 0, 0, 0)  # a level LevelDB had not written when the run began


def parse_option(text: str) -> tuple[str, int | str | None]:
    """``name=value`` of a plyvel option: ``none`` is None, digits an integer."""
    name, _, value = text.partition("=")
    if value.lower() == "none":
        return name, None
    return name, int(value) if value.isdigit() else value


def native_cpu(python: set[int], since: dict[int, float]) -> float:
    """CPU seconds of this process's non-Python threads since ``since``."""
    return sum(
        cpu - since.get(tid, 0.0) for tid, cpu in thread_cpu_seconds().items() if tid not in python
    )


def settle(store: LevelDBStore, quiet_s: float = 3.0) -> dict[int, LevelStats]:
    """Wait until LevelDB's statistics stop moving (its background compactions are done)."""
    last, quiet = store.levels(), 0.0
    while quiet < quiet_s:
        time.sleep(0.5)
        now = store.levels()
        quiet = quiet + 0.5 if now == last else 0.0
        last = now
    return last


def churn(state: str, blocks: int, tuning: dict[str, int | str | None]) -> dict[str, Any]:
    """Commit ``blocks`` blocks on a copy of ``state`` opened with ``tuning``; the figures."""
    with tempfile.TemporaryDirectory(prefix="core-churn-") as tmp:
        db = os.path.join(tmp, "db")
        shutil.copytree(os.path.join(state, "db"), db)
        setup, outputs = open_network(state, db)
        setup.chain.store.close()  # reopened with the options under test
        store = LevelDBStore(db, cache_mb=256, tuning=tuning)
        store.compact()  # settled; what the run compacts is written with these options
        chain = Chain(store, core_registry())
        txs = presign(setup, -(-blocks * BLOCK // len(setup.wallets)), 7)
        python = {t.native_id for t in threading.enumerate()}
        before, threads, build_s, commit_s = store.levels(), thread_cpu_seconds(), 0.0, 0.0
        for height in range(blocks):
            batch = txs[height * BLOCK : (height + 1) * BLOCK]
            began = time.thread_time()
            built = chain.build(batch, T0 + 10_000 + height, setup.producer)
            if len(built.transactions) != len(batch):
                raise RuntimeError(f"block {height}: {built.rejected[:1]}")
            built_at = time.thread_time()
            chain.commit(built)
            build_s, commit_s = build_s + built_at - began, commit_s + time.thread_time() - built_at
        after = settle(store)
        leveldb_s = native_cpu(python, threads)
        digest = chain.tip.state_digest
        store.close()
    n = blocks * BLOCK
    moved = {
        name: sum(getattr(a, name) - getattr(before.get(i, NEVER), name) for i, a in after.items())
        for name in ("written_mb", "read_mb")
    }
    return {
        "outputs_in_state": outputs,
        "transfers": n,
        "tuning": tuning,
        "leveldb_thread_cpu_us_per_tx": round(leveldb_s / n * 1e6, 1),
        "build_cpu_us_per_tx": round(build_s / n * 1e6, 1),
        "commit_cpu_us_per_tx": round(commit_s / n * 1e6, 1),
        "written_kb_per_tx": round(moved["written_mb"] * 1024 / n, 2),
        "compaction_read_kb_per_tx": round(moved["read_mb"] * 1024 / n, 2),
        "written_kb_per_tx_by_level": {
            i: round((a.written_mb - before.get(i, NEVER).written_mb) * 1024 / n, 2)
            for i, a in after.items()
        },
        "levels": {i: [a.files, a.size_mb] for i, a in after.items() if a.files},
        "state_digest": digest[:16],
    }


def main(argv: list[str] | None = None) -> int:
    """Print the steady-state figures of one set of options as a JSON line."""
    parser = argparse.ArgumentParser(description="LevelDB's steady-state cost per transfer")
    parser.add_argument("--state", required=True, help="filled by python -m loadtests.core_network")
    parser.add_argument(
        "--blocks", type=int, default=150, help="blocks of 2,000 (at most ~170: the coins run dry)"
    )
    parser.add_argument("--option", action="append", default=[], help="name=value (plyvel)")
    args = parser.parse_args(argv)
    tuning = dict(TUNING) | dict(parse_option(o) for o in args.option)
    load = round(os.getloadavg()[0], 2)
    figures = churn(args.state, args.blocks, tuning)
    print(json.dumps(figures | {"load_before": load, "load_after": round(os.getloadavg()[0], 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
