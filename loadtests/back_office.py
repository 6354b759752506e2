"""Back-office users: bank operators at a reserve desk, and auditors reading the chain.

An operator owns one desk — one of its bank's reserve keys and the coins on
it — and opens wallets for new customers, distributes money to them in
batches (``/v1/transactions/batch``, one desk coin per transfer) and redeems
reserve at the central bank. An auditor reads supply and blocks and checks
receipts offline against the producer keys, as a phone or a regulator would.
"""

from __future__ import annotations

import random

import msgspec
from locust import between, task

from ledger.crypto import KeyPair
from ledger.params import kzt
from ledger.receipts import verify_receipt
from ledger.types import Output, Receipt, Tier, Transaction
from loadtests import calls
from loadtests.coins import CoinBook
from loadtests.ledger_user import LedgerUser
from loadtests.scenario import OwnedWallet
from wallet import builders
from wallet.builders import Coin
from wire.core import BlockList, SupplyInfo

BATCH = 4  # wallets opened, or transfers distributed, per batch request
CUSTOMER_TIERS: tuple[Tier, ...] = ("anonymous", "basic")


class BankOperator(LedgerUser):
    """A bank's back office at one reserve desk: onboarding, distribution, redemption."""

    weight = 1
    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        self.rng = random.Random()
        self.desk = self.cast.desks.claim()
        self.customers: list[OwnedWallet] = []
        self.opened = 0

    @task(2)
    def open_wallets(self) -> None:
        """Onboard a few customers: one ``wallet.open`` each, in one batch."""
        fresh = []
        for _ in range(BATCH):
            self.opened += 1
            tier = self.rng.choice(CUSTOMER_TIERS)
            wallet_id = f"{self.desk.bank_id}-{self.desk.key.public_hex[:8]}-c{self.opened}"
            fresh.append(OwnedWallet(wallet_id, tier, CoinBook(KeyPair.generate())))
        txs = [
            builders.wallet_open(
                self.cast.network,
                self.desk.key,
                self.desk.bank_id,
                w.wallet_id,
                w.tier,
                [w.key.public_hex],
            )
            for w in fresh
        ]
        outcomes = calls.submit_batch(self.client, txs, "bank: open wallets (batch)", self.acks)
        self.customers += [w for w, o in zip(fresh, outcomes, strict=True) if o.committed]

    @task(3)
    def distribute(self) -> None:
        """Pay customers from the desk, one coin per transfer, all in one batch."""
        if not self.customers:
            return self.open_wallets()
        book = self.desk.book
        if len(book.coins) < BATCH:
            self.refresh_reserve()
        coins = sorted(book.spendable(), key=lambda c: -c.output.amount)[:BATCH]
        txs = []
        for coin in coins:
            customer = self.rng.choice(self.customers)
            amount = min(self.rng.randint(kzt(100), kzt(5_000)), coin.output.amount)
            outputs = [Output(owner=customer.key.public_hex, amount=amount)]
            if coin.output.amount > amount:
                outputs.append(
                    Output(owner=book.owner.public_hex, amount=coin.output.amount - amount)
                )
            txs.append(builders.transfer(self.cast.network, [coin], outputs, [book.owner]))
        if txs:
            taken = [book.reserve(tx) for tx in txs]
            outcomes = calls.submit_batch(self.client, txs, "bank: distribute (batch)", self.acks)
            self.settle_all(txs, taken, outcomes)

    @task(1)
    def redeem(self) -> None:
        """Return some reserve to the central bank; the change stays on the desk key."""
        coins = sorted(self.desk.book.spendable(), key=lambda c: -c.output.amount)[:1]
        if not coins or coins[0].output.amount < kzt(10_000):
            return self.refresh_reserve()
        amount = self.rng.randint(kzt(1_000), kzt(10_000))
        tx = builders.redeem(self.cast.network, self.desk.bank_id, coins, amount, [self.desk.key])
        taken = self.desk.book.reserve(tx)
        outcome = calls.submit(self.client, tx, "bank: redeem", self.acks, ())
        self.settle_all([tx], [taken], [outcome])

    @task(1)
    def refresh_reserve(self) -> None:
        """The desk's coins as the ledger holds them (a read signed by the desk key)."""
        path = f"/v1/banks/{self.desk.bank_id}/outputs"
        self.refresh(path, self.desk.book, "bank: reserve")

    def settle_all(
        self, txs: list[Transaction], taken: list[list[Coin]], outcomes: list[calls.Outcome]
    ) -> None:
        """Committed: change back to the desk; refused: inputs spendable again."""
        book = self.desk.book
        for tx, coins, outcome in zip(txs, taken, outcomes, strict=True):
            if outcome.committed:
                book.settle(tx)
            elif outcome.status == "refused":
                book.release(coins)


class Auditor(LedgerUser):
    """A regulator's or a bank's auditor: supply, block headers, receipts checked offline."""

    weight = 2
    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        self.rng = random.Random()
        self.tip = 1

    @task(3)
    def supply(self) -> None:
        raw = calls.public_get(self.client, "/v1/supply", "auditor: supply")
        if raw is not None:
            supply = msgspec.json.decode(raw, type=SupplyInfo)
            self.check("supply equals banks' outstanding", lambda: _supply_adds_up(supply))

    @task(2)
    def recent_blocks(self) -> None:
        start = max(1, self.tip - 9)
        raw = calls.public_get(self.client, f"/v1/blocks?from={start}&limit=10", "auditor: blocks")
        if raw is not None:
            self.tip = max(self.tip, msgspec.json.decode(raw, type=BlockList).tip)

    @task(1)
    def one_block(self) -> None:
        height = self.rng.randint(1, self.tip)
        calls.public_get(self.client, f"/v1/blocks/{height}", "auditor: block")

    @task(3)
    def receipt(self) -> None:
        """A receipt of a payment someone was told is committed, verified offline."""
        if not self.acks.txids:
            return
        txid = self.rng.choice(self.acks.txids)
        raw = calls.public_get(self.client, f"/v1/transactions/{txid}/receipt", "auditor: receipt")
        if raw is not None:
            receipt = msgspec.json.decode(raw, type=Receipt)
            self.check(
                "receipt verified offline",
                lambda: verify_receipt(receipt, self.cast.producer_keys, txid, self.cast.network),
            )


def _supply_adds_up(supply: SupplyInfo) -> None:
    outstanding = sum(b.outstanding for b in supply.banks)
    if supply.tokens.get("KZT", 0) != outstanding:
        raise AssertionError(f"supply {supply.tokens.get('KZT')} != banks' {outstanding}")
