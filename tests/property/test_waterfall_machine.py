"""Random payments, links, mandates and pool moves: the waterfall both ways conserves money.

Hypothesis drives two banks and a handful of capped wallets through links and
unlinks of deposit accounts, standing mandates signed and revoked, pools
funded and withdrawn, payments (those larger than the payer's balance name a
shortfall) and the passing of days. After every committed block: supply is
what was issued, every wallet's record equals the money its keys hold, no
wallet is over its tier's cap, each bank's pool is what the model says, the
banks' feeds hold exactly the instructions the model expects, and the audit
replays the chain to the same state. A payment to a linked wallet is never
refused for that wallet's cap.
"""

from __future__ import annotations

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from ledger.audit import audit, check_money
from ledger.errors import LimitExceeded
from ledger.feed import bank_feed
from ledger.params import kzt
from ledger.queries import wallet as wallet_record
from ledger.records import WalletRecord
from ledger.rules.reverse_waterfall import pool_of
from ledger.state import StateView
from ledger.storage.memory import MemoryStore
from ledger.types import KZT, Tier, TierLimits, Transaction
from node.ordering import Outcome
from tests.harness import NETWORK, Harness, key
from wallet import builders

BANKS = ("halyk", "kaspi")
ISSUED = kzt(1_000_000)
LIMITS: dict[Tier, TierLimits] = {
    "anonymous": TierLimits(balance_cap=kzt(10_000), per_payment=kzt(8_000), daily=kzt(20_000)),
    "basic": TierLimits(balance_cap=kzt(30_000), per_payment=kzt(25_000), daily=kzt(60_000)),
}
WALLETS: dict[str, tuple[str, Tier]] = {
    "anna": ("halyk", "anonymous"),
    "bolat": ("halyk", "basic"),
    "dana": ("kaspi", "anonymous"),
    "erlan": ("kaspi", "basic"),
}
AMOUNTS = st.one_of(
    st.integers(kzt(1_000), kzt(40_000)),
    st.sampled_from([1, kzt(5_000), kzt(5_000) + 1, kzt(10_000), kzt(25_000), kzt(30_000) + 1]),
)


class WaterfallMachine(RuleBasedStateMachine):
    """The ledger against a small model of links, mandates, pools and instructions."""

    def __init__(self) -> None:
        super().__init__()
        self.net = Harness(MemoryStore())
        self.pools = dict.fromkeys(BANKS, 0)
        self.instructions = dict.fromkeys(BANKS, 0)
        self.nonce = 0

    # -- helpers ------------------------------------------------------------------

    def submit(self, tx: Transaction, advance_ms: int = 1000) -> Outcome:
        (outcome,) = self.net.block([tx], advance_ms)
        return outcome

    def next_nonce(self) -> int:
        self.nonce += 1
        return self.nonce

    def record(self, wallet_id: str) -> WalletRecord:
        found = wallet_record(self.net.store, wallet_id)
        assert found is not None
        return found

    def money(self, name: str) -> int:
        return self.net.balance(key(name))

    # -- rules ----------------------------------------------------------------------

    @initialize()
    def found_banks_and_wallets(self) -> None:
        for tier, limits in LIMITS.items():
            self.net.commit(
                builders.limits_set(NETWORK, self.net.cb, tier, limits, self.next_nonce())
            )
        for bank_id in BANKS:
            self.net.add_bank(bank_id, reserve=ISSUED)
        for wallet_id, (bank_id, tier) in WALLETS.items():
            self.net.add_wallet(wallet_id, bank_id, tier, funds=kzt(5_000))
            link = builders.link_deposit(NETWORK, key(bank_id), wallet_id, f"{bank_id}:{wallet_id}")
            mandate = builders.reverse_mandate(NETWORK, [key(wallet_id)], wallet_id, kzt(10_000))
            self.net.commit(link, mandate)
        for bank_id in BANKS:  # the rules unlink, revoke and drain from here
            coins = builders.select_coins(self.net.coins(key(bank_id)), kzt(50_000))
            self.net.commit(
                builders.pool_fund(NETWORK, bank_id, coins, kzt(50_000), [key(bank_id)])
            )
            self.pools[bank_id] = kzt(50_000)

    @rule(data=st.data(), linked=st.booleans())
    def link_or_unlink(self, data: st.DataObject, linked: bool) -> None:
        wallet_id = data.draw(st.sampled_from(sorted(WALLETS)))
        bank_id = WALLETS[wallet_id][0]
        deposit = f"{bank_id}:{wallet_id}" if linked else None
        tx = builders.link_deposit(
            NETWORK, key(bank_id), wallet_id, deposit, nonce=self.next_nonce()
        )
        assert self.submit(tx).committed
        assert self.record(wallet_id).deposit == deposit

    @rule(data=st.data(), per_payment=st.none() | st.integers(1, kzt(20_000)))
    def sign_or_revoke_mandate(self, data: st.DataObject, per_payment: int | None) -> None:
        wallet_id = data.draw(st.sampled_from(sorted(WALLETS)))
        linked = self.record(wallet_id).deposit is not None
        tx = builders.reverse_mandate(
            NETWORK, [key(wallet_id)], wallet_id, per_payment, nonce=self.next_nonce()
        )
        outcome = self.submit(tx)
        assert outcome.committed == (linked or per_payment is None), outcome.error
        if outcome.committed:
            assert self.record(wallet_id).mandate == per_payment

    @rule(bank_id=st.sampled_from(BANKS), amount=AMOUNTS)
    def fund_pool(self, bank_id: str, amount: int) -> None:
        coins = self.net.coins(key(bank_id))
        if sum(c.output.amount for c in coins) < amount:
            return
        chosen = builders.select_coins(coins, amount)
        tx = builders.pool_fund(NETWORK, bank_id, chosen, amount, [key(bank_id)])
        assert self.submit(tx).committed
        self.pools[bank_id] += amount

    @rule(bank_id=st.sampled_from(BANKS), amount=AMOUNTS)
    def withdraw_from_pool(self, bank_id: str, amount: int) -> None:
        tx = builders.pool_withdraw(NETWORK, key(bank_id), bank_id, amount, self.next_nonce())
        outcome = self.submit(tx)
        assert outcome.committed == (amount <= self.pools[bank_id])
        if outcome.committed:
            self.pools[bank_id] -= amount

    @rule(data=st.data(), amount=AMOUNTS)
    def bank_pays_a_wallet(self, data: st.DataObject, amount: int) -> None:
        bank_id = data.draw(st.sampled_from(BANKS))
        payee = data.draw(st.sampled_from(sorted(WALLETS)))
        self.pay(bank_id, payee, self.net.pay(key(bank_id), key(payee), amount), amount, 0)

    @rule(data=st.data(), amount=AMOUNTS)
    def wallet_pays_a_wallet(self, data: st.DataObject, amount: int) -> None:
        payer = data.draw(st.sampled_from(sorted(WALLETS)))
        payee = data.draw(st.sampled_from([w for w in sorted(WALLETS) if w != payer]))
        held = self.money(payer)
        if held == 0:
            return
        if amount <= held:
            self.pay(payer, payee, self.net.pay(key(payer), key(payee), amount), amount, 0)
            return
        coins = self.net.coins(key(payer))
        tx = builders.pay_with_shortfall(
            NETWORK, coins, [key(payer)], key(payee).public_hex, amount
        )
        self.pay(payer, payee, tx, amount, amount - held)

    def pay(self, payer: str, payee: str, tx: Transaction, amount: int, shortfall: int) -> None:
        """Submit a payment; a linked payee's cap never refuses it."""
        before = self.record(payee)
        outcome = self.submit(tx)
        if outcome.committed:
            self.account(payer, payee, amount, shortfall, before)
            return
        error = outcome.error
        event(f"refused: {error.code if error else ''}")
        if before.deposit is not None:
            assert not (isinstance(error, LimitExceeded) and error.wallet_id == payee), error

    def account(
        self, payer: str, payee: str, paid: int, shortfall: int, before: WalletRecord
    ) -> None:
        """Update the model after a committed payment and check what the payee got."""
        received = self.record(payee).balance - before.balance
        excess = paid - received
        assert excess >= 0
        if excess:
            assert before.deposit is not None, "only a linked wallet passes money on"
            self.instructions[before.bank_id] += 1
            event("waterfall: excess paid to the bank")
        if shortfall:
            event("reverse waterfall: shortfall pulled from the pool")
            bank_id = WALLETS[payer][0]
            self.pools[bank_id] -= shortfall
            self.instructions[bank_id] += 1

    @rule(hours=st.integers(1, 30))
    def time_passes(self, hours: int) -> None:
        self.net.time_ms += hours * 3_600_000

    # -- what must always hold --------------------------------------------------------

    @invariant()
    def supply_is_conserved(self) -> None:
        supply, _banks, problems = check_money(self.net.store)
        assert not problems, problems
        assert supply.get(KZT, 0) == ISSUED * len(BANKS)

    @invariant()
    def no_wallet_is_over_its_cap(self) -> None:
        view = StateView(self.net.store)
        for wallet_id in WALLETS:
            record = self.record(wallet_id)
            cap = view.limits(record.tier).balance_cap
            assert cap is None or record.balance + record.held <= cap
            assert record.balance == self.money(wallet_id) >= 0

    @invariant()
    def pools_and_instructions_match_the_model(self) -> None:
        view = StateView(self.net.store)
        for bank_id in BANKS:
            assert pool_of(bank_id, view) == self.pools[bank_id] >= 0
            events = bank_feed(self.net.store, bank_id, limit=100_000)
            found = [e.instruction for e in events if e.instruction is not None]
            assert len(found) == self.instructions[bank_id]
            assert all(i.bank_id == bank_id and i.amount > 0 for i in found)

    @invariant()
    def the_audit_replays_the_chain(self) -> None:
        report = audit(self.net.store, self.net.chain.registry)
        assert report.ok, report.problems


WaterfallMachine.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_waterfall_machine = WaterfallMachine.TestCase
