"""The statement benchmark end to end at toy size: it completes and reports every figure.

No timing thresholds (speed is the benchmark's business): the day's report must
hold the reserve and every wallet, and every figure must be a positive number.
"""

from __future__ import annotations

import json
from pathlib import Path

from loadtests import bench_statements


def test_statement_benchmark_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "bench_statements.json"
    args = ["--wallets", "6", "--blocks", "3", "--per-block", "3", "--json", str(out)]
    assert bench_statements.main(args) == 0
    figures = json.loads(out.read_text())
    assert figures["statements"] == 1 + 6
    assert figures["entries"] >= 3 * 3 * 2  # each payment debits one wallet, credits another
    for name, value in figures.items():
        assert value > 0, name
