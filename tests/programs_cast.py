"""A test network with the contracts module, a program issuer and exact block times.

``World`` wraps :class:`tests.harness.Harness` on the node's full registry:
bank ``halyk``, the ``akimat`` (a government wallet granted the issuer role)
and helpers to open wallets with an MCC and a region, create programs, and
commit or refuse a transaction in a block at an exact millisecond.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from contracts.policy import Policy, levels, token_id
from contracts.records import program_lock
from ledger.audit import check_money
from ledger.crypto import KeyPair
from ledger.errors import TengeError
from ledger.params import kzt
from ledger.records import Locked
from ledger.state import StateView
from ledger.storage import KeyValueStore, schema
from ledger.storage.memory import MemoryStore
from ledger.types import Output, Tier, Transaction
from node.composition import full_registry
from node.ordering import Outcome
from tests.harness import NETWORK, Harness, key
from wallet import builders
from wallet.builders import Coin
from wallet.contracts import builders as p


class World:
    """One chain with the cast every contracts test starts from."""

    def __init__(self, store: KeyValueStore | None = None) -> None:
        self.net = Harness(store or MemoryStore(), full_registry())
        self.bank = self.net.add_bank("halyk", reserve=kzt(100_000_000))
        self.gov = self.wallet("akimat", "business", funds=kzt(10_000_000))
        self.net.commit(p.program_grant(NETWORK, self.net.cb, "akimat", self.net.next_nonce()))

    @property
    def now(self) -> int:
        """The time of the last block."""
        return self.net.time_ms

    def wallet(
        self,
        name: str,
        tier: Tier = "basic",
        funds: int = 0,
        mcc: str | None = None,
        region: str | None = None,
    ) -> KeyPair:
        """Open a wallet at halyk with an MCC and a region, and fund it with KZT."""
        owner = key(name)
        opened = builders.wallet_open(
            NETWORK, self.bank, "halyk", name, tier, [owner.public_hex], mcc=mcc, region=region
        )
        self.net.commit(opened)
        if funds:
            self.net.commit(self.net.pay(self.bank, owner, funds))
        return owner

    # -- blocks at exact times --------------------------------------------------

    def at(self, time_ms: int, *txs: Transaction) -> list[Outcome]:
        """One block whose time is exactly ``time_ms``."""
        assert time_ms >= self.now, "block time never runs backwards"
        return self.net.block(txs, advance_ms=time_ms - self.now)

    def commit_at(self, time_ms: int, tx: Transaction) -> Outcome:
        (outcome,) = self.at(time_ms, tx)
        assert outcome.error is None, f"refused: {outcome.error}"
        return outcome

    def refused_at(self, time_ms: int, tx: Transaction) -> TengeError:
        (outcome,) = self.at(time_ms, tx)
        assert outcome.error is not None, "committed, expected a refusal"
        return outcome.error

    def commit(self, *txs: Transaction) -> None:
        self.net.commit(*txs)

    def refusal(self, tx: Transaction) -> TengeError:
        return self.net.refusal(tx)

    # -- programs -----------------------------------------------------------------

    def program(self, **fields: object) -> tuple[Policy, str]:
        """Create a program of the akimat's with these policy fields."""
        policy = msgspec.convert(
            {"issuer": self.gov.public_hex, "name": "program", **fields}, Policy
        )
        self.commit(p.program_create(NETWORK, self.gov, policy))
        return policy, token_id(policy)

    def issue(self, token: str, grants: dict[str, int]) -> Transaction:
        """Issue ``token`` to each key in ``grants`` from the akimat's KZT."""
        outputs = [Output(owner=owner, amount=amount) for owner, amount in grants.items()]
        tx = p.program_issue(NETWORK, self.gov, self.net.coins(self.gov), token, outputs)
        self.commit(tx)
        return tx

    def coins(self, owner: KeyPair | str, token: str) -> list[Coin]:
        return [c for c in self.net.coins(owner) if c.output.token == token]

    def held(self, owner: KeyPair | str, token: str = "KZT") -> int:
        return sum(c.output.amount for c in self.coins(owner, token))

    def pay(self, payer: KeyPair, to: KeyPair | str, amount: int, token: str) -> Transaction:
        """A plain transfer of a special token (the core kind, policy hook)."""
        payee = to if isinstance(to, str) else to.public_hex
        coins = self.coins(payer, token)
        return builders.pay(NETWORK, coins, [payer], payee, amount, payer.public_hex, token=token)

    def locked(self, lock_id: str) -> int:
        found = StateView(self.net.store).read(schema.locked_key(lock_id), Locked)
        return found.amount if found else 0

    def supply(self, token: str) -> int:
        return StateView(self.net.store).supply(token).outstanding

    def assert_conserved(self, programs: Sequence[Policy] = ()) -> None:
        """The audit's money check passes, and each program's lock backs its tokens."""
        _, _, problems = check_money(self.net.store)
        assert not problems, problems
        for policy in programs:
            tokens = [token_id(level) for level in levels(policy)]
            backing = self.locked(program_lock(tokens[0]))
            assert backing == sum(self.supply(t) for t in tokens)
