"""Permissioned ledger vs proof of work on the same pre-signed transfers.

    python -m loadtests.pow.compare --json reports/pow_compare.json \
        [--n 2000 --seed 7 --interval-s 2 --miners 3] [--report docs/pow-comparison.md]

Measures both systems in one run (throughput, submission-to-finality
latency, CPU-seconds, and for PoW hashes and stale blocks), adds a clearly
labelled network-scale model with every formula, runs mining as the 2023
law allows it (licensed miners through an accredited pool, ``--pool-blocks``:
:mod:`loadtests.pow.pool`), and writes the JSON, a Markdown report and a
log-scale chart. A progress bar goes to stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import platform
import resource
import shlex
import sys
import tempfile
import time
from concurrent.futures import Future
from typing import Any

from ledger.chain import Chain
from ledger.rules import core_registry
from ledger.storage.leveldb import LevelDBStore
from loadtests.pow.chart import write_chart
from loadtests.pow.measure import measure_pow, percentile
from loadtests.pow.model import J_PER_KWH, ModelParams, network_model
from loadtests.pow.pool import add_pool_args, measure_pool
from loadtests.pow.report import render_markdown, target_verdicts
from loadtests.pow.tax import SlidingScale
from loadtests.pow.workload import Workload, build_workload
from node.ordering import Outcome
from node.pow.node import wall_ms
from node.pow.params import PowParams
from node.producer import Producer, produce_now

log = logging.getLogger("pow_compare")


class ProgressBar:
    """One line on stderr, redrawn in place."""

    def __init__(self, phase: str) -> None:
        self.phase, self.shown, self.finished = phase, "", False

    def __call__(self, done: int, total: int, label: str = "") -> None:
        filled = int(30 * done / max(1, total))
        line = f"{self.phase:<7} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total} {label:<16}"
        if line == self.shown:
            return  # redraw only when something changed
        self.shown, self.finished = line, done >= total
        sys.stderr.write("\r" + line + ("\n" if self.finished else ""))
        sys.stderr.flush()

    def close(self) -> None:
        """End the line if the phase stopped short of its total."""
        if self.shown and not self.finished:
            sys.stderr.write("\n")


def cpu_seconds() -> float:
    """User + system CPU time of this process, all threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure_ledger(workload: Workload, progress: ProgressBar) -> dict[str, Any]:
    """The transfers through the ledger's Producer on LevelDB; setup is untimed."""
    with tempfile.TemporaryDirectory(prefix="pow-compare-ledger-") as path:
        store = LevelDBStore(path)
        try:
            chain = Chain(store, core_registry(), workload.genesis)
            setup = produce_now(chain, workload.producer, workload.bootstrap, wall_ms())
            if not all(o.committed for o in setup):
                raise RuntimeError("the workload's setup was refused by the ledger")
            return _timed_ledger_run(chain, workload, progress)
        finally:
            store.close()


def _timed_ledger_run(chain: Chain, workload: Workload, progress: ProgressBar) -> dict[str, Any]:
    done: list[tuple[float, float, bool]] = []
    blocks: list[int] = []
    producer = Producer(chain, workload.producer)
    producer.on_commit.append(lambda height, outcomes: blocks.append(height))
    total = len(workload.transfers)

    def record(submitted: float) -> Any:
        def callback(future: Future[Outcome]) -> None:
            done.append((submitted, time.perf_counter(), future.result().committed))

        return callback

    cpu0, started = cpu_seconds(), time.perf_counter()
    with producer:
        futures = []
        for tx in workload.transfers:
            future = producer.submit(tx)
            future.add_done_callback(record(time.perf_counter()))
            futures.append(future)
        while len(done) < total:
            progress(len(done), total, "ledger")
            time.sleep(0.02)
    cpu = cpu_seconds() - cpu0
    progress(total, total, "ledger")
    ok = [(s, c) for s, c, committed in done if committed]
    latencies = [c - s for s, c in ok]
    span = max((c for _, c in ok), default=started) - started
    return {
        "submitted": total,
        "committed": len(ok),
        "blocks": len(set(blocks)),
        "elapsed_s": span,
        "throughput_tps": len(ok) / span if span > 0 else 0.0,
        "latency_s": {"p50": percentile(latencies, 50), "p99": percentile(latencies, 99)},
        "cpu_s": cpu,
        "cpu_s_per_tx": cpu / max(1, len(ok)),
        "store": "LevelDB (plyvel), synced batch per block",
    }


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line; every model parameter has a stated default."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--json", default="reports/pow_compare.json", help="where to write the JSON results")
    add("--report", default="docs/pow-comparison.md", help="Markdown report (chart beside it)")
    add("--n", type=int, default=2000, help="number of pre-signed transfers")
    add("--seed", type=int, default=7, help="seed for keys, amounts and payees")
    add("--interval-s", type=float, default=2.0, help="PoW target block interval (scaled)")
    add("--miners", type=int, default=3, help="competing miner processes")
    add("--max-block-bytes", type=int, default=100_000, help="PoW block size limit")
    add("--propagation-ms", type=int, default=50, help="PoW block relay delay")
    add("--retarget-window", type=int, default=10, help="PoW blocks per difficulty retarget")
    add("--deadline-s", type=float, default=0.0, help="PoW phase time limit (0: automatic)")
    add("--hashrate-ehs", type=float, default=150.0, help="model: Bitcoin hash rate, EH/s")
    add("--j-per-th", type=float, default=30.0, help="model: miner efficiency, J/TH")
    add("--core-watts", type=float, default=10.0, help="power of one busy CPU core, W")
    add("--replicas", type=int, default=3, help="model: machines repeating the ledger's work")
    add("--kzt-per-kwh", type=float, default=1_500_000 / 78_000, help="electricity price")
    add("--tax-date", type=dt.date.fromisoformat, default=dt.date(2023, 1, 1))
    add("--tax-source", default="grid", choices=("grid", "own", "own_renewable", "unmetered"))
    add("--tax-band-kzt", type=float, default=1.0, help="price band per 1-tenge fee step")
    add("--tax-floor-kzt", type=float, default=0.0, help="price where the first band starts")
    add_pool_args(parser)
    return parser.parse_args(argv)


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if "model name" in line)
    except (OSError, StopIteration):
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "run at (UTC)": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"),
    }


def model_params(args: argparse.Namespace) -> ModelParams:
    """The network-scale model's parameters from the command line."""
    return ModelParams(
        hashrate_ehs=args.hashrate_ehs,
        efficiency_j_per_th=args.j_per_th,
        electricity_kzt_per_kwh=args.kzt_per_kwh,
        tax_date=args.tax_date,
        tax_source=args.tax_source,
        tax_scale=SlidingScale(band_kzt=args.tax_band_kzt, floor_kzt=args.tax_floor_kzt),
        core_watts=args.core_watts,
        ledger_replicas=args.replicas,
    )


def compare(args: argparse.Namespace, command: str) -> dict[str, Any]:
    """Both measurements, the ratios, the model and the verdicts."""
    workload = build_workload(args.n, args.seed)
    ledger = measure_ledger(workload, ProgressBar("ledger"))
    params = PowParams.local(
        interval_ms=int(args.interval_s * 1000),
        max_block_bytes=args.max_block_bytes,
        retarget_window=args.retarget_window,
    )
    blocks = -(-args.n * 700 // args.max_block_bytes) + params.finality_depth
    deadline = args.deadline_s or 60 + 4 * blocks * args.interval_s
    bar = ProgressBar("PoW")
    pow_ = measure_pow(
        workload,
        params,
        miners=args.miners,
        propagation_ms=args.propagation_ms,
        seed=args.seed,
        deadline_s=deadline,
        progress=bar,
    )
    bar.close()
    for side in (ledger, pow_):
        side["kwh_per_tx"] = side["cpu_s_per_tx"] * args.core_watts / J_PER_KWH
    lat, fin = ledger["latency_s"], pow_["finality_latency_s"]
    measured = {
        "throughput": ledger["throughput_tps"] / pow_["throughput_tps"],
        "finality": fin["p50"] / lat["p50"],
        "energy": pow_["kwh_per_tx"] / ledger["kwh_per_tx"],
    }
    model = network_model(
        model_params(args),
        ledger["throughput_tps"],
        lat["p50"],
        ledger["cpu_s"],
        ledger["committed"],
    )
    modelled = {k: model[f"{k}_ratio"] for k in ("throughput", "finality", "energy")}
    pool = None
    if args.pool_blocks > 0:  # the 2023 law: mining only through an accredited pool
        scale = SlidingScale(band_kzt=args.tax_band_kzt, floor_kzt=args.tax_floor_kzt)
        pool = measure_pool(workload, args, args.seed, args.core_watts, args.tax_date, scale)
    return {
        "command": command,
        "n": args.n,
        "seed": args.seed,
        "machine": machine(),
        "ledger": ledger,
        "pow": pow_,
        "throughput_ratio": measured["throughput"],
        "finality_ratio": measured["finality"],
        "finality_ratio_p99": fin["p99"] / lat["p99"],
        "energy_ratio": measured["energy"],
        "model": model,
        "targets": target_verdicts(measured, modelled),
        **({"pool": pool} if pool is not None else {}),
    }


def write_outputs(result: dict[str, Any], json_path: str, report_path: str) -> None:
    """JSON, then the chart, then the Markdown report beside it."""
    chart_path = os.path.splitext(report_path)[0] + ".png"
    for path in (json_path, report_path):
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(json_path, "w", encoding="utf-8") as out:
        json.dump(result, out, indent=2, default=str)
    write_chart(result, chart_path)
    with open(report_path, "w", encoding="utf-8") as out:
        out.write(render_markdown(result, os.path.basename(chart_path)))


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and write everything; prints a summary for people."""
    argv = sys.argv[1:] if argv is None else argv
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    args = parse_args(argv)
    command = shlex.join(["python", "-m", "loadtests.pow.compare", *argv])
    result = compare(args, command)
    write_outputs(result, args.json, args.report)
    print(
        f"ledger {result['ledger']['throughput_tps']:,.0f} tx/s, PoW"
        f" {result['pow']['throughput_tps']:,.1f} tx/s"
    )
    for verdict in result["targets"]:
        print(f"{verdict['metric']:<10} target {verdict['target']:>11,.0f}x  {verdict['verdict']}")
    print(f"wrote {args.json}, {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
