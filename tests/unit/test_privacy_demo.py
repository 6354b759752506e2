"""The demo's privacy chapter tells its story twice, leaves the node its keys, and audits clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.audit import audit
from ledger.chain import Chain
from ledger.params import make_genesis
from ledger.storage.memory import MemoryStore
from node.composition import full_registry
from privacy.node import seed_path
from tools.demo.cast import CENTRAL_BANK, GENESIS_TIME_MS, NETWORK, PRODUCER, Demo
from tools.demo.privacy import AUTHORITIES, demo_validator, privacy_levels
from tools.demo.story import found_network


def test_the_privacy_chapter_runs_twice_and_audits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    genesis = make_genesis(
        NETWORK, [CENTRAL_BANK.public_hex], [PRODUCER.public_hex], GENESIS_TIME_MS
    )
    validator = demo_validator()
    chain = Chain(MemoryStore(), full_registry(validator), genesis)
    demo = Demo(chain, chain.tip.time_ms)
    found_network(demo)
    privacy_levels(demo, validator, str(tmp_path))
    privacy_levels(demo, validator, str(tmp_path))  # a resumed network tells it again
    story = capsys.readouterr().out
    assert story.count("the amount in its bytes: False") == 2
    assert story.count('the cafe\'s phone: 12,345.67 KZT "dinner for six"') == 2
    assert "Halyk, askar's bank, opens its notice: askar paid 1,000,000.00 KZT" in story
    assert "'limit': 'private_per_payment'" in story
    assert story.count("REFUSED the same token again: token_spent") == 2
    assert "with 2 shares: refused" in story
    assert "REFUSED" not in story.replace("REFUSED PRIVATE", "").replace(
        "REFUSED the same token", ""
    )
    assert story.count(": OK") == 4  # public and regulator's audits, both runs
    assert audit(chain.store, chain.registry).ok
    assert seed_path(tmp_path).exists()
    shares = sorted(p.stem for p in (tmp_path / "keys" / "authorities").glob("*.share"))
    assert shares == sorted(AUTHORITIES)
