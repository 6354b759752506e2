"""A small network for tests: keys, genesis, a chain on a chosen backend, helpers.

Keys are derived from names so failures are reproducible; nothing here is
used outside tests.
"""

from __future__ import annotations

from collections.abc import Sequence

from ledger.chain import Chain
from ledger.crypto import KeyPair, sha256
from ledger.errors import TengeError
from ledger.params import kzt, make_genesis
from ledger.queries import holdings_of_key
from ledger.registry import Registry
from ledger.rules import core_registry
from ledger.storage import KeyValueStore
from ledger.types import Output, Tier, Transaction
from node.ordering import Outcome
from node.producer import produce_now
from wallet import builders
from wallet.builders import Coin

NETWORK = "kzt-test"
T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z, 05:00 in Almaty


def key(name: str) -> KeyPair:
    """A deterministic test key for a name."""
    return KeyPair.from_seed(sha256(b"test-key:" + name.encode()))


class Harness:
    """One chain plus the keys and shortcuts a test needs."""

    def __init__(self, store: KeyValueStore, registry: Registry | None = None) -> None:
        self.cb, self.producer = key("central-bank"), key("producer")
        genesis = make_genesis(NETWORK, [self.cb.public_hex], [self.producer.public_hex], T0)
        self.chain = Chain(store, registry or core_registry(), genesis)
        self.time_ms = T0
        self.nonce = 0

    @property
    def store(self) -> KeyValueStore:
        return self.chain.store

    def next_nonce(self) -> int:
        self.nonce += 1
        return self.nonce

    def block(self, txs: Sequence[Transaction], advance_ms: int = 1000) -> list[Outcome]:
        """Verify, check and commit one block of ``txs``."""
        self.time_ms += advance_ms
        return produce_now(self.chain, self.producer, txs, self.time_ms)

    def commit(self, *txs: Transaction) -> list[Outcome]:
        """Commit ``txs`` in one block; fail the test if any is refused."""
        outcomes = self.block(txs)
        for outcome in outcomes:
            if outcome.error is not None:
                raise AssertionError(f"refused: {outcome.error}")
        return outcomes

    def refusal(self, tx: Transaction, advance_ms: int = 1000) -> TengeError:
        """Submit ``tx`` alone and return the error that refused it."""
        (outcome,) = self.block([tx], advance_ms)
        if outcome.error is None:
            raise AssertionError("the transaction was committed, expected a refusal")
        return outcome.error

    def coins(self, owner: KeyPair | str) -> list[Coin]:
        public = owner if isinstance(owner, str) else owner.public_hex
        return [Coin(point=h.point, output=h.output) for h in holdings_of_key(self.store, public)]

    def balance(self, owner: KeyPair | str) -> int:
        return sum(c.output.amount for c in self.coins(owner))

    # -- setting up the usual cast ---------------------------------------------

    def add_bank(
        self, bank_id: str, reserve: int = kzt(10_000_000), limit: int | None = None
    ) -> KeyPair:
        """Register a bank and issue ``reserve`` tiyn to it."""
        bank_key = key(bank_id)
        self.commit(
            builders.bank_register(
                NETWORK,
                self.cb,
                bank_id,
                bank_id.title(),
                [bank_key.public_hex],
                limit if limit is not None else max(reserve, kzt(1_000_000_000)),
            )
        )
        if reserve:
            self.commit(
                builders.issue(
                    NETWORK,
                    self.cb,
                    bank_id,
                    [Output(owner=bank_key.public_hex, amount=reserve)],
                    self.next_nonce(),
                )
            )
        return bank_key

    def add_wallet(
        self,
        wallet_id: str,
        bank_id: str,
        tier: Tier = "basic",
        funds: int = 0,
        mcc: str | None = None,
    ) -> KeyPair:
        """Open a wallet at a bank and distribute ``funds`` tiyn to it."""
        wallet_key = key(wallet_id)
        bank_key = key(bank_id)
        self.commit(
            builders.wallet_open(
                NETWORK, bank_key, bank_id, wallet_id, tier, [wallet_key.public_hex], mcc=mcc
            )
        )
        if funds:
            self.commit(self.pay(bank_key, wallet_key, funds))
        return wallet_key

    def pay(self, payer: KeyPair, payee: KeyPair | str, amount: int, memo: str = "") -> Transaction:
        """A signed payment from all of ``payer``'s coins (largest first)."""
        to = payee if isinstance(payee, str) else payee.public_hex
        return builders.pay(NETWORK, self.coins(payer), [payer], to, amount, payer.public_hex, memo)
