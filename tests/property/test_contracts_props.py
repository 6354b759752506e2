"""Hypothesis: random policies, random payments, random contract operations.

- A special-purpose token moves exactly when its policy (restated here as a
  plain oracle) allows it: never outside it, and never refused inside it.
- Supply is conserved after every step: per token, unspent outputs plus
  locked value equal the supply; each program's lock equals its tokens.
- Expiry returns exactly the unspent amount to the issuer.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from contracts.errors import PolicyViolation
from contracts.policy import Policy, token_id
from contracts.records import escrow_lock, meter_lock
from ledger.audit import locked_value
from ledger.crypto import KeyPair
from ledger.params import kzt
from tests.harness import NETWORK, key
from tests.programs_cast import World
from wallet.contracts import builders as p

# name -> (mcc, region); people have no MCC
CAST = {
    "ann": (None, "KZ-ALA"),
    "bek": (None, "KZ-AST"),
    "canteen": ("5814", "KZ-ALA"),
    "cafe": ("5812", "KZ-AST"),
    "builder": ("1520", "KZ-ALA"),
}
HOLDERS = ("ann", "bek")
MINUTE = 60_000
_programs = itertools.count()


@dataclass
class Cast:
    world: World
    keys: dict[str, KeyPair]


_cast: Cast | None = None


def cast() -> Cast:
    """One network for every example (each example runs its own program)."""
    global _cast
    if _cast is None:
        world = World()
        keys = {
            name: world.wallet(name, "business", mcc=mcc, region=region)
            for name, (mcc, region) in CAST.items()
        }
        _cast = Cast(world, keys)
    return _cast


def subset(values: tuple[str, ...]) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(st.sampled_from(values), unique=True).map(lambda v: tuple(sorted(v)))


@st.composite
def policies(draw: st.DrawFn, issuer: str, now: int) -> Policy:
    start = now + draw(st.sampled_from([0, 5 * MINUTE]))
    until = draw(st.sampled_from([None, start + 20 * MINUTE]))
    return Policy(
        issuer=issuer,
        name=f"random-{next(_programs)}",
        mcc=draw(subset(("1520", "5812", "5814"))),
        recipients=draw(subset(tuple(CAST))),
        regions=draw(subset(("KZ-ALA", "KZ-AST"))),
        transferable=draw(st.booleans()),
        per_payment=draw(st.sampled_from([None, kzt(30), kzt(80)])),
        valid_from=start,
        valid_until=until,
        expires_at=draw(st.sampled_from([None, (until or start) + 30 * MINUTE])),
        convert=draw(st.sampled_from(["nobody", "eligible", "anyone"])),
    )


def may_receive(policy: Policy, name: str) -> bool:
    """The oracle: the policy's recipient rules, read straight off the spec."""
    mcc, region = CAST[name]
    if policy.regions and region not in policy.regions:
        return False
    if name in policy.recipients:
        return True
    if mcc is None:
        return policy.transferable
    if policy.mcc:
        return mcc in policy.mcc
    return not policy.recipients


def may_convert(policy: Policy, name: str) -> bool:
    """The oracle for conversion: nobody, anyone, or merchants (and listed ids) it may pay."""
    if policy.convert != "eligible":
        return policy.convert == "anyone"
    mcc, region = CAST[name]
    if policy.regions and region not in policy.regions:
        return False
    if name in policy.recipients:
        return True
    if mcc is None:
        return False
    return mcc in policy.mcc if policy.mcc else not policy.recipients


def in_window(policy: Policy, time_ms: int, convert: bool) -> bool:
    if policy.expires_at is not None and time_ms >= policy.expires_at:
        return False
    if convert:
        return True
    until = policy.valid_until
    return time_ms >= policy.valid_from and (until is None or time_ms < until)


attempts = st.lists(
    st.tuples(
        st.sampled_from(["pay", "pay", "pay", "convert"]),
        st.sampled_from((*HOLDERS, *HOLDERS, *CAST)),  # payer (if it holds any)
        st.sampled_from(tuple(CAST)),  # recipient
        st.integers(1, kzt(100)),
        st.sampled_from([0, 0, 0, MINUTE, 7 * MINUTE, 25 * MINUTE]),
    ),
    min_size=2,
    max_size=10,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), steps=attempts)
def test_tokens_move_exactly_as_their_policy_allows(data: st.DataObject, steps: list) -> None:  # type: ignore[type-arg]
    c = cast()
    world = c.world
    policy = data.draw(policies(world.gov.public_hex, world.now))
    world.commit(p.program_create(NETWORK, world.gov, policy))
    token = token_id(policy)
    world.issue(token, {c.keys[h].public_hex: kzt(100) for h in HOLDERS})
    for kind, payer, payee, amount, wait in steps:
        held = world.held(c.keys[payer], token)
        if held == 0:
            continue
        amount = min(amount, held)
        time_ms = world.now + wait
        if kind == "pay":
            tx = world.pay(c.keys[payer], c.keys[payee], amount, token)
            allowed = in_window(policy, time_ms, False) and (
                payer == payee
                or (may_receive(policy, payee) and (policy.per_payment or amount) >= amount)
            )
        else:
            tx = p.program_convert(
                NETWORK, world.coins(c.keys[payer], token), [c.keys[payer]], token, amount
            )
            allowed = in_window(policy, time_ms, True) and may_convert(policy, payer)
        (outcome,) = world.at(time_ms, tx)
        assert outcome.committed == allowed, (kind, payer, payee, amount, outcome.error)
        if not allowed:
            assert isinstance(outcome.error, PolicyViolation)
        world.assert_conserved([policy])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(grants=[1], spends=[(0, 1)])  # all converted: nothing left to return
@given(
    grants=st.lists(st.integers(1, kzt(50)), min_size=1, max_size=3),
    spends=st.lists(st.tuples(st.integers(0, 2), st.integers(1, kzt(20))), max_size=4),
)
def test_expiry_returns_exactly_the_unspent_amount(grants: list[int], spends: list) -> None:  # type: ignore[type-arg]
    c = cast()
    world = c.world
    expiry = world.now + 10 * MINUTE
    policy = Policy(
        issuer=world.gov.public_hex,
        name=f"expiring-{next(_programs)}",
        mcc=("5814",),
        expires_at=expiry,
        convert="eligible",
    )
    world.commit(p.program_create(NETWORK, world.gov, policy))
    token = token_id(policy)
    holders = [c.keys[h] for h in ("ann", "bek", "builder")][: len(grants)]
    world.issue(token, {h.public_hex: g for h, g in zip(holders, grants, strict=False)})
    canteen = c.keys["canteen"]
    for index, amount in spends:
        holder = holders[index % len(holders)]
        amount = min(amount, world.held(holder, token))
        if amount:
            world.commit(world.pay(holder, canteen, amount, token))
    if world.held(canteen, token):
        half = max(1, world.held(canteen, token) // 2)
        world.commit(
            p.program_convert(NETWORK, world.coins(canteen, token), [canteen], token, half)
        )
    coins = [coin for h in [*holders, canteen] for coin in world.coins(h, token)]
    unspent = sum(coin.output.amount for coin in coins)
    before = world.held(world.gov)
    if coins:  # everything may have been converted already
        sweep = p.program_expire(NETWORK, key("anyone"), coins, world.gov.public_hex)
        world.commit_at(expiry, sweep)
    assert world.held(world.gov) - before == unspent
    assert world.supply(token) == 0
    world.assert_conserved([policy])


class ContractsMachine(RuleBasedStateMachine):
    """Random escrows, meters and program payments; money is conserved after each step."""

    def __init__(self) -> None:
        super().__init__()
        self.world = World()
        self.payer = self.world.wallet("payer", "business", funds=kzt(1_000_000))
        self.shop = self.world.wallet("shop", "business", mcc="5814")
        self.policy = Policy(issuer=self.world.gov.public_hex, name="m", transferable=True)
        self.world.commit(p.program_create(NETWORK, self.world.gov, self.policy))
        self.token = token_id(self.policy)
        self.escrows: list[tuple[str, int, int]] = []
        self.meters: list[tuple[str, int, int, int]] = []  # id, budget, claimed, sequence

    @rule(amount=st.integers(1, kzt(1_000)))
    def issue(self, amount: int) -> None:
        self.world.issue(self.token, {self.payer.public_hex: amount})

    @rule(amount=st.integers(1, kzt(500)))
    def spendtoken_id(self, amount: int) -> None:
        held = self.world.held(self.payer, self.token)
        if held:
            self.world.commit(self.world.pay(self.payer, self.shop, min(amount, held), self.token))

    @rule(amount=st.integers(1, kzt(500)))
    def convert(self, amount: int) -> None:
        held = self.world.held(self.shop, self.token)
        if held:
            coins = self.world.coins(self.shop, self.token)
            self.world.commit(
                p.program_convert(NETWORK, coins, [self.shop], self.token, min(amount, held))
            )

    @rule(amount=st.integers(1, kzt(2_000)))
    def open_escrow(self, amount: int) -> None:
        deadline = self.world.now + MINUTE
        coins = self.world.coins(self.payer, "KZT")
        tx = p.escrow_open(NETWORK, coins, self.payer, self.shop.public_hex, amount, deadline)
        self.world.commit(tx)
        self.escrows.append((tx.txid.hex(), amount, deadline))

    @precondition(lambda self: bool(self.escrows))
    @rule(release=st.booleans())
    def settle_escrow(self, release: bool) -> None:
        escrow, amount, deadline = self.escrows.pop(0)
        if release:
            tx = p.escrow_release(
                NETWORK, escrow, self.shop.public_hex, amount, [self.payer, self.shop]
            )
            self.world.commit(tx)
        else:
            tx = p.escrow_refund(NETWORK, escrow, self.payer.public_hex, amount, [self.payer])
            self.world.commit_at(max(deadline, self.world.now), tx)
        assert self.world.locked(escrow_lock(escrow)) == 0

    @rule(budget=st.integers(1, kzt(1_000)))
    def open_meter(self, budget: int) -> None:
        coins = self.world.coins(self.payer, "KZT")
        tx = p.meter_open(
            NETWORK, coins, self.payer, self.shop.public_hex, budget, self.world.now + 10 * MINUTE
        )
        self.world.commit(tx)
        self.meters.append((tx.txid.hex(), budget, 0, 0))

    @precondition(lambda self: bool(self.meters))
    @rule(used=st.integers(1, kzt(300)), close=st.booleans())
    def use_meter(self, used: int, close: bool) -> None:
        meter, budget, claimed, sequence = self.meters.pop(0)
        cumulative = min(budget, claimed + used)
        signed = p.usage(NETWORK, self.payer, meter, sequence + 1, cumulative)
        if close:
            tx = p.meter_close(
                NETWORK,
                [self.shop],
                meter,
                self.shop.public_hex,
                self.payer.public_hex,
                budget,
                claimed,
                signed if cumulative > claimed else None,
            )
            self.world.commit(tx)
            assert self.world.locked(meter_lock(meter)) == 0
            return
        if cumulative > claimed:
            self.world.commit(p.meter_claim(NETWORK, self.shop, meter, signed, claimed))
            claimed, sequence = cumulative, sequence + 1
        self.meters.append((meter, budget, claimed, sequence))

    @invariant()
    def money_is_conserved(self) -> None:
        self.world.assert_conserved([self.policy])
        outstanding = sum(a for _, a, _ in self.escrows) + sum(b - c for _, b, c, _ in self.meters)
        assert locked_value(self.world.net.store).get("KZT", 0) == outstanding + self.world.supply(
            self.token
        )


TestContractsMachine = ContractsMachine.TestCase
TestContractsMachine.settings = settings(
    max_examples=12,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
