"""The comparison report: a Markdown document and a log-scale chart, from the JSON.

Both are written by ``python -m loadtests.pow.compare``; neither is edited by
hand. Measured rows (this machine, this run) and modelled rows (computed from
stated parameters) are kept in separate tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from loadtests.pow.pool_report import pool_section
from loadtests.pow.tax import SlidingScale, schedule_rows

TARGETS = (("throughput", 1_000.0), ("finality", 1_000.0), ("energy", 1_000_000.0))


def ratio_text(value: float) -> str:
    """A ledger-advantage ratio for people: 1234.5 -> '1,235x'."""
    if value >= 100:
        return f"{value:,.0f}x"
    return f"{value:.2g}x" if value < 10 else f"{value:.1f}x"


def target_verdicts(measured: dict[str, float], modelled: dict[str, float]) -> list[dict[str, Any]]:
    """Each target with the measured and modelled ratios and an honest verdict."""
    verdicts = []
    for name, target in TARGETS:
        got, model = measured[name], modelled[name]
        if got >= target:
            verdict = f"met, measured ({ratio_text(got)})"
        elif model >= target:
            verdict = (
                f"met only in the model ({ratio_text(model)}); measured {ratio_text(got)},"
                f" {ratio_text(target / got) if got else 'inf'} short on this machine"
            )
        else:
            verdict = f"not met: modelled {ratio_text(model)}, {ratio_text(target / model)} short"
        verdicts.append(
            {
                "metric": name,
                "target": target,
                "measured": got,
                "modelled": model,
                "verdict": verdict,
            }
        )
    return verdicts


def _g(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) >= 0.001 else f"{value:.3e}"


def measured_table(r: dict[str, Any]) -> list[str]:
    """Rows measured in this run on this machine."""
    led, pw = r["ledger"], r["pow"]
    rows = [
        (
            "transactions committed / submitted",
            f"{led['committed']} / {led['submitted']}",
            f"{pw['committed']} / {pw['submitted']} ({pw['final']} final)",
            "",
        ),
        (
            "committed tx/s",
            _g(led["throughput_tps"]),
            _g(pw["throughput_tps"]),
            ratio_text(r["throughput_ratio"]),
        ),
        (
            "submission to commit p50 / p99, s",
            f"{_g(led['latency_s']['p50'])} / {_g(led['latency_s']['p99'])}",
            f"{_g(pw['commit_latency_s']['p50'])} / {_g(pw['commit_latency_s']['p99'])}",
            "",
        ),
        (
            "submission to finality p50 / p99, s (PoW: 6 confirmations)",
            f"{_g(led['latency_s']['p50'])} / {_g(led['latency_s']['p99'])} (commit is final)",
            f"{_g(pw['finality_latency_s']['p50'])} / {_g(pw['finality_latency_s']['p99'])}",
            f"{ratio_text(r['finality_ratio'])} / {ratio_text(r['finality_ratio_p99'])}",
        ),
        ("CPU-seconds (ledger process / miner processes)", _g(led["cpu_s"]), _g(pw["cpu_s"]), ""),
        (
            "energy per tx, kWh (CPU-s x W/core / tx)",
            _g(led["kwh_per_tx"]),
            _g(pw["kwh_per_tx"]),
            ratio_text(r["energy_ratio"]),
        ),
        ("hashes computed", "0", f"{pw['hashes']:,}", ""),
        (
            "blocks (PoW: found / stale)",
            str(led["blocks"]),
            f"{pw['blocks_found']} / {pw['stale_blocks']}",
            "",
        ),
        ("orphan / stale block rate", "0 (one producer)", f"{pw['stale_rate']:.1%}", ""),
    ]
    return _table(
        ["metric", "permissioned ledger", "PoW chain (local, scaled)", "ledger advantage"], rows
    )


def modelled_table(r: dict[str, Any]) -> list[str]:
    """Rows computed by the network-scale model."""
    m, led = r["model"], r["ledger"]
    btc, lm = m["bitcoin"], m["ledger"]
    rows = [
        (
            "throughput, tx/s",
            f"{_g(led['throughput_tps'])} (measured, one node)",
            _g(btc["tps"]),
            ratio_text(m["throughput_ratio"]),
        ),
        (
            "time to finality, s",
            f"{_g(led['latency_s']['p50'])} (measured p50)",
            _g(btc["finality_s"]),
            ratio_text(m["finality_ratio"]),
        ),
        (
            "energy per tx, kWh",
            _g(lm["kwh_per_tx"]),
            _g(btc["kwh_per_tx"]),
            ratio_text(m["energy_ratio"]),
        ),
        (
            "cost per tx, KZT (electricity + mining fee)",
            _g(lm["kzt_per_tx"]),
            f"{_g(btc['kzt_per_tx'])} ({_g(btc['kzt_per_tx_fee'])} of it fee)",
            ratio_text(btc["kzt_per_tx"] / lm["kzt_per_tx"]) if lm["kzt_per_tx"] else "",
        ),
    ]
    return _table(
        ["metric", "permissioned ledger", "Bitcoin (real parameters)", "ledger advantage"], rows
    )


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _params(title: str, values: dict[str, Any]) -> list[str]:
    rows = [(f"`{k}`", f"{v:,}" if isinstance(v, int) else str(v)) for k, v in values.items()]
    return [f"**{title}**", "", *_table(["parameter", "value"], rows), ""]


def _targets(r: dict[str, Any]) -> list[str]:
    rows = [
        (
            v["metric"],
            f">= {v['target']:,.0f}x",
            ratio_text(v["measured"]),
            ratio_text(v["modelled"]),
            v["verdict"],
        )
        for v in r["targets"]
    ]
    return _table(["ledger advantage in", "target", "measured", "modelled", "verdict"], rows)


def _fee_table(model: dict[str, Any]) -> list[str]:
    p = model["params"]
    scale = SlidingScale(**p["tax_scale"])
    rows = [
        (period, case, str(fee))
        for period, case, fee in schedule_rows(p["electricity_kzt_per_kwh"], scale)
    ]
    return _table(["period", "case", "fee, KZT/kWh"], rows)


def reading_notes(r: dict[str, Any]) -> list[str]:
    """Why measured and modelled ratios differ, with this run's numbers."""
    led, pw, m = r["ledger"], r["pow"], r["model"]
    btc, params = m["bitcoin"], m["params"]
    per_block = pw["hashes"] / max(1, pw["blocks_found"])
    real_per_block = params["hashrate_ehs"] * 1e18 * params["block_interval_s"]
    notes = [
        f"- The local PoW chain is deliberately easy: about {per_block:,.0f} hashes per block,"
        f" against {real_per_block:.1e} for Bitcoin at {params['hashrate_ehs']:g} EH/s and"
        f" {params['block_interval_s']:g} s. Its energy per transaction is therefore a tiny"
        " fraction of the real network's, and the measured energy ratio is a floor, not an"
        " estimate of the real one.",
        f"- Its blocks come every {pw['params']['target_interval_ms'] / 1000:g} s instead of"
        f" 600 s and carry up to {pw['params']['max_block_bytes']:,} bytes every interval: the"
        " local chain is far faster than Bitcoin, so measured throughput and finality ratios"
        " understate the gap that the model shows.",
        f"- The ledger is one Python process: {led['cpu_s']:.2f} CPU-seconds for"
        f" {led['committed']:,} transfers, about {led['committed'] / max(led['cpu_s'], 1e-9):,.0f}"
        " transfers per CPU-second on this machine, every one signature-checked, checked"
        " against state and committed with a synced LevelDB batch.",
    ]
    needed = 1_000 * btc["tps"]
    if led["throughput_tps"] < needed:
        notes.append(
            f"- Throughput: 1,000x Bitcoin's modelled {btc['tps']:.2f} tx/s is {needed:,.0f} tx/s;"
            f" the ledger measured {led['throughput_tps']:,.0f} tx/s here,"
            f" {needed / led['throughput_tps']:.1f}x short of that target on this machine."
        )
    return notes


def render_markdown(r: dict[str, Any], chart_name: str) -> str:
    """The whole report as Markdown."""
    pw, m = r["pow"], r["model"]
    params = pw["params"]
    lines = [
        "# Permissioned ledger vs proof of work: measured and modelled",
        "",
        "Generated by the command below; do not edit by hand.",
        "",
        f"    {r['command']}",
        "",
        "## Targets",
        "",
        *_targets(r),
        "",
        *reading_notes(r),
        "",
        "## Measured on this machine, in one run",
        "",
        f"The same {r['n']} pre-signed transfers (seed {r['seed']}), signed before any clock"
        " started, were submitted all at once to each system. The ledger is the in-process"
        " `Producer` on LevelDB in a temporary directory (one producer, commit = final). The"
        f" PoW chain is {pw['miners']} competing miner processes doing real SHA-256d work,"
        f" relaying blocks with {pw['propagation_ms']} ms propagation delay, at a scaled"
        f" {params['target_interval_ms'] / 1000:g} s block interval and a"
        f" {params['max_block_bytes']:,}-byte block limit. Energy uses"
        f" {m['params']['core_watts']:g} W per busy core for both.",
        "",
        *measured_table(r),
        "",
        f"PoW details: {pw['hashes']:,} hashes at about {pw['calibrated_hashrate_hs']:,} H/s"
        f" (calibrated), best height {pw['best_height']}, mean interval"
        f" {pw['mean_block_interval_s']:.2f} s, {pw['reorgs_seen_by_observer']} reorganisation(s)"
        f" seen by the observer. The hub and observer node used {pw['hub_and_observer_cpu_s']:.2f}"
        " CPU-seconds (not counted as mining energy). Miner processes (pids) were all stopped:"
        f" {pw['miner_pids']}.",
        "",
        "## Modelled at network scale (computed from the parameters, not measured)",
        "",
        *modelled_table(r),
        "",
        "Formulas, with this run's numbers:",
        "",
        *[f"- {f}" for f in m["formulas"]],
        "",
        *[f"Context: {c}" for c in m["context"]],
        "",
        f"Kazakhstan's mining fee (parameterised; the model uses {m['params']['tax_date']},"
        f" source `{m['params']['tax_source']}`):",
        "",
        *_fee_table(m),
        "",
        *pool_section(r),
        "## Parameters",
        "",
        *_params("Local PoW chain (scaled; Bitcoin's are 600 s, 1 MB, 2016, 210,000, 100)", params),
        *_params("Network-scale model", {k: v for k, v in m["params"].items() if k != "tax_scale"}),
        f"![throughput, finality and energy per transaction, log scale]({chart_name})",
        "",
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in r["machine"].items()],
        "",
    ]
    return "\n".join(lines)
