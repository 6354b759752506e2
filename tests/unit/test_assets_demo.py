"""The demo's digital-asset chapter tells its story twice and leaves the books balanced."""

from __future__ import annotations

import pytest

from ledger.audit import audit
from ledger.chain import Chain
from ledger.params import make_genesis
from ledger.storage.memory import MemoryStore
from node.composition import full_registry
from tools.demo.assets import digital_assets
from tools.demo.cast import CENTRAL_BANK, GENESIS_TIME_MS, NETWORK, PRODUCER, Demo
from tools.demo.story import found_network


def test_warehouse_receipts_chapter_runs_twice_and_audits(
    capsys: pytest.CaptureFixture[str],
) -> None:
    genesis = make_genesis(
        NETWORK, [CENTRAL_BANK.public_hex], [PRODUCER.public_hex], GENESIS_TIME_MS
    )
    chain = Chain(MemoryStore(), full_registry(), genesis)
    demo = Demo(chain, chain.tip.time_ms)
    found_network(demo)
    digital_assets(demo)
    digital_assets(demo)  # a resumed network registers a new series
    story = capsys.readouterr().out
    for line in (
        "REFUSED the farm, unlicensed, tries to register wheat itself: not_platform_operator",
        "REFUSED the farm tries to pay the cafe with a tonne of receipts: asset_not_money",
        "'limit': 'per_payment'",
        "REFUSED the mill countersigns an offer after its deadline: dvp_expired",
        "ok   the mill buys 50 tonnes for 4,750,000.00 KZT, DvP",
        "ok   the mill takes delivery of 20 tonnes; the receipts are retired",
        "wheat outstanding: 100 t (the farm holds 70 t, the mill 30 t)",
    ):
        assert story.count(line) == 2, line
    assert story.count("the National Bank licenses astyk-platform") == 1
    assert audit(chain.store, chain.registry).ok
