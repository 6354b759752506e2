"""Privacy benchmark: private beside open transfers, anonymous withdrawals, token spends.

``python -m loadtests.bench_privacy --json PATH [--wallets 1000 --rounds 4 --repeat 3 --threads 2]``

One process, one LevelDB network in a temporary directory, in this order:

1. **set-up** (not timed): a bank, full-tier wallets funded openly.
2. ``--repeat`` rounds, each (set-up untimed: every wallet shields ``rounds`` notes, so
   it can make ``rounds`` private payments that do not wait for each other):

   - **open**: ``wallets x rounds`` transfers, signed ahead of time as chains,
     submitted as raw bytes to the real producer (decode, Ed25519 verification on
     ``threads`` threads, checks, one synced batch per block) until all are committed;
   - **private**, right after: as many private payments, sealed ahead of time by the
     wallets (the phone's work). Timed: ``threads`` API threads hand each to the
     validator (open the sealed request, verify the payer, seal the regulator's
     envelope, attest) and submit it; the producer checks the plaintext again against
     the block and commits.

   ``private_ratio`` is the median of the rounds' ``private_tps / open_tps`` (each
   round's in ``private_ratio_runs``; target >= 0.6); ``*_committer_us_per_tx`` the
   committer thread's CPU per transaction.
3. **ceilings**, in the same run (:func:`ceilings`): the validator's four public-key
   operations per payment and its whole preparation, each on one thread with nothing
   else running; the producer committing payments already prepared; Ed25519
   verifications on one thread. Decision record 0023 reads the ratio against them.
4. **anonymous**: withdrawals of one 1,000 KZT token each, signed ahead of
   time; timed: committed through the producer, then each evaluated by the
   issuer with its DLEQ proof on ``threads`` threads. ``withdrawals_per_s`` is
   both phases together (target >= 2,500/s); the wallets' proof checks and
   unblinding are the phones' work and are reported apart.
5. **spends**: the validator verifies each token's VOPRF output under the
   denomination's key on ``threads`` threads (``spends_verified_per_s``,
   target >= 5,000/s), and the attested spends are committed.

The machine is shared: the report carries ``os.getloadavg()`` before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar

import contracts
import offline
import privacy
from ledger.chain import Chain
from ledger.crypto import KeyPair, sha256, verify
from ledger.encoding import canonical
from ledger.params import kzt, make_genesis
from ledger.rules import core_registry
from ledger.storage.leveldb import LevelDBStore
from ledger.types import OutPoint, Output, Transaction, Transfer
from node.ordering import Outcome
from node.producer import Producer, produce_now
from privacy import voprf
from privacy.envelopes import RegulatorRecord, seal
from privacy.notes import new_note
from privacy.params import default_params
from privacy.prepare import (
    check_authorization,
    evaluate,
    open_request,
    prepare_private,
    prepare_spend,
)
from privacy.requests import PrivateSubmission
from privacy.types import Authority, PrivacyConfigure, PrivacyParams
from privacy.validator import Validator, ValidatorSecrets
from wallet import builders
from wallet.builders import Coin
from wallet.privacy import payments as pw
from wallet.privacy import tokens

NETWORK = "kzt-bench"
T0 = 1_767_225_600_000
X = TypeVar("X")


def key(name: str) -> KeyPair:
    return KeyPair.from_seed(sha256(b"bench-privacy:" + name.encode()))


class Network:
    """A LevelDB chain whose producer is the validator, with a bank and wallets."""

    def __init__(self, path: str, wallets: int) -> None:
        self.cb, self.producer = key("cb"), key("producer")
        self.validator = Validator(ValidatorSecrets.derive(self.producer, sha256(b"seed")))
        registry = core_registry()
        contracts.register(registry)
        offline.register(registry)
        privacy.register(registry, self.validator)
        genesis = make_genesis(NETWORK, [self.cb.public_hex], [self.producer.public_hex], T0)
        self.chain = Chain(LevelDBStore(path, cache_mb=256), registry, genesis)
        self.time_ms = T0
        self.people = [key(f"w{i}") for i in range(wallets)]
        self.coins: dict[str, Coin] = {}

    def block(self, txs: Sequence[Transaction]) -> list[Outcome]:
        self.time_ms += 1
        outcomes = produce_now(self.chain, self.producer, txs, self.time_ms)
        assert all(o.committed for o in outcomes), next(o.error for o in outcomes if o.error)
        return outcomes

    def found(self, funds: int) -> PrivacyParams:
        """Bank, privacy parameters, wallets funded openly (one coin each)."""
        bank = key("bank")
        total = funds * len(self.people) + kzt(1_000_000)
        self.block(
            [builders.bank_register(NETWORK, self.cb, "bank", "Bank", [bank.public_hex], total)]
        )
        issue = builders.issue(
            NETWORK, self.cb, "bank", [Output(owner=bank.public_hex, amount=total)], 1
        )
        authorities = [Authority(name="afm", key=key("afm").public_hex)]
        params = default_params(self.validator.secrets, key("escrow").public_hex, authorities, 1)
        configure = Transaction.create(NETWORK, PrivacyConfigure(params=params), [self.cb])
        opens = [
            builders.wallet_open(NETWORK, bank, "bank", f"w{i}", "full", [k.public_hex])
            for i, k in enumerate(self.people)
        ]
        self.block([issue, configure, *opens])
        reserve = builders.coins_of(issue)[0]
        for start in range(0, len(self.people), 250):
            group = self.people[start : start + 250]
            outs = [Output(owner=k.public_hex, amount=funds) for k in group]
            change = reserve.output.amount - funds * len(group)
            tx = builders.transfer(
                NETWORK, [reserve], [*outs, Output(owner=bank.public_hex, amount=change)], [bank]
            )
            self.block([tx])
            reserve = builders.coins_of(tx)[-1]
            for k, coin in zip(group, builders.coins_of(tx), strict=False):
                self.coins[k.public_hex] = coin
        return params


def shield_notes(net: Network, params: PrivacyParams, rounds: int, amount: int) -> dict[str, list]:
    """Each wallet shields ``rounds`` notes in one private transfer (set-up)."""
    notes: dict[str, list] = {}
    txs = []
    for person in net.people:
        coin = net.coins[person.public_hex]
        created = [new_note(person.public_hex, amount) for _ in range(rounds)]
        change = coin.output.amount - amount * rounds
        outputs = [Output(owner=person.public_hex, amount=change)]
        submission = pw.submission(
            NETWORK, params, person, coins=[coin], creates=created, outputs=outputs
        )
        txs.append(
            prepare_private(net.validator, submission, net.chain, net.chain.context(net.time_ms))
        )
        notes[person.public_hex] = created
    for start in range(0, len(txs), 500):
        outcomes = net.block(txs[start : start + 500])
        del outcomes
    for person, tx in zip(net.people, txs, strict=True):
        net.coins[person.public_hex] = Coin(
            OutPoint(txid=tx.txid.hex(), index=0), tx.body.creates()[0]
        )
    return notes


def open_payments(net: Network, rounds: int) -> list[bytes]:
    """Chains of open transfers, each spending the previous change (signed ahead)."""
    raws = []
    current = dict(net.coins)
    for r in range(rounds):
        for i, payer in enumerate(net.people):
            coin = current[payer.public_hex]
            payee = net.people[(i + r + 1) % len(net.people)].public_hex
            body = Transfer(
                inputs=(coin.point,),
                outputs=(
                    Output(owner=payee, amount=100 + r),
                    Output(owner=payer.public_hex, amount=coin.output.amount - 100 - r),
                ),
            )
            tx = Transaction.create(NETWORK, body, [payer])
            raws.append(canonical(tx.envelope()))
            current[payer.public_hex] = Coin(OutPoint(txid=tx.txid.hex(), index=1), body.outputs[1])
    net.coins = current  # once committed, the last changes are the wallets' coins
    return raws


def private_payments(
    net: Network, params: PrivacyParams, notes: dict[str, list]
) -> list[PrivateSubmission]:
    """One private payment per note, sealed ahead of time (the phones' work)."""
    found = []
    for r in range(len(next(iter(notes.values())))):
        for i, payer in enumerate(net.people):
            payee = net.people[(i + r + 1) % len(net.people)].public_hex
            note = notes[payer.public_hex][r]
            found.append(pw.pay(NETWORK, params, payer, [note], payee, 100 + r, "bench"))
    return found


def run_producer(
    net: Network, submit: Callable[[Producer], list[Future[Outcome]]], threads: int, queue: int
) -> tuple[float, list[Outcome]]:
    producer = Producer(net.chain, net.producer, verify_workers=threads, max_queue=queue + 1)
    with producer:
        started = time.perf_counter()
        futures = submit(producer)
        wait(futures)
        elapsed = time.perf_counter() - started
    net.time_ms = net.chain.tip.time_ms
    return elapsed, [f.result() for f in futures]


def in_threads(
    items: Sequence[X], work: Callable[[X], Any], threads: int
) -> tuple[float, list[Any]]:
    with ThreadPoolExecutor(threads) as pool:
        started = time.perf_counter()
        results = list(pool.map(work, items, chunksize=max(1, len(items) // (threads * 8))))
        return time.perf_counter() - started, results


def run_private(
    net: Network, submissions: Sequence[PrivateSubmission], threads: int
) -> tuple[float, list[Outcome], Producer]:
    """``threads`` API threads hand each submission to the validator and submit it."""
    producer = Producer(
        net.chain, net.producer, verify_workers=threads, max_queue=len(submissions) + 1
    )

    def one(submission: PrivateSubmission) -> Future[Outcome]:
        context = net.chain.context(producer.clock())
        tx = prepare_private(net.validator, submission, net.chain, context)
        return producer.submit(tx, verified=True)

    with producer:
        started = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            futures = list(pool.map(one, submissions))
        wait(futures)
        elapsed = time.perf_counter() - started
    net.time_ms = net.chain.tip.time_ms
    return elapsed, [f.result() for f in futures], producer


def committer_us(producer: Producer, committed: int) -> float:
    """The committer thread's CPU per committed transaction (build, commit, outcomes)."""
    return round(sum(t.cpu_ms for t in producer.timings) * 1000 / max(committed, 1), 1)


def one_round(net: Network, params: PrivacyParams, rounds: int, threads: int) -> dict[str, Any]:
    """Open then private payments, as many of each, back to back (set-up untimed)."""
    notes = shield_notes(net, params, rounds, kzt(1_000))
    raws = open_payments(net, rounds)
    submissions = private_payments(net, params, notes)
    producers: list[Producer] = []

    def open_submit(producer: Producer) -> list[Future[Outcome]]:
        producers.append(producer)
        return [producer.submit(r) for r in raws]

    open_s, open_out = run_producer(net, open_submit, threads, len(raws))
    private_s, private_out, private_producer = run_private(net, submissions, threads)
    opened, private = sum(o.committed for o in open_out), sum(o.committed for o in private_out)
    assert opened == len(raws) and private == len(submissions), "every payment commits"
    return {
        "open_tps": opened / open_s,
        "private_tps": private / private_s,
        "open_committer_us": committer_us(producers[0], opened),
        "private_committer_us": committer_us(private_producer, private),
        "private_blocks": len(private_producer.timings),
        "committed": opened,
    }


def ceilings(net: Network, params: PrivacyParams, rounds: int, threads: int) -> dict[str, Any]:
    """What this machine allows private payments, measured in the same run.

    - ``validator_public_key_ops_per_s``: the four libsodium operations the validator
      must make per payment (open the sealed request, verify the payer, seal the
      regulator's envelope, sign the attestation), one payment after another on one
      thread, nothing else running;
    - ``validator_prepare_per_s``: the whole preparation on one thread, producer idle;
    - ``private_commit_only_tps``: the producer committing private payments whose
      preparation is already done (their plaintexts held): the writer's own ceiling;
    - ``open_verify_per_s``: Ed25519 verifications on one thread (an open payment's one
      public-key operation).
    """
    notes = shield_notes(net, params, rounds, kzt(1_000))
    submissions = private_payments(net, params, notes)
    network, validator = net.chain.network, net.validator
    context = net.chain.context(net.time_ms)
    started = time.perf_counter()
    txs = [prepare_private(validator, s, net.chain, context) for s in submissions]
    prepare_s = time.perf_counter() - started
    escrow = bytes.fromhex(params.escrow)
    sample = list(zip(submissions, txs, strict=True))[:500]
    requests = [open_request(validator, s.sealed, network) for s, _ in sample]
    started = time.perf_counter()
    for (submission, tx), request in zip(sample, requests, strict=True):
        open_request(validator, submission.sealed, network)
        check_authorization(network, request, submission)
        seal(escrow, RegulatorRecord(network, request, (), "w", ("w", "w")))
        validator.secrets.attest(network, tx.body)
    ops_s = time.perf_counter() - started
    triples = [
        (bytes.fromhex(s.key), tx.message, bytes.fromhex(s.sig))
        for _, tx in sample
        for s in tx.signatures
    ]
    started = time.perf_counter()
    assert all(verify(*t) for t in triples)
    verify_s = time.perf_counter() - started
    commit_s, outcomes = run_producer(
        net, lambda pr: [pr.submit(t, verified=True) for t in txs], threads, len(txs)
    )
    assert all(o.committed for o in outcomes), next(o.error for o in outcomes if o.error)
    return {
        "validator_public_key_ops_per_s": round(len(sample) / ops_s, 1),
        "validator_prepare_per_s": round(len(txs) / prepare_s, 1),
        "private_commit_only_tps": round(len(txs) / commit_s, 1),
        "open_verify_per_s": round(len(triples) / verify_s, 1),
    }


def bench_transfers(
    net: Network, params: PrivacyParams, rounds: int, threads: int, repeat: int
) -> dict[str, Any]:
    """``repeat`` rounds of open then private; medians, and each round's ratio."""
    runs = [one_round(net, params, rounds, threads) for _ in range(repeat)]
    ratios = [r["private_tps"] / r["open_tps"] for r in runs]

    def median(name: str) -> float:
        return round(statistics.median(r[name] for r in runs), 1)

    return {
        "repeat": repeat,
        "open_transfers": runs[0]["committed"],
        "open_committed": runs[0]["committed"],
        "open_tps": median("open_tps"),
        "private_transfers": runs[0]["committed"],
        "private_committed": runs[0]["committed"],
        "private_tps": median("private_tps"),
        "private_ratio": round(statistics.median(ratios), 3),
        "private_ratio_runs": [round(r, 3) for r in ratios],
        "open_committer_us_per_tx": median("open_committer_us"),
        "private_committer_us_per_tx": median("private_committer_us"),
        "private_blocks": [r["private_blocks"] for r in runs],
        **ceilings(net, params, rounds, threads),
        "witnesses_left": net.validator.held(),
    }


def bench_anonymous(
    net: Network, params: PrivacyParams, count: int, threads: int
) -> dict[str, Any]:
    denomination = kzt(1_000)
    people = net.people[:count]
    batches = [tokens.blind_batch(denomination, 1) for _ in people]
    withdrawals = [
        tokens.withdrawal(NETWORK, [net.coins[p.public_hex]], [p], batch, p.public_hex)
        for p, batch in zip(people, batches, strict=True)
    ]
    commit_s, outcomes = run_producer(
        net,
        lambda pr: [pr.submit(t, verified=True) for t in withdrawals],
        threads,
        len(withdrawals),
    )
    assert all(o.committed for o in outcomes), next(o.error for o in outcomes if o.error)
    eval_s, evaluations = in_threads(
        [w.txid.hex() for w in withdrawals],
        lambda t: evaluate(net.validator, net.chain, t),
        threads,
    )
    phone_s, minted = in_threads(
        list(zip(batches, evaluations, strict=True)),
        lambda be: tokens.unblind(be[0], be[1], params)[0],
        threads,
    )
    secret, _ = net.validator.secrets.voprf_key(denomination)
    verify_s, verdicts = in_threads(
        minted,
        lambda t: voprf.verify_token(secret, bytes.fromhex(t.input), bytes.fromhex(t.output)),
        threads,
    )
    assert all(verdicts)
    payee = net.people[-1].public_hex
    spends = [
        prepare_spend(net.validator, tokens.spend_request([t], denomination, payee), net.chain)
        for t in minted
    ]
    spend_s, spent = run_producer(
        net, lambda pr: [pr.submit(t, verified=True) for t in spends], threads, len(spends)
    )
    return {
        "withdrawals": count,
        "withdrawal_commit_per_s": round(count / commit_s, 1),
        "issuer_evaluations_per_s": round(count / eval_s, 1),
        "withdrawals_per_s": round(count / (commit_s + eval_s), 1),
        "phone_unblind_and_proof_check_per_s": round(count / phone_s, 1),
        "spends_verified_per_s": round(count / verify_s, 1),
        "spends_committed_per_s": round(sum(o.committed for o in spent) / spend_s, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Privacy benchmark")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--wallets", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=4, help="payments per wallet and level")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="open/private rounds, back to back")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-privacy-") as tmp:
        net = Network(os.path.join(tmp, "db"), args.wallets)
        params = net.found(kzt(100_000))
        print(
            f"bench_privacy: {args.wallets} wallets x {args.rounds} payments per level"
            f" x {args.repeat} rounds ...",
            file=sys.stderr,
        )
        result: dict[str, Any] = {"threads": args.threads, "cpus": os.cpu_count()}
        result.update(bench_transfers(net, params, args.rounds, args.threads, args.repeat))
        result.update(bench_anonymous(net, params, args.wallets, args.threads))
        net.chain.store.close()
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["loadavg_before"] = [round(x, 2) for x in load_before]
    result["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    for name, value in result.items():
        print(f"{name:>36}  {value}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(result, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
