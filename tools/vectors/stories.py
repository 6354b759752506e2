"""Stories that commit every feature kind, for the per-kind vectors of ``encoding-vectors.json``.

Each family gets a short, valid story on a chain that runs the node's full
registry: programs, escrow, metering and mandates; digital assets; offline
purses (on the offline pilot); privacy (in ``tools.vectors.private_story``).
Keys derive from names (``SHA-256("kind-vector:" + name)``, the pilot's own
rule for the offline story), clocks start at a fixed instant and advance one
minute a block, so every run commits the same bytes. What a story commits is
read back from its blocks by :func:`first_of_each_kind`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from assets.types import AssetClass, Issuer, class_id, item_token, unit_token
from contracts.policy import Policy, levels, token_id
from ledger.chain import Chain
from ledger.crypto import KeyPair, sha256
from ledger.params import kzt, make_genesis
from ledger.queries import holdings_of_key
from ledger.storage.memory import MemoryStore
from ledger.types import KZT, Block, Output, Tier, Transaction
from ledger.validation import decode_envelope
from node.composition import full_registry
from node.producer import produce_now
from offline.device import pay as pay_offline
from offline.params import default_tier_limits
from privacy.validator import Validator
from tools.offline_sim.pilot import Pilot
from wallet import builders
from wallet.assets import builders as a
from wallet.builders import Coin
from wallet.contracts import builders as p
from wallet.offline import builders as ob

NETWORK = "kzt-devnet"
START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
BLOCK_MS = 60_000


def story_key(name: str) -> KeyPair:
    """The key of a named actor in the feature stories."""
    return KeyPair.from_seed(sha256(b"kind-vector:" + name.encode()))


@dataclass(frozen=True)
class Committed:
    """A committed transaction and the names of the keys that signed it."""

    tx: Transaction
    signers: tuple[str, ...]


@dataclass
class Ledger:
    """A chain of the full registry at a fixed clock; every key it hands out is named."""

    validator: Validator | None = None
    names: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.cb, self.producer = self.key("central-bank"), self.key("producer")
        genesis = make_genesis(NETWORK, [self.cb.public_hex], [self.producer.public_hex], START_MS)
        self.chain = Chain(MemoryStore(), full_registry(self.validator), genesis)
        self.time_ms, self.nonce = START_MS, 0

    def key(self, name: str) -> KeyPair:
        pair = story_key(name)
        self.names[pair.public_hex] = (name, pair.seed)
        return pair

    def next_nonce(self) -> int:
        self.nonce += 1
        return self.nonce

    def commit(self, *txs: Transaction) -> None:
        """One block of ``txs``; a refusal is a bug in the story."""
        self.time_ms += BLOCK_MS
        for outcome in produce_now(self.chain, self.producer, txs, self.time_ms):
            if outcome.error is not None:
                raise AssertionError(f"the story was refused: {outcome.error!r}")

    def coins(self, owner: KeyPair, token: str = KZT) -> list[Coin]:
        held = holdings_of_key(self.chain.store, owner.public_hex)
        return [Coin(point=h.point, output=h.output) for h in held if h.output.token == token]

    def bank(self, bank_id: str, reserve: int) -> KeyPair:
        """Register a bank and issue ``reserve`` to its key."""
        bank = self.key(bank_id)
        limit = kzt(10**9)
        self.commit(
            builders.bank_register(NETWORK, self.cb, bank_id, "Bank", [bank.public_hex], limit)
        )
        issued = [Output(owner=bank.public_hex, amount=reserve)]
        self.commit(builders.issue(NETWORK, self.cb, bank_id, issued, self.next_nonce()))
        return bank

    def wallet(
        self,
        bank: KeyPair,
        bank_id: str,
        name: str,
        funds: int,
        mcc: str | None = None,
        tier: Tier = "business",
    ) -> KeyPair:
        """Open a wallet at ``bank_id`` and pay it ``funds``."""
        owner = self.key(name)
        opened = builders.wallet_open(
            NETWORK, bank, bank_id, name, tier, [owner.public_hex], mcc=mcc, region="KZ-75"
        )
        self.commit(opened)
        if funds:
            coins = self.coins(bank)
            self.commit(
                builders.pay(NETWORK, coins, [bank], owner.public_hex, funds, bank.public_hex)
            )
        return owner


def first_of_each_kind(
    chain: Chain, names: dict[str, tuple[str, bytes]], skip: Iterable[str] = ()
) -> dict[str, Committed]:
    """The first committed transaction of each kind not in ``skip``, in block order."""
    found: dict[str, Committed] = {}
    skipped = set(skip)
    for height in range(1, chain.tip.height + 1):
        block = chain.block(height)
        assert isinstance(block, Block)
        for envelope in block.txs:
            tx = decode_envelope(envelope, chain.registry)
            if tx.kind in skipped or tx.kind in found:
                continue
            signers = tuple(names[s.key][0] for s in tx.signatures)
            found[tx.kind] = Committed(tx, signers)
    return found


# -- contracts: programs, escrow, metering, mandates ------------------------------------


def contracts_story(net: Ledger) -> None:
    """Every contracts kind once, on one bank and four business wallets."""
    bank = net.bank("halyk", kzt(100_000_000))
    akimat = net.wallet(bank, "halyk", "akimat", kzt(1_000_000))
    canteen = net.wallet(bank, "halyk", "canteen", kzt(10_000), mcc="5814")
    family = net.wallet(bank, "halyk", "family", kzt(100_000))
    shop = net.wallet(bank, "halyk", "shop", 0)
    programs(net, akimat, canteen, family)
    escrows(net, family, shop)
    meters(net, family, shop)
    mandates(net, family, shop)


def programs(net: Ledger, akimat: KeyPair, canteen: KeyPair, family: KeyPair) -> None:
    net.commit(p.program_grant(NETWORK, net.cb, "akimat", net.next_nonce()))
    expires = net.time_ms + 20 * BLOCK_MS
    onward = Policy(
        issuer=akimat.public_hex, name="Canteen takings", convert="anyone", expires_at=expires
    )
    policy = Policy(
        issuer=akimat.public_hex,
        name="School meals",
        mcc=("5814",),
        per_payment=kzt(3_000),
        expires_at=expires,
        onward=onward,
    )
    token, takings = (token_id(level) for level in levels(policy))
    net.commit(p.program_create(NETWORK, akimat, policy))
    grant = [Output(owner=family.public_hex, amount=kzt(5_000))]
    net.commit(p.program_issue(NETWORK, akimat, net.coins(akimat), token, grant))
    meal = p.program_pay(
        NETWORK, net.coins(family, token), [family], token, onward, canteen.public_hex, kzt(1_500)
    )
    net.commit(meal)
    net.commit(
        p.program_convert(NETWORK, net.coins(canteen, takings), [canteen], takings, kzt(1_000))
    )
    while net.time_ms < (policy.expires_at or 0):
        net.commit()
    sweep = p.program_expire(NETWORK, canteen, net.coins(family, token), akimat.public_hex)
    net.commit(sweep)


def escrows(net: Ledger, payer: KeyPair, payee: KeyPair) -> None:
    deadline = net.time_ms + 60 * BLOCK_MS
    coded = p.escrow_open(
        NETWORK, net.coins(payer), payer, payee.public_hex, kzt(2_000), deadline, code="4711"
    )
    net.commit(coded)
    net.commit(
        p.escrow_release(NETWORK, coded.txid.hex(), payee.public_hex, kzt(2_000), [payee], "4711")
    )
    plain = p.escrow_open(NETWORK, net.coins(payer), payer, payee.public_hex, kzt(1_000), deadline)
    net.commit(plain)
    net.commit(p.escrow_refund(NETWORK, plain.txid.hex(), payer.public_hex, kzt(1_000), [payee]))


def meters(net: Ledger, customer: KeyPair, provider: KeyPair) -> None:
    expires = net.time_ms + 60 * BLOCK_MS
    opened = p.meter_open(
        NETWORK, net.coins(customer), customer, provider.public_hex, kzt(900), expires
    )
    net.commit(opened)
    meter = opened.txid.hex()
    first = p.usage(NETWORK, customer, meter, 1, kzt(200))
    net.commit(p.meter_claim(NETWORK, provider, meter, first, 0))
    second = p.usage(NETWORK, customer, meter, 2, kzt(350))
    close = p.meter_close(
        NETWORK,
        [provider],
        meter,
        provider.public_hex,
        customer.public_hex,
        kzt(900),
        kzt(200),
        second,
    )
    net.commit(close)


def mandates(net: Ledger, payer: KeyPair, payee: KeyPair) -> None:
    start = net.time_ms
    created = p.mandate_create(
        NETWORK,
        payer,
        "family",
        payee.public_hex,
        kzt(500),
        30 * 24 * 3_600_000,
        start,
        start + 10**10,
    )
    net.commit(created)
    mandate = created.txid.hex()
    net.commit(p.mandate_pull(NETWORK, payee, mandate, net.coins(payer), kzt(450)))
    net.commit(p.mandate_revoke(NETWORK, payer, mandate, 1))


# -- digital assets -----------------------------------------------------------------------


def grain(platform: KeyPair, form: str) -> AssetClass:
    return AssetClass(
        platform=platform.public_hex,
        issuer=Issuer(name="Kostanay Grain Elevator LLP", bin="040140000123"),
        name="Wheat, class 3" if form == "units" else "Warehouse receipts",
        rights="goods",
        rights_proof=sha256(b"warehouse certificate 2026/117").hex(),
        terms=sha256(b"one unit: one tonne of class 3 wheat").hex(),
        unit="tonne" if form == "units" else "lot",
        form=form,  # type: ignore[arg-type]
    )


def assets_story(net: Ledger) -> None:
    """Licence, class, issue, transfer, delivery versus payment, retirement."""
    bank = net.bank("kaspi", kzt(100_000_000))
    platform = net.wallet(bank, "kaspi", "platform", 0)
    farm = net.wallet(bank, "kaspi", "farm", 0)
    mill = net.wallet(bank, "kaspi", "mill", kzt(1_000_000))
    net.commit(a.asset_license(NETWORK, net.cb, "platform", "NBK-DAP-0001", net.next_nonce()))
    wheat = grain(platform, "units")
    net.commit(a.asset_create(NETWORK, platform, wheat))
    tonnes = unit_token(class_id(wheat))
    net.commit(a.asset_issue(NETWORK, platform, class_id(wheat), [Output(farm.public_hex, 100)]))
    net.commit(
        a.asset_transfer(NETWORK, net.coins(farm, tonnes), [farm], tonnes, mill.public_hex, 10)
    )
    offer = a.offer(
        NETWORK, net.coins(farm, tonnes), tonnes, 20, kzt(200_000), mill.public_hex, None
    )
    body = a.accept_offer(offer, net.coins(mill))
    net.commit(a.countersign(a.sign(NETWORK, body, [mill]), [farm]))
    net.commit(a.asset_retire(NETWORK, net.coins(mill, tonnes), [mill], platform, tonnes, 5))
    lots = grain(platform, "items")
    net.commit(a.asset_create(NETWORK, platform, lots))
    net.commit(
        a.asset_issue_items(NETWORK, platform, class_id(lots), [("KST-0001", farm.public_hex)])
    )
    assert item_token(class_id(lots), "KST-0001")


# -- offline purses -------------------------------------------------------------------------

PILOT_NAMES = ("central-bank", "producer", "halyk", "alice", "bob", "carol", "device:alice:")


def offline_story() -> tuple[Pilot, dict[str, tuple[str, bytes]]]:
    """Set-up, a bank's CA, reserve and CRL, a device enrolled and funded, vouchers deposited,
    a double spend proven and clawed back, a purse defunded, a device revoked."""
    pilot = Pilot(MemoryStore(), network=NETWORK, time_ms=START_MS)
    bank = pilot.add_bank("halyk", reserve=kzt(10_000_000), guarantee=kzt(1_000_000))
    pilot.add_wallet("alice", "halyk", "basic", kzt(100_000))
    bob = pilot.add_wallet("bob", "halyk", "full", kzt(1_000))
    carol = pilot.add_wallet("carol", "halyk", "full", 0)
    phone = pilot.fund(pilot.enrol("alice", "halyk", default_tier_limits()["basic"]), kzt(30_000))
    assert phone.state.purse is not None
    purse, device = phone.state.purse.purse_id.hex(), phone.key.public_hex
    now = pilot.time_ms + BLOCK_MS
    honest, state = pay_offline(phone.state, phone.key, bob.public, kzt(20_000), now)
    cloned, _ = pay_offline(phone.state, phone.key, carol.public, kzt(20_000), now)
    pilot.commit(ob.deposit(NETWORK, bob, [(purse, device, [honest.voucher])]))
    pilot.commit(ob.fraud(NETWORK, carol, purse, device, [honest.voucher, cloned.voucher]))
    pilot.commit(ob.deposit(NETWORK, carol, [(purse, device, [cloned.voucher])]))
    owed = kzt(10_000)  # the clone spent 20,000 of the 10,000 the purse had left
    pilot.commit(ob.clawback(NETWORK, bank, purse, pilot.coins(phone.wallet_key), owed))
    second = pilot.fund(
        pilot.enrol("alice", "halyk", default_tier_limits()["basic"], "2"), kzt(1_000)
    )
    assert second.state.purse is not None
    to = second.wallet_key.public_hex
    defund = ob.purse_defund(
        NETWORK, second.key, second.state.purse.purse_id.hex(), 0, 0, kzt(1_000), to
    )
    pilot.commit(defund)
    pilot.commit(ob.revoke(NETWORK, bank, second.serial, "lost"))
    names = {
        pilot.key(n).public_hex: (n, pilot.key(n).seed) for n in (*PILOT_NAMES, "device:alice:2")
    }
    del state
    return pilot, names
