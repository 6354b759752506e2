"""Mixed workload: 70 % plain transfers, 20 % special-purpose payments, 10 % templates.

``python -m loadtests.bench_core --mix`` runs it (see :func:`run_mix`). One
network on LevelDB, with the node's full registry, holds people with KZT and
a special-purpose token, merchants the token's policy admits (MCC and
region, under a per-payment cap and a validity window), and template
customers, each with an open meter and a mandate. Every transaction is
pre-signed (each payer spends its previous change), then the same producer
commits, in the same process, plain-only and mixed phases alternately (plain
first and last) and reports the median of each. Plain and special-purpose
payments go from the same people to the same merchants, so the ratio mixed /
plain is the cost of the policy checks and the contract kinds; the issue's
target is at least 0.8.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import wait
from itertools import cycle

import msgspec

from contracts.policy import Policy, token_id
from ledger.chain import Chain
from ledger.crypto import KeyPair, sha256
from ledger.encoding import canonical
from ledger.params import kzt, make_genesis
from ledger.storage.leveldb import LevelDBStore
from ledger.types import OutPoint, Output, Transaction, Transfer
from node.composition import full_registry
from node.producer import Producer, produce_now
from wallet import builders
from wallet.builders import Coin
from wallet.contracts import builders as p

NETWORK = "kzt-bench-mix"
T0 = 1_767_225_600_000
YEAR = 365 * 86_400_000


def key(name: str) -> KeyPair:
    """A benchmark key derived from a name."""
    return KeyPair.from_seed(sha256(b"bench-mix:" + name.encode()))


class Party(msgspec.Struct):
    """A participant and the coins it will spend next (each payment spends its change)."""

    key: KeyPair
    kzt: Coin
    token: Coin | None = None
    meter: str = ""
    mandate: str = ""
    claimed: int = 0
    sequence: int = 0


class MixSetup(msgspec.Struct):
    chain: Chain
    producer: KeyPair
    token: str
    people: list[Party]
    merchants: list[KeyPair]
    customers: list[Party]
    shop: KeyPair


class Builder:
    """Commits setup blocks one after another, a millisecond apart."""

    def __init__(self, chain: Chain, producer: KeyPair) -> None:
        self.chain, self.producer, self.time_ms = chain, producer, T0

    def commit(self, txs: list[Transaction]) -> None:
        """One block of ``txs``; every one must be committed."""
        self.time_ms += 1
        for outcome in produce_now(self.chain, self.producer, txs, self.time_ms):
            assert outcome.error is None, outcome.error


def _fan_out(
    b: Builder, payer: KeyPair, coin: Coin, grants: list[tuple[str, int]], token: str = "KZT"
) -> tuple[list[Coin], Coin]:
    """Pay ``grants`` from ``coin`` in transactions of 200; returns the coins and the change."""
    made: list[Coin] = []
    for start in range(0, len(grants), 200):
        chunk = [Output(owner=o, amount=a, token=token) for o, a in grants[start : start + 200]]
        change = coin.output.amount - sum(o.amount for o in chunk)
        tx = builders.transfer(
            NETWORK,
            [coin],
            [*chunk, Output(owner=payer.public_hex, amount=change, token=token)],
            [payer],
        )
        b.commit([tx])
        coins = builders.coins_of(tx)
        made.extend(coins[:-1])
        coin = coins[-1]
    return made, coin


def _open_wallets(b: Builder, bank: KeyPair, people: int, merchants: int, customers: int) -> None:
    """People and template customers (full tier), merchants, the shop and the issuer (business)."""
    names: dict[str, str | None] = {f"p{i}": None for i in range(people)}
    names |= {f"c{i}": None for i in range(customers)}
    shops = {f"m{i}": "5814" for i in range(merchants)} | {"shop": "5411", "gov": None}
    opens = [
        builders.wallet_open(
            NETWORK,
            bank,
            "bank",
            name,
            "business" if name in shops else "full",
            [key(name).public_hex],
            mcc=mcc,
            region="KZ-ALA",
        )
        for name, mcc in {**names, **shops}.items()
    ]
    for start in range(0, len(opens), 500):
        b.commit(opens[start : start + 500])


def _program(b: Builder, gov: KeyPair, coin: Coin, people: int) -> tuple[str, list[Coin]]:
    """A policy (MCC, region, cap, window, expiry) and 1,000 KZT of its token per person."""
    policy = Policy(
        issuer=gov.public_hex,
        name="bench",
        mcc=("5411", "5814"),
        regions=("KZ-ALA",),
        per_payment=kzt(10_000),
        valid_until=T0 + YEAR,
        expires_at=T0 + 2 * YEAR,
    )
    token = token_id(policy)
    b.commit([p.program_create(NETWORK, gov, policy)])
    minted = [Output(owner=gov.public_hex, amount=coin.output.amount)]
    tx = p.program_issue(NETWORK, gov, [coin], token, minted)
    b.commit([tx])
    grants = [(key(f"p{i}").public_hex, kzt(1_000)) for i in range(people)]
    tokens, _ = _fan_out(b, gov, builders.coins_of(tx)[0], grants, token)
    return token, tokens


def build_mix_network(path: str, people: int, merchants: int, customers: int) -> MixSetup:
    """Bank, issuer, people holding KZT and tokens, merchants, template customers."""
    cb, producer, bank, gov = key("cb"), key("producer"), key("bank"), key("gov")
    genesis = make_genesis(NETWORK, [cb.public_hex], [producer.public_hex], T0)
    chain = Chain(LevelDBStore(path, cache_mb=256), full_registry(), genesis)
    b = Builder(chain, producer)
    b.commit([builders.bank_register(NETWORK, cb, "bank", "Bank", [bank.public_hex], 2**52)])
    issue = builders.issue(NETWORK, cb, "bank", [Output(owner=bank.public_hex, amount=2**50)], 1)
    b.commit([issue])
    _open_wallets(b, bank, people, merchants, customers)
    b.commit([p.program_grant(NETWORK, cb, "gov", 1)])
    funded = [(key(f"p{i}").public_hex, kzt(1_000_000)) for i in range(people)]
    funded += [(key(f"c{i}").public_hex, kzt(1_000_000)) for i in range(customers)]
    funded.append((gov.public_hex, kzt(1_000) * (people + 1)))
    coins, _ = _fan_out(b, bank, builders.coins_of(issue)[0], funded)
    kzt_of = {c.output.owner: c for c in coins}
    token, tokens = _program(b, gov, kzt_of[gov.public_hex], people)
    party = [Party(key(f"p{i}"), kzt_of[key(f"p{i}").public_hex], tokens[i]) for i in range(people)]
    shop = key("shop")
    custs = [_customer(b, f"c{i}", kzt_of[key(f"c{i}").public_hex], shop) for i in range(customers)]
    merchant_keys = [key(f"m{i}") for i in range(merchants)]
    return MixSetup(chain, producer, token, party, merchant_keys, custs, shop)


def _customer(b: Builder, wallet_id: str, coin: Coin, shop: KeyPair) -> Party:
    """A template customer: a meter for the shop, and a mandate of 10,000 KZT a day."""
    who = key(wallet_id)
    meter = p.meter_open(NETWORK, [coin], who, shop.public_hex, kzt(100_000), T0 + YEAR)
    mandate = p.mandate_create(
        NETWORK, who, wallet_id, shop.public_hex, kzt(10_000), 86_400_000, T0, T0 + YEAR
    )
    b.commit([meter, mandate])
    return Party(
        who, builders.coins_of(meter)[0], meter=meter.txid.hex(), mandate=mandate.txid.hex()
    )


# -- pre-signed workloads ----------------------------------------------------------------


def _spend_chain(who: Party, attr: str, payee: str, amount: int, token: str) -> Transaction:
    coin: Coin = getattr(who, attr)
    body = Transfer(
        inputs=(coin.point,),
        outputs=(
            Output(owner=payee, amount=amount, token=token),
            Output(owner=who.key.public_hex, amount=coin.output.amount - amount, token=token),
        ),
    )
    tx = Transaction.create(NETWORK, body, [who.key])
    setattr(who, attr, Coin(OutPoint(txid=tx.txid.hex(), index=1), body.outputs[1]))
    return tx


def plain(setup: MixSetup, rng: random.Random) -> Callable[[], Transaction]:
    """People pay merchants KZT, in turn (the same payees as the special payments)."""
    people = cycle(setup.people)

    def next_tx() -> Transaction:
        payee = rng.choice(setup.merchants).public_hex
        return _spend_chain(next(people), "kzt", payee, rng.randrange(100, kzt(50)), "KZT")

    return next_tx


def special(setup: MixSetup, rng: random.Random) -> Callable[[], Transaction]:
    """People pay merchants in the special-purpose token (the policy hook decides)."""
    people = cycle(setup.people)

    def next_tx() -> Transaction:
        payee = rng.choice(setup.merchants).public_hex
        return _spend_chain(next(people), "token", payee, rng.randrange(1, 300), setup.token)

    return next_tx


def templates(setup: MixSetup, rng: random.Random) -> Callable[[], Transaction]:
    """Escrow open, escrow release, meter claim, mandate pull, in turn per customer."""
    steps: Iterator[tuple[Party, int]] = ((c, s) for s in cycle(range(4)) for c in setup.customers)
    escrows: dict[str, tuple[str, int]] = {}
    shop = setup.shop

    def next_tx() -> Transaction:
        who, step = next(steps)
        if step == 0 or (step == 1 and who.key.public_hex not in escrows):
            tx = p.escrow_open(NETWORK, [who.kzt], who.key, shop.public_hex, 500, T0 + YEAR)
            who.kzt = builders.coins_of(tx)[0]
            escrows[who.key.public_hex] = (tx.txid.hex(), 500)
            return tx
        if step == 1:
            escrow, amount = escrows.pop(who.key.public_hex)
            return p.escrow_release(NETWORK, escrow, shop.public_hex, amount, [who.key, shop])
        if step == 2:
            who.sequence += 1
            signed = p.usage(NETWORK, who.key, who.meter, who.sequence, who.claimed + 7)
            tx = p.meter_claim(NETWORK, shop, who.meter, signed, who.claimed)
            who.claimed += 7
            return tx
        tx = p.mandate_pull(NETWORK, shop, who.mandate, [who.kzt], 300)
        who.kzt = builders.coins_of(tx)[1]
        return tx

    return next_tx


def presign(
    setup: MixSetup, count: int, mix: tuple[float, float, float], seed: int
) -> list[Transaction]:
    """``count`` transactions drawn with the given shares of plain / special / template."""
    rng = random.Random(seed)
    makers = [plain(setup, rng), special(setup, rng), templates(setup, rng)]
    return [rng.choices(makers, weights=mix)[0]() for _ in range(count)]


def measure(setup: MixSetup, txs: list[Transaction], threads: int) -> dict[str, float]:
    """Committed transactions per second through the real producer (decode to commit)."""
    raws = [canonical(t.envelope()) for t in txs]
    producer = Producer(
        setup.chain,
        setup.producer,
        verify_workers=threads,
        max_queue=len(raws) + 1,
        clock=lambda: T0 + YEAR // 2,
    )
    with producer:
        started = time.perf_counter()
        futures = [producer.submit(raw) for raw in raws]
        wait(futures)
        elapsed = time.perf_counter() - started
    refused = [f.result().error for f in futures if not f.result().committed]
    assert not refused, refused[:3]
    return {
        "transactions": len(raws),
        "seconds": round(elapsed, 3),
        "tps": round(len(raws) / elapsed, 1),
    }


def run_mix(
    people: int, count: int, threads: int, seed: int, repeats: int = 3
) -> dict[str, object]:
    """Plain and mixed phases alternated ``repeats`` times (plain first and last) on one
    network; medians of each, and their ratio, so a noisy neighbour skews neither side."""
    shares = [(1.0, 0.0, 0.0), (0.7, 0.2, 0.1)] * repeats + [(1.0, 0.0, 0.0)]
    with tempfile.TemporaryDirectory(prefix="bench-mix-") as tmp:
        merchants, customers = max(4, people // 4), max(4, people // 10)
        setup = build_mix_network(f"{tmp}/db", people, merchants, customers)
        # pre-sign every phase first: each payer's chain continues across phases
        phases = [presign(setup, count, mix, seed + i) for i, mix in enumerate(shares)]
        runs = [measure(setup, txs, threads)["tps"] for txs in phases]
        setup.chain.store.close()
    plain_runs, mixed_runs = runs[0::2], runs[1::2]
    plain_tps, mixed_tps = statistics.median(plain_runs), statistics.median(mixed_runs)
    return {
        "people": people,
        "transactions_per_phase": count,
        "verify_threads": threads,
        "plain_tps": round(plain_tps, 1),
        "mixed_tps": round(mixed_tps, 1),
        "ratio": round(mixed_tps / plain_tps, 3),
        "plain_runs_tps": plain_runs,
        "mixed_runs_tps": mixed_runs,
        "mixed_kinds": kinds_of(phases[1]),
    }


def kinds_of(txs: list[Transaction]) -> dict[str, int]:
    """How many of each kind (special-purpose transfers apart from plain ones)."""
    kinds: dict[str, int] = {}
    for tx in txs:
        special = any(o.token != "KZT" for o in tx.body.creates())
        kind = "transfer (special-purpose)" if tx.kind == "transfer" and special else tx.kind
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds
