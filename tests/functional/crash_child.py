"""A block producer that runs until it is killed, printing every acknowledgement.

``python -m tests.functional.crash_child --data DIR``: on an empty directory it
founds a small network; then it pays in rounds (one payment per wallet per
round, through the real threaded producer) and prints ``ACK <height> <txid>``
for every transaction whose block has been committed. The parent kills it
with SIGKILL at random moments and checks that every ACK survived.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import wait

from ledger.chain import Chain
from ledger.params import kzt, make_genesis
from ledger.queries import holdings_of_key
from ledger.rules import core_registry
from ledger.storage.leveldb import LevelDBStore
from ledger.types import Output
from node.producer import Producer, produce_now
from tests.harness import NETWORK, T0, key
from wallet import builders
from wallet.builders import Coin

WALLETS = [f"w{i}" for i in range(20)]


def found(chain: Chain) -> None:
    cb, producer, bank = key("central-bank"), key("producer"), key("bank")
    register = builders.bank_register(NETWORK, cb, "bank", "Bank", [bank.public_hex], kzt(10**9))
    issue = builders.issue(
        NETWORK, cb, "bank", [Output(owner=bank.public_hex, amount=kzt(10**8))], 1
    )
    opens = [
        builders.wallet_open(NETWORK, bank, "bank", w, "business", [key(w).public_hex])
        for w in WALLETS
    ]
    outs = [Output(owner=key(w).public_hex, amount=kzt(1_000_000)) for w in WALLETS]
    change = Output(owner=bank.public_hex, amount=kzt(10**8) - kzt(1_000_000) * len(WALLETS))
    fund = builders.transfer(NETWORK, builders.coins_of(issue), [*outs, change], [bank])
    for txs in ([register], [issue, *opens], [fund]):
        produce_now(chain, producer, txs, int(time.time() * 1000))


def payment_round(chain: Chain, round_no: int) -> list:  # type: ignore[type-arg]
    txs = []
    for i, payer in enumerate(WALLETS):
        coins = [
            Coin(h.point, h.output) for h in holdings_of_key(chain.store, key(payer).public_hex)
        ]
        payee = key(WALLETS[(i + round_no + 1) % len(WALLETS)]).public_hex
        txs.append(
            builders.pay(
                NETWORK, coins, [key(payer)], payee, 100 + round_no % 50, key(payer).public_hex
            )
        )
    return txs


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    args = parser.parse_args()
    genesis = make_genesis(
        NETWORK, [key("central-bank").public_hex], [key("producer").public_hex], T0
    )
    chain = Chain(LevelDBStore(args.data), core_registry(), genesis)
    print(f"START {chain.tip.height} {chain.tip.state_digest}", flush=True)
    if chain.tip.height == 0:
        found(chain)
    producer = Producer(chain, key("producer"), max_block=10, max_wait_ms=2).start()
    round_no = 0
    while True:
        futures = [producer.submit(tx) for tx in payment_round(chain, round_no)]
        wait(futures)
        for future in futures:
            outcome = future.result()
            if outcome.committed:
                print(f"ACK {outcome.height} {outcome.txid.hex()}", flush=True)
        round_no += 1


if __name__ == "__main__":
    sys.exit(main())
