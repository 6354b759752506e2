"""The core benchmark's filled state and the LevelDB churn tool at toy size.

A state filled once (``python -m loadtests.core_network``) opens again with its wallets'
coins, and LevelDB's options change what the disk holds, never the ledger: the same
payments reach the same state digest with and without compression. No timing thresholds.
"""

from __future__ import annotations

from pathlib import Path

from ledger.storage.leveldb import TUNING
from loadtests import core_churn, core_network


def test_a_filled_state_churns_to_the_same_digest_whatever_the_options(tmp_path: Path) -> None:
    state = str(tmp_path / "state")
    assert core_network.main([state, "--outputs", "3000", "--wallets", "40"]) == 0
    plain = core_churn.churn(state, 2, dict(TUNING))
    snappy = core_churn.churn(state, 2, {**TUNING, "compression": "snappy"})
    assert plain["outputs_in_state"] == 3000
    assert plain["transfers"] == snappy["transfers"] == 2 * core_churn.BLOCK
    assert plain["state_digest"] == snappy["state_digest"]
    assert plain["tuning"]["compression"] is None
    assert snappy["tuning"]["compression"] == "snappy"
