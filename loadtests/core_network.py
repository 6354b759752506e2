"""The core benchmark's network: a bank, full-tier wallets, a filled state, pre-signed payments.

Shared by :mod:`loadtests.bench_core` and the REST benchmark (:mod:`loadtests.bench_api`
uses the same deterministic keys). Signing happens here, outside every timed part.
"""

from __future__ import annotations

import random

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
