"""Kill -9 a real producer process mid-flight; nothing it acknowledged may be lost.

The child process (``tests.functional.crash_child``) produces blocks on
LevelDB and prints an ACK for every transaction only after its block's synced
batch has returned. We kill it with SIGKILL at random moments (seed printed),
restart it on the same directory, and check: every ACKed txid is committed at
the height it was ACKed with, the state digest equals a full re-derivation by
``audit``, and production continues after each restart.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from ledger.audit import audit
from ledger.queries import tx_location
from ledger.rules import core_registry
from ledger.storage.leveldb import LevelDBStore

ROOT = Path(__file__).resolve().parents[2]
KILLS = 4


def start_child(data: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.functional.crash_child", "--data", str(data)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def read_until_acks(child: subprocess.Popen[str], want: int, acks: dict[str, int]) -> int:
    """Collect ACK lines until ``want`` new ones arrived; returns the START height."""
    assert child.stdout is not None
    start_height, seen = -1, 0
    deadline = time.monotonic() + 60
    while seen < want and time.monotonic() < deadline:
        line = child.stdout.readline()
        if not line:
            break
        word, *rest = line.split()
        if word == "START":
            start_height = int(rest[0])
        elif word == "ACK":
            acks[rest[1]] = int(rest[0])
            seen += 1
    assert seen >= want, f"child produced only {seen} acknowledgements"
    return start_height


def test_killed_producer_keeps_every_acknowledged_transaction(tmp_path: Path) -> None:
    seed = int(os.environ.get("CRASH_SEED", "20261125"))
    rng = random.Random(seed)
    print(f"crash test seed={seed} kills={KILLS}")
    data = tmp_path / "ledger"
    acks: dict[str, int] = {}
    heights: list[int] = []
    for kill in range(KILLS + 1):
        child = start_child(data)
        try:
            heights.append(read_until_acks(child, rng.randint(20, 120), acks))
            if kill < KILLS:
                time.sleep(rng.uniform(0, 0.05))  # land somewhere inside a block
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
            assert child.stdout is not None
            child.stdout.close()
        print(
            f"kill {kill + 1}: {len(acks)} acknowledged so far, restarted at height {heights[-1]}"
        )

    assert heights == sorted(heights) and heights[-1] > heights[1] > 0, "production continued"
    store = LevelDBStore(str(data))
    try:
        lost = [
            t
            for t, h in acks.items()
            if (loc := tx_location(store, bytes.fromhex(t))) is None or loc.height != h
        ]
        assert not lost, f"{len(lost)} acknowledged transactions lost, e.g. {lost[:3]}"
        report = audit(store, core_registry())
        assert report.ok, report.problems
    finally:
        store.close()
