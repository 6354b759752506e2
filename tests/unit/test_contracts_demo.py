"""The demo's programmable-money chapter tells its story and leaves the books balanced."""

from __future__ import annotations

import pytest

from ledger.audit import audit
from ledger.chain import Chain
from ledger.params import make_genesis
from ledger.storage.memory import MemoryStore
from node.composition import full_registry
from tools.demo.cast import CENTRAL_BANK, GENESIS_TIME_MS, NETWORK, PRODUCER, Demo
from tools.demo.contracts import programmable_money
from tools.demo.story import found_network


def test_school_meals_and_rail_budget_chapter_runs_twice_and_audits(
    capsys: pytest.CaptureFixture[str],
) -> None:
    genesis = make_genesis(
        NETWORK, [CENTRAL_BANK.public_hex], [PRODUCER.public_hex], GENESIS_TIME_MS
    )
    chain = Chain(MemoryStore(), full_registry(), genesis)
    demo = Demo(chain, chain.tip.time_ms)
    found_network(demo)
    programmable_money(demo)
    programmable_money(demo)  # a resumed network starts new programs
    story = capsys.readouterr().out
    for refusal in (
        "'mcc', 'allowed': ['5814']",
        "'transferable'",
        "'per_payment'",
        "program_not_expired",
        "'convert'",
        "'allowed': ['1731', '1771']",
    ):
        assert story.count(refusal) == 2, refusal
    assert story.count("expiry returns the unspent 18,500.00 KZT to the akimat") == 2
    assert "REFUSED open" not in story and "REFUSED halyk" not in story
    assert audit(chain.store, chain.registry).ok
