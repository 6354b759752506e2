"""Core benchmark: committed transfers/s against the machine's Ed25519 ceiling.

``python -m loadtests.bench_core --json PATH [--outputs 10000,100000,1000000]``
``python -m loadtests.bench_core --mix [--wallets 1000 --rounds 20]``: the mixed
workload of :mod:`loadtests.bench_mix` (70 % plain, 20 % special-purpose, 10 %
contract templates) beside plain transfers, measured in the same run.

For each state size it runs a separate process that (1) builds a network on
LevelDB in a temporary directory and fills the state with that many unspent
outputs, (2) pre-signs chains of transfers among M wallets (signing is outside
the timed part; each wallet's payments spend its previous change, so the
txids are known in advance), (3) measures raw PyNaCl verification with the
producer's thread count — the ceiling — and (4) measures end-to-end committed
throughput through the real producer: JSON decode, signature verification,
stateful checks, apply, and one synced LevelDB batch per block.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, wait

import msgspec

from ledger.chain import Chain
from ledger.crypto import KeyPair, sha256, verify
from ledger.encoding import canonical
from ledger.params import kzt, make_genesis
from ledger.rules import core_registry
from ledger.storage.leveldb import LevelDBStore
from ledger.types import OutPoint, Output, Transaction, Transfer
from node.producer import Producer, produce_now
from wallet import builders
from wallet.builders import Coin

NETWORK = "kzt-bench"
T0 = 1_767_225_600_000


def key(name: str) -> KeyPair:
    return KeyPair.from_seed(sha256(b"bench:" + name.encode()))


class Setup(msgspec.Struct):
    chain: Chain
    producer: KeyPair
    wallets: list[KeyPair]
    coins: list[Coin]  # one starting coin per wallet


def build_network(path: str, wallets: int, outputs: int, time_ms: int) -> Setup:
    """A bank, ``wallets`` full-tier wallets, and ``outputs`` unspent outputs in state."""
    cb, producer, bank = key("cb"), key("producer"), key("bank")
    genesis = make_genesis(NETWORK, [cb.public_hex], [producer.public_hex], T0)
    chain = Chain(LevelDBStore(path, cache_mb=256), core_registry(), genesis)
    people = [key(f"w{i}") for i in range(wallets)]
    produce_now(
        chain,
        producer,
        [builders.bank_register(NETWORK, cb, "bank", "Bank", [bank.public_hex], 2**52)],
        time_ms,
    )
    issue = builders.issue(NETWORK, cb, "bank", [Output(owner=bank.public_hex, amount=2**52)], 1)
    opens = [
        builders.wallet_open(NETWORK, bank, "bank", f"w{i}", "full", [k.public_hex])
        for i, k in enumerate(people)
    ]
    produce_now(chain, producer, [issue, *opens], time_ms + 1)
    reserve = builders.coins_of(issue)[0]
    coins: list[Coin] = []
    remaining, batch, t = outputs, [], time_ms + 2
    while remaining > 0:
        count = min(255, remaining)
        outs = [
            Output(
                owner=people[(outputs - remaining + i) % wallets].public_hex, amount=kzt(100_000)
            )
            for i in range(count)
        ]
        change = reserve.output.amount - sum(o.amount for o in outs)
        tx = builders.transfer(
            NETWORK, [reserve], [*outs, Output(owner=bank.public_hex, amount=change)], [bank]
        )
        reserve = builders.coins_of(tx)[-1]
        if len(coins) < wallets:
            coins.extend(builders.coins_of(tx)[: min(count, wallets - len(coins))])
        batch.append(tx)
        remaining -= count
        if len(batch) == 200 or remaining <= 0:
            t += 1
            produce_now(chain, producer, batch, t)
            batch = []
    return Setup(chain, producer, people, coins)


def presign(setup: Setup, rounds: int, seed: int) -> list[Transaction]:
    """``rounds`` payments per wallet, each spending the previous change; round-robin order."""
    rng = random.Random(seed)
    owner_key = {k.public_hex: k for k in setup.wallets}
    current = {c.output.owner: c for c in setup.coins}
    txs: list[Transaction] = []
    for _ in range(rounds):
        for payer in setup.wallets:
            coin = current[payer.public_hex]
            payee = setup.wallets[rng.randrange(len(setup.wallets))].public_hex
            amount = rng.randrange(100, kzt(500))
            body = Transfer(
                inputs=(coin.point,),
                outputs=(
                    Output(owner=payee, amount=amount),
                    Output(owner=payer.public_hex, amount=coin.output.amount - amount),
                ),
            )
            tx = Transaction.create(NETWORK, body, [owner_key[coin.output.owner]])
            txs.append(tx)
            current[payer.public_hex] = Coin(OutPoint(txid=tx.txid.hex(), index=1), body.outputs[1])
    return txs


def verify_ceiling(txs: list[Transaction], threads: int) -> float:
    """Raw Ed25519 verifications per second over the same messages, ``threads`` wide."""
    items = [
        (bytes.fromhex(t.signatures[0].key), t.message, bytes.fromhex(t.signatures[0].sig))
        for t in txs
    ]
    size = -(-len(items) // threads)
    chunks = [items[i : i + size] for i in range(0, len(items), size)]

    def run(chunk: list[tuple[bytes, bytes, bytes]]) -> int:
        return sum(verify(k, m, s) for k, m, s in chunk)

    with ThreadPoolExecutor(threads) as pool:
        started = time.perf_counter()
        verified = sum(pool.map(run, chunks))
        elapsed = time.perf_counter() - started
    assert verified == len(items)
    return len(items) / elapsed


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def run_one(
    outputs: int, wallets: int, rounds: int, threads: int, seed: int, mode: str = "process"
) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="bench-core-") as tmp:
        setup = build_network(os.path.join(tmp, "db"), wallets, outputs, T0 + 1000)
        # A long-running node has compacted what it wrote; do not time the filling's compaction.
        store = setup.chain.store
        assert isinstance(store, LevelDBStore)
        store.compact()
        txs = presign(setup, rounds, seed)
        raws = [canonical(t.envelope()) for t in txs]
        ceiling = verify_ceiling(txs, threads)
        cores = os.cpu_count() or 1
        machine = ceiling if threads == cores else verify_ceiling(txs, cores)
        producer = Producer(
            setup.chain,
            setup.producer,
            verify_workers=threads,
            verify_mode=mode,
            edge_registry="ledger.rules:core_registry" if mode == "process" else None,
            max_queue=len(raws) + 1,
        )
        height_before = setup.chain.tip.height
        with producer:
            started = time.perf_counter()
            futures = [producer.submit(raw) for raw in raws]
            wait(futures)
            elapsed = time.perf_counter() - started
        committed = sum(1 for f in futures if f.result().committed)
        refused = [f.result().error for f in futures if not f.result().committed]
        blocks = [t for t in producer.timings if t.txs]
        block_ms = [t.build_ms + t.commit_ms for t in blocks]
        setup.chain.store.close()
    tps = committed / elapsed
    return {
        "outputs_in_state": outputs,
        "wallets": wallets,
        "transactions": len(txs),
        "committed": committed,
        "refused": len(refused),
        "first_refusal": str(refused[0]) if refused else None,
        "seconds": round(elapsed, 3),
        "tps": round(tps, 1),
        "verify_threads": threads,
        "verify_ceiling": round(ceiling, 1),
        "ratio": round(tps / ceiling, 3),
        "machine_ceiling": round(machine, 1),
        "machine_ratio": round(tps / machine, 3),
        "blocks": len(blocks),
        "blocks_after": setup.chain.tip.height - height_before,
        "block_p50_ms": round(percentile(block_ms, 0.5), 1),
        "block_p99_ms": round(percentile(block_ms, 0.99), 1),
        "build_p50_ms": round(percentile([t.build_ms for t in blocks], 0.5), 1),
        "commit_p50_ms": round(percentile([t.commit_ms for t in blocks], 0.5), 1),
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def print_table(runs: list[dict[str, object]]) -> None:
    columns = [
        "outputs_in_state",
        "transactions",
        "tps",
        "verify_ceiling",
        "ratio",
        "machine_ceiling",
        "machine_ratio",
        "block_p50_ms",
        "block_p99_ms",
        "rss_mb",
    ]
    print(" | ".join(f"{c:>16}" for c in columns))
    for run in runs:
        print(" | ".join(f"{run[c]!s:>16}" for c in columns))


def run_mixed(wallets: int, rounds: int, threads: int, seed: int, out: str | None) -> int:
    """The mixed workload beside plain transfers on one network; prints both and the ratio."""
    from loadtests.bench_mix import run_mix

    result = run_mix(wallets, wallets * rounds // 2, threads, seed)
    print(
        f"plain transfers {result['plain_tps']} tx/s, mixed 70/20/10 {result['mixed_tps']} tx/s, "
        f"ratio {result['ratio']} (target >= 0.8); kinds {result['mixed_kinds']}"
    )
    if out:
        with open(out, "w") as handle:
            json.dump(result, handle, indent=2)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Core ledger benchmark")
    parser.add_argument("--json", help="write results here")
    parser.add_argument(
        "--outputs", default="10000,100000,1000000", help="state sizes, comma-separated"
    )
    parser.add_argument("--wallets", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=40, help="payments per wallet")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="the producer's verification workers (processes; also the ceiling's threads). "
        "One leaves the writer a whole core on a 2-core machine",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--single", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--mix", action="store_true", help="mixed workload (70/20/10) beside plain transfers"
    )
    args = parser.parse_args(argv)
    if args.mix:
        return run_mixed(args.wallets, args.rounds, args.threads, args.seed, args.json)
    sizes = [int(x) for x in args.outputs.split(",")]
    if args.single:
        print(json.dumps(run_one(sizes[0], args.wallets, args.rounds, args.threads, args.seed)))
        return 0
    runs = []
    for size in sizes:
        print(
            f"bench_core: {size:,} outputs in state, "
            f"{args.wallets} wallets x {args.rounds} payments ...",
            file=sys.stderr,
        )
        command = [
            sys.executable,
            "-m",
            "loadtests.bench_core",
            "--single",
            "--outputs",
            str(size),
            "--wallets",
            str(args.wallets),
            "--rounds",
            str(args.rounds),
            "--threads",
            str(args.threads),
            "--seed",
            str(args.seed),
        ]
        result = subprocess.run(command, check=True, capture_output=True, text=True)
        runs.append(json.loads(result.stdout.strip().splitlines()[-1]))
    print_table(runs)
    tps = [float(r["tps"]) for r in runs]  # type: ignore[arg-type]
    summary = {
        **min(runs, key=lambda r: float(r["tps"])),
        "runs": runs,  # type: ignore[arg-type]
        "tps_spread": round(max(tps) / min(tps) - 1, 3),
    }
    print(
        f"slowest run: {summary['tps']} tx/s, ratio {summary['ratio']}; "
        f"spread across sizes {summary['tps_spread']:.1%}"
    )
    if args.json:
        with open(args.json, "w") as out:
            json.dump(summary, out, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
