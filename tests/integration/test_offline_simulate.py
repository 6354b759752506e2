"""A short fixed-seed run of ``python -m tools.offline_sim`` on LevelDB.

Sixteen phones pay each other offline for eight hours; about a third of the
devices are cloned or roll their counters back (software keys make that
possible; a secure element would not). After every phone reconnects: every
double spend is detected and attributed, no honest payee lost anything, no
innocent device was charged, and supply is conserved.
"""

from __future__ import annotations

import json
from pathlib import Path

from tools.offline_sim.simulate import main

KEYS = {
    "vouchers",
    "value",
    "fraud_attempts",
    "detected",
    "attributed_correctly",
    "honest_payee_loss",
    "reserve_used",
    "max_device_exposure",
    "exposure_bound",
    "supply_conserved",
}


def test_a_short_simulation_catches_every_cheater_and_loses_nothing(tmp_path: Path) -> None:
    out = tmp_path / "sim.json"
    args = ["--devices", "16", "--hours", "8", "--fraud", "0.3", "--seed", "2", "--quiet"]
    code = main([*args, "--json", str(out), "--data", str(tmp_path / "data")])
    figures = json.loads(out.read_text())
    assert figures.keys() >= KEYS
    assert code == 0
    assert figures["vouchers"] > 50 and figures["fraud_attempts"] >= 3
    assert figures["detected"] == figures["fraud_attempts"]
    assert figures["attributed_correctly"] == figures["fraud_records"]
    assert figures["innocent_charged"] == 0
    assert figures["honest_payee_loss"] == 0
    assert figures["reserve_used"] > 0  # a cheater emptied its wallet: the bank's reserve paid
    assert 0 < figures["max_device_exposure"] <= figures["exposure_bound"]
    assert figures["supply_conserved"] is True
    assert (tmp_path / "data" / "ledger").is_dir()  # LevelDB on disk
