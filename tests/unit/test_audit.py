"""Audit and replay: the stored chain re-derives the stored state, or says where not."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from ledger import audit as audit_module
from ledger.audit import AuditReport, audit
from ledger.chain import Chain
from ledger.encoding import canonical
from ledger.errors import AuditMismatch, InvalidBlock
from ledger.params import kzt
from ledger.queries import wallet
from ledger.storage import schema
from ledger.storage.leveldb import LevelDBStore
from ledger.storage.memory import MemoryStore
from ledger.types import Block, Output
from tests.harness import Harness, key


def scenario(net: Harness) -> None:
    """Two banks, three wallets, payments, a redemption: eleven blocks."""
    net.add_bank("halyk", reserve=kzt(1_000_000))
    net.add_bank("kaspi", reserve=kzt(500_000))
    alice = net.add_wallet("alice", "halyk", "basic", funds=kzt(10_000))
    bob = net.add_wallet("bob", "kaspi", "anonymous", funds=kzt(1_000))
    shop = net.add_wallet("shop", "kaspi", "business")
    net.commit(net.pay(alice, bob, kzt(2_500)), net.pay(bob, shop, kzt(700)))
    net.commit(net.pay(shop, key("kaspi"), kzt(700)))


def run_audit(net: Harness) -> AuditReport:
    return audit(net.store, net.chain.registry)


def whats(report: AuditReport) -> list[str]:
    return [p.what for p in report.problems]


@pytest.fixture
def audited(net: Harness) -> Harness:
    scenario(net)
    return net


def replica_up_to(net: Harness, height: int) -> Chain:
    """A fresh in-memory chain that has replayed blocks 1..height-1."""
    replica = Chain(MemoryStore(), net.chain.registry, net.chain.genesis)
    for h in range(1, height):
        stored = net.chain.block(h)
        assert stored is not None
        replica.commit(replica.replay(stored))
    return replica


def last_block(net: Harness) -> Block:
    found = net.chain.block(net.chain.tip.height)
    assert found is not None
    return found


def with_header(block: Block, **change: object) -> Block:
    return msgspec.structs.replace(block, header=msgspec.structs.replace(block.header, **change))


def test_audit_of_an_untouched_chain_is_ok(audited: Harness) -> None:
    report = run_audit(audited)
    assert report.ok, report.problems
    assert report.height == audited.chain.tip.height
    assert report.state_digest == audited.chain.tip.state_digest
    assert report.supply == {"KZT": kzt(1_500_000)}
    assert report.banks == {"halyk": kzt(1_000_000), "kaspi": kzt(500_000)}
    assert report.transactions == 12


def test_both_backends_reach_the_same_state_digest(audited: Harness) -> None:
    twin = Harness(MemoryStore())
    scenario(twin)
    assert twin.chain.tip == audited.chain.tip


def test_tampered_output_is_reported(audited: Harness) -> None:
    (coin,) = audited.coins(key("alice"))
    txid = bytes.fromhex(coin.point.txid)
    forged = Output(owner=coin.output.owner, amount=coin.output.amount + kzt(1_000_000))
    audited.store.write_batch({schema.output_key(txid, coin.point.index): canonical(forged)})
    report = run_audit(audited)
    assert not report.ok
    assert all(isinstance(p, AuditMismatch) for p in report.problems)
    assert any(w.startswith("state key b'o") for w in whats(report))
    assert "supply of KZT" in whats(report)


def test_tampered_wallet_record_is_reported(audited: Harness) -> None:
    record = wallet(audited.store, "alice")
    assert record is not None
    forged = msgspec.structs.replace(record, balance=record.balance + 1, tier="business")
    audited.store.write_batch({schema.wallet_key("alice"): canonical(forged)})
    report = run_audit(audited)
    assert "state key b'walice'" in whats(report)
    mismatch = report.problems[whats(report).index("balance of wallet alice")]
    assert (mismatch.expected, mismatch.found) == (str(record.balance + 1), str(record.balance))


def test_deleted_state_key_is_reported(audited: Harness) -> None:
    audited.store.write_batch({schema.bank_key("kaspi"): None})
    report = run_audit(audited)
    mismatch = report.problems[whats(report).index("state key b'nkaspi'")]
    assert mismatch.found == "absent"


def test_deleted_block_is_reported(audited: Harness) -> None:
    audited.store.write_batch({schema.block_key(3): None})
    report = run_audit(audited)
    mismatch = report.problems[0]
    assert (mismatch.what, mismatch.expected, mismatch.found) == ("block 3", "stored", "none")
    assert "tip" in whats(report)  # the replay stopped short of the stored tip


def test_stored_block_with_a_forged_header_is_reported(audited: Harness) -> None:
    height = audited.chain.tip.height
    forged = with_header(last_block(audited), tx_root="00" * 32)
    audited.store.write_batch({schema.block_key(height): canonical(forged)})
    report = run_audit(audited)
    assert f"block {height} signature" in whats(report)
    assert f"block {height}" in whats(report)


def test_replay_of_a_block_with_a_modified_tx_root_is_invalid(audited: Harness) -> None:
    height = audited.chain.tip.height
    replica = replica_up_to(audited, height)
    with pytest.raises(InvalidBlock) as caught:
        replica.replay(with_header(last_block(audited), tx_root="00" * 32))
    assert (caught.value.height, caught.value.reason) == (height, "tx_root differs")


def test_replay_of_a_block_with_a_modified_state_digest_is_invalid(audited: Harness) -> None:
    height = audited.chain.tip.height
    replica = replica_up_to(audited, height)
    with pytest.raises(InvalidBlock) as caught:
        replica.replay(with_header(last_block(audited), state_digest="00" * 32))
    assert (caught.value.height, caught.value.reason) == (height, "state digest differs")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"height": 99}, "expected height"),
        ({"prev_hash": "00" * 32}, "prev_hash is not the tip"),
        ({"time_ms": 0}, "time runs backwards"),
        ({"producer": "00" * 32}, "unknown producer"),
    ],
)
def test_replay_of_a_block_that_does_not_follow_the_tip_is_invalid(
    audited: Harness, change: dict[str, object], reason: str
) -> None:
    replica = replica_up_to(audited, audited.chain.tip.height)
    with pytest.raises(InvalidBlock) as caught:
        replica.replay(with_header(last_block(audited), **change))
    assert caught.value.reason.startswith(reason)


def test_replay_of_the_untouched_block_matches_and_commits(audited: Harness) -> None:
    replica = replica_up_to(audited, audited.chain.tip.height)
    replica.commit(replica.replay(last_block(audited)))
    assert replica.tip == audited.chain.tip


def test_committing_a_block_that_does_not_extend_the_tip_is_invalid(audited: Harness) -> None:
    replica = replica_up_to(audited, audited.chain.tip.height)
    built = replica.replay(last_block(audited))
    replica.commit(built)
    with pytest.raises(InvalidBlock) as caught:
        replica.commit(built)
    assert caught.value.reason == "does not extend the tip"


def test_audit_command_reports_ok_for_a_leveldb_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(tmp_path / "db")
    net = Harness(LevelDBStore(path))
    scenario(net)
    net.store.close()
    assert audit_module.main(["--data", path]) == 0
    assert "audit: OK" in capsys.readouterr().out
