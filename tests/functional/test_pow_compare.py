"""A tiny end-to-end comparison: real miner processes, a real LevelDB ledger, the pool, the report.

Narrated like a functional test: each step is logged, the seed is fixed, and
every miner process the run started is checked to be gone, by pid.
"""

from __future__ import annotations

import json
import logging
import os
import signal
from pathlib import Path

import pytest

from loadtests.pow import compare as pow_compare
from node.pow.pool import verify

log = logging.getLogger(__name__)
SEED = 11


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.timeout(240)
def test_tiny_comparison_commits_everything_on_both_and_writes_the_report(tmp_path: Path) -> None:
    report, data = tmp_path / "pow.md", tmp_path / "pow.json"
    argv = ["--json", str(data), "--report", str(report), "--n", "30", "--seed", str(SEED)]
    argv += ["--interval-s", "0.25", "--miners", "2", "--max-block-bytes", "8000"]
    argv += ["--pool-blocks", "8", "--pool-interval-s", "0.3", "--pool-long-run", "300"]
    argv += ["--pool-publish", str(tmp_path / "pool")]
    log.info("running the comparison with seed %d: %s", SEED, " ".join(argv))
    pids: list[int] = []
    try:
        assert pow_compare.main(argv) == 0
        result = json.loads(data.read_text())
        pids = result["pow"]["miner_pids"] + result["pool"]["pids"]
    finally:
        survivors = [pid for pid in pids if _alive(pid)]
        for pid in survivors:  # never expected; stop them by pid all the same
            os.kill(pid, signal.SIGTERM)
    assert len(pids) == 2 + 4 and not survivors  # two miners; the pool and its three miners

    log.info("both systems committed all 30 transfers; PoW ones reached 6 confirmations")
    assert result["ledger"]["committed"] == 30
    assert result["pow"]["committed"] == 30 and result["pow"]["final"] == 30
    assert result["pow"]["hashes"] > 0 and result["pow"]["cpu_s"] > 0
    for ratio in ("throughput_ratio", "finality_ratio", "energy_ratio"):
        assert result[ratio] > 0
    assert result["model"]["bitcoin"]["finality_s"] == 3_600

    log.info("the pool mined through licensed miners only, and its payouts check out")
    pool = result["pool"]
    assert pool["pool_blocks"] >= 8 and pool["recomputed_equal"] and pool["paid_equal"]
    assert pool["consensus"]["solo"] == "unaccredited_pool"
    assert pool["consensus"]["unlicensed"] == "unlicensed_miner"
    assert {c["category"] for c in pool["categories"]} == {"data_centre", "equipment"}
    assert sum(m["payout_share"] for m in pool["miners"]) == pytest.approx(1.0)
    published = ["--genesis", pool["published"]["genesis"], "--log", pool["published"]["log"]]
    assert verify.main([*published, "--window", str(pool["window"])]) == 0

    log.info("the report holds measured and modelled tables, the command, and the chart")
    text = report.read_text()
    assert "## Measured on this machine" in text and "## Modelled at network scale" in text
    assert "| committed tx/s |" in text
    assert "## Mining under the 2023 law" in text
    assert "hash share | payout share" in text
    assert "--seed 11" in text
    assert (tmp_path / "pow.png").read_bytes().startswith(b"\x89PNG")
