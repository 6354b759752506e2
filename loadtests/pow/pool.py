"""The accredited pool on the real mining chain, measured: fairness, energy and fees by category.

Part of ``python -m loadtests.pow.compare`` (``--pool-blocks``; 0 skips it).
The chain's genesis carries a mining register (the accredited pool and three
licensed miners: one data-centre owner, two equipment owners of less
computing power), so only pool blocks for licensed miners are valid. The
pool and the miners are separate processes doing real SHA-256d work; the
pool pays each matured block's PPLNS split on the chain. Afterwards an
observer node rebuilt from genesis accepts the whole chain, the payouts
recomputed from the published share log equal the pool's credits and its
reward spends, and a solo miner's and an unlicensed miner's blocks are
refused. Measured per miner: hashes, shares, payout share against hash
share; per category: CPU-seconds, kWh, and Kazakhstan's mining fee per kWh
for that category's electricity. A seeded simulation of the same split
over many blocks gives the long-run proportionality error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ledger.crypto import KeyPair, sha256
from ledger.encoding import canonical
from loadtests.pow.model import J_PER_KWH
from loadtests.pow.pool_checks import consensus_refusals
from loadtests.pow.tax import SlidingScale, Source, mining_fee
from loadtests.pow.workload import Workload
from node.pow.block import PowGenesis
from node.pow.licence import AccreditedPool, Category, LicensedMiner, MiningRegister
from node.pow.mining import calibrated_target, measure_hashrate
from node.pow.node import wall_ms
from node.pow.params import PowParams, target_hex
from node.pow.pool.log import decode_log
from node.pow.pool.network import PoolNetwork
from node.pow.pool.payout import pplns, recompute
from node.pow.pool.service import PoolPlan, PoolReport

REWARD = 100_000_000  # one block's reward in the simulation (its units cancel out)


@dataclass(frozen=True)
class MinerSpec:
    """A licensed miner of the run: who, which category, how much of a core it hashes."""

    name: str
    category: Category
    power: float
    licence: str
    quota_kw: int | None = None


MINERS = (
    MinerSpec("Ekibastuz data centre", "data_centre", 1.0, "MIN-DC-001", 20_000),
    MinerSpec("Pavlodar equipment", "equipment", 0.6, "MIN-EQ-014"),
    MinerSpec("Karaganda equipment", "equipment", 0.3, "MIN-EQ-027"),
)


@dataclass(frozen=True)
class Tariff:
    """Where a category's electricity comes from and what it costs, KZT/kWh."""

    source: Source
    price_kzt: float


def add_pool_args(parser: argparse.ArgumentParser) -> None:
    """The pool run's options on the comparison's command line."""
    add = parser.add_argument
    add("--pool-blocks", type=int, default=30, help="blocks the pool mines (0: no pool run)")
    add("--pool-interval-s", type=float, default=0.5, help="the pool chain's block interval")
    add("--pool-shares", type=int, default=32, help="expected shares per block (difficulty)")
    add("--pool-window", type=int, default=2, help="PPLNS window, in blocks' worth of shares")
    add("--pool-long-run", type=int, default=5_000, help="blocks of the simulated long run")
    add("--pool-publish", default="reports/pow_pool", help="where to publish genesis and log")
    add("--dc-source", default="grid", choices=("grid", "own", "own_renewable", "unmetered"))
    add("--dc-price-kzt", type=float, default=1_500_000 / 78_000, help="data centres, KZT/kWh")
    add("--eq-source", default="grid", choices=("grid", "own", "own_renewable", "unmetered"))
    add("--eq-price-kzt", type=float, default=25.0, help="rented space, KZT/kWh")


def keys(seed: int) -> tuple[KeyPair, list[KeyPair]]:
    """The pool's key and each licensed miner's, derived from the seed."""

    def derive(name: str) -> KeyPair:
        return KeyPair.from_seed(sha256(f"pow-pool:{seed}:{name}".encode()))

    return derive("pool"), [derive(f"miner-{i}") for i in range(len(MINERS))]


def register_of(pool: KeyPair, miners: list[KeyPair]) -> MiningRegister:
    """The accredited pool and the licensed miners of the run."""
    accredited = AccreditedPool(
        key=pool.public_hex, name="Qazaq Mining Pool", accreditation="ACC-0001"
    )
    licensed = tuple(
        LicensedMiner(
            key=k.public_hex,
            name=s.name,
            licence=s.licence,
            category=s.category,
            quota_kw=s.quota_kw,
        )
        for k, s in zip(miners, MINERS, strict=True)
    )
    return MiningRegister(pools=(accredited,), miners=licensed)


def pool_genesis(
    workload: Workload, params: PowParams, register: MiningRegister, shares_per_block: int
) -> tuple[PowGenesis, int]:
    """A genesis whose first target suits this machine's miners; and the share target."""
    cores = max(1, (os.cpu_count() or 1) - 1)  # one core is the pool's
    rate = measure_hashrate() * min(sum(m.power for m in MINERS), cores)
    target = calibrated_target(rate, params.target_interval_ms, params.pow_limit_int)
    share_target = min(params.pow_limit_int, target * shares_per_block)
    genesis = PowGenesis(
        params=params,
        ledger=workload.genesis,
        bootstrap=tuple(tx.envelope() for tx in workload.bootstrap),
        time_ms=wall_ms(),
        target=target_hex(target),
        register=register,
    )
    return genesis, share_target


def measure_pool(
    workload: Workload,
    args: argparse.Namespace,
    seed: int,
    core_watts: float,
    tax_date: dt.date,
    scale: SlidingScale,
) -> dict[str, Any]:
    """Run the pool and its miners for ``--pool-blocks`` blocks; verify; the figures."""
    params = PowParams.local(interval_ms=int(args.pool_interval_s * 1000), coinbase_maturity=5)
    pool_key, miner_keys = keys(seed)
    register = register_of(pool_key, miner_keys)
    genesis, share_target = pool_genesis(workload, params, register, args.pool_shares)
    window = args.pool_window * args.pool_shares
    deadline = 30 + 8 * args.pool_blocks * args.pool_interval_s
    plan = PoolPlan(
        canonical(genesis),
        pool_key.seed,
        target_hex(share_target),
        window,
        args.pool_blocks,
        deadline,
    )
    network = PoolNetwork(
        plan, [(k.seed, s.power) for k, s in zip(miner_keys, MINERS, strict=True)]
    )
    with network:
        report = network.result()
    checks = consensus_refusals(genesis, report, pool_key, miner_keys[0])
    published = publish(args.pool_publish, genesis, report)
    recomputed = recompute(
        decode_log(report.log.encode()), genesis.network, register, pool_key.public_hex, window
    )
    best = {b.block_hash().hex() for b in report.chain}
    tariffs = {
        "data_centre": Tariff(args.dc_source, args.dc_price_kzt),
        "equipment": Tariff(args.eq_source, args.eq_price_kzt),
    }
    miners = miner_rows(report, register, best)
    return {
        "pids": network.pids,
        "published": published,
        "params": params.describe(),
        "shares_per_block": args.pool_shares,
        "window": window,
        "share_target": target_hex(share_target),
        "blocks": len(report.chain),
        "pool_blocks": len(report.credits),
        "paid_blocks": len(report.paid),
        "elapsed_s": report.elapsed_s,
        "pool_cpu_s": report.cpu_s,
        "refused_shares": report.refused,
        "log_entries": len(report.log.splitlines()),
        "recomputed_equal": {h: p for h, p in recomputed.items() if h in best}
        == {h: p for h, p in report.credits.items() if h in best},
        "paid_equal": all(report.credits[h] == p for h, p in report.paid.items()),
        "consensus": checks,
        "miners": miners,
        "categories": category_rows(miners, tariffs, core_watts, tax_date, scale),
        "error": max(abs(m["payout_share"] - m["hash_share"]) for m in miners),
        "long_run": long_run(miners, args.pool_long_run, args.pool_shares, window, seed),
    }


def publish(prefix: str, genesis: PowGenesis, report: PoolReport) -> dict[str, str]:
    """Write the chain's genesis and the pool's share log where anyone can verify them."""
    os.makedirs(os.path.dirname(prefix) or ".", exist_ok=True)
    paths = {"genesis": f"{prefix}_genesis.json", "log": f"{prefix}_share_log.jsonl"}
    with open(paths["genesis"], "wb") as out:
        out.write(canonical(genesis))
    with open(paths["log"], "w", encoding="utf-8") as out:
        out.write(report.log)
    return paths


def miner_rows(
    report: PoolReport, register: MiningRegister, best: set[str]
) -> list[dict[str, Any]]:
    """Per licensed miner: hashes, accepted shares, what the pool credited, their shares."""
    credited: Counter[str] = Counter()
    for block_hash, split in report.credits.items():
        if block_hash in best:
            credited.update(split)
    paid: Counter[str] = Counter()
    for split in report.paid.values():
        paid.update(split)
    shares = Counter(
        e.worker
        for e in decode_log(report.log.encode())
        if getattr(e, "worker", None) and hasattr(e, "nonce")
    )
    hashes = {r.key: r for r in report.miners}
    total_hashes = sum(r.hashes for r in report.miners) or 1
    total_credit = sum(credited.values()) or 1
    rows = []
    for miner in register.miners:
        done = hashes.get(miner.key)
        rows.append(
            {
                "name": miner.name,
                "category": miner.category,
                "licence": miner.licence,
                "hashes": done.hashes if done else 0,
                "cpu_s": done.cpu_s if done else 0.0,
                "shares": shares[miner.key],
                "credited": credited[miner.key],
                "paid": paid[miner.key],
                "hash_share": (done.hashes if done else 0) / total_hashes,
                "payout_share": credited[miner.key] / total_credit,
            }
        )
    return rows


def category_rows(
    miners: list[dict[str, Any]],
    tariffs: dict[str, Tariff],
    core_watts: float,
    on: dt.date,
    scale: SlidingScale,
) -> list[dict[str, Any]]:
    """Per category: miners, CPU-seconds, kWh, the fee per kWh, fee and electricity in KZT."""
    rows = []
    for category, tariff in tariffs.items():
        members = [m for m in miners if m["category"] == category]
        cpu = sum(m["cpu_s"] for m in members)
        kwh = cpu * core_watts / J_PER_KWH
        fee = mining_fee(on, tariff.source, tariff.price_kzt, scale)
        credited = sum(m["credited"] for m in members)
        rows.append(
            {
                "category": category,
                "miners": len(members),
                "cpu_s": cpu,
                "kwh": kwh,
                "source": tariff.source,
                "price_kzt_per_kwh": tariff.price_kzt,
                "fee_kzt_per_kwh": fee,
                "fee_kzt": kwh * fee,
                "electricity_kzt": kwh * tariff.price_kzt,
                "kwh_per_coin": kwh / (credited / 100_000_000) if credited else 0.0,
            }
        )
    return rows


def simulate_pplns(
    hash_shares: dict[str, float], blocks: int, shares_per_block: int, window: int, seed: int
) -> dict[str, float]:
    """Each miner's share of the rewards of ``blocks`` blocks found by shares drawn in
    proportion to ``hash_shares``, paid PPLNS (a seeded model of a long run)."""
    rng = random.Random(seed)
    names, weights = list(hash_shares), list(hash_shares.values())
    workers: list[str] = []
    paid: Counter[str] = Counter()
    found = 0
    while found < blocks:
        workers.append(rng.choices(names, weights)[0])
        if rng.random() < 1 / shares_per_block:
            paid.update(pplns(workers, REWARD, window))
            found += 1
            del workers[:-window]  # only the window is ever paid
    total = sum(paid.values())
    return {name: paid[name] / total for name in names}


def long_run(
    miners: list[dict[str, Any]], blocks: int, shares_per_block: int, window: int, seed: int
) -> dict[str, Any]:
    """The measured hash shares paid PPLNS over a long simulated run: the largest error."""
    shares = {m["name"]: m["hash_share"] for m in miners if m["hash_share"] > 0}
    if not shares or blocks <= 0:
        return {"blocks": 0, "error": 0.0, "payout_shares": {}}
    payout = simulate_pplns(shares, blocks, shares_per_block, window, seed)
    return {
        "blocks": blocks,
        "error": max(abs(payout[n] - shares[n]) for n in shares),
        "payout_shares": payout,
    }
