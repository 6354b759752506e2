"""The demo's cast: the network's name, keys derived from public names, and the story driver.

Keys come from fixed names (demo only: anyone can recompute them), so every
chapter (:mod:`tools.demo.story`, :mod:`tools.demo.contracts`,
:mod:`tools.demo.privacy`) and every test finds the same parties.
"""

from __future__ import annotations

from collections.abc import Sequence

from ledger import queries
from ledger.chain import Chain
from ledger.crypto import KeyPair, sha256
from ledger.params import kzt
from ledger.queries import holdings_of_key
from ledger.types import KZT, Output, Tier, Transaction
from node.ordering import Outcome
from node.producer import produce_now
from wallet import builders
from wallet.builders import Coin

NETWORK = "kzt-demo"
DEMO_PASSWORD = "demo"
GENESIS_TIME_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def demo_key(name: str) -> KeyPair:
    """A key derived from a public name: for demos only."""
    return KeyPair.from_seed(sha256(b"tenge-demo-key:" + name.encode()))


CENTRAL_BANK = demo_key("national-bank")
PRODUCER = demo_key("block-producer")
BANKS = {"halyk": "Halyk Bank", "kaspi": "Kaspi Bank"}
WALLETS: dict[str, tuple[str, Tier, str | None]] = {
    "aigerim": ("halyk", "anonymous", None),
    "daniyar": ("kaspi", "basic", None),
    "askar": ("halyk", "full", None),
    "dastarkhan-cafe": ("kaspi", "business", "5812"),
}


def fmt(tiyn: int) -> str:
    """Tiyn as tenge for people: 123456 -> '1,234.56 KZT'."""
    return f"{tiyn // 100:,}.{tiyn % 100:02d} KZT"


class Demo:
    """Drives the story against one chain, one block per step."""

    def __init__(self, chain: Chain, time_ms: int) -> None:
        self.chain, self.time_ms = chain, time_ms

    def block(self, txs: Sequence[Transaction]) -> list[Outcome]:
        self.time_ms += 60_000
        return produce_now(self.chain, PRODUCER, txs, self.time_ms)

    def coins(self, key: KeyPair) -> list[Coin]:
        return [
            Coin(point=h.point, output=h.output)
            for h in holdings_of_key(self.chain.store, key.public_hex)
        ]

    def balance(self, name: str) -> int:
        """Plain KZT held (special-purpose tokens are not money for these steps)."""
        return sum(c.output.amount for c in self.coins(demo_key(name)) if c.output.token == KZT)

    def ensure(self, name: str, amount: int) -> None:
        """Top a party up first, so every step also runs again on an old network."""
        short = amount - self.balance(name)
        if short <= 0:
            return
        record = queries.wallet(self.chain.store, name)
        if record is None:
            self.block(self.reserve_top_up(name, short))
            print(f"  (top-up) the National Bank issues more to {name}")
            return
        self.ensure(record.bank_id, short)
        self.block([self.pay(record.bank_id, name, short)])
        print(f"  (top-up) {record.bank_id} -> {name} {fmt(short)}")

    def reserve_top_up(self, bank_id: str, short: int) -> list[Transaction]:
        """Issuance to a bank's reserve, raising its limit first if it must."""
        record = queries.bank(self.chain.store, bank_id)
        assert record is not None, f"no bank {bank_id}"
        amount = max(short, kzt(100_000_000))
        txs = []
        if record.outstanding + amount > record.issuance_limit:
            limit = record.outstanding + 10 * amount
            txs.append(
                builders.bank_update(
                    NETWORK, CENTRAL_BANK, bank_id, nonce=self.time_ms, issuance_limit=limit
                )
            )
        reserve = Output(owner=demo_key(bank_id).public_hex, amount=amount)
        txs.append(builders.issue(NETWORK, CENTRAL_BANK, bank_id, [reserve], self.time_ms))
        return txs

    def pay(self, payer: str, payee: str, amount: int, memo: str = "") -> Transaction:
        self.ensure(payer, amount)
        key = demo_key(payer)
        return builders.pay(
            NETWORK,
            self.coins(key),
            [key],
            demo_key(payee).public_hex,
            amount,
            key.public_hex,
            memo,
        )

    def say(self, outcomes: Sequence[Outcome], what: Sequence[str]) -> None:
        for outcome, text in zip(outcomes, what, strict=True):
            if outcome.committed:
                print(f"  ok   {text}  [block {outcome.height}, tx {outcome.txid.hex()[:12]}]")
            else:
                assert outcome.error is not None
                print(f"  REFUSED {text}: {outcome.error.code} {outcome.error.details()}")
