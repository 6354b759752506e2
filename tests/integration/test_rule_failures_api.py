"""Through the real app in process: a rule failure is a 422 ``rule_failed`` for its item only.

The app, producer and service are the ones a node runs, on a registry that
also holds ``test.faulty`` (``tests/faulty_rule.py``), which no node process
can load; the certificate cases of ``test_hostile_certificates.py`` run the
same path on a real node.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from api.app import create_app
from ledger.chain import Chain
from ledger.encoding import canonical
from ledger.params import kzt, make_genesis
from ledger.rules import core_registry
from ledger.storage.memory import MemoryStore
from ledger.types import Output, Transaction
from node.producer import Producer
from node.service import LedgerService
from tests.faulty_rule import Stage, faulty, with_faulty
from tests.harness import NETWORK, T0, key
from wallet import builders
from wallet.client import TengeClient

CB, HALYK, BOB = key("central-bank"), key("halyk"), key("bob")
STAGES: list[Stage] = ["validate", "check", "guard", "apply"]


@pytest.fixture(scope="module")
def client() -> Iterator[TengeClient]:
    genesis = make_genesis(NETWORK, [CB.public_hex], [key("producer").public_hex], T0)
    chain = Chain(MemoryStore(), with_faulty(core_registry()), genesis)
    producer = Producer(chain, key("producer"), max_wait_ms=5).start()
    app = create_app(LedgerService(chain, producer), chain.registry)
    with TengeClient("http://testserver", transport=httpx.WSGITransport(app=app)) as sdk:
        for tx in (
            builders.bank_register(NETWORK, CB, "halyk", "Halyk", [HALYK.public_hex], kzt(10**6)),
            builders.issue(NETWORK, CB, "halyk", [Output(HALYK.public_hex, kzt(10**5))], 1),
            builders.wallet_open(NETWORK, HALYK, "halyk", "bob", "full", [BOB.public_hex]),
        ):
            assert sdk.submit(tx).result.status == "committed"
        yield sdk
    producer.stop()


def post(sdk: TengeClient, path: str, body: bytes) -> httpx.Response:
    return sdk.http.post(path, content=body, headers={"content-type": "application/json"})


def payment(sdk: TengeClient, amount: int) -> Transaction:
    coins = sdk.bank_coins("halyk", HALYK)
    return builders.pay(NETWORK, coins, [HALYK], BOB.public_hex, amount, HALYK.public_hex)


@pytest.mark.parametrize("stage", STAGES)
def test_a_failing_rule_answers_422_and_the_dry_run_says_why(
    client: TengeClient, stage: Stage
) -> None:
    tx = canonical(faulty(NETWORK, key("anyone"), stage, nonce=len(stage)).envelope())
    one = post(client, "/v1/transactions?wait=commit", tx)
    assert one.status_code == 422, one.text
    problem = one.json()
    assert (problem["code"], problem["stage"], problem["kind"]) == (
        "rule_failed",
        stage,
        "test.faulty",
    )
    check = post(client, "/v1/transactions/check", tx)
    assert check.status_code == 200, check.text
    assert check.json()["problem"]["code"] == "rule_failed"


def test_in_a_batch_only_the_failing_items_are_refused(client: TengeClient) -> None:
    """The failing apply spends the very coins the honest payment after it spends: the honest
    one is committed only if the failed apply's deletions were undone."""
    coins = tuple(c.point for c in client.bank_coins("halyk", HALYK))
    honest = payment(client, kzt(3))
    assert set(honest.body.spends()) == set(coins)
    hostile = {s: faulty(NETWORK, HALYK, s, coins if s == "apply" else (), 7) for s in STAGES}
    order = ["validate", "check", "apply", "honest", "guard"]
    items = [honest if name == "honest" else hostile[name] for name in order]
    body = {"transactions": [json.loads(canonical(t.envelope())) for t in items]}
    answer = post(client, "/v1/transactions/batch?wait=commit", canonical(body))
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["status"] for r in results] == ["rejected"] * 3 + ["committed", "rejected"]
    assert [r["problem"]["fields"]["stage"] for r in results if r["problem"]] == [
        "validate",
        "check",
        "apply",
        "guard",
    ]
    assert client.status(honest.txid.hex()).status == "committed"
