"""A random life of the ledger, run on the memory and LevelDB backends side by side.

Hypothesis drives bank admissions, issuance, wallet openings, payments,
redemptions, freezes, limit changes and the passing of time. Every step goes
to both backends; after every step they must hold identical state digests,
supply must equal the unspent outputs, no balance may be negative and no
committed payment may have broken a tier limit in force at the time.
"""

from __future__ import annotations

import shutil
import tempfile

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from ledger.audit import check_money
from ledger.params import kzt
from ledger.queries import wallet as wallet_record
from ledger.storage.leveldb import LevelDBStore
from ledger.storage.memory import MemoryStore
from ledger.types import TIERS, Output, Tier, TierLimits, Transaction
from node.ordering import Outcome
from tests.harness import NETWORK, Harness, key
from wallet import builders

AMOUNTS = st.one_of(
    st.integers(1, kzt(1_000)),
    st.integers(kzt(40_000), kzt(700_000)),
    st.integers(1, kzt(30_000_000)),
)


class LedgerMachine(RuleBasedStateMachine):
    """Both backends receive the same blocks and must never disagree."""

    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.mkdtemp(prefix="ledger-machine-")
        self.nets = [Harness(MemoryStore()), Harness(LevelDBStore(f"{self.tmp}/db"))]
        self.banks: list[str] = []
        self.wallets: dict[str, Tier] = {}
        self.frozen: set[str] = set()
        self.nonce = 0

    def teardown(self) -> None:
        for net in self.nets:
            net.store.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- helpers ----------------------------------------------------------------

    @property
    def net(self) -> Harness:
        return self.nets[0]

    def submit(self, tx: Transaction, advance_ms: int = 1000) -> Outcome:
        outcomes = [net.block([tx], advance_ms)[0] for net in self.nets]
        first = outcomes[0]
        for other in outcomes[1:]:
            assert (other.error is None) == (first.error is None)
            assert first.error is None or (
                other.error is not None and other.error.code == first.error.code
            )
        return first

    def next_nonce(self) -> int:
        self.nonce += 1
        return self.nonce

    # -- rules ------------------------------------------------------------------

    @initialize()
    def found_first_bank(self) -> None:
        self.register_bank()

    @precondition(lambda self: len(self.banks) < 3)
    @rule()
    def register_bank(self) -> None:
        bank_id = f"bank{len(self.banks)}"
        tx = builders.bank_register(
            NETWORK, self.net.cb, bank_id, bank_id, [key(bank_id).public_hex], kzt(50_000_000)
        )
        assert self.submit(tx).committed
        self.banks.append(bank_id)

    @rule(data=st.data(), amount=st.integers(1, kzt(30_000_000)))
    def issue(self, data: st.DataObject, amount: int) -> None:
        bank_id = data.draw(st.sampled_from(self.banks))
        out = Output(owner=key(bank_id).public_hex, amount=amount)
        self.submit(builders.issue(NETWORK, self.net.cb, bank_id, [out], self.next_nonce()))

    @precondition(lambda self: len(self.wallets) < 8)
    @rule(data=st.data(), tier=st.sampled_from(TIERS))
    def open_wallet(self, data: st.DataObject, tier: Tier) -> None:
        bank_id = data.draw(st.sampled_from(self.banks))
        wallet_id = f"w{len(self.wallets)}"
        tx = builders.wallet_open(
            NETWORK, key(bank_id), bank_id, wallet_id, tier, [key(wallet_id).public_hex]
        )
        assert self.submit(tx).committed
        self.wallets[wallet_id] = tier

    @precondition(lambda self: self.wallets)
    @rule(data=st.data())
    def pay(self, data: st.DataObject) -> None:
        parties = self.banks + list(self.wallets)
        funded = [p for p in parties if self.net.balance(key(p)) > 0]
        if not funded:
            return
        payer = data.draw(st.sampled_from(funded))
        payee = data.draw(st.sampled_from(parties))
        balance = self.net.balance(key(payer))
        edges = [min(balance, kzt(x)) for x in (50_000, 100_000, 300_000, 500_000, 3_000_000)]
        amount = data.draw(st.integers(1, balance) | st.sampled_from(edges))
        before = wallet_record(self.net.store, payee)
        outcome = self.submit(self.net.pay(key(payer), key(payee), amount))
        if outcome.committed:
            self.check_limits_held(payer, payee, amount, before is not None and payer != payee)

    @rule(data=st.data(), amount=st.integers(1, kzt(10_000_000)))
    def redeem(self, data: st.DataObject, amount: int) -> None:
        bank_id = data.draw(st.sampled_from(self.banks))
        coins = self.net.coins(key(bank_id))
        if sum(c.output.amount for c in coins) < amount:
            return
        coins = builders.select_coins(coins, amount)
        assert self.submit(
            builders.redeem(NETWORK, bank_id, coins, amount, [key(bank_id)])
        ).committed

    @precondition(lambda self: self.wallets)
    @rule(data=st.data())
    def freeze_or_thaw(self, data: st.DataObject) -> None:
        wallet_id = data.draw(st.sampled_from(sorted(self.wallets)))
        status = "active" if wallet_id in self.frozen else "frozen"
        bank_id = wallet_record(self.net.store, wallet_id).bank_id  # type: ignore[union-attr]
        tx = builders.wallet_update(
            NETWORK, key(bank_id), wallet_id, nonce=self.next_nonce(), status=status
        )
        assert self.submit(tx).committed
        self.frozen.symmetric_difference_update({wallet_id})

    @rule(
        tier=st.sampled_from(TIERS),
        cap=st.none() | st.integers(kzt(1_000), kzt(5_000_000)),
        per_payment=st.none() | st.integers(kzt(100), kzt(1_000_000)),
        daily=st.none() | st.integers(kzt(1_000), kzt(2_000_000)),
    )
    def set_limits(
        self, tier: Tier, cap: int | None, per_payment: int | None, daily: int | None
    ) -> None:
        limits = TierLimits(balance_cap=cap, per_payment=per_payment, daily=daily)
        tx = builders.limits_set(NETWORK, self.net.cb, tier, limits, self.next_nonce())
        assert self.submit(tx).committed

    @rule(hours=st.integers(1, 30))
    def time_passes(self, hours: int) -> None:
        for net in self.nets:
            net.time_ms += hours * 3_600_000

    # -- what must always hold --------------------------------------------------

    def check_limits_held(self, payer: str, payee: str, amount: int, received: bool) -> None:
        view = self.net.chain
        if payer in self.wallets:
            record = wallet_record(view.store, payer)
            limits = self.limits(self.wallets[payer])
            assert record is not None
            assert limits.per_payment is None or amount <= limits.per_payment
            assert limits.daily is None or record.day_outflow <= limits.daily
        if payee in self.wallets and received:
            record = wallet_record(view.store, payee)
            limits = self.limits(self.wallets[payee])
            assert record is not None
            assert limits.balance_cap is None or record.balance <= limits.balance_cap

    def limits(self, tier: Tier) -> TierLimits:
        from ledger.state import StateView

        return StateView(self.net.store).limits(tier)

    @invariant()
    def backends_agree_byte_for_byte(self) -> None:
        tips = [net.chain.tip for net in self.nets]
        assert all(tip == tips[0] for tip in tips)

    @invariant()
    def supply_is_conserved_and_nothing_is_negative(self) -> None:
        for net in self.nets:
            supply, _banks, problems = check_money(net.store)
            assert not problems, problems
            assert all(amount >= 0 for amount in supply.values())
        for wallet_id in self.wallets:
            record = wallet_record(self.net.store, wallet_id)
            assert record is not None and record.balance >= 0


LedgerMachine.TestCase.settings = settings(
    max_examples=40,
    stateful_step_count=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_ledger_machine = LedgerMachine.TestCase
