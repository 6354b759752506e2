"""Retail users: households that pay (tier-0/1 wallets) and merchants that get paid.

A payer owns one household — an anonymous (tier-0) and a basic (tier-1)
wallet — and pays merchants and other people small sums. Now and then it
tries, on purpose, a payment over its tier's per-payment limit or a second
spend of coins it has already spent; the ledger must refuse both, and those
refusals count as expected, not as failures.
"""

from __future__ import annotations

import random

import msgspec
from locust import between, task

from ledger.params import kzt
from ledger.receipts import verify_receipt
from ledger.types import Output, Receipt
from loadtests import calls
from loadtests.ledger_user import LedgerUser
from loadtests.scenario import OwnedWallet
from wallet import builders
from wallet.builders import Coin, InsufficientFunds
from wire.core import HistoryPage


class RetailPayer(LedgerUser):
    """A household paying from its own wallets, and only its own."""

    weight = 14
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        self.rng = random.Random()
        self.household = self.cast.households.claim()
        self.own_keys = {w.key.public_hex for w in self.household}
        self.last_spent: tuple[OwnedWallet, list[Coin]] | None = None

    @task(8)
    def pay_merchant(self) -> None:
        merchant = self.rng.choice(self.cast.merchants)
        self.pay(merchant.key.public_hex, self.rng.randint(kzt(1), kzt(500)), "payment: merchant")

    @task(5)
    def pay_person(self) -> None:
        payee = self.rng.choice(self.cast.retail_keys)
        if payee not in self.own_keys:
            self.pay(payee, self.rng.randint(100, kzt(300)), "payment: p2p")

    @task(1)
    def pay_over_limit(self) -> None:
        """A payment above the tier's per-payment limit: the ledger must refuse it."""
        wallet = self.rng.choice(self.household)
        limit = self.cast.limits[wallet.tier].per_payment
        if limit is not None:
            amount = limit + self.rng.randint(1, kzt(1_000))
            merchant = self.rng.choice(self.cast.merchants).key.public_hex
            self.pay(merchant, amount, "payment: over limit", wallet=wallet, must_refuse=True)

    @task(1)
    def spend_twice(self) -> None:
        """Spend again the inputs of the last committed payment: a deliberate double spend."""
        if self.last_spent is None:
            return
        wallet, coins = self.last_spent
        self.last_spent = None
        merchant = self.rng.choice(self.cast.merchants).key.public_hex
        total = sum(c.output.amount for c in coins)
        tx = builders.transfer(
            self.cast.network, coins, [Output(owner=merchant, amount=total)], [wallet.key]
        )
        calls.submit(self.client, tx, "payment: double spend", self.acks, ("double_spend",), True)

    @task(1)
    def check_wallet(self) -> None:
        wallet = self.rng.choice(self.household)
        self.signed_get(f"/v1/wallets/{wallet.wallet_id}", wallet.key, "payer: wallet")

    def pay(
        self,
        payee: str,
        amount: int,
        name: str,
        wallet: OwnedWallet | None = None,
        must_refuse: bool = False,
    ) -> None:
        """Build, sign and submit a payment; keep the wallet's coin book true."""
        wallet = wallet or self.funded_wallet(amount)
        if wallet is None or wallet.book.balance < amount:
            return  # this household cannot afford it; a real payer would not try
        key = wallet.key
        try:
            tx = builders.pay(
                self.cast.network, wallet.book.spendable(), [key], payee, amount, key.public_hex
            )
        except InsufficientFunds:
            return
        taken = wallet.book.reserve(tx)
        outcome = calls.submit(self.client, tx, name, self.acks, must_refuse=must_refuse)
        if outcome.committed:
            wallet.book.settle(tx)
            self.last_spent = (wallet, taken)
        elif outcome.status == "refused":
            wallet.book.release(taken)

    def funded_wallet(self, amount: int) -> OwnedWallet | None:
        """One of the household's wallets that can pay ``amount``, refreshing if none can."""
        for attempt in range(2):
            able = [w for w in self.household if w.book.balance >= amount]
            if able:
                return self.rng.choice(able)
            if attempt == 0:
                for wallet in self.household:
                    path = f"/v1/wallets/{wallet.wallet_id}/outputs"
                    self.refresh(path, wallet.book, "payer: outputs")
        return None


class Merchant(LedgerUser):
    """A shop that receives payments, watches its balance and history, checks receipts."""

    weight = 3
    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        self.rng = random.Random()
        self.shop = self.rng.choice(self.cast.merchants)

    @task(3)
    def balance(self) -> None:
        self.signed_get(f"/v1/wallets/{self.shop.wallet_id}", self.shop.key, "merchant: balance")

    @task(2)
    def history(self) -> None:
        path = f"/v1/wallets/{self.shop.wallet_id}/history?limit=20"
        self.signed_get(path, self.shop.key, "merchant: history")

    @task(1)
    def confirm_latest(self) -> None:
        """Fetch the receipt of the newest incoming payment and verify it offline."""
        path = f"/v1/wallets/{self.shop.wallet_id}/history?limit=1"
        body = self.signed_get(path, self.shop.key, "merchant: history")
        entries = msgspec.json.decode(body, type=HistoryPage).entries if body else ()
        if not entries:
            return
        txid = entries[0].txid
        raw = calls.public_get(self.client, f"/v1/transactions/{txid}/receipt", "merchant: receipt")
        if raw is not None:
            receipt = msgspec.json.decode(raw, type=Receipt)
            self.check(
                "receipt verified offline",
                lambda: verify_receipt(receipt, self.cast.producer_keys, txid, self.cast.network),
            )
