"""The REST benchmark end to end at toy size: a real node, the ceiling app, the report.

No timing thresholds (speed is the benchmark's business, not the test
suite's): the run must complete, write every figure the issue asks for as a
positive number, commit every payment, and leave no process it started alive.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from loadtests import bench_api

log = logging.getLogger(__name__)
SEED = 5
REQUIRED = (
    "inproc_tps",
    "batch_tps",
    "batch_ratio",
    "single_rps",
    "single_p50_ms",
    "single_p99_ms",
    "ceiling_rps",
    "single_ratio",
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_tiny_api_benchmark_reports_every_figure_and_stops_its_servers(tmp_path: Path) -> None:
    out = tmp_path / "bench_api.json"
    argv = ["--json", str(out), "--seed", str(SEED), "--workers", "1", "--threads", "2"]
    argv += ["--concurrency", "4", "--client-procs", "2", "--wallets", "40", "--senders", "2"]
    argv += ["--batches", "2", "--batch-size", "50", "--singles", "120", "--wait-singles", "24"]
    argv += ["--inproc-outputs", "300", "--inproc-wallets", "30", "--inproc-rounds", "2"]
    argv += ["--time-limit", "60"]
    log.info("running the REST benchmark at toy size, seed %d: %s", SEED, " ".join(argv))
    assert bench_api.main(argv) == 0
    result = json.loads(out.read_text())

    log.info("every required figure is there and positive")
    for name in REQUIRED:
        assert isinstance(result[name], int | float) and result[name] > 0, name

    log.info("every payment was accepted and committed; the configuration is recorded")
    assert result["batch_transactions"] == 100
    assert result["single_statuses"] == {"202": 120}
    assert result["single_wait_statuses"] == {"200": 24}
    assert result["ceiling_requests"] == 120
    assert (result["workers"], result["threads"], result["concurrency"]) == (1, 2, 4)
    assert len(result["loadavg_start"]) == 3

    log.info("the node, its gunicorn processes and the ceiling server are all gone")
    started = result["node_pids"] + result["ceiling_pids"]
    assert len(result["node_pids"]) >= 3  # writer, gunicorn master, one worker
    assert [pid for pid in started if _alive(pid)] == []
