"""Block reward: halving, the hard cap, overspending coinbases and coinbase maturity."""

from __future__ import annotations

import pytest

from ledger.types import OutPoint
from loadtests.pow.devnet import devnet, mine_next, mine_on, miner_key
from node.pow.coinbase import RewardOutput, RewardSpend, RewardSpendBody
from node.pow.errors import ImmatureCoinbase, RewardOverspend
from node.pow.params import COIN, PowParams
from node.pow.reward import block_reward, scheduled_reward, scheduled_supply, supply_after

BITCOIN = PowParams.bitcoin()


def test_reward_halves_every_210000_blocks() -> None:
    assert block_reward(0, BITCOIN) == 0  # genesis mints nothing
    assert block_reward(1, BITCOIN) == 50 * COIN
    assert block_reward(209_999, BITCOIN) == 50 * COIN
    assert block_reward(210_000, BITCOIN) == 25 * COIN
    assert block_reward(420_000, BITCOIN) == 1_250_000_000
    assert block_reward(840_000, BITCOIN) == 312_500_000
    assert block_reward(64 * 210_000, BITCOIN) == 0


def test_bitcoin_schedule_stays_under_21_million() -> None:
    total = supply_after(100 * 210_000, BITCOIN)
    # Bitcoin's 2,099,999,997,690,000 sat, less the 50 BTC of a genesis that mints nothing here.
    assert total == 2_099_999_997_690_000 - 50 * COIN
    assert total <= 21_000_000 * COIN


def test_closed_form_supply_matches_summing_block_by_block() -> None:
    params = PowParams(initial_reward=1_000, halving_interval=7, max_supply=10**9)
    running = 0
    for height in range(1, 120):
        running += scheduled_reward(height, params)
        assert scheduled_supply(height, params) == running


def test_the_block_crossing_the_cap_mints_only_what_is_left() -> None:
    params = PowParams(initial_reward=100, halving_interval=10, max_supply=1_490)
    # Eras: 9 x 100 (blocks 1-9), 10 x 50 (10-19), then 25 each; the cap falls inside block 23.
    assert supply_after(22, params) == 1_475
    assert block_reward(23, params) == 15
    assert block_reward(24, params) == 0
    assert supply_after(10_000, params) == 1_490


def test_coinbase_minting_more_than_the_reward_is_rejected() -> None:
    net = devnet()
    node = net.node()
    miner = miner_key("greedy")
    allowed = block_reward(1, net.genesis.params)
    greedy = mine_on(node, node.tip, miner, net.genesis.time_ms + 1_000, reward=allowed + 1)
    with pytest.raises(RewardOverspend) as refused:
        node.receive(greedy)
    assert refused.value.allowed == allowed
    assert node.tip.height == 0
    node.receive(mine_on(node, node.tip, miner, net.genesis.time_ms + 1_000, reward=allowed))
    assert node.tip.height == 1


def test_coinbase_spent_before_maturity_is_rejected_and_accepted_after() -> None:
    params = PowParams.local(interval_ms=1_000, coinbase_maturity=3)
    net = devnet(params)
    node, miner, t = net.node(), miner_key("patient"), net.genesis.time_ms
    first = mine_next(node, miner, t + 1_000)
    coin = OutPoint(txid=first.coinbase.coinbase_id(net.genesis.network).hex(), index=0)
    body = RewardSpendBody(
        inputs=(coin,),
        outputs=(RewardOutput(owner=miner_key("shop").public_hex, value=first.coinbase.value),),
    )
    spend = RewardSpend.create(net.genesis.network, body, miner)
    with pytest.raises(ImmatureCoinbase) as refused:
        mine_next(node, miner, t + 2_000, spends=(spend,))  # block 2: one confirmation short of 3
    assert refused.value.matures_at == 4
    assert node.tip.height == 1
    mine_next(node, miner, t + 2_000)
    mine_next(node, miner, t + 3_000)
    mine_next(node, miner, t + 4_000, spends=(spend,))  # block 4: matured
    assert node.tip.height == 4
    assert coin not in node.state.rewards.coins
    paid = OutPoint(txid=spend.spend_id(net.genesis.network).hex(), index=0)
    assert node.state.rewards.coins[paid].owner == miner_key("shop").public_hex
