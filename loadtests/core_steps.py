"""The committer's own cost per transfer: ``Chain.build`` + ``Chain.commit`` on decoded payments.

``python -m loadtests.core_steps [--outputs 10000] [--blocks 4] [--instructions] [--profile 30]``

A network like the core benchmark's (:mod:`loadtests.core_network`) is filled once in a
temporary directory and its payments are signed; then a fresh process opens a copy of
that LevelDB state and commits ``--blocks`` blocks of 2,000 transfers, handed to it
decoded (as the edge workers hand them), one after the other on one thread. It prints:

- the thread's CPU per transaction in build and in commit (best and median block), which
  moves with what else the machine runs;
- with ``--instructions``, the machine instructions per transaction (every thread of the
  process, LevelDB's included), counted by ``valgrind --tool=cachegrind``: the process is
  run twice, with one block and with ``1 + blocks``, and the difference is divided by the
  transactions in between, so start-up and the first block drop out. The count hardly
  moves with the load of the machine, so two versions of the code compare on a busy one;
- with ``--profile N``, the N functions with the most time of their own under cProfile.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pickle
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from ledger.chain import Chain
from ledger.rules import core_registry
from ledger.storage.leveldb import LevelDBStore
from loadtests.core_network import T0, build_network, key, presign

BLOCK = 2000


def prepare(directory: str, outputs: int, blocks: int) -> None:
    """Fill the state and sign ``1 + blocks`` blocks of payments into ``directory``."""
    wallets = 1000
    setup = build_network(os.path.join(directory, "db"), wallets, outputs, T0 + 1000)
    store = setup.chain.store
    assert isinstance(store, LevelDBStore)
    store.compact()
    txs = presign(setup, -(-(1 + blocks) * BLOCK // wallets), 7)
    store.close()
    with open(os.path.join(directory, "txs.pickle"), "wb") as file:
        pickle.dump(txs, file)


def replay(directory: str, blocks: int, profile_top: int = 0) -> str:
    """Commit ``blocks`` blocks on a copy of the prepared state; the figures as text."""
    with tempfile.TemporaryDirectory(prefix="core-steps-") as tmp:
        shutil.copytree(os.path.join(directory, "db"), os.path.join(tmp, "db"))
        with open(os.path.join(directory, "txs.pickle"), "rb") as file:
            txs = pickle.load(file)
        chain = Chain(LevelDBStore(os.path.join(tmp, "db"), cache_mb=256), core_registry())
        producer = key("producer")
        profile = cProfile.Profile(time.thread_time) if profile_top else None
        build_us, commit_us = [], []
        for height in range(blocks):
            batch = txs[height * BLOCK : (height + 1) * BLOCK]
            if profile and height == 1:  # the first block warms the record cache
                profile.enable()
            began = time.thread_time()
            built = chain.build(batch, T0 + 10_000 + height, producer)
            built_at = time.thread_time()
            chain.commit(built)
            done = time.thread_time()
            if len(built.transactions) != len(batch):
                raise RuntimeError(f"block {height}: {built.rejected[:1]}")
            build_us.append((built_at - began) / len(batch) * 1e6)
            commit_us.append((done - built_at) / len(batch) * 1e6)
        if profile:
            profile.disable()
        chain.store.close()
    timed = slice(1, None) if blocks > 1 else slice(None)
    build, commit = build_us[timed], commit_us[timed]
    lines = [
        f"state digest {chain.tip.state_digest[:16]} after {blocks} blocks of {BLOCK}",
        f"build  us/tx: best {min(build):.1f}, median {statistics.median(build):.1f}",
        f"commit us/tx: best {min(commit):.1f}, median {statistics.median(commit):.1f}",
    ]
    if profile:
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(profile_top)
        lines.append(text.getvalue())
    return "\n".join(lines)


def instructions(directory: str, blocks: int) -> int:
    """Instructions of ``blocks`` blocks under cachegrind: run(1 + blocks) - run(1)."""

    def count(n: int) -> int:
        command = [
            "valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
            sys.executable, "-m", "loadtests.core_steps", "--replay", directory, "--blocks", str(n),
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
        if found is None:
            raise RuntimeError(f"no instruction count from valgrind: {done.stderr[-500:]}")
        return int(found.group(1).replace(",", ""))

    return count(1 + blocks) - count(1)


def main(argv: list[str] | None = None) -> int:
    """Print the committer's cost per transfer."""
    parser = argparse.ArgumentParser(description="The committer's own cost per transfer")
    parser.add_argument("--outputs", type=int, default=10_000)
    parser.add_argument("--blocks", type=int, default=4)
    parser.add_argument("--instructions", action="store_true", help="count them (valgrind)")
    parser.add_argument("--profile", type=int, default=0, help="print the top N functions")
    parser.add_argument("--replay", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.replay:
        print(replay(args.replay, args.blocks, args.profile))
        return 0
    print(f"load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="core-steps-") as tmp:
        prepare(tmp, args.outputs, args.blocks)
        print(replay(tmp, 1 + args.blocks, args.profile))
        if args.instructions:
            per_tx = instructions(tmp, args.blocks) / (args.blocks * BLOCK)
            print(f"instructions per transfer (build + commit, all threads): {per_tx:,.0f}")
    print(f"load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
