"""Every error code leaves the API with its documented status, as an RFC 9457 document.

Each ledger error code that a client can provoke is provoked through the HTTP
API (the app in process, over a fresh in-memory chain); the few that no
request can reach (integrity failures, an unavailable writer, a duplicate
that the txid makes idempotent) are put through the one mapping function
directly, as is every feature module's code. ``GET /problems/<code>`` must
describe every code (the ledger's and the HTTP layer's on a real node too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import msgspec
import pytest
from flask import Flask

from api import errors as api_errors
from api.app import create_app
from api.errors import PROBLEM_JSON, problem_response
from ledger import errors
from ledger.chain import Chain
from ledger.crypto import DOMAIN_BLOCK, KeyPair, signing_message
from ledger.encoding import canonical
from ledger.errors import TengeError
from ledger.params import kzt, make_genesis
from ledger.rules import core_registry
from ledger.storage.memory import MemoryStore
from ledger.types import KZT, OutPoint, Output, Signature, Transaction, Transfer
from node.producer import Producer
from node.rpc import remote_error
from node.service import LedgerService
from tests.faulty_rule import faulty, with_faulty
from tests.harness import NETWORK, T0, key
from tests.integration.nodes import NodeProcess
from wallet import builders
from wallet.builders import Coin
from wallet.client import TengeClient
from wire.core import Problem
from wire.httpsig import sign_request

CB = key("central-bank")


def declared_errors() -> list[type[TengeError]]:
    """Every error class the API can answer with: the ledger's tree and the HTTP layer's."""
    modules = {errors.__name__, api_errors.__name__}
    return [c for c in errors.all_error_classes() if c.__module__ in modules]


def served_errors() -> list[type[TengeError]]:
    """Every error class the node answers with, feature modules' too (not the PoW comparator's)."""
    return [c for c in errors.all_error_classes() if not c.__module__.startswith("node.pow")]


BY_CODE = {cls.code: cls for cls in declared_errors()}


@dataclass
class World:
    """A fresh chain: halyk (limit fully issued), kaspi (suspended); alice, bob, frozen fred."""

    app: Flask
    client: TengeClient

    @property
    def http(self) -> httpx.Client:
        return self.client.http

    def coins(self, name: str) -> list[Coin]:
        return self.client.coins(name, key(name))

    def pay(self, amount: int, to: str = "bob") -> Transaction:
        alice = key("alice")
        coins = self.coins("alice")
        return builders.pay(NETWORK, coins, [alice], key(to).public_hex, amount, alice.public_hex)

    def spend(self, outputs: list[Output], signers: list[str] | None = None) -> Transaction:
        points = tuple(c.point for c in self.coins("alice"))
        body = Transfer(inputs=points, outputs=tuple(outputs))
        return Transaction.create(NETWORK, body, [key(s) for s in signers or ["alice"]])

    def post(self, body: bytes, content_type: str = "application/json") -> httpx.Response:
        return self.http.post(
            "/v1/transactions",
            content=body,
            params={"wait": "commit"},
            headers={"content-type": content_type},
        )

    def submit(self, tx: Transaction) -> httpx.Response:
        return self.post(canonical(tx.envelope()))

    def read(self, path: str, signer: KeyPair | None = None) -> httpx.Response:
        request = self.http.build_request("GET", path)
        if signer is not None:
            sign_request(request, signer, NETWORK)
        return self.http.send(request)


def out(name: str, amount: int, token: str = KZT) -> Output:
    return Output(owner=key(name).public_hex, amount=amount, token=token)


def commit(world: World, tx: Transaction) -> None:
    assert world.client.submit(tx).result.status == "committed"


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    genesis = make_genesis(NETWORK, [CB.public_hex], [key("producer").public_hex], T0)
    # with a test kind whose rule fails on purpose, for rule_failed (tests/faulty_rule.py)
    chain = Chain(MemoryStore(), with_faulty(core_registry()), genesis)
    producer = Producer(chain, key("producer"), max_wait_ms=2).start()
    app = create_app(LedgerService(chain, producer), chain.registry)
    client = TengeClient("http://testserver", transport=httpx.WSGITransport(app=app))
    w = World(app, client)
    halyk, kaspi = key("halyk"), key("kaspi")
    commit(w, builders.bank_register(NETWORK, CB, "halyk", "Halyk", [halyk.public_hex], kzt(10**6)))
    commit(w, builders.issue(NETWORK, CB, "halyk", [out("halyk", kzt(10**6))], 1))
    commit(w, builders.bank_register(NETWORK, CB, "kaspi", "Kaspi", [kaspi.public_hex], kzt(1)))
    commit(w, builders.bank_update(NETWORK, CB, "kaspi", nonce=2, status="suspended"))
    for name, tier in (("alice", "anonymous"), ("bob", "anonymous"), ("fred", "basic")):
        commit(w, builders.wallet_open(NETWORK, halyk, "halyk", name, tier, [key(name).public_hex]))
    reserve = client.bank_coins("halyk", halyk)
    to_alice = key("alice").public_hex
    commit(w, builders.pay(NETWORK, reserve, [halyk], to_alice, kzt(100_000), halyk.public_hex))
    commit(w, builders.wallet_update(NETWORK, halyk, "fred", nonce=3, status="frozen"))
    yield w
    client.close()
    producer.stop()


def envelope(body: bytes, network: str = NETWORK) -> bytes:
    """An envelope around ``body`` whose signature is never reached."""
    sigs = canonical((Signature(key="00" * 32, sig="00" * 64),))
    head = b'{"body":' + body + b',"network":"' + network.encode()
    return head + b'","signatures":' + sigs + b"}"


def double_spend(w: World) -> httpx.Response:
    first, second = w.pay(1), w.pay(2)
    assert w.submit(first).status_code == 200
    return w.submit(second)


def block_domain_signature(w: World) -> httpx.Response:
    tx = w.pay(1)
    alice = key("alice")
    sig = alice.sign(signing_message(DOMAIN_BLOCK, NETWORK, tx.body_bytes)).hex()
    return w.submit(msgspec.structs.replace(tx, signatures=(Signature(alice.public_hex, sig),)))


def two_inputs_the_same(w: World) -> httpx.Response:
    point = w.coins("alice")[0].point
    body = Transfer(inputs=(point, point), outputs=(out("bob", 2),))
    return w.submit(Transaction.create(NETWORK, body, [key("alice")]))


def replayed(w: World) -> httpx.Response:
    request = w.http.build_request("GET", "/v1/wallets/alice")
    sign_request(request, key("alice"), NETWORK)
    assert w.http.send(request).status_code == 200
    return w.http.send(request)


def expired(w: World) -> httpx.Response:
    request = w.http.build_request("GET", "/v1/wallets/alice")
    sign_request(request, key("alice"), NETWORK)
    stale = request.headers["Signature-Input"].replace(";created=", ";created=1")
    request.headers["Signature-Input"] = stale  # a created time in the far future
    return w.http.send(request)


def tampered(w: World) -> httpx.Response:
    request = w.http.build_request("GET", "/v1/wallets/alice")
    sign_request(request, key("alice"), NETWORK)
    request.headers["Signature-Input"] += ';expires="x"'
    return w.http.send(request)


Trigger = Callable[[World], httpx.Response]

TRIGGERS: dict[str, Trigger] = {
    # encoding
    "malformed_json": lambda w: w.post(b'{"network":'),
    "schema_violation": lambda w: w.post(b'{"network":"kzt-test"}'),
    "non_canonical": lambda w: w.post(envelope(w.pay(1).body_bytes.replace(b"{", b"{ ", 1))),
    "unknown_kind": lambda w: w.post(envelope(b'{"kind":"mint"}')),
    "wrong_network": lambda w: w.submit(
        Transaction.create("kzt-main", w.pay(1).body, [key("alice")])
    ),
    # stateless rules
    "invalid_amount": lambda w: w.submit(w.spend([out("bob", 0), out("alice", kzt(100_000))])),
    "duplicate_input": two_inputs_the_same,
    "duplicate_key": lambda w: w.submit(w.spend([out("bob", kzt(100_000))], ["alice"] * 2)),
    "bad_signature": block_domain_signature,
    "unexpected_signer": lambda w: w.submit(w.spend([out("bob", kzt(100_000))], ["alice", "bob"])),
    # authorization
    "missing_signature": lambda w: w.submit(w.spend([out("bob", kzt(100_000))], ["bob"])),
    "not_authorized": lambda w: w.submit(
        builders.bank_register(NETWORK, key("halyk"), "evil", "Evil", [key("evil").public_hex], 1)
    ),
    # stateful rules
    "unknown_input": lambda w: w.submit(
        Transaction.create(
            NETWORK,
            Transfer(inputs=(OutPoint(txid="00" * 32, index=0),), outputs=(out("bob", 1),)),
            [key("alice")],
        )
    ),
    "unknown_bank": lambda w: w.submit(
        builders.issue(NETWORK, CB, "nobank", [out("nobank", 1)], 1)
    ),
    "unknown_wallet": lambda w: w.submit(
        builders.wallet_update(NETWORK, key("halyk"), "ghost", nonce=1, tier="full")
    ),
    "unregistered_recipient": lambda w: w.submit(w.pay(kzt(1), to="stranger")),
    "bank_inactive": lambda w: w.submit(w.pay(kzt(1), to="kaspi")),
    "wallet_frozen": lambda w: w.submit(w.pay(kzt(1), to="fred")),
    "token_not_allowed": lambda w: w.submit(
        builders.issue(NETWORK, CB, "halyk", [out("halyk", 1, token="ab" * 32)], 1)
    ),
    "not_reserve_key": lambda w: w.submit(
        builders.issue(NETWORK, CB, "halyk", [out("alice", 1)], 1)
    ),
    "value_not_conserved": lambda w: w.submit(w.spend([out("bob", kzt(100_000) + 1)])),
    "issuance_limit_exceeded": lambda w: w.submit(
        builders.issue(NETWORK, CB, "halyk", [out("halyk", 1)], 1)
    ),
    "limit_exceeded": lambda w: w.submit(w.pay(kzt(50_000) + 1)),
    "reverse_waterfall_refused": lambda w: w.submit(
        builders.pay_with_shortfall(
            NETWORK, w.coins("alice"), [key("alice")], key("bob").public_hex, kzt(100_001)
        )
    ),
    "waterfall_pool_insufficient": lambda w: w.submit(
        builders.pool_withdraw(NETWORK, key("halyk"), "halyk", 1)
    ),
    # conflicts
    "double_spend": double_spend,
    "bank_exists": lambda w: w.submit(
        builders.bank_register(NETWORK, CB, "halyk", "Again", [key("x").public_hex], 1)
    ),
    "wallet_exists": lambda w: w.submit(
        builders.wallet_open(
            NETWORK, key("halyk"), "halyk", "alice", "basic", [key("y").public_hex]
        )
    ),
    "rule_failed": lambda w: w.submit(faulty(NETWORK, key("alice"), "apply")),
    "key_in_use": lambda w: w.submit(
        builders.wallet_open(
            NETWORK, key("halyk"), "halyk", "eve", "basic", [key("bob").public_hex]
        )
    ),
    # the HTTP layer
    "not_found": lambda w: w.http.get("/v1/no-such-thing"),
    "method_not_allowed": lambda w: w.http.delete("/v1/network"),
    "payload_too_large": lambda w: w.post(b" " * (4 * 1024 * 1024 + 1)),
    "unsupported_media_type": lambda w: w.post(b"{}", content_type="text/plain"),
    "bad_parameter": lambda w: w.http.get("/v1/blocks", params={"limit": "lots"}),
    "authentication_required": lambda w: w.read("/v1/wallets/alice"),
    "signature_rejected": tampered,
    "signature_expired": expired,
    "replayed_request": replayed,
    "forbidden": lambda w: w.read("/v1/wallets/alice", key("bob")),
    "height_not_ordered": lambda w: w.read("/v1/supply?min_height=1000000"),
}

ABSTRACT = {
    errors.TengeError,
    errors.EncodingError,
    errors.InvalidTransaction,
    errors.Unauthorized,
    errors.Rejected,
    errors.Conflict,
    errors.IntegrityError,
    api_errors.HttpError,
}
# No request can provoke these: stored data disagreeing with itself, an
# unavailable writer, a server bug, a resubmitted txid (answered
# idempotently), and the verdicts of client-side receipt and statement
# checks. A batch over 2,000 items is a schema_violation (maxItems).
UNREACHABLE = {
    errors.DuplicateTransaction,
    errors.InvalidBlock,
    errors.InvalidReceipt,
    errors.InvalidStatement,
    errors.AuditMismatch,
    errors.Unavailable,
    errors.ProducerUnavailable,  # a cluster node without a producer: tests/cluster
    errors.HeightNotReached,  # ordered but not applied in time: tests/unit/test_read_heights.py
    api_errors.InternalError,
}


# The web server answers these before any app sees the request; each is provoked
# over a raw socket against a real node in tests/integration/test_http_limits.py.
WEB_SERVER = {
    api_errors.MalformedRequest,
    api_errors.UriTooLong,
    api_errors.HeaderFieldsTooLarge,
    api_errors.ExpectationFailed,
    api_errors.UnsupportedTransferCoding,
}


def test_triggers_and_unreachable_codes_cover_every_error() -> None:
    concrete = set(declared_errors()) - ABSTRACT - UNREACHABLE - WEB_SERVER
    assert {BY_CODE[code] for code in TRIGGERS} == concrete


def assert_problem(response: httpx.Response, cls: type[TengeError]) -> dict[str, object]:
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, object] = response.json()
    assert (response.status_code, body["code"]) == (cls.status, cls.code), body
    assert body["status"] == cls.status
    assert body["type"] == f"/problems/{cls.code}"
    assert body["title"] == cls.title
    return body


@pytest.mark.parametrize("code", TRIGGERS)
def test_error_reached_over_http_answers_with_its_status(world: World, code: str) -> None:
    assert_problem(TRIGGERS[code](world), BY_CODE[code])


@pytest.mark.parametrize("cls", served_errors(), ids=lambda c: c.code)
def test_mapping_gives_every_error_its_status_and_problem_type(
    world: World, cls: type[TengeError]
) -> None:
    error = cls()
    with world.app.test_request_context("/v1/transactions"):
        response = problem_response(error)
    assert response.status_code == cls.status
    assert response.mimetype == PROBLEM_JSON
    body = msgspec.json.decode(response.get_data())
    assert body == Problem.of(error).document("/v1/transactions")
    assert body["type"] == f"/problems/{cls.code}"
    assert (body["code"], body["status"]) == (cls.code, cls.status)
    assert body["detail"].startswith(cls.code)


@pytest.mark.parametrize("cls", served_errors(), ids=lambda c: c.code)
def test_problem_type_page_describes_every_code(world: World, cls: type[TengeError]) -> None:
    response = world.http.get(f"/problems/{cls.code}")
    assert response.status_code == 200
    assert response.json() == {"code": cls.code, "status": cls.status, "title": cls.title}


def test_node_describes_every_ledger_and_http_code(node_process: NodeProcess) -> None:
    with httpx.Client(base_url=node_process.url) as http:
        for cls in declared_errors():
            response = http.get(f"/problems/{cls.code}")
            assert response.status_code == 200, cls.code
            assert response.json() == {"code": cls.code, "status": cls.status, "title": cls.title}


def test_unknown_problem_type_is_not_found(world: World) -> None:
    assert_problem(world.http.get("/problems/no_such_code"), api_errors.NotFound)


def test_resubmitted_transaction_is_idempotent_rather_than_a_conflict(world: World) -> None:
    tx = world.pay(3)
    first, again = world.submit(tx), world.submit(tx)
    assert first.status_code == again.status_code == 200
    assert first.json()["result"] == again.json()["result"]


def test_oversized_batch_is_refused_by_its_schema(world: World) -> None:
    item = envelope(b'{"kind":"mint"}')
    body = b'{"transactions":[' + b",".join([item] * 2001) + b"]}"
    response = world.http.post(
        "/v1/transactions/batch", content=body, headers={"content-type": "application/json"}
    )
    assert "2000" in str(assert_problem(response, errors.SchemaViolation)["reason"])


@pytest.mark.parametrize("cls", served_errors(), ids=lambda c: c.code)
def test_writer_refusal_is_raised_again_in_an_api_worker_as_itself(cls: type[TengeError]) -> None:
    error = cls()
    sent = msgspec.json.decode(msgspec.json.encode(Problem.of(error)), type=Problem)
    again = remote_error(sent)
    assert type(again) is cls
    assert again.details() == error.details()
