"""Where the writer's CPU goes, per transaction: the producer's two stages under cProfile.

``python -m loadtests.core_profile [--outputs 10000] [--wallets 1000] [--rounds 10] [--top 25]``

The core benchmark's workload (:mod:`loadtests.core_network`), with the real
producer's code run one block at a time on this thread: the verifier stage
(handing the block's envelopes to the edge worker processes and taking their
verdicts back) and then the committer stage (build, sign, one synced LevelDB
batch, the outcomes). The edge workers' own work happens in their processes
and is not in the profile; everything the writer process does is. Prints CPU
microseconds per transaction for each stage and the functions that took the most
time of their own.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from ledger.encoding import canonical
from ledger.storage.leveldb import LevelDBStore
from loadtests.core_network import T0, build_network, presign
from node.ordering import Outcome
from node.producer import Producer, Submission

T = TypeVar("T")
R = TypeVar("R")


def run(stage: Callable[[T], R], arg: T, profile: cProfile.Profile | None) -> R:
    """One stage, under the profiler when one is given."""
    if profile is None:
        return stage(arg)
    profile.enable()
    try:
        return stage(arg)
    finally:
        profile.disable()


def profile_writer(outputs: int, wallets: int, rounds: int, block: int, top: int) -> str:
    """The per-stage figures and the profile summary, as text."""
    with tempfile.TemporaryDirectory(prefix="core-profile-") as tmp:
        setup = build_network(os.path.join(tmp, "db"), wallets, outputs, T0 + 1000)
        store = setup.chain.store
        assert isinstance(store, LevelDBStore)
        store.compact()
        raws = [canonical(t.envelope()) for t in presign(setup, rounds, 7)]
        producer = Producer(
            setup.chain,
            setup.producer,
            max_block=block,
            verify_workers=2,
            verify_mode="process",
            edge_registry="ledger.rules:core_registry",
        )
        producer.verifier.start_workers()
        # CPU of this thread only: time spent waiting for the edge workers is not the writer's.
        profile = cProfile.Profile(time.thread_time)
        spent = {"verifier stage": 0.0, "committer stage": 0.0}
        half = len(raws) // block // 2 * block
        for start in range(0, len(raws), block):
            batch = [Submission(raw, Future[Outcome]()) for raw in raws[start : start + block]]
            timed = start < half  # the first half timed plainly, the second half profiled
            began = time.process_time()
            checked = run(producer._verify, batch, None if timed else profile)
            verified = time.process_time()
            run(producer._commit, checked, None if timed else profile)
            if timed:
                spent["verifier stage"] += verified - began
                spent["committer stage"] += time.process_time() - verified
            assert all(s.future.result().committed for s in batch)
        producer.verifier.close()
        store.close()
    lines = [f"{len(raws)} transfers, {outputs:,} outputs in state, blocks of {block}"]
    lines += [f"{name}: {seconds / half * 1e6:.1f} us/tx" for name, seconds in spent.items()]
    lines.append(f"writer total: {sum(spent.values()) / half * 1e6:.1f} us/tx (without profiler)")
    text = io.StringIO()
    pstats.Stats(profile, stream=text).sort_stats("tottime").print_stats(top)
    return "\n".join(lines) + "\n" + text.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Print the writer's profile on the core benchmark's workload."""
    parser = argparse.ArgumentParser(description="Profile the writer's stages")
    parser.add_argument("--outputs", type=int, default=10_000)
    parser.add_argument("--wallets", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--block", type=int, default=2000)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    print(profile_writer(args.outputs, args.wallets, args.rounds, args.block, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
