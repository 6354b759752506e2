"""``loadtests.bench_privacy`` runs end to end on a tiny network (figures are not checked)."""

from __future__ import annotations

import json
from pathlib import Path

from loadtests.bench_privacy import main


def test_the_privacy_benchmark_runs_and_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    assert main(["--wallets", "20", "--rounds", "1", "--repeat", "2", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["open_committed"] == result["private_committed"] == 20
    assert result["witnesses_left"] == 0
    for figure in ("open_tps", "private_tps", "private_ratio", "withdrawals_per_s"):
        assert result[figure] > 0
    assert result["issuer_evaluations_per_s"] > 0 and result["spends_verified_per_s"] > 0
    assert len(result["private_ratio_runs"]) == 2
    for ceiling in (
        "validator_public_key_ops_per_s",
        "validator_prepare_per_s",
        "private_commit_only_tps",
        "open_verify_per_s",
    ):
        assert result[ceiling] > 0
    assert len(result["loadavg_before"]) == 3
