"""The PoW side of the comparison: competing miner processes carry the workload.

An observer node in this process receives every block the moment the hub
sees it and records when each transaction was committed (on the best branch)
and final (6 confirmations). Energy is the miners' CPU-seconds in the
measured window, from ``getrusage`` inside each miner process.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

from ledger.errors import TengeError
from loadtests.pow.finality import FinalityWatch
from loadtests.pow.workload import Workload
from node.pow.block import PowGenesis
from node.pow.mining import calibrated_target, measure_hashrate
from node.pow.network import FoundBlock, MinerNetwork
from node.pow.node import PowNode, wall_ms
from node.pow.params import PowParams, target_hex
from node.pow.process import cpu_seconds

log = logging.getLogger(__name__)
Progress = Callable[[int, int, str], None]


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def pow_genesis(workload: Workload, params: PowParams, miners: int) -> tuple[PowGenesis, float]:
    """A genesis whose first target suits this machine; returns it and the hash rate used."""
    per_process = measure_hashrate()
    network_rate = per_process * max(1, min(miners, os.cpu_count() or 1))
    target = calibrated_target(network_rate, params.target_interval_ms, params.pow_limit_int)
    genesis = PowGenesis(
        params=params,
        ledger=workload.genesis,
        bootstrap=tuple(tx.envelope() for tx in workload.bootstrap),
        time_ms=wall_ms(),
        target=target_hex(target),
    )
    return genesis, network_rate


class PowRun:
    """One measured run: miners, observer, and the clock."""

    def __init__(self, workload: Workload, genesis: PowGenesis, network: MinerNetwork) -> None:
        self.workload, self.genesis, self.network = workload, genesis, network
        self.observer = PowNode(genesis)
        self.watch = FinalityWatch(self.observer, genesis.params.finality_depth)
        self.found: list[FoundBlock] = []
        self.txids = {tx.txid for tx in workload.transfers}
        self.started = 0.0
        self.hub_cpu_s = 0.0

    def pump(self, timeout_s: float) -> None:
        """Take the blocks found so far into the observer."""
        for found in self.network.poll(timeout_s):
            self.found.append(found)
            try:
                self.observer.receive(found.block)
            except TengeError as error:
                log.warning("observer refused block: %s", error)
            self.watch.update(time.monotonic())

    def final_count(self) -> int:
        """Workload transactions with 6 confirmations on the observer's best branch."""
        return sum(
            1 for txid, (_, final) in self.watch.tx_times().items() if final and txid in self.txids
        )

    def run(self, deadline_s: float, progress: Progress) -> None:
        """Submit every transfer at once, then wait until all are final or time runs out."""
        self.started, cpu0 = time.monotonic(), cpu_seconds()
        self.network.broadcast([tx.envelope() for tx in self.workload.transfers])
        total = len(self.txids)
        done = 0
        while done < total and time.monotonic() - self.started < deadline_s:
            blocks_before = len(self.found)
            self.pump(0.2)
            if len(self.found) != blocks_before:
                done = self.final_count()
            progress(done, total, f"PoW h={self.observer.tip.height}")
        self.hub_cpu_s = cpu_seconds() - cpu0


def measure_pow(
    workload: Workload,
    params: PowParams,
    *,
    miners: int,
    propagation_ms: int,
    seed: int,
    deadline_s: float,
    progress: Progress,
) -> dict[str, Any]:
    """Run the PoW chain on the workload; every miner process is stopped on return."""
    genesis, rate = pow_genesis(workload, params, miners)
    network = MinerNetwork(genesis, miners, propagation_ms=propagation_ms, seed=seed)
    with network:
        run = PowRun(workload, genesis, network)
        run.pump(0.0)
        run.run(deadline_s, progress)
        ended = time.monotonic()
    result = summarise(run, ended)
    result.update(
        miners=miners,
        miner_pids=network.pids,
        propagation_ms=propagation_ms,
        calibrated_hashrate_hs=round(rate),
        initial_target=genesis.target,
        params=params.describe(),
    )
    return result


def _latency(values: Sequence[float]) -> dict[str, float]:
    return {"p50": percentile(values, 50), "p99": percentile(values, 99)}


def summarise(run: PowRun, ended: float) -> dict[str, Any]:
    """The figures of one run, as plain JSON values."""
    t0 = run.started
    times = {t: v for t, v in run.watch.tx_times().items() if t in run.txids}
    committed = [included - t0 for included, _ in times.values()]
    finals = [final - t0 for _, final in times.values() if final is not None]
    span = max(committed, default=0.0)
    best = {entry.block_hash for entry in run.observer.best_chain()}
    stale = [f for f in run.found if f.block.block_hash() not in best]
    window = [f for f in run.found if f.seen >= t0 and f.block.block_hash() in best]
    reports = run.network.reports
    cpu = sum(r.cpu_measured_s for r in reports)
    return {
        "submitted": len(run.txids),
        "committed": len(committed),
        "final": len(finals),
        "elapsed_s": ended - t0,
        "throughput_tps": len(committed) / span if span > 0 else 0.0,
        "commit_latency_s": _latency(committed),
        "finality_latency_s": _latency(finals),
        "blocks_found": len(run.found),
        "stale_blocks": len(stale),
        "stale_rate": len(stale) / len(run.found) if run.found else 0.0,
        "best_height": run.observer.tip.height,
        "mean_block_interval_s": (ended - t0) / len(window) if window else 0.0,
        "reorgs_seen_by_observer": run.observer.reorgs,
        "returned_to_mempool_by_observer": run.observer.returned_to_mempool,
        "hashes": sum(r.hashes_measured for r in reports),
        "hashes_total": sum(r.hashes for r in reports),
        "cpu_s": cpu,
        "cpu_total_s": sum(r.cpu_s for r in reports),
        "hub_and_observer_cpu_s": run.hub_cpu_s,
        "cpu_s_per_tx": cpu / len(committed) if committed else 0.0,
        "per_miner": [
            {
                "pid": r.pid,
                "blocks_found": r.blocks_found,
                "hashes": r.hashes_measured,
                "cpu_s": r.cpu_measured_s,
            }
            for r in reports
        ],
    }
