"""A random market in digital assets, on the memory and LevelDB backends side by side.

Hypothesis mixes deliveries versus payment (some signed by one party only,
some past their deadline, some beyond the buyer's limits), plain tenge
payments, asset transfers, new issues, retirements, freezes and the passing
of time. Every step goes to both backends, which must hold identical state
digests. After every step: no DvP leg ever settled alone (a committed DvP
moved exactly the asset one way and the price the other, a refused one moved
nothing), tenge supply is conserved, each asset's supply is what was issued
less what was retired and equals its holdings, no committed DvP broke the
buyer's tier limits; every few steps the full audit replays the chain.
"""

from __future__ import annotations

import shutil
import tempfile

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from assets.errors import DvpExpired
from ledger.audit import audit, check_money
from ledger.params import kzt
from ledger.state import StateView
from ledger.storage.leveldb import LevelDBStore
from ledger.storage.memory import MemoryStore
from ledger.types import KZT, Output, Transaction
from node.producer import Outcome
from tests.assets_cast import Market
from tests.harness import NETWORK, key
from wallet import builders
from wallet.assets import builders as a
from wallet.builders import InsufficientFunds

TRADERS = ("farm", "mill", "baker")
PER_PAYMENT_BASIC = kzt(500_000)


class AssetMarketMachine(RuleBasedStateMachine):
    """Both backends receive the same blocks and must never disagree."""

    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.mkdtemp(prefix="assets-machine-")
        self.markets = [Market(MemoryStore()), Market(LevelDBStore(f"{self.tmp}/db"))]
        self.kzt_supply = self.m.supply(KZT)
        self.issued = {self.m.wheat: 500, self.m.item("KST-0001"): 1, self.m.item("KST-0002"): 1}
        self.frozen: set[str] = set()
        self.steps = 0
        self.nonce = 100

    def teardown(self) -> None:
        for market in self.markets:
            market.net.store.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    @property
    def m(self) -> Market:
        return self.markets[0]

    def tokens(self) -> list[str]:
        return [self.m.wheat, self.m.item("KST-0001"), self.m.item("KST-0002")]

    def submit(self, tx: Transaction, advance_ms: int = 1000) -> Outcome:
        self.steps += 1
        outcomes = [market.net.block([tx], advance_ms)[0] for market in self.markets]
        first = outcomes[0]
        for other in outcomes[1:]:
            assert (other.error is None) == (first.error is None)
            assert first.error is None or (other.error and other.error.code == first.error.code)
        return first

    def position(self, name: str, token: str) -> int:
        return self.m.held(key(name), token)

    # -- setting the market up ---------------------------------------------------------

    @initialize()
    def spread_the_grain_and_the_money(self) -> None:
        m = self.m
        for name, units in (("mill", 100), ("baker", 30)):
            coins = m.coins(m.farm, m.wheat)
            self.submit(
                a.asset_transfer(NETWORK, coins, [m.farm], m.wheat, key(name).public_hex, units)
            )
        self.submit(m.net.pay(m.bank, m.farm, kzt(3_000_000)))

    # -- rules ---------------------------------------------------------------------------

    @rule(
        data=st.data(),
        units=st.integers(1, 60),
        price=st.one_of(st.integers(1, kzt(10_000)), st.integers(kzt(400_000), kzt(700_000))),
        signed_by=st.sampled_from(["both"] * 6 + ["seller", "buyer"]),
        deadline=st.sampled_from([None, None, -1_000, 0, 1_000, 60_000]),
    )
    def dvp(
        self, data: st.DataObject, units: int, price: int, signed_by: str, deadline: int | None
    ) -> None:
        seller, buyer = data.draw(st.permutations(TRADERS))[:2]
        token = data.draw(st.sampled_from(self.tokens()))
        units = 1 if token != self.m.wheat else units
        m = self.m
        due = None if deadline is None else m.net.time_ms + 1000 + deadline
        try:
            offer = a.offer(
                NETWORK,
                m.coins(key(seller), token),
                token,
                units,
                price,
                key(buyer).public_hex,
                due,
            )
            body = a.accept_offer(offer, m.coins(key(buyer)))
        except InsufficientFunds:
            return
        signers = {
            "both": [key(seller), key(buyer)],
            "seller": [key(seller)],
            "buyer": [key(buyer)],
        }
        tx = a.sign(NETWORK, body, signers[signed_by])
        before = {(n, t): self.position(n, t) for n in (seller, buyer) for t in (token, KZT)}
        outcome = self.submit(tx)
        after = {(n, t): self.position(n, t) for n in (seller, buyer) for t in (token, KZT)}
        moved = {k: after[k] - before[k] for k in before}
        if outcome.committed:
            assert signed_by == "both" and {seller, buyer}.isdisjoint(self.frozen)
            assert moved == {
                (seller, token): -units,
                (buyer, token): units,
                (seller, KZT): price,
                (buyer, KZT): -price,
            }
            assert buyer != "baker" or price <= PER_PAYMENT_BASIC
        else:
            assert set(moved.values()) == {0}, ("a leg settled alone", moved, outcome.error)
        if due is not None and m.net.time_ms >= due:
            assert isinstance(outcome.error, DvpExpired) or signed_by != "both"

    @rule(data=st.data(), amount=st.integers(1, kzt(600_000)))
    def pay(self, data: st.DataObject, amount: int) -> None:
        payer, payee = data.draw(st.permutations(TRADERS))[:2]
        if self.position(payer, KZT) < amount:
            return
        self.submit(self.m.net.pay(key(payer), key(payee), amount))

    @rule(data=st.data(), units=st.integers(1, 80))
    def transfer_asset(self, data: st.DataObject, units: int) -> None:
        holder, to = data.draw(st.permutations(TRADERS))[:2]
        token = data.draw(st.sampled_from(self.tokens()))
        coins = self.m.coins(key(holder), token)
        if sum(c.output.amount for c in coins) < units:
            return
        before = (self.position(holder, token), self.position(to, token))
        outcome = self.submit(
            a.asset_transfer(NETWORK, coins, [key(holder)], token, key(to).public_hex, units)
        )
        after = (self.position(holder, token), self.position(to, token))
        assert after == ((before[0] - units, before[1] + units) if outcome.committed else before)

    @rule(data=st.data(), units=st.integers(1, 200))
    def issue_more(self, data: st.DataObject, units: int) -> None:
        holder = data.draw(st.sampled_from(TRADERS))
        grant = [Output(owner=key(holder).public_hex, amount=units)]
        if self.submit(a.asset_issue(NETWORK, self.m.platform, self.m.grain, grant)).committed:
            self.issued[self.m.wheat] += units

    @rule(data=st.data(), units=st.integers(1, 50))
    def retire(self, data: st.DataObject, units: int) -> None:
        holder = data.draw(st.sampled_from(TRADERS))
        token = data.draw(st.sampled_from(self.tokens()))
        coins = self.m.coins(key(holder), token)
        units = min(units, sum(c.output.amount for c in coins))
        if not units:
            return
        tx = a.asset_retire(NETWORK, coins, [key(holder)], self.m.platform, token, units)
        if self.submit(tx).committed:
            self.issued[token] -= units

    @precondition(lambda self: self.steps % 4 == 3)  # now and then, so trading goes on
    @rule(data=st.data())
    def freeze_or_thaw(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(TRADERS))
        self.nonce += 1
        status = "active" if name in self.frozen else "frozen"
        tx = builders.wallet_update(NETWORK, self.m.bank, name, nonce=self.nonce, status=status)
        assert self.submit(tx).committed
        self.frozen.symmetric_difference_update({name})

    @rule(hours=st.integers(1, 30))
    def time_passes(self, hours: int) -> None:
        for market in self.markets:
            market.net.time_ms += hours * 3_600_000

    # -- what must always hold ---------------------------------------------------------

    @invariant()
    def backends_agree_byte_for_byte(self) -> None:
        tips = [market.net.chain.tip for market in self.markets]
        assert all(tip == tips[0] for tip in tips)

    @invariant()
    def tenge_and_every_asset_are_conserved(self) -> None:
        for market in self.markets:
            supply, _, problems = check_money(market.net.store)
            assert not problems, problems
            assert supply[KZT] == self.kzt_supply
            for token, issued in self.issued.items():
                assert supply.get(token, 0) == issued
                assert StateView(market.net.store).supply(token).outstanding == issued

    @precondition(lambda self: self.steps % 10 == 9)
    @invariant()
    def audit_passes(self) -> None:
        store = self.markets[1].net.store
        report = audit(store, self.markets[1].net.chain.registry)
        assert report.ok, report.problems


AssetMarketMachine.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_asset_market_machine = AssetMarketMachine.TestCase
