"""Network parameters: the genesis document and the default tier limits."""

from __future__ import annotations

from collections.abc import Iterable

from ledger.state import StateView
from ledger.storage import schema
from ledger.types import Genesis, Tier, TierLimits

TIYN_PER_KZT = 100


def kzt(amount: int) -> int:
    """Whole tenge to tiyn."""
    return amount * TIYN_PER_KZT


def default_limits() -> dict[Tier, TierLimits]:
    """The tier limits of DESIGN.md section 2, in tiyn."""
    return {
        "anonymous": TierLimits(
            balance_cap=kzt(300_000), per_payment=kzt(50_000), daily=kzt(100_000)
        ),
        "basic": TierLimits(
            balance_cap=kzt(3_000_000), per_payment=kzt(500_000), daily=kzt(1_000_000)
        ),
        "full": TierLimits(per_payment=kzt(10_000_000), daily=kzt(20_000_000)),
        "business": TierLimits(),
    }


def make_genesis(
    network: str,
    central_bank_keys: Iterable[str],
    producer_keys: Iterable[str],
    time_ms: int,
    limits: dict[Tier, TierLimits] | None = None,
) -> Genesis:
    """A genesis document with the default limits unless others are given."""
    return Genesis(
        network=network,
        time_ms=time_ms,
        central_bank_keys=tuple(central_bank_keys),
        producer_keys=tuple(producer_keys),
        limits=limits if limits is not None else default_limits(),
    )


def genesis_writes(genesis: Genesis, view: StateView) -> None:
    """The state a network starts with: its genesis and the tier limits."""
    view.write(schema.GENESIS, genesis)
    for tier, limits in sorted(genesis.limits.items()):
        view.write(schema.limits_key(tier), limits)
