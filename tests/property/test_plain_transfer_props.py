"""The plain transfer's fast path decides and writes exactly as the general path.

Two chains start from copies of one state: one with the core registry (a plain
transfer takes ``ledger.rules.plain_transfer``), one whose transfer rule has no
fast path. Hypothesis sends both the same blocks of random transfers, many of
which must be refused: double spends and unknown inputs (any coin ever seen may
be picked again), value not conserved, missing, wrong and extra signers, unknown
payees, frozen wallets, bank keys on either side, tier limits (per payment,
daily, balance cap), a linked payee over its cap (the waterfall), and, with a
producer guard registered, the guard's own refusals. Each block must have the
same verdicts (position, or error class and fields), the same changes in the same
order, the same records, and the same block bytes (so the same state digest).
"""

from __future__ import annotations

import copy
import dataclasses

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ledger.chain import BuiltBlock, Chain
from ledger.crypto import KeyPair
from ledger.encoding import canonical
from ledger.errors import NotAuthorized, TengeError
from ledger.params import kzt
from ledger.registry import Pending, Registry
from ledger.rules import core_registry
from ledger.rules.plain_transfer import plain_transfer
from ledger.state import StateView
from ledger.storage import schema as s
from ledger.storage.memory import MemoryStore
from ledger.types import KZT, OutPoint, Output, Tier, TierLimits, Transaction, Transfer
from tests.harness import NETWORK, Harness, key
from wallet import builders
from wallet.builders import Coin

LIMITS: dict[Tier, TierLimits] = {
    "anonymous": TierLimits(balance_cap=kzt(10_000), per_payment=kzt(4_000), daily=kzt(6_000)),
    "basic": TierLimits(balance_cap=kzt(30_000), per_payment=kzt(25_000), daily=kzt(40_000)),
}
STRANGER = key("stranger")


class Cast:
    """The base state and everyone's keys, built once."""

    def __init__(self) -> None:
        net = Harness(MemoryStore())
        for tier, limits in LIMITS.items():
            net.commit(builders.limits_set(NETWORK, net.cb, tier, limits, net.next_nonce()))
        self.banks = [net.add_bank("halyk"), net.add_bank("kaspi")]
        second = key("f1-second")
        self.keys: list[KeyPair] = [*self.banks, STRANGER, second]
        for wallet_id, bank_id, tier in (
            ("a1", "halyk", "anonymous"),
            ("a2", "kaspi", "anonymous"),
            ("b1", "halyk", "basic"),
            ("f1", "kaspi", "full"),
            ("z1", "kaspi", "basic"),
            ("l1", "halyk", "basic"),
        ):
            self.keys.append(net.add_wallet(wallet_id, bank_id, tier))
        bank_of = {"halyk": self.banks[0], "kaspi": self.banks[1]}
        net.commit(
            builders.wallet_update(
                NETWORK,
                bank_of["kaspi"],
                "f1",
                nonce=net.next_nonce(),
                add_keys=[second.public_hex],
            )
        )
        for wallet in ("a1", "a2", "b1", "f1", "z1", "l1", "f1-second"):
            for amount in (kzt(1_500), kzt(3_000), kzt(4_000)):
                payer = self.banks[0] if wallet in ("a1", "b1", "l1") else self.banks[1]
                net.commit(net.pay(payer, key(wallet), amount))
        net.commit(net.pay(self.banks[0], key("l1"), kzt(20_000)))  # near its cap of 30,000
        net.commit(builders.link_deposit(NETWORK, self.banks[0], "l1", "acct/l1", nonce=1))
        net.commit(
            builders.wallet_update(
                NETWORK, self.banks[1], "z1", nonce=net.next_nonce(), status="frozen"
            )
        )
        self.coins = [c for k in self.keys for c in net.coins(k)] + planted(net.store)
        self.by_public = {k.public_hex: k for k in self.keys}
        self.store = net.store
        self.time_ms = net.time_ms
        self.producer = net.producer


def planted(store: MemoryStore) -> list[Coin]:
    """Coins of a special-purpose token and of a digital asset, written into the state as
    their modules would have created them (the core registry cannot issue them)."""
    coins = []
    for n, token in enumerate(("ab" * 32, "asset:" + "cd" * 32)):
        txid = bytes([n + 1]) * 32
        output = Output(owner=key("a1").public_hex, amount=kzt(2_000), token=token)
        owner = bytes.fromhex(output.owner)
        store.write_batch(
            {s.output_key(txid, 0): canonical(output), s.owner_output_key(owner, txid, 0): b""}
        )
        coins.append(Coin(point=OutPoint(txid=txid.hex(), index=0), output=output))
    return coins


CAST = Cast()


def refuse_sevens(pending: Pending, state: StateView) -> None:
    """A producer guard that reads state and refuses payments of a multiple of 7 tiyn."""
    first = pending.tx.body.creates()[0] if pending.tx.body.creates() else None
    if first is not None and first.amount % 7 == 0 and state.key_owner(first.owner) is not None:
        raise NotAuthorized(action="guard", signer=first.owner)


def registries(guarded: bool) -> tuple[Registry, Registry]:
    """The core registry, and the same without the transfer's fast path."""
    fast = core_registry()
    general = core_registry()
    rule = general.rules["transfer"]
    general.rules["transfer"] = dataclasses.replace(rule, fast=None)
    assert fast.rules["transfer"].fast is plain_transfer
    if guarded:
        fast.guards.append(refuse_sevens)
        general.guards.append(refuse_sevens)
    return fast, general


MODES = ["plain"] * 6 + ["all", "over", "under", "wrong", "extra", "self", "token", "mint"]
Spec = tuple[bool, list[int], int, int, str]
PAYMENT = st.tuples(
    st.sampled_from([False, False, False, True]),  # stale: inputs from every coin ever seen
    st.lists(st.integers(0, 10_000), min_size=1, max_size=3),  # inputs
    st.integers(0, 10_000),  # payee
    st.integers(1, kzt(12_000)),  # amount
    st.sampled_from(MODES),
)


class Coins:
    """Every coin seen, and those the fast chain holds unspent (the model is optimistic
    within a block: a payment's inputs leave it and its outputs join it at once)."""

    def __init__(self) -> None:
        self.seen: list[Coin] = list(CAST.coins)
        self.unspent: list[Coin] = list(CAST.coins)

    def pick(self, stale: bool, picks: list[int]) -> list[Coin]:
        pool = self.seen if stale or not self.unspent else self.unspent
        return list({id(c): c for c in (pool[i % len(pool)] for i in picks)}.values())

    def paid(self, tx: Transaction, spent: list[Coin]) -> None:
        created = builders.coins_of(tx)
        self.seen += created
        self.unspent = [c for c in self.unspent if c not in spent] + created

    def settle(self, chain: Chain) -> None:
        view = StateView(chain.store)
        self.unspent = [
            c
            for c in dict.fromkeys(self.unspent + self.seen)
            if view.output(bytes.fromhex(c.point.txid), c.point.index) == c.output
        ]


def payment(coins: Coins, spec: Spec) -> Transaction:
    """A transfer as ``spec`` says, signed; its mode chooses how it may be wrong."""
    stale, picks, payee_at, amount, mode = spec
    chosen = coins.pick(stale, picks)
    total = sum(c.output.amount for c in chosen)
    payer = chosen[0].output.owner
    payee = CAST.keys[payee_at % len(CAST.keys)].public_hex if mode != "self" else payer
    amount = total if mode == "all" else min(amount, total)
    change = total - amount + {"over": 1, "under": -1}.get(mode, 0)
    token = {"token": chosen[0].output.token, "mint": "ab" * 32}.get(mode, KZT)
    outputs = [Output(owner=payee, amount=amount, token=token)]
    if change > 0:
        outputs.append(Output(owner=payer, amount=change, token=token))
    elif change < 0:
        outputs[0] = Output(owner=payee, amount=amount + change or 1, token=token)
    signers = [CAST.by_public[o] for o in sorted({c.output.owner for c in chosen})]
    if mode == "wrong":
        signers = [STRANGER]
    elif mode == "extra":
        signers = [*signers, CAST.keys[(payee_at + 1) % len(CAST.keys)]]
    body = Transfer(inputs=tuple(c.point for c in chosen), outputs=tuple(outputs))
    tx = Transaction.create(NETWORK, body, list({k.public_hex: k for k in signers}.values()))
    coins.paid(tx, chosen)
    return tx


def verdicts(built: BuiltBlock) -> list[object]:
    return [
        (type(v).__name__, v.details()) if isinstance(v, TengeError) else v for v in built.verdicts
    ]


def assert_same(fast: BuiltBlock, general: BuiltBlock) -> None:
    assert verdicts(fast) == verdicts(general)
    assert list(fast.changes.items()) == list(general.changes.items())
    assert list(fast.records.items()) == list(general.records.items())
    assert canonical(fast.block) == canonical(general.block)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    blocks=st.lists(st.lists(PAYMENT, min_size=1, max_size=10), min_size=1, max_size=4),
    guarded=st.booleans(),
    days=st.lists(st.sampled_from([1000, 3_600_000, 86_400_000]), min_size=4, max_size=4),
)
def test_fast_and_general_paths_build_the_same_blocks(
    blocks: list[list[Spec]], guarded: bool, days: list[int]
) -> None:
    fast_registry, general_registry = registries(guarded)
    fast = Chain(copy.deepcopy(CAST.store), fast_registry)
    general = Chain(copy.deepcopy(CAST.store), general_registry)
    coins = Coins()
    time_ms, committed = CAST.time_ms, 0
    for block, advance in zip(blocks, days, strict=False):
        time_ms += advance
        txs = [payment(coins, spec) for spec in block]  # later ones may spend earlier ones
        built = fast.build(txs, time_ms, CAST.producer)
        other = general.build(txs, time_ms, CAST.producer)
        assert_same(built, other)
        if built.transactions:
            assert fast.commit(built) == general.commit(other)
        coins.settle(fast)
        committed += len(built.transactions)
        for _, error in built.rejected:
            event(error.code)
    assert fast.tip.state_digest == general.tip.state_digest
    event(f"committed {min(committed, 10)}+" if committed >= 10 else f"committed {committed}")


def b1_coin() -> Coin:
    return next(c for c in CAST.coins if c.output.owner == key("b1").public_hex)


def a1_at() -> int:
    return [k.public_hex for k in CAST.keys].index(key("a1").public_hex)


def test_plain_payment_takes_the_fast_path() -> None:
    fast_registry, _ = registries(guarded=False)
    chain = Chain(copy.deepcopy(CAST.store), fast_registry)
    tx = payment(Coins(), (False, [CAST.coins.index(b1_coin())], a1_at(), kzt(100), "plain"))
    view = StateView(chain.store, chain.records)
    view.begin()
    assert plain_transfer(tx, view, chain.context(CAST.time_ms + 1), 0, ())
    assert view.journal()


def test_refused_payment_is_left_to_the_general_path_with_nothing_written() -> None:
    fast_registry, _ = registries(guarded=False)
    chain = Chain(copy.deepcopy(CAST.store), fast_registry)
    tx = payment(Coins(), (False, [CAST.coins.index(b1_coin())], a1_at(), kzt(100), "over"))
    view = StateView(chain.store, chain.records)
    view.begin()
    assert not plain_transfer(tx, view, chain.context(CAST.time_ms + 1), 0, ())
    assert not view.journal()
    (refusal,) = chain.build([tx], CAST.time_ms + 1, CAST.producer).rejected
    assert refusal[1].code == "value_not_conserved"
