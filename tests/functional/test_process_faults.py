"""Any one process of a running node may die: the node serves again and loses nothing.

Each case runs ``loadtests.chaos`` against a real node under payment load and
kills ONE process with SIGKILL twice: the supervisor (its children must die
with it, then ``tenge-node run`` starts cleanly on the same port and data),
the ledger writer or the API master (the supervisor replaces it; the API
master's old workers must exit), or one API worker (its master replaces it).
Afterwards every acknowledged payment is in the ledger at the height it was
acknowledged with, and the audit re-derives the stored state digest.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from loadtests.chaos import run


@pytest.mark.slow
@pytest.mark.parametrize("target", ["supervisor", "writer", "api", "worker"])
def test_node_survives_the_death_of_any_one_process(tmp_path: Path, target: str) -> None:
    result = run(kills=2, seed=11, payers=2, data=tmp_path / "data", target=target)
    print(result)
    assert result["acknowledged"] > 0, "the load must have been acknowledged at all"
    assert result["lost"] == 0
    assert result["digest_mismatches"] == 0
