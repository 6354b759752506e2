"""The report's section on mining under the 2023 law: the pool's fairness, energy and fees.

Rendered from the JSON of :func:`loadtests.pow.pool.measure_pool`; nothing
here is edited by hand.
"""

from __future__ import annotations

from typing import Any

from node.pow.params import COIN


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _pct(value: float) -> str:
    return f"{100 * value:.2f} %"


def fairness_table(pool: dict[str, Any]) -> list[str]:
    """Per licensed miner: hashes, shares, credited and paid, payout share vs hash share."""
    rows = [
        [
            m["name"],
            m["category"],
            m["licence"],
            f"{m['hashes']:,}",
            str(m["shares"]),
            f"{m['credited'] / COIN:,.4f}",
            f"{m['paid'] / COIN:,.4f}",
            _pct(m["hash_share"]),
            _pct(m["payout_share"]),
            f"{100 * (m['payout_share'] - m['hash_share']):+.2f}",
        ]
        for m in pool["miners"]
    ]
    head = ["miner", "category", "licence", "hashes", "shares", "credited, coins"]
    head += ["paid on chain, coins", "hash share", "payout share", "error, points"]
    return _table(head, rows)


def category_table(pool: dict[str, Any]) -> list[str]:
    """Per category: energy, the fee per kWh for its electricity, fee and electricity cost."""
    rows = [
        [
            c["category"],
            str(c["miners"]),
            f"{c['cpu_s']:.2f}",
            f"{c['kwh']:.3e}",
            f"{c['source']}, {c['price_kzt_per_kwh']:.2f}",
            str(c["fee_kzt_per_kwh"]),
            f"{c['fee_kzt']:.3e}",
            f"{c['electricity_kzt']:.3e}",
            f"{c['kwh_per_coin']:.3e}",
        ]
        for c in pool["categories"]
    ]
    head = ["category", "miners", "CPU-s", "kWh", "electricity, KZT/kWh", "mining fee, KZT/kWh"]
    head += ["fee, KZT", "electricity, KZT", "kWh per coin earned"]
    return _table(head, rows)


def pool_section(r: dict[str, Any]) -> list[str]:
    """The whole section, or nothing when the run had no pool."""
    pool = r.get("pool")
    if pool is None:
        return []
    params, checks, long = pool["params"], pool["consensus"], pool["long_run"]
    verified = "yes" if pool["recomputed_equal"] and pool["paid_equal"] else "NO"
    refused = ", ".join(f"{n} {why}" for why, n in sorted(pool["refused_shares"].items()))
    return [
        "## Mining under the 2023 law: an accredited pool and licensed miners",
        "",
        f"A second chain, whose genesis carries a mining register: one accredited pool and"
        f" {len(pool['miners'])} licensed miners, each a separate process doing real SHA-256d"
        " work on the pool's jobs (a data-centre owner on a full core, two equipment owners on"
        f" part of one). The pool found {pool['pool_blocks']} blocks in {pool['elapsed_s']:.1f} s"
        f" at a {params['target_interval_ms'] / 1000:g} s interval, about"
        f" {pool['shares_per_block']} shares per block; it pays each block, once matured"
        f" ({params['coinbase_maturity']} blocks), by PPLNS over the last {pool['window']} shares,"
        f" with a reward spend on the chain ({pool['paid_blocks']} blocks paid so far). Shares"
        f" refused: {refused or 'none'} (a stale share is one for a tip the chain has left).",
        "",
        *fairness_table(pool),
        "",
        f"Largest gap between payout share and hash share in this run:"
        f" {100 * pool['error']:.2f} points (a short run: the luck of which shares fall in each"
        f" block's window). The same split over a simulated long run of {long['blocks']:,}"
        f" blocks, with this run's hash shares: {100 * long['error']:.2f} points.",
        "",
        f"Verified after the run: payouts recomputed from the published share log"
        f" ({pool['log_entries']:,} entries) equal the pool's credits and its reward spends on"
        f" the chain: **{verified}**. An observer node rebuilt from genesis accepted all"
        f" {checks['replayed_height']} blocks; a licensed miner's solo block was refused"
        f" (`{checks['solo']}`), as was a pool block naming an unlicensed miner"
        f" (`{checks['unlicensed']}`). The log and the genesis are published; anyone recomputes"
        " the payouts with `python -m node.pow.pool.verify --genesis"
        f" {pool['published']['genesis']} --log {pool['published']['log']}"
        f" --window {pool['window']}`.",
        "",
        "Energy and Kazakhstan's mining fee per category (CPU-seconds of the miners' processes"
        f" x {r['model']['params']['core_watts']:g} W per core; the fee by the electricity's"
        " source and price, `loadtests/pow/tax.py`):",
        "",
        *category_table(pool),
        "",
    ]
