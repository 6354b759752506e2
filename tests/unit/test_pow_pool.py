"""Mining through an accredited pool: licences as consensus, fair PPLNS payouts, a verifiable log.

The pool runs in process on an easy chain with three licensed miners of
powers 3, 2 and 1 grinding in turn (``tests.pool_cast``): deterministic, so
an honest run and one where a miner cheats can be compared share for share.
"""

from __future__ import annotations

import logging
from pathlib import Path

import msgspec
import pytest

from ledger.crypto import KeyPair, sha256
from ledger.encoding import canonical
from loadtests.pow.pool import simulate_pplns
from node.pow.coinbase import Coinbase
from node.pow.errors import RejectedShare, UnaccreditedPool, UnlicensedMiner
from node.pow.licence import job_message, seal
from node.pow.mining import mine
from node.pow.node import PowNode
from node.pow.pool import verify
from node.pow.pool.log import ShareEntry, decode_log, head_of
from node.pow.pool.payout import ShareLogError, pplns, recompute, split
from node.pow.pool.shares import Job, Share, share_hash
from tests.pool_cast import POWERS, WINDOW, PoolWorld

log = logging.getLogger(__name__)
STRANGER = KeyPair.from_seed(sha256(b"an unlicensed miner"))


@pytest.fixture(scope="module")
def mined() -> PoolWorld:
    world = PoolWorld()
    world.mine(120)
    return world


# -- the law as consensus ---------------------------------------------------------------


def test_a_solo_miners_block_is_refused(mined: PoolWorld) -> None:
    solo = mine(mined.node.template(mined.key("steppe-dc")))
    with pytest.raises(UnaccreditedPool):
        _fresh(mined).receive(solo)


def test_a_pool_block_for_an_unlicensed_miner_is_refused(mined: PoolWorld) -> None:
    def named(coinbase: Coinbase) -> Coinbase:
        return seal(coinbase, mined.pool_key, mined.node.network, STRANGER.public_hex)

    with pytest.raises(UnlicensedMiner) as refused:
        _fresh(mined).receive(mine(mined.node.template(mined.pool_key.public_hex, seal=named)))
    assert refused.value.worker == STRANGER.public_hex


def test_a_job_the_pool_did_not_sign_is_refused(mined: PoolWorld) -> None:
    worker = mined.keys["nura-rigs"]

    def forged(coinbase: Coinbase) -> Coinbase:
        named = msgspec.structs.replace(coinbase, worker=worker.public_hex)
        signature = worker.sign(job_message(mined.node.network, named)).hex()
        return msgspec.structs.replace(named, job_sig=signature)

    with pytest.raises(UnlicensedMiner) as refused:
        _fresh(mined).receive(mine(mined.node.template(mined.pool_key.public_hex, seal=forged)))
    assert refused.value.reason == "the pool did not sign this job"


def _fresh(world: PoolWorld) -> PowNode:
    """A node at the same tip as the pool's (replaying its chain from genesis)."""
    node = PowNode(world.genesis, clock=world.clock)
    for entry in world.node.best_chain():
        if entry.block is not None:
            node.receive(entry.block)
    return node


def test_the_pool_refuses_work_it_must_not_count() -> None:
    world = PoolWorld()
    with pytest.raises(RejectedShare) as unlicensed:
        world.pool.job_for(STRANGER.public_hex)
    assert unlicensed.value.reason == "unlicensed"
    job = world.pool.job_for(world.key("irtysh-rigs"))
    other = Share(job_id=job.job_id, worker=world.key("nura-rigs"), nonce=0)
    assert world.refused(other) == "not_your_job"
    assert world.refused(Share(job_id=999, worker=world.key("nura-rigs"), nonce=0)) == "unknown_job"
    too_hard = next(n for n in range(10_000) if not _meets(world, job, n))
    assert (
        world.refused(Share(job_id=job.job_id, worker=job.worker, nonce=too_hard)) == "above_target"
    )


def _meets(world: PoolWorld, job: Job, nonce: int) -> bool:
    return int.from_bytes(share_hash(job.header, nonce), "big") <= job.share_target_int


def test_a_share_for_an_old_tip_is_stale() -> None:
    world = PoolWorld()
    old = world.pool.job_for(world.key("nura-rigs"))
    world.mine(8)  # the tip moves on
    nonce = next(n for n in range(10_000) if _meets(world, old, n))
    assert world.refused(Share(job_id=old.job_id, worker=old.worker, nonce=nonce)) == "stale"


# -- payouts ------------------------------------------------------------------------------


def test_payouts_recomputed_from_the_share_log_equal_the_pools(mined: PoolWorld) -> None:
    published = mined.pool.log.encode()
    entries = decode_log(published)
    assert head_of(entries) == mined.pool.log.head
    recomputed = recompute(
        entries, mined.node.network, mined.register, mined.pool_key.public_hex, WINDOW
    )
    assert recomputed == mined.pool.credits and len(recomputed) >= 20
    paid = mined.pool.paid_on_chain()
    assert paid and all(paid[h] == mined.pool.credits[h] for h in paid)
    rewards = {
        e.block_hash.hex(): e.block.coinbase.value for e in mined.node.best_chain() if e.block
    }
    for block_hash, payouts in recomputed.items():
        assert sum(payouts.values()) == rewards[block_hash]  # exact: nothing lost or made


def test_a_rewritten_log_is_caught(mined: PoolWorld) -> None:
    entries = decode_log(mined.pool.log.encode())
    index = next(i for i, e in enumerate(entries) if isinstance(e, ShareEntry))
    share = entries[index]
    assert isinstance(share, ShareEntry)
    forged = msgspec.structs.replace(
        share,
        worker=mined.key("nura-rigs")
        if share.worker != mined.key("nura-rigs")
        else mined.key("steppe-dc"),
    )
    tampered = [*entries[:index], forged, *entries[index + 1 :]]
    assert head_of(tampered) != mined.pool.log.head
    with pytest.raises(ShareLogError):
        recompute(tampered, mined.node.network, mined.register, mined.pool_key.public_hex, WINDOW)
    doubled = [*entries[: index + 1], msgspec.structs.replace(share, seq=index + 1)]
    with pytest.raises(ShareLogError, match="counted twice"):
        recompute(doubled, mined.node.network, mined.register, mined.pool_key.public_hex, WINDOW)


def test_payouts_follow_hash_power(mined: PoolWorld) -> None:
    credited = mined.credited()
    total = sum(credited.values())
    shares = {name: credited[mined.key(name)] / total for name in POWERS}
    expected = {name: power / sum(POWERS.values()) for name, power in POWERS.items()}
    log.info("payout shares %s against hash shares %s", shares, expected)
    assert shares["steppe-dc"] > shares["irtysh-rigs"] > shares["nura-rigs"]
    assert all(abs(shares[n] - expected[n]) < 0.08 for n in POWERS)


def test_withholding_shares_gains_nothing() -> None:
    honest, cheat = PoolWorld(), PoolWorld()
    honest.mine(120)
    cheat.mine(120, lambda miner, number, block: miner != "irtysh-rigs" or number % 2 == 0)
    assert _share_of(cheat, "irtysh-rigs") < _share_of(honest, "irtysh-rigs")


def test_withholding_blocks_gains_nothing() -> None:
    honest, cheat = PoolWorld(), PoolWorld()
    honest.mine(120)
    cheat.mine(120, lambda miner, number, block: miner != "irtysh-rigs" or not block)
    assert cheat.credited()[cheat.key("irtysh-rigs")] < honest.credited()[honest.key("irtysh-rigs")]


def test_duplicating_shares_gains_nothing() -> None:
    honest, cheat = PoolWorld(), PoolWorld()
    honest.mine(60)
    cheat.mine(60, duplicate="nura-rigs")
    assert cheat.pool.credits == honest.pool.credits
    assert cheat.pool.log.head == honest.pool.log.head  # the log never saw the copies


def _share_of(world: PoolWorld, name: str) -> float:
    credited = world.credited()
    return credited[world.key(name)] / sum(credited.values())


# -- the arithmetic ---------------------------------------------------------------------


def test_splits_are_exact_and_in_proportion() -> None:
    assert split(100, {"a": 1, "b": 1, "c": 1}) == {"a": 34, "b": 33, "c": 33}
    assert split(7, {"a": 3, "b": 1}) == {"a": 5, "b": 2}
    assert sum(split(5_000_000_001, {"x": 7, "y": 11, "z": 13}).values()) == 5_000_000_001
    assert pplns(["a", "b", "a", "a"], 90, window=3) == {"a": 60, "b": 30}


def test_the_proportionality_error_over_a_long_run_is_small_and_reported() -> None:
    hash_shares = {"steppe-dc": 0.5, "irtysh-rigs": 1 / 3, "nura-rigs": 1 / 6}
    errors = {}
    for blocks in (100, 20_000):
        payout = simulate_pplns(hash_shares, blocks, shares_per_block=16, window=WINDOW, seed=5)
        errors[blocks] = max(abs(payout[n] - hash_shares[n]) for n in hash_shares)
    log.info(
        "PPLNS proportionality error: %.4f after 100 blocks, %.4f after 20,000",
        errors[100],
        errors[20_000],
    )
    print(f"proportionality error: {errors[100]:.4f} at 100 blocks, {errors[20_000]:.4f} at 20,000")
    assert errors[20_000] < 0.01 and errors[20_000] < errors[100]


def test_the_published_log_verifies_from_the_command_line_and_a_forged_one_does_not(
    mined: PoolWorld, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    genesis, published = tmp_path / "genesis.json", tmp_path / "log.jsonl"
    genesis.write_bytes(canonical(mined.genesis))
    published.write_bytes(mined.pool.log.encode())
    args = ["--genesis", str(genesis), "--log", str(published), "--window", str(WINDOW)]
    assert verify.main(args) == 0
    assert "verify: OK" in capsys.readouterr().out
    lines = published.read_bytes().splitlines()
    share = next(i for i, line in enumerate(lines) if b'"type":"share"' in line)
    lines.insert(share + 1, lines[share].replace(b'"seq":%d' % share, b'"seq":%d' % (share + 1)))
    published.write_bytes(b"\n".join(lines) + b"\n")
    assert verify.main(args) == 1
    assert "DISHONEST LOG" in capsys.readouterr().out
