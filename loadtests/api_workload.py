"""The REST benchmark's workload: a network founded over the API, and pre-signed payments.

The keys are the core benchmark's deterministic ones (:func:`loadtests.core_network.key`).
Founding goes through the node's own API with the SDK: the central bank
registers a bank and issues its reserve, the bank opens ``wallets``
full-tier wallets and funds each. Payments are then signed ahead of the timed
part as chains: every payment of a wallet spends that wallet's previous
change, so all txids are known in advance and a wallet's payments must reach
the node in order. :func:`lanes_by_wallet` keeps that order by giving all of
a wallet's payments to one lane (one keep-alive connection of the generator).
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence

from ledger.encoding import canonical
from ledger.params import kzt
from ledger.types import OutPoint, Output, Transaction, Transfer
from loadtests.core_network import NETWORK, key
from loadtests.loadgen import http_request
from wallet import builders
from wallet.builders import Coin
from wallet.client import ApiError, TengeClient
from wire.core import MAX_BATCH, BatchResponse

BATCH_PATH = "/v1/transactions/batch"
SINGLE_PATH = "/v1/transactions"
FUNDS = kzt(100_000)  # per wallet; each payment moves 1 to 10 KZT
OUTPUTS_PER_FUNDING = 255
MAX_PAYMENTS_PER_WALLET = FUNDS // kzt(10)


def submit_committed(client: TengeClient, txs: Sequence[Transaction], timeout: float = 60) -> None:
    """Submit ``txs`` in order (batches with ``?wait=commit``) until every one is committed."""
    for start in range(0, len(txs), MAX_BATCH):
        chunk = txs[start : start + MAX_BATCH]
        batch: BatchResponse = client.submit_batch(chunk, wait=True)
        refused = [r for r in batch.results if r.status == "rejected"]
        if refused:
            raise RuntimeError(f"founding transaction refused: {refused[0].problem}")
        deadline = time.monotonic() + timeout
        for result in (r for r in batch.results if r.status != "committed"):
            while client.status(result.txid).status != "committed":
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{result.txid} not committed within {timeout}s")
                time.sleep(0.05)


def found_network(client: TengeClient, wallets: int) -> list[Coin]:
    """Bank, wallets and their funds through the API; one starting coin per wallet."""
    cb, bank = key("cb"), key("bank")
    register = builders.bank_register(NETWORK, cb, "bank", "Bank", [bank.public_hex], 2**52)
    try:
        client.submit(register, wait=True)
    except ApiError as error:
        raise RuntimeError(f"could not register the bank: {error}") from None
    issue = builders.issue(NETWORK, cb, "bank", [Output(owner=bank.public_hex, amount=2**52)], 1)
    people = [key(f"w{i}") for i in range(wallets)]
    opens = [
        builders.wallet_open(NETWORK, bank, "bank", f"w{i}", "full", [k.public_hex])
        for i, k in enumerate(people)
    ]
    submit_committed(client, [issue, *opens])
    reserve = builders.coins_of(issue)[0]
    fundings, coins = [], []
    for start in range(0, wallets, OUTPUTS_PER_FUNDING):
        outs = [
            Output(owner=k.public_hex, amount=FUNDS)
            for k in people[start : start + OUTPUTS_PER_FUNDING]
        ]
        change = Output(owner=bank.public_hex, amount=reserve.output.amount - FUNDS * len(outs))
        tx = builders.transfer(NETWORK, [reserve], [*outs, change], [bank])
        created = builders.coins_of(tx)
        coins.extend(created[:-1])
        reserve = created[-1]
        fundings.append(tx)
    submit_committed(client, fundings)
    return coins


class PaymentChains:
    """Pre-signed payments, round-robin over wallets, each spending its wallet's change."""

    def __init__(self, coins: Sequence[Coin], seed: int) -> None:
        self.keys = {i: key(f"w{i}") for i in range(len(coins))}
        self.current = list(coins)
        self.rng = random.Random(seed)
        self.cursor = 0

    def sign(self, count: int) -> list[tuple[int, Transaction]]:
        """The next ``count`` payments as (payer wallet index, transaction)."""
        signed = []
        wallets = len(self.current)
        for _ in range(count):
            payer = self.cursor % wallets
            self.cursor += 1
            coin = self.current[payer]
            payee = self.keys[self.rng.randrange(wallets)].public_hex
            amount = self.rng.randrange(kzt(1), kzt(10))
            body = Transfer(
                inputs=(coin.point,),
                outputs=(
                    Output(owner=payee, amount=amount),
                    Output(owner=coin.output.owner, amount=coin.output.amount - amount),
                ),
            )
            tx = Transaction.create(NETWORK, body, [self.keys[payer]])
            self.current[payer] = Coin(OutPoint(txid=tx.txid.hex(), index=1), body.outputs[1])
            signed.append((payer, tx))
        return signed


def lanes_by_wallet(payments: Sequence[tuple[int, Transaction]], lanes: int) -> list[list[bytes]]:
    """Envelopes split over ``lanes``: wallet ``i`` always in lane ``i % lanes``, order kept."""
    split: list[list[bytes]] = [[] for _ in range(lanes)]
    for payer, tx in payments:
        split[payer % lanes].append(canonical(tx.envelope()))
    return split


def single_requests(envelopes: list[bytes], wait: bool) -> list[bytes]:
    """One ``POST /v1/transactions`` per envelope."""
    path = SINGLE_PATH + ("?wait=commit" if wait else "")
    return [http_request("POST", path, body) for body in envelopes]


def batch_requests(envelopes: list[bytes], size: int) -> list[bytes]:
    """``POST /v1/transactions/batch?wait=commit`` of ``size`` envelopes each, in order."""
    requests = []
    for start in range(0, len(envelopes), size):
        body = b'{"transactions":[' + b",".join(envelopes[start : start + size]) + b"]}"
        requests.append(http_request("POST", BATCH_PATH + "?wait=commit", body))
    return requests
