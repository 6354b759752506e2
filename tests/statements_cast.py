"""A small economy over several UTC days, with the ledger's figures after every block.

Statement tests compare what a statement says with what the ledger held: the
cast snapshots every wallet's and reserve's balance, each bank's outstanding
issuance and the supply after each block, so a closing balance can be checked
against the ledger at the day's last height.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from ledger.params import kzt
from ledger.state import StateView
from ledger.statements import DAY_MS
from ledger.types import KZT, Output
from tests.harness import NETWORK, Harness, key
from wallet import builders

BANKS = ("halyk", "kaspi")
WALLETS = {"alice": "halyk", "bob": "halyk", "chen": "kaspi", "dana": "kaspi"}


@dataclass
class Figures:
    """What the ledger held after one block."""

    balances: dict[str, int]
    """By account id (``wallet:<id>``, ``reserve:<bank>``), KZT tiyn."""
    outstanding: dict[str, int]
    """By ``issuance:<bank>``: KZT issued minus redeemed."""
    supply: int


@dataclass
class Economy:
    """Banks and wallets on a harness; ``figures[h]`` is the ledger after block ``h``."""

    net: Harness
    figures: dict[int, Figures] = field(default_factory=dict)

    @classmethod
    def found(cls, net: Harness) -> Economy:
        economy = cls(net)
        economy.snapshot()
        for bank_id in BANKS:
            net.add_bank(bank_id, reserve=kzt(1_000_000))
            economy.snapshot()
        for wallet_id, bank_id in WALLETS.items():
            net.add_wallet(wallet_id, bank_id, "full", funds=kzt(10_000))
            economy.snapshot()
        return economy

    @property
    def height(self) -> int:
        return self.net.chain.tip.height

    def day_of(self, height: int) -> date:
        return datetime.fromtimestamp(self.time(height) / 1000, UTC).date()

    def time(self, height: int) -> int:
        block = self.net.chain.block(height)
        assert block is not None
        return block.header.time_ms

    def days(self) -> list[date]:
        """Every UTC day from the genesis day to the tip's."""
        first, last = self.day_of(1), self.day_of(self.height)
        return [date.fromordinal(d) for d in range(first.toordinal(), last.toordinal() + 1)]

    def snapshot(self) -> None:
        view = StateView(self.net.store)
        balances = {f"wallet:{w}": self.net.balance(key(w)) for w in WALLETS}
        balances |= {f"reserve:{b}": self.net.balance(key(b)) for b in BANKS}
        outstanding = {}
        for bank_id in BANKS:
            record = view.bank(bank_id)
            outstanding[f"issuance:{bank_id}"] = 0 if record is None else record.outstanding
        self.figures[self.height] = Figures(balances, outstanding, view.supply(KZT).outstanding)

    def pay(self, payer: str, payee: str, amount: int, advance_ms: int = 1000) -> bool:
        """Pay if the payer can; every block is snapshotted. True when committed."""
        if self.net.balance(key(payer)) < amount:
            return False
        outcomes = self.net.block([self.net.pay(key(payer), key(payee), amount)], advance_ms)
        self.snapshot()
        return outcomes[0].error is None

    def issue(self, bank_id: str, amount: int) -> None:
        out = Output(owner=key(bank_id).public_hex, amount=amount)
        self.net.commit(builders.issue(NETWORK, self.net.cb, bank_id, [out], self.net.next_nonce()))
        self.snapshot()

    def redeem(self, bank_id: str, amount: int) -> None:
        coins = self.net.coins(key(bank_id))
        self.net.commit(builders.redeem(NETWORK, bank_id, coins, amount, [key(bank_id)]))
        self.snapshot()

    def next_day(self, days: int = 1) -> None:
        """Let ``days`` UTC days pass: the next block lands that many days later."""
        self.net.time_ms += days * DAY_MS
