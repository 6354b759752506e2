"""Programmable money over the REST API with the SDK, in process and against a real node.

Block times here are the node's clock, so boundaries to the millisecond are
checked with the dry run's ``at`` (the same checks a block at that time
runs); one expiry is committed for real after a short wait.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from api.app import create_app
from contracts.policy import Policy, token_id
from ledger.chain import Chain
from ledger.crypto import KeyPair
from ledger.params import kzt, make_genesis
from ledger.storage.memory import MemoryStore
from ledger.types import Output, Tier, Transaction
from node.composition import full_registry
from node.producer import Producer
from node.service import LedgerService
from tests.harness import NETWORK, T0, key
from tests.integration.conftest import Api
from tests.integration.story import CB, found_bank
from wallet import builders
from wallet.client import ApiError, TengeClient
from wallet.contracts import builders as p
from wallet.contracts.client import Programs


@pytest.fixture(scope="module")
def programs_app() -> Iterator[object]:
    """The in-process app on the node's full registry (contracts included)."""
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
        transport = httpx.WSGITransport(app=request.getfixturevalue("programs_app"))
        client = TengeClient("http://testserver", transport=transport)
    with client:
        yield Api(client, request.param)


class Town:
    """A bank, a government wallet granted the issuer role, and named wallets."""

    def __init__(self, api: Api) -> None:
        self.api, self.client = api, api.client
        self.programs = Programs(api.client)
        self.bank_id, self.bank = found_bank(api, kzt(10_000_000))
        self.gov_id, self.gov = self.wallet("akimat", "business", funds=kzt(1_000_000))
        self.submit(p.program_grant(NETWORK, CB, self.gov_id, 1))

    def wallet(
        self, name: str, tier: Tier = "business", funds: int = 0, mcc: str | None = None
    ) -> tuple[str, KeyPair]:
        wallet_id = self.api.name(name)
        owner = key(wallet_id)
        opened = builders.wallet_open(
            NETWORK, self.bank, self.bank_id, wallet_id, tier, [owner.public_hex], mcc=mcc
        )
        self.submit(opened)
        if funds:
            coins = self.client.bank_coins(self.bank_id, self.bank)
            pay = builders.pay(
                NETWORK, coins, [self.bank], owner.public_hex, funds, self.bank.public_hex
            )
            self.submit(pay)
        return wallet_id, owner

    def submit(self, tx: Transaction) -> str:
        result = self.client.submit(tx).result
        assert result.status == "committed", result
        return result.txid

    def refused(self, tx: Transaction) -> ApiError:
        with pytest.raises(ApiError) as refused:
            self.client.submit(tx)
        return refused.value

    def coins(self, wallet_id: str, owner: KeyPair, token: str = "KZT") -> list[builders.Coin]:
        return [c for c in self.client.coins(wallet_id, owner) if c.output.token == token]

    def now(self) -> int:
        return self.client.network(refresh=True).tip.time_ms

    def program(self, **fields: object) -> tuple[Policy, str]:
        policy = Policy(issuer=self.gov.public_hex, name=self.api.name("program"), **fields)  # type: ignore[arg-type]
        assert self.programs.policy(policy).token == token_id(policy)
        self.submit(p.program_create(NETWORK, self.gov, policy))
        return policy, token_id(policy)

    def issue(self, token: str, grants: dict[str, int]) -> None:
        outputs = [Output(owner=o, amount=a) for o, a in grants.items()]
        self.submit(
            p.program_issue(NETWORK, self.gov, self.coins(self.gov_id, self.gov), token, outputs)
        )


def test_school_meals_are_spent_only_at_canteens_and_converted_by_them(api: Api) -> None:
    town = Town(api)
    family_id, family = town.wallet("family", "basic")
    canteen_id, canteen = town.wallet("canteen", mcc="5814")
    _, cafe = town.wallet("cafe", mcc="5812")
    _, token = town.program(mcc=("5814",))
    town.issue(token, {family.public_hex: kzt(2_000)})
    coins = town.coins(family_id, family, token)
    at_cafe = builders.pay(
        NETWORK, coins, [family], cafe.public_hex, kzt(500), family.public_hex, token=token
    )
    verdict = town.programs.check(at_cafe)
    assert not verdict.accepted and verdict.code == "policy_violation"
    assert (verdict.fields["rule"], verdict.fields["allowed"], verdict.fields["got"]) == (
        "mcc",
        ["5814"],
        "5812",
    )
    refused = town.refused(at_cafe)
    assert (refused.status, refused.code, refused.problem["rule"]) == (
        422,
        "policy_violation",
        "mcc",
    )
    at_canteen = builders.pay(
        NETWORK, coins, [family], canteen.public_hex, kzt(500), family.public_hex, token=token
    )
    assert town.programs.check(at_canteen).accepted
    town.submit(at_canteen)
    convert = p.program_convert(
        NETWORK, town.coins(canteen_id, canteen, token), [canteen], token, kzt(500)
    )
    town.submit(convert)
    assert town.client.wallet(canteen_id, canteen).balances == {"KZT": kzt(500)}
    view = town.programs.program(token)
    assert (view.levels[0].supply, view.locked) == (kzt(1_500), kzt(1_500))
    (balance,) = town.programs.tokens(family_id, family).tokens
    assert (balance.token, balance.amount, balance.convert) == (token, kzt(1_500), "eligible")


def test_earmarked_budget_reaches_a_subcontractor_and_expiry_returns_the_rest(api: Api) -> None:
    town = Town(api)
    contractor_id, contractor = town.wallet("contractor", mcc="1520")
    sub_id, sub = town.wallet("sub", mcc="1771")
    expiry = town.now() + 2_500
    terminal = Policy(issuer=town.gov.public_hex, name="L2", convert="anyone", expires_at=expiry)
    middle = Policy(
        issuer=town.gov.public_hex,
        name="L1",
        mcc=("1771",),
        convert="nobody",
        expires_at=expiry,
        onward=terminal,
    )
    policy, token = town.program(recipients=(contractor_id,), expires_at=expiry, onward=middle)
    town.issue(token, {town.gov.public_hex: kzt(100_000)})
    gov_coins = town.coins(town.gov_id, town.gov, token)
    town.submit(
        p.program_pay(
            NETWORK, gov_coins, [town.gov], token, middle, contractor.public_hex, kzt(60_000)
        )
    )
    level1 = token_id(middle)
    town.submit(
        p.program_pay(
            NETWORK,
            town.coins(contractor_id, contractor, level1),
            [contractor],
            level1,
            terminal,
            sub.public_hex,
            kzt(45_000),
        )
    )
    assert [level.supply for level in town.programs.program(level1).levels] == [
        kzt(40_000),
        kzt(15_000),
        kzt(45_000),
    ]
    holdings = [
        *town.coins(town.gov_id, town.gov, token),
        *town.coins(contractor_id, contractor, level1),
        *town.coins(sub_id, sub, token_id(terminal)),
    ]
    sweep = p.program_expire(NETWORK, key("passer-by"), holdings, town.gov.public_hex)
    assert town.programs.check(sweep, at=expiry - 1).code == "program_not_expired"
    assert town.programs.check(sweep, at=expiry).accepted
    time.sleep(max(0.0, (expiry - time.time() * 1000) / 1000) + 0.05)
    before = town.client.wallet(town.gov_id, town.gov).balances.get("KZT", 0)
    town.submit(sweep)
    assert town.client.wallet(town.gov_id, town.gov).balances["KZT"] - before == kzt(100_000)
    assert town.programs.program(token).locked == 0
    assert policy.onward == middle


def test_escrow_released_by_delivery_code_and_shown_only_to_its_parties(api: Api) -> None:
    town = Town(api)
    buyer_id, buyer = town.wallet("buyer", "basic", funds=kzt(5_000))
    _, seller = town.wallet("seller", mcc="5732")
    deadline = town.now() + 3_600_000
    opened = p.escrow_open(
        NETWORK,
        town.coins(buyer_id, buyer),
        buyer,
        seller.public_hex,
        kzt(1_000),
        deadline,
        code="4242",
    )
    escrow = town.submit(opened)
    status = town.programs.client.http.get(
        f"/v1/escrows/{escrow}", auth=town.programs.client._signed(seller)
    )
    assert status.json()["status"] == "open"  # written while open, not left out as a default
    wrong = p.escrow_release(NETWORK, escrow, seller.public_hex, kzt(1_000), [seller], code="0000")
    verdict = town.programs.check(wrong)
    assert (verdict.code, verdict.fields["reason"]) == ("escrow_not_releasable", "code")
    release = p.escrow_release(
        NETWORK, escrow, seller.public_hex, kzt(1_000), [seller], code="4242"
    )
    assert town.programs.check(release, at=deadline).fields["reason"] == "deadline"
    town.submit(release)
    view = town.programs.escrow(escrow, seller)
    assert (view.terms.status, view.locked) == ("released", 0)
    with pytest.raises(ApiError) as forbidden:
        town.programs.escrow(escrow, town.gov)
    assert forbidden.value.status == 403
    refund = p.escrow_refund(NETWORK, escrow, buyer.public_hex, kzt(1_000), [buyer])
    assert town.refused(refund).code == "contract_closed"


def test_metering_claims_refuse_replays_and_rollbacks(api: Api) -> None:
    town = Town(api)
    car_id, car = town.wallet("car", "basic", funds=kzt(1_000))
    _, charger = town.wallet("charger", mcc="5552")
    meter = town.submit(
        p.meter_open(
            NETWORK,
            town.coins(car_id, car),
            car,
            charger.public_hex,
            kzt(300),
            town.now() + 3_600_000,
        )
    )
    second = p.usage(NETWORK, car, meter, 2, kzt(120))
    town.submit(p.meter_claim(NETWORK, charger, meter, second, 0))
    replay = p.meter_claim(NETWORK, charger, meter, second, kzt(100))
    assert town.refused(replay).code == "receipt_replayed"
    rollback = p.meter_claim(
        NETWORK, charger, meter, p.usage(NETWORK, car, meter, 1, kzt(150)), kzt(120)
    )
    refused = town.refused(rollback)
    assert (refused.status, refused.code, refused.problem["field"]) == (
        422,
        "counter_rollback",
        "sequence",
    )
    close = p.meter_close(
        NETWORK,
        [charger],
        meter,
        charger.public_hex,
        car.public_hex,
        kzt(300),
        kzt(120),
        p.usage(NETWORK, car, meter, 3, kzt(130)),
    )
    town.submit(close)
    view = town.programs.meter(meter, car)
    assert (view.terms.status, view.terms.claimed, view.locked) == ("closed", kzt(130), 0)
    assert town.client.wallet(car_id, car).balances["KZT"] == kzt(1_000) - kzt(130)


def test_mandate_pulls_per_period_until_revoked(api: Api) -> None:
    town = Town(api)
    payer_id, payer = town.wallet("subscriber", "basic", funds=kzt(50_000))
    _, telecom = town.wallet("telecom", mcc="4814")
    starts = town.now()
    month = 30 * 86_400_000
    created = p.mandate_create(
        NETWORK, payer, payer_id, telecom.public_hex, kzt(5_000), month, starts, starts + 12 * month
    )
    mandate = town.submit(created)
    funds = town.programs.mandate_funds(mandate, telecom)
    town.submit(p.mandate_pull(NETWORK, telecom, mandate, funds, kzt(4_000)))
    more = p.mandate_pull(
        NETWORK, telecom, mandate, town.programs.mandate_funds(mandate, telecom), kzt(2_000)
    )
    refused = town.refused(more)
    assert (refused.code, refused.problem["allowed"]) == ("mandate_exceeded", kzt(1_000))
    assert town.programs.check(more, at=starts + month - 1).code == "mandate_exceeded"
    assert town.programs.check(more, at=starts + month).accepted
    assert town.programs.check(more, at=starts + 12 * month).code == "mandate_inactive"
    assert town.programs.mandate(mandate, payer).terms.pulled == kzt(4_000)
    town.submit(p.mandate_revoke(NETWORK, payer, mandate))
    assert town.refused(more).code == "mandate_revoked"
    with pytest.raises(ApiError) as revoked:
        town.programs.mandate_funds(mandate, telecom)
    assert revoked.value.code == "mandate_revoked"


def test_policies_are_validated_and_documented(api: Api) -> None:
    programs = Programs(api.client)
    with pytest.raises(ApiError) as invalid:
        programs.policy(Policy(issuer=key("x").public_hex, name="x", mcc=("5814", "5812")))
    assert (invalid.value.status, invalid.value.code, invalid.value.problem["field"]) == (
        400,
        "invalid_policy",
        "mcc",
    )
    with pytest.raises(ApiError) as unknown:
        programs.program("ab" * 32)
    assert unknown.value.status == 404
    spec = api.client.http.get("/openapi.json").json()
    for path in (
        "/v1/policies",
        "/v1/programs/{token}",
        "/v1/transactions/check",
        "/v1/mandates/{mandate_id}/funds",
    ):
        assert path in spec["paths"]
    assert {"Policy", "ProgramIssue", "EscrowOpen", "MeterClaim", "MandatePull"} <= set(
        spec["components"]["schemas"]
    )
