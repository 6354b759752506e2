"""A test network with digital assets: a licensed grain platform, a farm, a mill, a warehouse.

``Market`` wraps :class:`tests.harness.Harness` on the node's full registry:
bank ``halyk``; ``astyk`` (a business wallet the National Bank licenses as
a platform operator) with a class of grain receipts in tonnes and a class of
unique warehouse receipts; ``farm`` holding tonnes and receipts; ``mill``
(business) and ``baker`` (basic tier) with tenge to buy with.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from assets.types import AssetClass, Issuer, class_id, item_token, unit_token
from ledger.audit import check_money
from ledger.crypto import KeyPair, sha256
from ledger.errors import TengeError
from ledger.params import kzt
from ledger.state import StateView
from ledger.storage import KeyValueStore
from ledger.storage.memory import MemoryStore
from ledger.types import KZT, Output, Tier, Transaction
from node.composition import full_registry
from node.producer import Outcome
from tests.harness import NETWORK, Harness, key
from wallet import builders
from wallet.assets import builders as a
from wallet.builders import Coin

ELEVATOR = Issuer(name="Kostanay Grain Elevator LLP", bin="040140000123")


def grain_terms(platform: str, form: str = "units", series: int = 0) -> AssetClass:
    """Wheat of class 3 stored at the Kostanay elevator, in tonnes (or one receipt per lot)."""
    return AssetClass(
        platform=platform,
        issuer=ELEVATOR,
        name="Wheat, class 3, Kostanay elevator" if form == "units" else "Warehouse receipts",
        rights="goods",
        rights_proof=sha256(b"warehouse certificate 2026/117").hex(),
        terms=sha256(b"one unit: one tonne of class 3 wheat, delivered ex elevator").hex(),
        unit="tonne" if form == "units" else "lot",
        form=form,  # type: ignore[arg-type]
        series=series,
    )


class Market:
    """One chain with the cast every assets test starts from."""

    def __init__(self, store: KeyValueStore | None = None) -> None:
        self.net = Harness(store or MemoryStore(), full_registry())
        self.bank = self.net.add_bank("halyk", reserve=kzt(100_000_000))
        self.platform = self.wallet("astyk", "business")
        self.commit(a.asset_license(NETWORK, self.net.cb, "astyk", "NBK-DAP-0001", 1))
        self.farm = self.wallet("farm", "business")
        self.mill = self.wallet("mill", "business", funds=kzt(50_000_000))
        self.baker = self.wallet("baker", "basic", funds=kzt(2_000_000))
        self.grain = self.create(grain_terms(self.platform.public_hex))
        self.wheat = unit_token(self.grain)
        self.receipts = self.create(grain_terms(self.platform.public_hex, "items"))
        self.commit(a.asset_issue(NETWORK, self.platform, self.grain, [self.out(self.farm, 500)]))
        lots = [("KST-0001", self.farm.public_hex), ("KST-0002", self.farm.public_hex)]
        self.commit(a.asset_issue_items(NETWORK, self.platform, self.receipts, lots))

    def wallet(self, name: str, tier: Tier = "basic", funds: int = 0) -> KeyPair:
        """Open a wallet at halyk and fund it with KZT."""
        owner = key(name)
        self.commit(
            builders.wallet_open(NETWORK, self.bank, "halyk", name, tier, [owner.public_hex])
        )
        if funds:
            self.commit(self.net.pay(self.bank, owner, funds))
        return owner

    def create(self, terms: AssetClass) -> str:
        self.commit(a.asset_create(NETWORK, self.platform, terms))
        return class_id(terms)

    def item(self, number: str) -> str:
        return item_token(self.receipts, number)

    @staticmethod
    def out(owner: KeyPair, units: int) -> Output:
        return Output(owner=owner.public_hex, amount=units)

    # -- blocks -----------------------------------------------------------------------

    def commit(self, *txs: Transaction) -> list[Outcome]:
        return self.net.commit(*txs)

    def refusal(self, tx: Transaction, advance_ms: int = 1000) -> TengeError:
        return self.net.refusal(tx, advance_ms)

    # -- holdings ---------------------------------------------------------------------

    def coins(self, owner: KeyPair | str, token: str = KZT) -> list[Coin]:
        return [c for c in self.net.coins(owner) if c.output.token == token]

    def held(self, owner: KeyPair | str, token: str = KZT) -> int:
        return sum(c.output.amount for c in self.coins(owner, token))

    def supply(self, token: str) -> int:
        return StateView(self.net.store).supply(token).outstanding

    def dvp(
        self,
        seller: KeyPair,
        buyer: KeyPair,
        token: str,
        units: int,
        price: int,
        deadline: int | None = None,
    ) -> Transaction:
        """A DvP signed by both parties (the two-step offer, acceptance and countersignature)."""
        offer = a.offer(
            NETWORK, self.coins(seller, token), token, units, price, buyer.public_hex, deadline
        )
        body = a.accept_offer(offer, self.coins(buyer))
        a.require_offer(offer, body)
        return a.countersign(a.sign(NETWORK, body, [buyer]), [seller])

    def assert_conserved(self) -> None:
        """The audit's money check: per token (KZT and each asset) supply equals holdings."""
        _, _, problems = check_money(self.net.store)
        assert not problems, problems


def grain_for(
    commit: Callable[..., object],
    network: str,
    central_bank: KeyPair,
    bank_id: str,
    bank: KeyPair,
    holder: str,
    units: int = 100,
) -> str:
    """On any network: license ``astyk`` at ``bank_id``, register wheat, issue ``units`` to
    ``holder``; the units' token."""
    platform = key("astyk")
    commit(builders.wallet_open(network, bank, bank_id, "astyk", "business", [platform.public_hex]))
    commit(a.asset_license(network, central_bank, "astyk", "NBK-DAP-0001", 1))
    terms = grain_terms(platform.public_hex)
    commit(a.asset_create(network, platform, terms))
    grant = [Output(owner=holder, amount=units)]
    commit(a.asset_issue(network, platform, class_id(terms), grant))
    return unit_token(class_id(terms))


def as_tenge(coins: Sequence[Coin], token: str = KZT) -> list[Coin]:
    """The coins relabelled as ``token`` (KZT by default): what a wallet that mistook an
    asset for money would hand a builder. The outpoints still name the asset outputs."""
    return [
        Coin(point=c.point, output=Output(c.output.owner, c.output.amount, token)) for c in coins
    ]
