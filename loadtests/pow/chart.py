"""The comparison chart: log-scale bars for throughput, finality and energy per transaction."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt  # imported after choosing the backend

COLOURS = ("#1b7837", "#b35806", "#762a83")


def write_chart(r: dict[str, Any], path: str) -> None:
    """Three log-scale bar panels: ledger, local PoW (measured), Bitcoin (modelled)."""
    led, pw, btc = r["ledger"], r["pow"], r["model"]["bitcoin"]
    names = ("ledger\n(measured)", "PoW local\n(measured)", "Bitcoin\n(modelled)")
    panels = (
        (
            "throughput, tx/s (higher is better)",
            (led["throughput_tps"], pw["throughput_tps"], btc["tps"]),
        ),
        (
            "time to finality p50, s (lower is better)",
            (led["latency_s"]["p50"], pw["finality_latency_s"]["p50"], btc["finality_s"]),
        ),
        (
            "energy per tx, kWh (lower is better)",
            (led["kwh_per_tx"], pw["kwh_per_tx"], btc["kwh_per_tx"]),
        ),
    )
    figure, axes = plt.subplots(1, 3, figsize=(13, 4.2))
    for axis, (title, values) in zip(axes, panels, strict=True):
        shown = [max(v, 1e-12) for v in values]
        bars = axis.bar(names, shown, color=COLOURS)
        axis.set_yscale("log")
        axis.set_title(title, fontsize=10)
        axis.bar_label(bars, labels=[f"{v:.3g}" for v in values], fontsize=8)
        axis.tick_params(axis="x", labelsize=8)
    figure.suptitle(f"Permissioned ledger vs proof of work, {r['n']} transfers (seed {r['seed']})")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
