"""The block reward: a halving schedule under a hard supply cap.

The reward of block ``h`` (``h >= 1``; the genesis mints nothing) is
``initial_reward >> (h // halving_interval)``, and the total ever minted never
exceeds ``max_supply``: the block that would cross the cap mints only what is
left. With Bitcoin's parameters the schedule alone stays just under 21 million
coins, so the cap never binds; scaled parameters may make it bind.
"""

from __future__ import annotations

from node.pow.params import PowParams

_MAX_ERAS = 64  # after 64 halvings any 64-bit reward is zero


def scheduled_reward(height: int, params: PowParams) -> int:
    """The halving schedule alone, before the cap."""
    era = height // params.halving_interval
    if height < 1 or era >= _MAX_ERAS:
        return 0
    return params.initial_reward >> era


def scheduled_supply(height: int, params: PowParams) -> int:
    """Sum of the schedule over blocks 1..height, in closed form per era."""
    total = 0
    interval = params.halving_interval
    for era in range(_MAX_ERAS):
        first, last = max(1, era * interval), min(height, (era + 1) * interval - 1)
        if first > height:
            break
        total += max(0, last - first + 1) * (params.initial_reward >> era)
    return total


def supply_after(height: int, params: PowParams) -> int:
    """Coins in existence after block ``height``: the schedule, capped."""
    return min(scheduled_supply(height, params), params.max_supply)


def block_reward(height: int, params: PowParams) -> int:
    """What the coinbase of block ``height`` may mint at most."""
    if height < 1:
        return 0
    return supply_after(height, params) - supply_after(height - 1, params)
