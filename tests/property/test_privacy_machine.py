"""The ledger's random life with all three levels mixed in, on memory and LevelDB side by side.

Extends the core machine (``test_ledger_machine.py``): open payments, shields
into private notes, private payments, unshields, anonymous withdrawals and
token spends, limit changes and the passing of time, every step sent to both
backends. Each backend's producer is the validator (same secrets); a private
payment is prepared once and its plaintext handed to both, so both check it
and must reach the same verdict. After every step: the state digests agree
byte for byte, supply equals open outputs plus the locked pools, the private
pool equals the notes the model holds unspent and the anonymous pool the
tokens outstanding; every tenth step the public audit replays the chain.
"""

from __future__ import annotations

import shutil
import tempfile

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from ledger.audit import check_money
from ledger.errors import TengeError
from ledger.params import kzt
from ledger.state import StateView
from ledger.storage.leveldb import LevelDBStore
from ledger.storage.memory import MemoryStore
from ledger.types import TIERS, Output, Tier, TierLimits, Transaction
from node.ordering import Outcome
from privacy.audit import public_audit
from privacy.notes import Note, new_note
from privacy.prepare import prepare_spend
from privacy.records import anon_pool, locked, private_pool
from privacy.requests import AnonToken, PrivateSubmission
from tests.harness import NETWORK, key
from tests.privacy_cast import PrivacyNet
from wallet import builders
from wallet.privacy import payments as pw
from wallet.privacy import tokens

DENOMINATIONS = (kzt(100), kzt(1_000))
AMOUNTS = st.one_of(st.integers(1, kzt(1_000)), st.integers(kzt(10_000), kzt(300_000)))


class PrivacyMachine(RuleBasedStateMachine):
    """Two backends, one story; the model keeps each wallet's notes and minted tokens."""

    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.mkdtemp(prefix="privacy-machine-")
        self.nets = [PrivacyNet(MemoryStore()), PrivacyNet(LevelDBStore(f"{self.tmp}/db"))]
        self.wallets: list[str] = []
        self.notes: dict[str, list[Note]] = {}
        self.minted: dict[int, list[AnonToken]] = {d: [] for d in DENOMINATIONS}
        self.steps = self.nonce = 0

    def teardown(self) -> None:
        for net in self.nets:
            net.store.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    @property
    def net(self) -> PrivacyNet:
        return self.nets[0]

    def submit(self, tx: Transaction, advance_ms: int = 1000) -> Outcome:
        outcomes = [net.block([tx], advance_ms)[0] for net in self.nets]
        codes = [o.error.code if o.error else None for o in outcomes]
        assert len(set(codes)) == 1, codes
        return outcomes[0]

    def private(self, submission: PrivateSubmission, what: str) -> bool:
        """Prepared once by the first validator; both hold its plaintext and check it."""
        try:
            tx = self.net.private_tx(submission)
        except TengeError as error:  # refused before the block (the same checks)
            event(f"{what}: refused, {error.code}")
            return False
        witness = self.net.validator.witness(tx.txid)
        assert witness is not None
        self.nets[1].validator.hold(tx.txid, witness)
        committed = self.submit(tx).committed
        event(f"{what}: {'committed' if committed else 'refused in the block'}")
        return committed

    # -- rules ----------------------------------------------------------------------

    @initialize(tiers=st.lists(st.sampled_from(TIERS[:3]), min_size=3, max_size=3))
    def found(self, tiers: list[Tier]) -> None:
        for net in self.nets:
            net.add_bank("halyk", reserve=kzt(50_000_000))
        for index, tier in enumerate(tiers):
            name = f"w{index}"
            for net in self.nets:
                net.add_wallet(name, "halyk", tier, funds=kzt(250_000))
            self.wallets.append(name)
            self.notes[name] = []
        for name in self.wallets:  # every wallet starts with a private note
            self.shield_note(name, kzt(20_000))

    @rule(data=st.data(), amount=AMOUNTS)
    def pay_openly(self, data: st.DataObject, amount: int) -> None:
        payer, payee = (
            data.draw(st.sampled_from(self.wallets)),
            data.draw(st.sampled_from(self.wallets)),
        )
        coins = self.net.coins(key(payer))
        if sum(c.output.amount for c in coins) >= amount:
            self.submit(
                builders.pay(
                    NETWORK,
                    coins,
                    [key(payer)],
                    key(payee).public_hex,
                    amount,
                    key(payer).public_hex,
                )
            )

    @rule(data=st.data(), amount=AMOUNTS)
    def shield(self, data: st.DataObject, amount: int) -> None:
        self.shield_note(data.draw(st.sampled_from(self.wallets)), amount)

    def shield_note(self, owner: str, amount: int) -> None:
        coins = self.net.coins(key(owner))
        if sum(c.output.amount for c in coins) < amount:
            return
        note = new_note(key(owner).public_hex, amount)
        chosen = builders.select_coins(coins, amount)
        change = sum(c.output.amount for c in chosen) - amount
        outputs = [Output(owner=key(owner).public_hex, amount=change)] if change else []
        submission = pw.submission(
            NETWORK, self.net.params, key(owner), coins=chosen, creates=[note], outputs=outputs
        )
        if self.private(submission, "shield"):
            self.notes[owner].append(note)

    def holders(self) -> list[str]:
        return [w for w in self.wallets if sum(n.amount for n in self.notes[w])]

    @precondition(lambda self: self.holders())
    @rule(data=st.data(), amount=AMOUNTS)
    def pay_privately(self, data: st.DataObject, amount: int) -> None:
        payer = data.draw(st.sampled_from(self.holders()))
        payee = data.draw(st.sampled_from(self.wallets))
        held = self.notes[payer]
        amount = min(amount, sum(n.amount for n in held))
        spends = pw.select_notes(held, amount)
        change = sum(n.amount for n in spends) - amount
        creates = [new_note(key(payee).public_hex, amount), new_note(key(payer).public_hex, change)]
        submission = pw.submission(
            NETWORK, self.net.params, key(payer), spends=spends, creates=creates, memo="m"
        )
        if self.private(submission, "private payment"):
            self.notes[payer] = [n for n in held if n not in spends] + [creates[1]]
            self.notes[payee].append(creates[0])

    @precondition(lambda self: self.holders())
    @rule(data=st.data())
    def unshield(self, data: st.DataObject) -> None:
        owner = data.draw(st.sampled_from(self.holders()))
        held = self.notes[owner]
        amount = data.draw(st.integers(1, max(1, sum(n.amount for n in held))))
        spends = pw.select_notes(held, amount)
        change = new_note(key(owner).public_hex, sum(n.amount for n in spends) - amount)
        to = data.draw(st.sampled_from(self.wallets))
        outputs = [Output(owner=key(to).public_hex, amount=amount)]
        submission = pw.submission(
            NETWORK, self.net.params, key(owner), spends=spends, creates=[change], outputs=outputs
        )
        if self.private(submission, "unshield"):
            self.notes[owner] = [n for n in held if n not in spends] + [change]

    @rule(data=st.data(), count=st.integers(1, 4), denomination=st.sampled_from(DENOMINATIONS))
    def withdraw(self, data: st.DataObject, count: int, denomination: int) -> None:
        owner = key(data.draw(st.sampled_from(self.wallets)))
        coins = self.net.coins(owner)
        if sum(c.output.amount for c in coins) < count * denomination:
            return
        batch = tokens.blind_batch(denomination, count)
        tx = tokens.withdrawal(NETWORK, coins, [owner], batch, owner.public_hex)
        if self.submit(tx).committed:
            event("withdrawal: committed")
            evaluation = self.net.evaluation(tx.txid.hex())
            self.minted[denomination] += tokens.unblind(batch, evaluation, self.net.params)

    @precondition(lambda self: any(self.minted.values()))
    @rule(data=st.data())
    def spend(self, data: st.DataObject) -> None:
        denomination = data.draw(st.sampled_from([d for d in DENOMINATIONS if self.minted[d]]))
        held = self.minted[denomination]
        count = data.draw(st.integers(1, len(held)))
        payee = key(data.draw(st.sampled_from(self.wallets))).public_hex
        tx = prepare_spend(
            self.net.validator,
            tokens.spend_request(held[:count], denomination, payee),
            self.net.chain,
        )
        if self.submit(tx).committed:
            event("token spend: committed")
            self.minted[denomination] = held[count:]

    @rule(
        tier=st.sampled_from(TIERS[:3]), daily=st.none() | st.integers(kzt(1_000), kzt(2_000_000))
    )
    def set_limits(self, tier: Tier, daily: int | None) -> None:
        self.nonce += 1
        limits = TierLimits(balance_cap=kzt(3_000_000), per_payment=kzt(500_000), daily=daily)
        assert self.submit(
            builders.limits_set(NETWORK, self.net.cb, tier, limits, self.nonce)
        ).committed

    @rule(hours=st.integers(1, 30))
    def time_passes(self, hours: int) -> None:
        for net in self.nets:
            net.time_ms += hours * 3_600_000

    # -- what must always hold ------------------------------------------------------------

    @invariant()
    def backends_agree_byte_for_byte(self) -> None:
        assert self.nets[0].chain.tip == self.nets[1].chain.tip

    @invariant()
    def value_is_conserved_across_the_three_levels(self) -> None:
        for net in self.nets:
            _, _, problems = check_money(net.store)
            assert not problems, problems
            view = StateView(net.store)
            assert locked(private_pool("KZT"), view) == sum(
                n.amount for held in self.notes.values() for n in held
            )
            for denomination, held in self.minted.items():
                assert locked(anon_pool(denomination), view) == denomination * len(held)

    @invariant()
    def every_tenth_step_the_public_audit_replays_the_chain(self) -> None:
        self.steps += 1
        if self.steps % 10 == 0:
            report = public_audit(self.nets[1].store, self.nets[1].chain.registry)
            assert report.ok, report.problems


PrivacyMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_privacy_machine = PrivacyMachine.TestCase
