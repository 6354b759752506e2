"""The hostile campaign: mutated, properly signed transactions of every kind beside honest payments.

``python -m loadtests.hostile --seed 7 --rounds 50`` builds the story of
:mod:`loadtests.hostile_story` (a template of every registered kind), then
for each round starts the real app, producer and service in process on a
copy of the story's final state and submits one batch through the HTTP API:
the four honest payers' payments first, then one mutant
(:mod:`loadtests.hostile_mutate`) of every template; a few more mutants go
to ``POST /v1/transactions`` and to the dry run. It checks, every round:

- no answer (nor batch item) has a status of 500 or more;
- every honest payment is committed;
- the round's blocks, replayed on a fresh copy of the story's state (the
  strict replay: every transaction it holds must pass again and the header's
  state digest must come out), reproduce the node's tip and every stored
  byte: the refused mutants left nothing behind.

``--node`` runs the rounds against a real node process instead (on a copy
of the story in its data directory; rounds then build on each other). It
prints the counts: sent, refused by code, accepted, 5xx (which must be 0).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from api.app import create_app
from ledger.chain import Chain
from ledger.crypto import KeyPair
from ledger.encoding import canonical
from ledger.queries import holdings_of_key
from ledger.storage import KeyValueStore, schema
from ledger.storage.memory import MemoryStore
from ledger.types import Block, Transaction
from loadtests.hostile_mutate import mutate
from loadtests.hostile_story import HONEST, NETWORK, Story, build, key, ring, validator
from node.composition import full_registry
from node.producer import Producer
from node.service import LedgerService
from wallet import builders
from wallet.builders import Coin

JSON = {"content-type": "application/json"}
SINGLES = 3
"""Mutants per round also sent alone, and as many to the dry run."""


@dataclass
class Tally:
    """Every answer of a campaign, counted."""

    sent: int = 0
    honest: int = 0
    honest_committed: int = 0
    accepted: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    rounds: int = 0

    def answer(self, status: int, code: str, what: str) -> None:
        self.statuses[status] += 1
        if code:
            self.codes[code] += 1
        if status >= 500:
            self.server_errors.append(f"{status} {code} for {what}")

    def summary(self) -> dict[str, Any]:
        return {
            "rounds": self.rounds,
            "sent": self.sent,
            "hostile": self.sent - self.honest,
            "hostile_accepted": self.accepted,
            "honest": self.honest,
            "honest_committed": self.honest_committed,
            "server_errors": len(self.server_errors),
            "statuses": dict(sorted(self.statuses.items())),
            "refused_by_code": dict(self.codes.most_common()),
        }


def copy_of(store: KeyValueStore) -> MemoryStore:
    """Every key and value of ``store``, in a new memory store."""
    copied = MemoryStore()
    copied.write_batch(dict(store.iterate(b"")))
    return copied


@contextmanager
def app_on(store: KeyValueStore, story: Story) -> Iterator[tuple[Chain, httpx.Client]]:
    """The node's app, producer and service in process on ``store``, at the story's next time."""
    validating = validator()
    for txid, witness in story.witnesses.items():
        validating.hold(txid, witness)
    chain = Chain(store, full_registry(validating))
    producer = Producer(chain, key("producer"), max_wait_ms=50, clock=lambda: story.next_time)
    service = LedgerService(chain, producer)
    app = create_app(service, chain.registry)
    producer.start()
    try:
        with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://node") as http:
            yield chain, http
    finally:
        producer.stop()


def honest_payments(
    coins_of: Callable[[str, KeyPair], list[Coin]], round_number: int
) -> list[Transaction]:
    """Each honest payer pays the next one a few tiyn from its own coins."""
    payments = []
    for i, name in enumerate(HONEST):
        payer, payee = key(name), key(HONEST[(i + 1) % len(HONEST)])
        amount = 1 + (round_number * 7 + i) % 97
        coins = coins_of(name, payer)
        payments.append(
            builders.pay(NETWORK, coins, [payer], payee.public_hex, amount, payer.public_hex)
        )
    return payments


def mutants(story: Story, rng: random.Random, extra: int = 0) -> list[tuple[str, bytes]]:
    """One mutant of every template, then ``extra`` of random ones, as
    ``(kind: what changed, envelope bytes)``."""
    keys = ring()
    kinds = list(story.templates)
    chosen = kinds + [rng.choice(kinds) for _ in range(extra)]
    found = []
    for kind in chosen:
        what, data = mutate(story.templates[kind], rng, keys)
        found.append((f"{kind}: {what}", data))
    return found


def problem_code(response: httpx.Response) -> str:
    if response.headers.get("content-type") == "application/problem+json":
        return str(response.json().get("code", ""))
    return ""


def parses(data: bytes) -> bool:
    try:
        json.loads(data)
    except ValueError:
        return False
    return True


def send_round(
    http: httpx.Client, honest: list[Transaction], hostile: list[tuple[str, bytes]], tally: Tally
) -> None:
    """The batch (honest first), then the last ``2 * SINGLES`` mutants alone and in the dry run.

    Items are spliced into the batch as their bytes (a re-encoding would undo a byte
    mutation); a mutant that is not JSON at all would make the whole batch unreadable,
    so it goes alone instead."""
    hostile, extra = hostile[: -2 * SINGLES], hostile[-2 * SINGLES :]
    batched = [(w, d) for w, d in hostile if parses(d)]
    alone = [(w, d) for w, d in hostile if not parses(d)] + extra[:SINGLES]
    items = [canonical(t.envelope()) for t in honest] + [d for _, d in batched]
    body = b'{"transactions":[' + b",".join(items) + b"]}"
    response = http.post("/v1/transactions/batch?wait=commit", content=body, headers=JSON)
    tally.sent += len(items)
    tally.honest += len(honest)
    tally.answer(response.status_code, problem_code(response), "the batch")
    if response.status_code == 200:
        count(response.json()["results"], honest, batched, tally)
    for what, data in alone:
        one = http.post("/v1/transactions?wait=commit", content=data, headers=JSON)
        tally.sent += 1
        tally.answer(one.status_code, problem_code(one), what)
        tally.accepted += one.status_code in (200, 202)
    for what, data in extra[SINGLES:]:
        check = http.post("/v1/transactions/check", content=data, headers=JSON)
        tally.answer(check.status_code, problem_code(check), f"dry run of {what}")


def count(
    results: list[dict[str, Any]],
    honest: list[Transaction],
    hostile: list[tuple[str, bytes]],
    tally: Tally,
) -> None:
    """Tally a batch's per-item results."""
    for index, result in enumerate(results):
        problem = result.get("problem")
        what = "an honest payment" if index < len(honest) else hostile[index - len(honest)][0]
        if index < len(honest):
            tally.honest_committed += result["status"] == "committed"
        elif result["status"] != "rejected":
            tally.accepted += 1
        if problem:
            tally.answer(int(problem["status"]), str(problem["code"]), what)


NODE_LOCAL = (schema.PRODUCER_LOCAL, schema.NONCES)
"""Records no replica holds: the producer's sealed limit book (sealed with fresh nonces)
and the signed-read nonces the node has seen."""


def stored(store: KeyValueStore) -> dict[bytes, bytes]:
    """Everything a replica must hold byte for byte: all but the node-local records."""
    return {k: v for k, v in store.iterate(b"") if not k.startswith(NODE_LOCAL)}


def replayed_equal(snapshot: KeyValueStore, chain: Chain, start: int) -> bool:
    """Replay ``chain``'s blocks after ``start`` on a copy of ``snapshot``; the same state?"""
    replica = Chain(copy_of(snapshot), full_registry())
    for height in range(start + 1, chain.tip.height + 1):
        block = chain.block(height)
        assert isinstance(block, Block)
        replica.commit(replica.replay(block))
    return replica.tip == chain.tip and stored(replica.store) == stored(chain.store)


def coins_on(store: KeyValueStore) -> Callable[[str, KeyPair], list[Coin]]:
    """The unspent coins of a key, read from ``store`` (in process, no signed read needed)."""

    def coins_of(name: str, owner: KeyPair) -> list[Coin]:
        held = holdings_of_key(store, owner.public_hex)
        return [Coin(point=h.point, output=h.output) for h in held]

    return coins_of


def run_in_process(story: Story, seed: int, rounds: int) -> Tally:
    """``rounds`` rounds, each on a fresh copy of the story's final state."""
    rng, tally = random.Random(seed), Tally()
    snapshot = story.chain.store
    for number in range(rounds):
        store = copy_of(snapshot)
        with app_on(store, story) as (chain, http):
            honest = honest_payments(coins_on(store), number)
            send_round(http, honest, mutants(story, rng, 2 * SINGLES), tally)
            if not replayed_equal(snapshot, chain, story.chain.tip.height):
                tally.server_errors.append(f"round {number}: the replayed state differs")
        tally.rounds += 1
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Hostile mutants of every kind beside honest payments"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--node", action="store_true", help="against a real node process")
    parser.add_argument("--json", help="write the counts here")
    args = parser.parse_args(argv)
    started = time.monotonic()
    if args.node:
        from loadtests.hostile_node import run_on_node

        tally = run_on_node(args.seed, args.rounds)
    else:
        tally = run_in_process(build(MemoryStore()), args.seed, args.rounds)
    summary = {
        **tally.summary(),
        "seed": args.seed,
        "seconds": round(time.monotonic() - started, 1),
    }
    print(json.dumps(summary, indent=2))
    for line in tally.server_errors[:20]:
        print("SERVER ERROR:", line, file=sys.stderr)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(summary, out, indent=2)
    ok = not tally.server_errors and tally.honest_committed == tally.honest
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
