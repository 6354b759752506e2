"""A network holding a valid, signed, never-submitted transaction of every registered kind.

The hostile campaign (:mod:`loadtests.hostile`) mutates these *templates*
and submits the mutants beside honest payments. Each template is valid
against the story's final state at the next block time (checked by
:meth:`Story.verify`), so a mutant that keeps its signatures valid reaches
the kind's stateful rules. The story commits, in order: banks and wallets,
an honest bank whose four business wallets make the honest payments,
programs and contracts, the offline PKI with purses and vouchers, the
privacy configuration with private notes and anonymous tokens, and a
licensed digital-asset platform with grain in wallets; it is built
with the wallet SDK's builders, the offline and privacy libraries, and the
node's full registry. Keys derive from public names (test networks only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ledger.chain import Chain
from ledger.crypto import KeyPair, sha256
from ledger.errors import TengeError
from ledger.params import kzt, make_genesis
from ledger.queries import holdings_of_key
from ledger.storage import KeyValueStore
from ledger.types import KZT, Output, Tier, TierLimits, Transaction
from node.composition import full_registry
from node.ordering import Outcome
from node.producer import produce_now
from privacy.validator import Validator, ValidatorSecrets, Witness
from wallet import builders
from wallet.builders import Coin

NETWORK = "kzt-hostile"
T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z
VALIDATOR_SEED = sha256(b"kzt-hostile:validator seed")
HONEST_BANK = "zhusan-honest-bank"
HONEST = tuple(f"honest-payer-{i}" for i in range(4))


_NAMED: dict[str, KeyPair] = {}


def key(name: str) -> KeyPair:
    """A deterministic key for a name on the hostile-campaign network."""
    found = _NAMED.get(name)
    if found is None:
        found = _NAMED[name] = KeyPair.from_seed(sha256(b"kzt-hostile-key:" + name.encode()))
    return found


def ring() -> dict[str, KeyPair]:
    """Every key the story named, by public key: the campaign re-signs mutants with them.

    The honest payers' keys are left out, so no mutant can be signed by one."""
    honest = {key(n).public_hex for n in HONEST}
    return {k.public_hex: k for k in list(_NAMED.values()) if k.public_hex not in honest}


def validator() -> Validator:
    """The producer's validator (its seed is public: test networks only)."""
    return Validator(ValidatorSecrets.derive(key("producer"), VALIDATOR_SEED))


@dataclass
class Story:
    """One chain, its producer's validator, and the templates built so far."""

    chain: Chain
    validating: Validator
    time_ms: int
    templates: dict[str, Transaction] = field(default_factory=dict)
    witnesses: dict[bytes, Witness] = field(default_factory=dict)
    """Private transfers' plaintexts as the validator held them when they were prepared."""
    nonce: int = 0

    @classmethod
    def on(cls, store: KeyValueStore, time_ms: int = T0) -> Story:
        """A fresh chain on ``store`` whose genesis is at ``time_ms``."""
        genesis = make_genesis(
            NETWORK, [key("central-bank").public_hex], [key("producer").public_hex], time_ms
        )
        validating = validator()
        return cls(Chain(store, full_registry(validating), genesis), validating, time_ms)

    @property
    def cb(self) -> KeyPair:
        return key("central-bank")

    @property
    def next_time(self) -> int:
        """The time of the block after the story: every template is valid then."""
        return self.time_ms + 1000

    def next_nonce(self) -> int:
        self.nonce += 1
        return self.nonce

    def block(self, txs: Sequence[Transaction], advance_ms: int = 1000) -> list[Outcome]:
        self.time_ms += advance_ms
        return produce_now(self.chain, key("producer"), txs, self.time_ms)

    def commit(self, *txs: Transaction, advance_ms: int = 1000) -> None:
        """One block; the first refusal is raised (the story must be valid)."""
        for outcome in self.block(txs, advance_ms):
            if outcome.error is not None:
                raise outcome.error

    def template(self, tx: Transaction) -> Transaction:
        """Keep ``tx`` as the template of its kind (never submitted by the story)."""
        assert tx.kind not in self.templates, f"a second template of {tx.kind}"
        self.templates[tx.kind] = tx
        return tx

    def coins(self, owner: KeyPair | str, token: str = KZT) -> list[Coin]:
        public = owner if isinstance(owner, str) else owner.public_hex
        found = holdings_of_key(self.chain.store, public)
        return [Coin(point=h.point, output=h.output) for h in found if h.output.token == token]

    def split(self, payer: KeyPair, to: KeyPair, amounts: Sequence[int]) -> list[Coin]:
        """Pay ``to`` one coin per amount (templates spending distinct coins cannot clash)."""
        # The largest coins first: the small ones kept for templates stay unspent.
        coins = builders.select_coins(self.coins(payer), sum(amounts))
        outputs = [Output(owner=to.public_hex, amount=a) for a in amounts]
        change = sum(c.output.amount for c in coins) - sum(amounts)
        tx = builders.transfer(
            NETWORK, coins, [*outputs, Output(owner=payer.public_hex, amount=change)], [payer]
        )
        self.commit(tx)
        return builders.coins_of(tx)[: len(amounts)]  # not the change, even when to is payer

    def verify(self) -> dict[str, TengeError]:
        """Each template alone in the next block: the ones the ledger would refuse, by kind."""
        refused = {}
        for kind, tx in self.templates.items():
            for txid, witness in self.witnesses.items():
                self.validating.hold(txid, witness)
            built = self.chain.build([tx], self.next_time, key("producer"))
            if built.rejected:
                refused[kind] = built.rejected[0][1]
        return refused


# -- banks, wallets and the honest payers ------------------------------------------------


def open_wallet(
    s: Story, name: str, bank: str, tier: Tier, mcc: str | None = None, region: str | None = None
) -> KeyPair:
    owner = key(name)
    s.commit(
        builders.wallet_open(NETWORK, key(bank), bank, name, tier, [owner.public_hex], mcc, region)
    )
    return owner


def add_bank(s: Story, bank_id: str, reserve: int) -> KeyPair:
    bank = key(bank_id)
    s.commit(
        builders.bank_register(
            NETWORK, s.cb, bank_id, bank_id.title(), [bank.public_hex], kzt(10**9)
        )
    )
    s.commit(
        builders.issue(NETWORK, s.cb, bank_id, [Output(bank.public_hex, reserve)], s.next_nonce())
    )
    return bank


def found_core(s: Story) -> None:
    """Two banks, the honest cast, people and merchants; templates of the core kinds."""
    halyk = add_bank(s, "halyk", kzt(100_000_000))
    add_bank(s, "kaspi", kzt(1_000_000))
    honest_bank = add_bank(s, HONEST_BANK, kzt(1_000_000))
    for name in HONEST:
        payer = open_wallet(s, name, HONEST_BANK, "business")
        s.split(honest_bank, payer, [kzt(10_000)])
    alice = open_wallet(s, "alice", "halyk", "full")
    bob = open_wallet(s, "bob", "halyk", "full")
    coins = s.split(halyk, alice, [kzt(1_000)] * 4)
    s.template(
        builders.bank_register(
            NETWORK, s.cb, "newbank", "New", [key("newbank").public_hex], kzt(10**6)
        )
    )
    s.template(builders.bank_update(NETWORK, s.cb, "kaspi", nonce=1, issuance_limit=kzt(2 * 10**6)))
    s.template(builders.issue(NETWORK, s.cb, "halyk", [Output(halyk.public_hex, kzt(5))], 9_999))
    reserve = s.split(halyk, halyk, [kzt(100)])
    s.template(builders.redeem(NETWORK, "halyk", reserve, kzt(40), [halyk]))
    s.template(
        builders.wallet_open(NETWORK, halyk, "halyk", "dana", "basic", [key("dana").public_hex])
    )
    s.template(builders.wallet_update(NETWORK, halyk, "bob", nonce=1, tier="basic"))
    s.template(builders.link_deposit(NETWORK, halyk, "bob", "halyk:bob-01"))
    found_waterfall(s, halyk, alice)
    limits = TierLimits(balance_cap=kzt(300_000), per_payment=kzt(50_000), daily=kzt(100_000))
    s.template(builders.limits_set(NETWORK, s.cb, "anonymous", limits, 1))
    s.template(
        builders.pay(
            NETWORK, coins[:1], [alice], bob.public_hex, kzt(300), alice.public_hex, "lunch"
        )
    )


def found_waterfall(s: Story, halyk: KeyPair, alice: KeyPair) -> None:
    """Alice linked with a mandate, halyk's pool funded; templates of the waterfall kinds."""
    s.commit(builders.link_deposit(NETWORK, halyk, "alice", "halyk:alice-01"))
    s.template(builders.reverse_mandate(NETWORK, [alice], "alice", kzt(5_000), nonce=1))
    s.commit(builders.reverse_mandate(NETWORK, [alice], "alice", kzt(1_000)))
    reserve = s.split(halyk, halyk, [kzt(2_000), kzt(50)])
    s.commit(builders.pool_fund(NETWORK, "halyk", reserve[:1], kzt(2_000), [halyk]))
    s.template(builders.pool_fund(NETWORK, "halyk", reserve[1:], kzt(20), [halyk]))
    s.template(builders.pool_withdraw(NETWORK, halyk, "halyk", kzt(500)))


def build(store: KeyValueStore, time_ms: int = T0) -> Story:
    """The whole story on ``store``; every kind the node runs has its template."""
    from loadtests import hostile_assets, hostile_offline, hostile_privacy, hostile_programs

    s = Story.on(store, time_ms)
    found_core(s)
    hostile_programs.programs(s)
    hostile_offline.offline(s)
    hostile_privacy.privacy(s)
    hostile_assets.assets(s)
    missing = sorted(set(s.chain.registry.rules) - set(s.templates))
    assert not missing, f"no template for {missing}"
    return s
