"""The short version of ``make load``: Locust against a real node, then audit and acknowledgements.

Latency thresholds are reported, not asserted (``--report-slo-only``): the
machine may be busy. What must hold on any machine: the audit re-derives the
state and the supply, and every transaction Locust saw acknowledged as
committed is in the ledger.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loadtests.load import main


@pytest.mark.timeout(300)
def test_short_load_run_keeps_every_acknowledged_payment(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    argv = ["--users", "5", "--spawn-rate", "5", "--run-time", "8", "--back-office", "1"]
    exit_code = main([*argv, "--report-slo-only", "--reports", str(reports)])
    summary = json.loads((reports / "load.json").read_text())
    print(summary)
    assert summary["audit_ok"], "the audit must re-derive the digest and the supply"
    assert summary["acknowledged"] > 0, "the load must have been acknowledged at all"
    assert summary["missing"] == 0
    assert summary["acknowledged_by_kind"].get("transfer", 0) > 0, "payments were acknowledged"
    assert (reports / "load.html").exists() and (reports / "load_stats.csv").exists()
    assert exit_code == 0
