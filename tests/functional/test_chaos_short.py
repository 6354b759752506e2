"""The short version of ``loadtests.chaos``: a real node killed with SIGKILL under load."""

from __future__ import annotations

from pathlib import Path

from loadtests.chaos import run


def test_node_killed_under_load_loses_no_acknowledged_payment(tmp_path: Path) -> None:
    result = run(kills=3, seed=7, payers=2, data=tmp_path / "data")
    print(result)
    assert result["acknowledged"] > 0, "the load must have been acknowledged at all"
    assert result["lost"] == 0
    assert result["digest_mismatches"] == 0
