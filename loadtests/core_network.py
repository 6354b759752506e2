"""The core benchmark's network: a bank, full-tier wallets, a filled state, pre-signed payments.

Shared by :mod:`loadtests.bench_core` and the REST benchmark (:mod:`loadtests.bench_api`
uses the same deterministic keys). Signing happens here, outside every timed part.

``python -m loadtests.core_network --outputs 10000000 DIR`` fills and compacts a state in
``DIR`` once (minutes at ten million outputs: run it under the shared bench lock), which
``bench_core --state DIR`` then copies for each timed run.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time

import msgspec

from ledger.chain import Chain
from ledger.crypto import KeyPair, sha256
from ledger.params import kzt, make_genesis
from ledger.rules import core_registry
from ledger.storage.leveldb import LevelDBStore
from ledger.types import OutPoint, Output, Transaction, Transfer
from node.producer import produce_now
from wallet import builders
from wallet.builders import Coin

NETWORK = "kzt-bench"
T0 = 1_767_225_600_000


def key(name: str) -> KeyPair:
    """The benchmark's deterministic key pair of that name."""
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


class FilledState(msgspec.Struct, frozen=True):
    """What :func:`fill_state` writes beside the database: enough to open the network again."""

    outputs: int
    """Unspent outputs the fill created."""
    coins: list[Coin]
    """One starting coin per wallet (the wallets are ``key("w0")``, ``key("w1")``, ...)."""


def save_state(directory: str, setup: Setup, outputs: int) -> None:
    """Close the network's store and write ``network.json`` beside it, for :func:`open_network`."""
    setup.chain.store.close()
    with open(os.path.join(directory, "network.json"), "wb") as file:
        file.write(msgspec.json.encode(FilledState(outputs=outputs, coins=setup.coins)))


def open_network(directory: str, db_path: str) -> tuple[Setup, int]:
    """The network this module's ``main`` filled in ``directory``, opened on a copy of its
    database at ``db_path``; and the number of outputs it was filled with."""
    with open(os.path.join(directory, "network.json"), "rb") as file:
        filled = msgspec.json.decode(file.read(), type=FilledState)
    chain = Chain(LevelDBStore(db_path, cache_mb=256), core_registry())
    people = [key(f"w{i}") for i in range(len(filled.coins))]
    return Setup(chain, key("producer"), people, list(filled.coins)), filled.outputs


def presign(setup: Setup, rounds: int, seed: int) -> list[Transaction]:
    """``rounds`` payments per wallet, each spending the previous change; round-robin order.

    ``setup.coins`` moves on to each wallet's last change, so a second call signs
    the payments that follow the first call's.
    """
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
    setup.coins = [current[k.public_hex] for k in setup.wallets]
    return txs


def main(argv: list[str] | None = None) -> int:
    """Fill a state for ``bench_core --state`` and say how long it took."""
    parser = argparse.ArgumentParser(description="Fill the core benchmark's state once")
    parser.add_argument("directory", help="an empty or missing directory")
    parser.add_argument("--outputs", type=int, default=10_000_000)
    parser.add_argument("--wallets", type=int, default=1000)
    args = parser.parse_args(argv)
    os.makedirs(args.directory, exist_ok=False)
    started = time.perf_counter()
    setup = build_network(os.path.join(args.directory, "db"), args.wallets, args.outputs, T0 + 1000)
    filled = time.perf_counter()
    store = setup.chain.store
    assert isinstance(store, LevelDBStore)
    store.compact()
    save_state(args.directory, setup, args.outputs)
    print(
        f"{args.outputs:,} outputs: filled in {filled - started:.0f} s, "
        f"compacted in {time.perf_counter() - filled:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
