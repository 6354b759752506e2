"""How long a bank's end-of-day statement takes to build, verify and write as CSV.

``python -m loadtests.bench_statements --wallets 500 --blocks 40 --per-block 100``

One day on LevelDB: a bank opens and funds ``--wallets`` wallets, then
``--blocks`` blocks of ``--per-block`` payments between them. The bank's
report for that day is built (``ledger.daybook.bank_report``), verified
(``ledger.statements.verify_report``: every header signature and audit path)
and written as CSV. The ceiling, measured in the same run, is reading the
same bytes raw — the bank's feed keys, each wallet's history keys and every
block — without decoding anything; the ratio says how far building is above
the storage's floor.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from ledger.chain import Chain
from ledger.daybook import DayBook, bank_report
from ledger.params import kzt, make_genesis
from ledger.queries import holdings_of_key
from ledger.rules import core_registry
from ledger.statements import verify_report
from ledger.storage import KeyValueStore
from ledger.storage import schema as s
from ledger.storage.leveldb import LevelDBStore
from ledger.types import Output, Transaction
from loadtests.netkit import GENESIS_TIME_MS, NETWORK, key
from node.producer import produce_now
from wallet import builders
from wallet.builders import Coin
from wire.statements import report_csv

BANK = "bank"
OUTPUTS_PER_TX = 200


class Day:
    """One chain whose every block lands on the genesis day, a second apart."""

    def __init__(self, store: KeyValueStore) -> None:
        self.cb, self.producer = key("central-bank"), key("producer")
        genesis = make_genesis(
            NETWORK, [self.cb.public_hex], [self.producer.public_hex], GENESIS_TIME_MS
        )
        self.chain = Chain(store, core_registry(), genesis)
        self.time_ms = GENESIS_TIME_MS

    def commit(self, txs: list[Transaction]) -> None:
        self.time_ms += 1000
        outcomes = produce_now(self.chain, self.producer, txs, self.time_ms)
        refused = [o.error for o in outcomes if o.error is not None]
        if refused:
            raise RuntimeError(f"{len(refused)} refused, e.g. {refused[0]}")

    def coins(self, owner: str) -> list[Coin]:
        held = holdings_of_key(self.chain.store, key(owner).public_hex)
        return [Coin(point=h.point, output=h.output) for h in held]


def found(day: Day, wallets: list[str]) -> None:
    bank = key(BANK)
    day.commit(
        [builders.bank_register(NETWORK, day.cb, BANK, "Bank", [bank.public_hex], kzt(10**9))]
    )
    day.commit(
        [
            builders.issue(
                NETWORK, day.cb, BANK, [Output(owner=bank.public_hex, amount=kzt(10**8))], 1
            )
        ]
    )
    for start in range(0, len(wallets), OUTPUTS_PER_TX):
        part = wallets[start : start + OUTPUTS_PER_TX]
        opens = [
            builders.wallet_open(NETWORK, bank, BANK, w, "business", [key(w).public_hex])
            for w in part
        ]
        day.commit(opens)
        coins = day.coins(BANK)
        change = sum(c.output.amount for c in coins) - kzt(1000) * len(part)
        outputs = [Output(owner=key(w).public_hex, amount=kzt(1000)) for w in part]
        day.commit(
            [
                builders.transfer(
                    NETWORK, coins, [*outputs, Output(owner=bank.public_hex, amount=change)], [bank]
                )
            ]
        )


def pay(day: Day, wallets: list[str], blocks: int, per_block: int, rng: random.Random) -> None:
    for _ in range(blocks):
        txs = []
        for payer in rng.sample(wallets, per_block):
            payee = key(rng.choice([w for w in wallets if w != payer])).public_hex
            me = key(payer)
            txs.append(
                builders.pay(
                    NETWORK, day.coins(payer), [me], payee, rng.randrange(1, 1000), me.public_hex
                )
            )
        day.commit(txs)


def raw_read(store: KeyValueStore, wallets: list[str], tip: int) -> float:
    """Seconds to read the bytes a statement reads, decoding nothing."""
    started = time.perf_counter()
    for _ in store.iterate(s.feed_prefix(BANK)):
        pass
    for wallet in wallets:
        for _ in store.iterate(s.history_prefix(wallet)):
            pass
    for height in range(1, tip + 1):
        store.get(s.block_key(height))
    return time.perf_counter() - started


def run(wallets: int, blocks: int, per_block: int, seed: int) -> dict[str, object]:
    ids = [f"w{i}" for i in range(wallets)]
    with tempfile.TemporaryDirectory(prefix="bench-statements-") as tmp:
        store = LevelDBStore(str(Path(tmp) / "ledger"))
        try:
            day = Day(store)
            found(day, ids)
            pay(day, ids, blocks, per_block, random.Random(seed))
            tip = day.chain.tip.height
            date = datetime.fromtimestamp(GENESIS_TIME_MS / 1000, UTC).date()
            started = time.perf_counter()
            report = bank_report(DayBook(store, day.chain.genesis, tip, date), BANK)
            built = time.perf_counter() - started
            assert report is not None
            started = time.perf_counter()
            verify_report(report, [day.producer.public_hex])
            verified = time.perf_counter() - started
            started = time.perf_counter()
            text = report_csv(report)
            written = time.perf_counter() - started
            ceiling = raw_read(store, ids, tip)
        finally:
            store.close()
    entries = sum(len(st.entries) for st in report.statements)
    return {
        "wallets": wallets, "blocks": tip, "statements": len(report.statements),
        "entries": entries, "build_ms": round(built * 1000, 3),
        "entries_per_s": round(entries / built), "verify_ms": round(verified * 1000, 3),
        "csv_ms": round(written * 1000, 3), "csv_bytes": len(text),
        "raw_read_ms": round(ceiling * 1000, 3), "build_over_raw": round(built / ceiling, 1),
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wallets", type=int, default=500)
    parser.add_argument("--blocks", type=int, default=40, help="blocks of payments in the day")
    parser.add_argument("--per-block", type=int, default=100, help="payments per block")
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args(argv)
    if not 2 <= args.per_block <= args.wallets:
        parser.error("--per-block must be between 2 and --wallets")
    result = run(args.wallets, args.blocks, args.per_block, args.seed)
    for name, value in result.items():
        print(f"{name:>16}: {value}")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
