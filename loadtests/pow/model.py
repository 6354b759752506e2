"""The network-scale model: Bitcoin at its real parameters beside the measured ledger.

Nothing here is measured. Every figure is computed from the parameters in
:class:`ModelParams` (each printed in the report) and, for the ledger, from
the throughput, latency and CPU-seconds measured in the same run. Each
formula is returned as text with its numbers filled in, so a reader can redo
the arithmetic.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from loadtests.pow.tax import SlidingScale, Source, mining_fee

J_PER_KWH = 3_600_000


class ModelParams(msgspec.Struct, frozen=True):
    """Assumptions of the model; all can be changed on the command line."""

    block_interval_s: float = 600.0
    block_bytes: int = 1_000_000
    avg_tx_bytes: int = 250
    confirmations: int = 6
    hashrate_ehs: float = 150.0
    """Network hash rate, EH/s (about the 2021 average)."""
    efficiency_j_per_th: float = 30.0
    """Fleet-average miner efficiency, J/TH."""
    subsidy_btc: float = 6.25
    """Block subsidy in BTC (2020-2024 era)."""
    kwh_per_btc: float = 78_000.0
    """Reference: one bitcoin takes on average about 78,000 kWh ..."""
    kzt_per_btc_energy: float = 1_500_000.0
    """... which was close to 1.5 million tenge."""
    electricity_kzt_per_kwh: float = 1_500_000.0 / 78_000.0
    """Price of electricity; by default the one the reference implies."""
    tax_date: dt.date = dt.date(2023, 1, 1)
    tax_source: Source = "grid"
    tax_scale: SlidingScale = SlidingScale()
    core_watts: float = 10.0
    """Power drawn by one busy server core of the ledger, W."""
    ledger_replicas: int = 3
    """Machines that each do the ledger's work (replicated ordering)."""
    kz_hashrate_share: float = 0.18
    """Kazakhstan's share of global hash rate in 2021."""


def bitcoin_model(p: ModelParams) -> tuple[dict[str, float], list[str]]:
    """Throughput, finality, power and energy/cost per transaction of Bitcoin."""
    tx_per_block = p.block_bytes / p.avg_tx_bytes
    tps = tx_per_block / p.block_interval_s
    power_w = p.hashrate_ehs * 1e6 * p.efficiency_j_per_th  # EH/s -> TH/s is x 1e6
    kwh_per_tx = power_w / tps / J_PER_KWH
    kwh_per_tx_ref = p.kwh_per_btc * p.subsidy_btc / tx_per_block
    kwh_per_btc = power_w * p.block_interval_s / p.subsidy_btc / J_PER_KWH
    fee = mining_fee(p.tax_date, p.tax_source, p.electricity_kzt_per_kwh, p.tax_scale)
    kzt_per_kwh = p.electricity_kzt_per_kwh + fee
    figures = {
        "tx_per_block": tx_per_block,
        "tps": tps,
        "finality_s": p.confirmations * p.block_interval_s,
        "network_power_w": power_w,
        "kwh_per_tx": kwh_per_tx,
        "kwh_per_tx_from_reference": kwh_per_tx_ref,
        "kwh_per_btc_model": kwh_per_btc,
        "mining_fee_kzt_per_kwh": fee,
        "kzt_per_tx_electricity": kwh_per_tx * p.electricity_kzt_per_kwh,
        "kzt_per_tx_fee": kwh_per_tx * fee,
        "kzt_per_tx": kwh_per_tx * kzt_per_kwh,
    }
    formulas = [
        f"tx per block = block bytes / avg tx bytes = {p.block_bytes:,} / {p.avg_tx_bytes}"
        f" = {tx_per_block:,.0f}",
        f"Bitcoin tx/s = tx per block / interval = {tx_per_block:,.0f} / {p.block_interval_s:g} s"
        f" = {tps:.2f}",
        f"Bitcoin finality = confirmations x interval = {p.confirmations} x"
        f" {p.block_interval_s:g} s = {p.confirmations * p.block_interval_s:,.0f} s",
        f"network power = hash rate x efficiency = {p.hashrate_ehs:g} EH/s x 10^6 TH/EH x"
        f" {p.efficiency_j_per_th:g} J/TH = {power_w / 1e9:.2f} GW",
        f"energy per tx = power / tx rate = {power_w / 1e9:.2f} GW / {tps:.2f} tx/s"
        f" = {kwh_per_tx:,.0f} kWh",
        f"cross-check: energy per BTC = power x interval / subsidy = {kwh_per_btc:,.0f} kWh"
        f" (reference {p.kwh_per_btc:,.0f} kWh)",
        f"reference per tx = {p.kwh_per_btc:,.0f} kWh/BTC x {p.subsidy_btc:g} BTC/block /"
        f" {tx_per_block:,.0f} tx/block = {kwh_per_tx_ref:,.0f} kWh",
        f"reference price = {p.kzt_per_btc_energy:,.0f} KZT / {p.kwh_per_btc:,.0f} kWh ="
        f" {p.kzt_per_btc_energy / p.kwh_per_btc:.2f} KZT/kWh",
        f"Bitcoin cost per tx = energy x (price + mining fee) = {kwh_per_tx:,.0f} kWh x"
        f" ({p.electricity_kzt_per_kwh:.2f} + {fee}) KZT/kWh = {figures['kzt_per_tx']:,.0f} KZT",
    ]
    return figures, formulas


def ledger_model(
    p: ModelParams, cpu_s: float, committed: int
) -> tuple[dict[str, float], list[str]]:
    """Energy and cost per transaction of the ledger from measured CPU-seconds."""
    joules = cpu_s * p.core_watts * p.ledger_replicas
    kwh_per_tx = joules / max(1, committed) / J_PER_KWH
    figures = {
        "kwh_per_tx": kwh_per_tx,
        "kzt_per_tx": kwh_per_tx * p.electricity_kzt_per_kwh,
    }
    formulas = [
        f"ledger energy per tx = CPU-s x W/core x replicas / tx = {cpu_s:.2f} x"
        f" {p.core_watts:g} W x {p.ledger_replicas} / {committed:,} = {kwh_per_tx:.3e} kWh",
        f"ledger cost per tx = energy x price = {kwh_per_tx:.3e} kWh x"
        f" {p.electricity_kzt_per_kwh:.2f} KZT/kWh = {figures['kzt_per_tx']:.3e} KZT"
        " (no mining fee: nothing is mined)",
    ]
    return figures, formulas


def kazakhstan_context(p: ModelParams, power_w: float) -> list[str]:
    """What an 18 % share of the network meant in power, energy and fees."""
    share_w = power_w * p.kz_hashrate_share
    twh = share_w * 24 * 365 / 1e12
    fee = mining_fee(p.tax_date, p.tax_source, p.electricity_kzt_per_kwh, p.tax_scale)
    return [
        f"In 2021 Kazakhstan had about {p.kz_hashrate_share:.0%} of global bitcoin hash rate:"
        f" {share_w / 1e9:.2f} GW under this model, {twh:.1f} TWh a year,"
        f" {twh * 1e9 * fee / 1e9:,.1f} billion KZT a year in mining fees at {fee} KZT/kWh.",
    ]


def network_model(
    p: ModelParams, ledger_tps: float, ledger_finality_s: float, cpu_s: float, committed: int
) -> dict[str, Any]:
    """The whole modelled section: figures, formulas and ledger-advantage ratios."""
    btc, btc_formulas = bitcoin_model(p)
    led, led_formulas = ledger_model(p, cpu_s, committed)
    return {
        "params": msgspec.to_builtins(p),
        "bitcoin": btc,
        "ledger": led,
        "throughput_ratio": ledger_tps / btc["tps"],
        "finality_ratio": btc["finality_s"] / ledger_finality_s if ledger_finality_s else 0.0,
        "energy_ratio": btc["kwh_per_tx"] / led["kwh_per_tx"] if led["kwh_per_tx"] else 0.0,
        "formulas": btc_formulas + led_formulas,
        "context": kazakhstan_context(p, btc["network_power_w"]),
    }
