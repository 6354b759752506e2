"""Offline limits and network parameters: what the central bank sets, what banks grant.

Pure module: a phone carries it. Amounts are integers in tiyn, times in
Unix milliseconds, durations in milliseconds unless the name says hours.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from ledger.encoding import Amount, Wire
from ledger.types import Tier

TIYN_PER_KZT = 100
HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
Count = Annotated[int, msgspec.Meta(ge=1, le=65_535)]
Hours = Annotated[int, msgspec.Meta(ge=1, le=24 * 366)]


class OfflineLimits(Wire, frozen=True):
    """The offline limits of one device, carried in its certificate."""

    max_purse: Annotated[Amount, msgspec.Meta(ge=1, description="largest purse, in tiyn")]
    max_voucher: Annotated[Amount, msgspec.Meta(ge=1, description="largest single voucher")]
    max_vouchers: Annotated[Count, msgspec.Meta(description="vouchers one purse may sign")]
    max_offline_hours: Annotated[
        Hours, msgspec.Meta(description="hours after funding (the last sync) payees accept it")
    ]

    def exceeded_by(self, other: OfflineLimits) -> tuple[str, int, int] | None:
        """The first limit of ``other`` above this one: (name, allowed, requested)."""
        for name in self.__struct_fields__:
            allowed, requested = getattr(self, name), getattr(other, name)
            if requested > allowed:
                return name, allowed, requested
        return None


class OfflineParams(Wire, frozen=True):
    """Network-wide offline rules, set by the central bank (``offline.setup``)."""

    tiers: dict[Tier, OfflineLimits]
    """Per wallet tier, the most a bank may grant a device (banks may grant less)."""
    crl_max_age_ms: Annotated[int, msgspec.Meta(ge=60_000)] = 72 * HOUR_MS
    """A payee refuses vouchers when its newest CRL of the bank is older than this."""
    clock_skew_ms: Annotated[int, msgspec.Meta(ge=0)] = 15 * 60_000
    """How far a voucher's device time may differ from the payee's clock."""
    deposit_window_ms: Annotated[int, msgspec.Meta(ge=HOUR_MS)] = 30 * DAY_MS
    """After a purse's offline window ends, how long its vouchers may still be deposited."""
    reserve_ratio_bp: Annotated[int, msgspec.Meta(ge=0, le=10_000)] = 1_000
    """Reserve a bank keeps, in basis points of the purse maxima it has granted."""

    def required_reserve(self, granted: int) -> int:
        """The reserve needed for ``granted`` tiyn of purse maxima (rounded up)."""
        return -(-granted * self.reserve_ratio_bp // 10_000)


def kzt(amount: int) -> int:
    """Whole tenge to tiyn."""
    return amount * TIYN_PER_KZT


def default_tier_limits() -> dict[Tier, OfflineLimits]:
    """The central bank's defaults per wallet tier (see docs/offline.md)."""
    return {
        "anonymous": OfflineLimits(
            max_purse=kzt(20_000), max_voucher=kzt(5_000), max_vouchers=50, max_offline_hours=72
        ),
        "basic": OfflineLimits(
            max_purse=kzt(100_000), max_voucher=kzt(20_000), max_vouchers=100, max_offline_hours=96
        ),
        "full": OfflineLimits(
            max_purse=kzt(300_000), max_voucher=kzt(50_000), max_vouchers=200, max_offline_hours=168
        ),
        "business": OfflineLimits(
            max_purse=kzt(300_000),
            max_voucher=kzt(100_000),
            max_vouchers=500,
            max_offline_hours=168,
        ),
    }


def default_params() -> OfflineParams:
    """The default network parameters."""
    return OfflineParams(tiers=default_tier_limits())
