"""Kazakhstan's fee on digital mining, per kWh consumed, as a parameterised schedule.

- before 1 January 2022: no fee in this model;
- from 1 January 2022: 1 tenge per kWh;
- from 1 January 2023: by the electricity's source and, for electricity
  bought from the grid, by its average selling price (a sliding scale from
  25 tenge/kWh for the cheapest power down to 1 tenge/kWh in 1-tenge steps;
  1 tenge at 24 tenge/kWh and above with the default bands); 10 tenge/kWh
  with the miner's own generation, 1 tenge/kWh with its own renewable
  generation, and 25 tenge/kWh when consumption is not metered.

The price bands are parameters (:class:`SlidingScale`), not a transcription
of the statute's table: change them to match the law in force.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Literal

import msgspec

Source = Literal["grid", "own", "own_renewable", "unmetered"]
FLAT_FROM = dt.date(2022, 1, 1)
SLIDING_FROM = dt.date(2023, 1, 1)
OWN_GENERATION_KZT = 10
OWN_RENEWABLE_KZT = 1
UNMETERED_KZT = 25


class SlidingScale(msgspec.Struct, frozen=True):
    """Grid electricity: the fee falls by ``step`` per ``band`` of average price."""

    top: int = 25
    """Fee in tenge/kWh for the cheapest electricity."""
    bottom: int = 1
    """Fee in tenge/kWh for the dearest electricity."""
    step: int = 1
    """Tenge/kWh the fee falls per band."""
    band_kzt: float = 1.0
    """Width of one price band, tenge/kWh."""
    floor_kzt: float = 0.0
    """Average price at which the first band starts, tenge/kWh."""

    def rate(self, avg_price_kzt: float) -> int:
        """The fee in tenge/kWh for electricity bought at ``avg_price_kzt`` per kWh."""
        bands = max(0, math.floor((avg_price_kzt - self.floor_kzt) / self.band_kzt))
        return max(self.bottom, self.top - self.step * bands)


def mining_fee(
    on: dt.date,
    source: Source,
    avg_price_kzt: float,
    scale: SlidingScale = SlidingScale(),  # noqa: B008 -- frozen value, safe as a default
) -> int:
    """Tenge per kWh a miner pays on ``on`` for electricity from ``source``."""
    if on < FLAT_FROM:
        return 0
    if on < SLIDING_FROM:
        return 1
    if source == "unmetered":
        return UNMETERED_KZT
    if source == "own_renewable":
        return OWN_RENEWABLE_KZT
    if source == "own":
        return OWN_GENERATION_KZT
    return scale.rate(avg_price_kzt)


def schedule_rows(avg_price_kzt: float, scale: SlidingScale) -> list[tuple[str, str, int]]:
    """The schedule as (period, case, tenge/kWh) rows for the report."""
    before, flat, now = dt.date(2021, 6, 1), FLAT_FROM, SLIDING_FROM
    rows = [
        ("before 2022-01-01", "any", mining_fee(before, "grid", avg_price_kzt, scale)),
        ("2022", "any", mining_fee(flat, "grid", avg_price_kzt, scale)),
    ]
    for price in (2.0, 8.0, 12.0, 18.0, avg_price_kzt, 24.0, 30.0):
        case = f"grid, average price {price:g} KZT/kWh"
        rows.append(("from 2023-01-01", case, mining_fee(now, "grid", price, scale)))
    for source in ("own", "own_renewable", "unmetered"):
        rows.append(("from 2023-01-01", source, mining_fee(now, source, avg_price_kzt, scale)))
    return rows
