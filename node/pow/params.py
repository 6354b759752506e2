"""Consensus parameters of a proof-of-work chain: Bitcoin's, or scaled for local runs.

The PoW coin has its own integer unit, like Bitcoin's satoshi: one coin is
``coin`` base units (10^8). Nothing here is a float.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from ledger.encoding import Hex32, Wire

COIN = 100_000_000
"""Base units ("sat") per PoW coin."""

BITCOIN_POW_LIMIT = (0xFFFF << 208) - 1
"""Bitcoin's easiest target (0x00000000ffff...), bits 0x1d00ffff."""

LOCAL_POW_LIMIT = (1 << 255) - 1
"""Easiest target for local runs: at most half of all hashes qualify."""

Positive = Annotated[int, msgspec.Meta(ge=1)]


def target_hex(target: int) -> str:
    """A 256-bit target as 64 hex digits (big-endian)."""
    return target.to_bytes(32, "big").hex()


class PowParams(Wire, frozen=True):
    """Every rule of the chain that all miners must agree on."""

    coin: Positive = COIN
    """Base units per coin."""
    initial_reward: Positive = 50 * COIN
    """Coinbase reward of the first era, in base units."""
    halving_interval: Positive = 210_000
    """Blocks per reward era; the reward halves at each multiple."""
    max_supply: Positive = 21_000_000 * COIN
    """Hard cap on all coins ever minted, in base units."""
    target_interval_ms: Positive = 600_000
    """Intended time between blocks."""
    retarget_window: Positive = 2016
    """Blocks between difficulty adjustments."""
    max_retarget_factor: Positive = 4
    """An adjustment changes the target by at most this factor either way."""
    pow_limit: Hex32 = target_hex(BITCOIN_POW_LIMIT)
    """The easiest target allowed, as 64 hex digits."""
    max_block_bytes: Positive = 1_000_000
    """Block size limit: length of the block's canonical encoding."""
    coinbase_maturity: Positive = 100
    """Blocks a coinbase output must wait before it may be spent."""
    finality_depth: Positive = 6
    """Confirmations after which a transaction is treated as final."""
    median_time_span: Positive = 11
    """A block's time must exceed the median of this many previous blocks."""
    max_future_ms: Positive = 7_200_000
    """How far ahead of the receiver's clock a block's time may be."""

    @property
    def pow_limit_int(self) -> int:
        """The easiest target as an integer."""
        return int(self.pow_limit, 16)

    @classmethod
    def bitcoin(cls) -> PowParams:
        """Bitcoin's real parameters."""
        return cls()

    @classmethod
    def local(
        cls,
        interval_ms: int = 2_000,
        max_block_bytes: int = 100_000,
        retarget_window: int = 10,
        halving_interval: int = 100,
        coinbase_maturity: int = 10,
    ) -> PowParams:
        """Scaled parameters for a run on one machine.

        The block interval shrinks, and with it the era, window and maturity
        lengths; the cap keeps Bitcoin's proportion (21M = 2 x 50 x 210,000).
        """
        return cls(
            halving_interval=halving_interval,
            max_supply=2 * 50 * COIN * halving_interval,
            target_interval_ms=interval_ms,
            retarget_window=retarget_window,
            pow_limit=target_hex(LOCAL_POW_LIMIT),
            max_block_bytes=max_block_bytes,
            coinbase_maturity=coinbase_maturity,
            max_future_ms=12 * interval_ms,
        )

    def describe(self) -> dict[str, int | str]:
        """Every parameter as a plain value (defaults included), for reports."""
        return msgspec.structs.asdict(self)
