"""Proof-of-work validity and difficulty retargeting."""

from __future__ import annotations

import msgspec
import pytest

from loadtests.pow.devnet import EASY_TARGET, devnet, mine_next, miner_key
from node.pow.errors import BadProofOfWork, BadTarget
from node.pow.mining import mine, with_nonce
from node.pow.params import LOCAL_POW_LIMIT, PowParams, target_hex
from node.pow.work import block_work, hash_value, meets_target, retarget, sha256d


def test_double_sha256_is_sha256_applied_twice() -> None:
    # SHA-256d of the empty string, as Bitcoin computes it.
    assert sha256d(b"").hex() == "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456"


def test_a_hash_equal_to_the_target_passes_and_one_above_fails() -> None:
    block_hash = sha256d(b"header")
    value = hash_value(block_hash)
    assert meets_target(block_hash, value)
    assert not meets_target(block_hash, value - 1)


def test_header_one_bit_short_of_the_target_is_rejected() -> None:
    net = devnet(target=EASY_TARGET - 1)  # needs 8 leading zero bits
    node = net.node()
    template = node.template(miner_key("m").public_hex, time_ms=net.clock() - 1000)
    prefix_nonce = 0
    while True:  # a nonce whose hash has exactly 7 leading zero bits: one bit short
        candidate = with_nonce(template, prefix_nonce)
        if EASY_TARGET <= hash_value(candidate.block_hash()) < 2 * EASY_TARGET:
            break
        prefix_nonce += 1
    with pytest.raises(BadProofOfWork):
        node.receive(candidate)
    assert node.tip.height == 0
    node.receive(mine(template))
    assert node.tip.height == 1


def test_retarget_scales_the_target_by_actual_over_expected_time() -> None:
    expected = 10 * 1_000
    assert retarget(1 << 200, expected, expected, 4, LOCAL_POW_LIMIT) == 1 << 200
    assert retarget(1 << 200, expected // 2, expected, 4, LOCAL_POW_LIMIT) == 1 << 199
    assert retarget(1 << 200, expected * 2, expected, 4, LOCAL_POW_LIMIT) == 1 << 201
    assert retarget(3_000, 12_345, expected, 4, LOCAL_POW_LIMIT) == 3_000 * 12_345 // expected


def test_retarget_is_clamped_to_a_factor_of_four_each_way() -> None:
    expected = 10 * 1_000
    assert retarget(1 << 200, expected * 100, expected, 4, LOCAL_POW_LIMIT) == 1 << 202
    assert retarget(1 << 200, 1, expected, 4, LOCAL_POW_LIMIT) == 1 << 198
    assert retarget(1 << 200, -5_000, expected, 4, LOCAL_POW_LIMIT) == 1 << 198


def test_retarget_never_exceeds_the_pow_limit() -> None:
    limit = (1 << 240) - 1
    assert retarget(1 << 239, 4 * 10_000, 10_000, 4, limit) == limit


def test_harder_targets_carry_more_work() -> None:
    assert block_work(EASY_TARGET // 4) > 3 * block_work(EASY_TARGET)
    assert block_work((1 << 256) - 1) == 1


def test_the_chain_retargets_at_the_window_and_refuses_a_stale_target() -> None:
    params = PowParams.local(interval_ms=1_000, retarget_window=2)
    net = devnet(params)
    node, miner, t0 = net.node(), miner_key("m"), net.genesis.time_ms
    mine_next(node, miner, t0 + 100)  # block 1 ten times faster than intended
    # Block 2 opens a window: 100 ms for 2 intervals of 1,000 ms is clamped to a factor of 4.
    assert node.tree.expected_target(node.tip, params) == EASY_TARGET // 4
    template = node.template(miner.public_hex, time_ms=t0 + 200)
    easier = msgspec.structs.replace(template.header, target=target_hex(EASY_TARGET))
    stale = mine(msgspec.structs.replace(template, header=easier))
    with pytest.raises(BadTarget):
        node.receive(stale)
    mine_next(node, miner, t0 + 200)
    assert node.tip.target == EASY_TARGET // 4
