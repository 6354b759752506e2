"""Every read says the height it answers at; ``min_height`` lets a client read its own writes
(on one node trivially true; on a cluster replica it waits for the block, tests/cluster)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from api.app import create_app
from ledger.chain import Chain
from ledger.params import kzt, make_genesis
from ledger.rules import core_registry
from ledger.storage.memory import MemoryStore
from node.producer import Producer
from node.service import LedgerService
from tests.harness import NETWORK, T0, key
from tests.integration.conftest import Api
from tests.integration.story import found_bank, open_wallet
from wallet.client import ApiError, TengeClient


def test_a_read_carries_the_height_it_answers_at(api: Api) -> None:
    tip = api.client.network(refresh=True).tip.height
    answer = api.client.http.get("/v1/supply")
    assert answer.status_code == 200
    assert int(answer.headers["Tenge-Height"]) >= tip


def test_a_client_that_submitted_asks_for_its_commit_height_on_every_read(api: Api) -> None:
    bank_id, bank = found_bank(api)
    open_wallet(api, bank_id, bank, "basic", kzt(10))
    committed_at = api.client.min_height
    assert committed_at > 0, "the client remembers the height its submissions committed at"
    seen: list[httpx.Request] = []
    api.client.http.event_hooks["request"] = [seen.append]
    api.client.supply()
    assert seen[-1].url.params["min_height"] == str(committed_at)


@pytest.fixture
def single() -> Iterator[TengeClient]:
    genesis = make_genesis(
        NETWORK, [key("central-bank").public_hex], [key("producer").public_hex], T0
    )
    chain = Chain(MemoryStore(), core_registry(), genesis)
    producer = Producer(chain, key("producer"), max_wait_ms=5).start()
    app = create_app(LedgerService(chain, producer), chain.registry)
    with TengeClient("http://testserver", transport=httpx.WSGITransport(app=app)) as client:
        yield client
    producer.stop()


def test_a_height_nobody_ordered_is_a_400_at_once_not_a_wait(single: TengeClient) -> None:
    answer = single.http.get("/v1/supply", params={"min_height": 1_000})
    assert answer.status_code == 400
    problem = answer.json()
    assert problem["code"] == "height_not_ordered"
    assert (problem["min_height"], problem["height"]) == (1_000, 0)
    single.min_height = 1_000
    with pytest.raises(ApiError) as refused:
        single.supply()
    assert refused.value.code == "height_not_ordered"


@pytest.mark.parametrize("bad", ["-1", "x", "9007199254740992", "1.5"])
def test_a_malformed_min_height_is_a_400(single: TengeClient, bad: str) -> None:
    answer = single.http.get("/v1/supply", params={"min_height": bad})
    assert answer.status_code == 400
    assert answer.json()["code"] == "bad_parameter"
