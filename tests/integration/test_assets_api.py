"""Digital assets over the REST API with the SDK, in process and against a real node.

A grain platform is licensed, registers wheat in tonnes and warehouse receipts,
issues them to a farm; a mill buys tonnes by delivery versus payment after a
dry run; the public reads show the class, the item and the licence, and the
signed read shows each wallet its own holdings and no one else's.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import httpx
import pytest

from api.app import create_app
from assets.types import class_id, item_token, unit_token
from ledger.chain import Chain
from ledger.crypto import KeyPair
from ledger.params import kzt, make_genesis
from ledger.storage.memory import MemoryStore
from ledger.types import Output, Tier, Transaction
from node.composition import full_registry
from node.producer import Producer
from node.service import LedgerService
from tests.assets_cast import grain_terms
from tests.harness import NETWORK, T0, key
from tests.integration.conftest import Api
from tests.integration.story import CB, found_bank
from wallet import builders
from wallet.assets import builders as a
from wallet.assets.client import Assets
from wallet.builders import Coin
from wallet.client import ApiError, TengeClient

_series = itertools.count(1000)


@pytest.fixture(scope="module")
def assets_app() -> Iterator[object]:
    """The in-process app on the node's full registry (assets included)."""
    genesis = make_genesis(NETWORK, [CB.public_hex], [key("producer").public_hex], T0)
    chain = Chain(MemoryStore(), full_registry(), genesis)
    producer = Producer(chain, key("producer"), max_wait_ms=5).start()
    yield create_app(LedgerService(chain, producer), chain.registry)
    producer.stop()


@pytest.fixture(params=["in-process", "node"])
def api(request: pytest.FixtureRequest) -> Iterator[Api]:
    if request.param == "node":
        client = TengeClient(request.getfixturevalue("node_process").url)
    else:
        transport = httpx.WSGITransport(app=request.getfixturevalue("assets_app"))
        client = TengeClient("http://testserver", transport=transport)
    with client:
        yield Api(client, request.param)


class GrainMarket:
    """A bank, a licensed platform with wheat and receipts, a farm, a mill and a baker."""

    def __init__(self, api: Api) -> None:
        self.api, self.client, self.market = api, api.client, Assets(api.client)
        self.bank_id, self.bank = found_bank(api, kzt(100_000_000))
        self.platform_id, self.platform = self.wallet("astyk")
        self.submit(a.asset_license(NETWORK, CB, self.platform_id, "NBK-DAP-0100", next(_series)))
        self.farm_id, self.farm = self.wallet("farm")
        self.mill_id, self.mill = self.wallet("mill", funds=kzt(10_000_000))
        self.baker_id, self.baker = self.wallet("baker", "basic", funds=kzt(1_000_000))
        series = next(_series)
        wheat = grain_terms(self.platform.public_hex, series=series)
        lots = grain_terms(self.platform.public_hex, "items", series=series)
        self.submit(a.asset_create(NETWORK, self.platform, wheat))
        self.submit(a.asset_create(NETWORK, self.platform, lots))
        self.grain, self.lots = class_id(wheat), class_id(lots)
        self.wheat = unit_token(self.grain)
        grant = [Output(owner=self.farm.public_hex, amount=300)]
        self.submit(a.asset_issue(NETWORK, self.platform, self.grain, grant))
        lot = [("KST-0001", self.farm.public_hex)]
        self.submit(a.asset_issue_items(NETWORK, self.platform, self.lots, lot))

    def wallet(self, name: str, tier: Tier = "business", funds: int = 0) -> tuple[str, KeyPair]:
        wallet_id = self.api.name(name)
        owner = key(wallet_id)
        opened = builders.wallet_open(
            NETWORK, self.bank, self.bank_id, wallet_id, tier, [owner.public_hex]
        )
        self.submit(opened)
        if funds:
            coins = self.client.bank_coins(self.bank_id, self.bank)
            paid = builders.pay(
                NETWORK, coins, [self.bank], owner.public_hex, funds, self.bank.public_hex
            )
            self.submit(paid)
        return wallet_id, owner

    def submit(self, tx: Transaction) -> str:
        result = self.client.submit(tx).result
        assert result.status == "committed", result
        return result.txid

    def coins(self, wallet_id: str, owner: KeyPair, token: str = "KZT") -> list[Coin]:
        return [c for c in self.client.coins(wallet_id, owner) if c.output.token == token]

    def dvp(self, buyer_id: str, buyer: KeyPair, units: int, price: int) -> Transaction:
        """Offer, acceptance and the buyer's signature, then the seller's countersignature."""
        offer = a.offer(
            NETWORK, self.coins(self.farm_id, self.farm, self.wheat), self.wheat, units, price,
            buyer.public_hex,
        )  # fmt: skip
        body = a.accept_offer(offer, self.coins(buyer_id, buyer))
        a.require_offer(offer, body)
        return a.countersign(a.sign(NETWORK, body, [buyer]), [self.farm])


def test_the_public_sees_a_class_its_issuer_and_its_totals(api: Api) -> None:
    m = GrainMarket(api)
    view = m.market.asset(m.grain)
    assert (view.asset, view.platform, view.licensed) == (m.grain, m.platform_id, True)
    assert view.terms.issuer.bin == "040140000123" and view.terms.rights == "goods"
    assert (view.issued, view.retired, view.outstanding, view.token) == (300, 0, 300, m.wheat)
    item = m.market.item(m.lots, "KST-0001")
    assert (item.token, item.outstanding, item.unit) == (item_token(m.lots, "KST-0001"), 1, "lot")
    assert m.market.platform(m.platform_id).licence == "NBK-DAP-0100"
    assert m.client.supply().tokens[m.wheat] == 300


def test_a_mill_buys_wheat_dvp_after_a_dry_run(api: Api) -> None:
    m = GrainMarket(api)
    tx = m.dvp(m.mill_id, m.mill, 40, kzt(3_800_000))
    assert m.market.check(tx).accepted
    m.submit(tx)
    held = {h.token: h.units for h in m.market.holdings(m.mill_id, m.mill).holdings}
    assert held == {m.wheat: 40}
    farm = m.client.wallet(m.farm_id, m.farm)
    assert farm.balances["KZT"] == kzt(3_800_000) and farm.wallet.balance == kzt(3_800_000)
    assert farm.balances[m.wheat] == 260  # listed per token, never counted as money


def test_a_dvp_over_the_buyers_limit_is_explained_and_refused_whole(api: Api) -> None:
    m = GrainMarket(api)
    tx = m.dvp(m.baker_id, m.baker, 10, kzt(950_000))
    verdict = m.market.check(tx)
    assert not verdict.accepted and verdict.problem is not None
    assert (
        verdict.problem.code == "limit_exceeded"
        and verdict.problem.fields["limit"] == "per_payment"
    )
    with pytest.raises(ApiError) as refused:
        m.client.submit(tx)
    assert (refused.value.status, refused.value.code) == (422, "limit_exceeded")
    assert m.market.holdings(m.baker_id, m.baker).holdings == ()
    assert m.market.asset(m.grain).outstanding == 300


def test_holdings_are_read_by_the_wallet_or_its_bank_only(api: Api) -> None:
    m = GrainMarket(api)
    by_bank = m.market.holdings(m.farm_id, m.bank)
    assert {h.token for h in by_bank.holdings} == {m.wheat, item_token(m.lots, "KST-0001")}
    with pytest.raises(ApiError) as refused:
        m.market.holdings(m.farm_id, m.mill)
    assert refused.value.status == 403


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/v1/assets/" + "0" * 64, 404, "not_found"),
        ("/v1/assets/XYZ", 400, "bad_parameter"),
        ("/v1/assets/" + "0" * 64 + "/items/%2e%2e", 400, "bad_parameter"),
        ("/v1/asset-platforms/nobody", 404, "not_found"),
    ],
)
def test_unknown_or_malformed_ids_are_problems(api: Api, path: str, status: int, code: str) -> None:
    response = api.client.http.get(path)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert response.headers["content-type"] == "application/problem+json"
