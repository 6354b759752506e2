"""The plain single submission, served below Flask (api/fast_submit.py), answers as the route does.

Every answer of the plain path is compared with the Flask route's answer to the
same request sent as ``application/json; charset=utf-8``, which the fast path
leaves to Flask: same status, media type and bytes. The chain is in memory and
its producer is never started, so what is queued stays pending and both paths
see the same ledger state.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import msgspec
import pytest
from flask import Flask

from api.app import create_app
from api.fast_submit import FastSubmit
from ledger.encoding import canonical
from ledger.errors import DoubleSpend
from ledger.params import kzt
from ledger.storage.memory import MemoryStore
from ledger.types import Signature, Transaction
from node.producer import Producer
from node.service import LedgerService
from tests.harness import Harness, key
from wire.core import Problem, SubmitResult

PATH = "/v1/transactions"
FLASK_TYPE = "application/json; charset=utf-8"  # the same media type, left to the Flask route


@dataclass
class Node:
    harness: Harness
    service: LedgerService
    producer: Producer
    app: Flask
    http: httpx.Client

    def post(self, body: bytes, content_type: str = "application/json") -> httpx.Response:
        return self.http.post(PATH, content=body, headers={"content-type": content_type})

    def both(self, body: bytes) -> tuple[httpx.Response, httpx.Response]:
        """The Flask route's answer, then the plain path's, to the same body."""
        return self.post(body, FLASK_TYPE), self.post(body)

    def payment(self, amount: int) -> Transaction:
        return self.harness.pay(key("alice"), key("bob"), amount)


@pytest.fixture
def node() -> Iterator[Node]:
    harness = Harness(MemoryStore())
    harness.add_bank("halyk")
    harness.add_wallet("alice", "halyk", funds=kzt(1_000))
    harness.add_wallet("bob", "halyk")
    producer = Producer(harness.chain, harness.producer)  # never started: submissions stay queued
    service = LedgerService(harness.chain, producer)
    app = create_app(service, harness.chain.registry)
    with httpx.Client(base_url="http://testserver", transport=httpx.WSGITransport(app=app)) as http:
        yield Node(harness, service, producer, app, http)


def same_answer(flask: httpx.Response, plain: httpx.Response) -> None:
    assert plain.status_code == flask.status_code
    assert plain.headers["content-type"] == flask.headers["content-type"]
    assert plain.content == flask.content
    assert plain.headers.get("retry-after") == flask.headers.get("retry-after")


def flask_refuses(*args: Any) -> Any:
    raise AssertionError("the Flask app was called for a plain submission")


def test_a_plain_submission_is_answered_without_flask(node: Node) -> None:
    fast = node.app.wsgi_app
    assert isinstance(fast, FastSubmit)
    fast.flask_wsgi = flask_refuses
    answer = node.post(canonical(node.payment(kzt(5)).envelope()))
    assert answer.status_code == 202
    assert answer.json()["result"]["status"] == "pending"


def test_a_pending_submission_answers_as_the_route(node: Node) -> None:
    flask, plain = node.both(canonical(node.payment(kzt(5)).envelope()))
    assert flask.status_code == 202
    same_answer(flask, plain)


def test_a_committed_transaction_answers_200_with_its_receipt_as_the_route(node: Node) -> None:
    tx = node.payment(kzt(5))
    node.harness.commit(tx)
    flask, plain = node.both(canonical(tx.envelope()))
    assert flask.status_code == 200 and flask.json()["receipt"] is not None
    same_answer(flask, plain)


def tampered(tx: Transaction) -> bytes:
    signature = Signature(key=tx.signatures[0].key, sig="00" * 64)
    return canonical(msgspec.structs.replace(tx, signatures=(signature,)).envelope())


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(lambda n: tampered(n.payment(kzt(5))), id="bad_signature"),
        pytest.param(lambda n: b'{"network":', id="malformed_json"),
        pytest.param(lambda n: b'{"network":"x"}', id="schema_violation"),
        pytest.param(
            lambda n: canonical(n.payment(kzt(5)).envelope()).replace(b'"network"', b' "network"'),
            id="spaced_envelope",
        ),
        pytest.param(lambda n: b"", id="empty_body"),
    ],
)
def test_a_body_refused_before_the_ledger_is_refused_by_the_error_handler(
    node: Node, body: Any
) -> None:
    data = body(node)
    flask, plain = node.both(data)
    same_answer(flask, plain)


def test_a_body_over_the_limit_is_refused_as_the_route_refuses_it(node: Node) -> None:
    node.app.config["MAX_CONTENT_LENGTH"] = 100
    flask, plain = node.both(canonical(node.payment(kzt(5)).envelope()))
    assert flask.status_code == 413
    same_answer(flask, plain)


def test_a_refusal_the_ledger_reports_is_written_as_the_route_writes_it(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    tx = node.payment(kzt(5))
    problem = Problem.of(DoubleSpend(txid=tx.txid.hex(), index=0))

    def refused(txs: list[Transaction], wait: bool = False) -> list[SubmitResult]:
        return [SubmitResult(t.txid.hex(), "rejected", problem=problem) for t in txs]

    monkeypatch.setattr(node.service, "submit", refused)
    flask, plain = node.both(canonical(tx.envelope()))
    assert flask.status_code == 409 and flask.json()["code"] == "double_spend"
    same_answer(flask, plain)


def test_a_ledger_that_cannot_take_it_is_answered_by_the_error_handler(node: Node) -> None:
    node.producer.stop()  # a stopping producer refuses to queue: 503 unavailable
    flask, plain = node.both(canonical(node.payment(kzt(5)).envelope()))
    assert flask.status_code == 503
    same_answer(flask, plain)


def test_plain_submissions_are_counted_under_the_route(node: Node) -> None:
    node.post(canonical(node.payment(kzt(5)).envelope()))
    metrics = node.http.get("/metrics").text
    wanted = 'tenge_http_requests_total{method="POST",route="/v1/transactions",status="202"} 1.0'
    assert wanted in metrics
