"""docs/api-guide.md tells the truth: its signature vectors, endpoints, error table and limits.

The request-signature vectors are regenerated and compared with the committed
file, verified with the ``http_message_signatures`` library, and rebuilt from
the guide's rules alone (string formatting and libsodium), as a bank's team
would in Java. A node built in process, the way the integration tests build
it, accepts a request signed by those rules and refuses the cases the guide
says it refuses. The guide's endpoint list, error table and limits are
compared with the served OpenAPI document, the error tree and the parameters.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import msgspec
import nacl.bindings
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from flask import Flask
from http_message_signatures import HTTPMessageVerifier, HTTPSignatureKeyResolver, algorithms

from api import errors as api_errors
from api.app import DEFAULT_MAX_BODY, DRAIN_FACTOR, create_app
from ledger.chain import Chain
from ledger.crypto import KeyPair
from ledger.errors import all_error_classes
from ledger.params import default_limits, make_genesis
from ledger.receipts import verify_receipt
from ledger.rules import core_registry
from ledger.storage.memory import MemoryStore
from ledger.types import Receipt, TierLimits
from node import http_server
from node.composition import full_registry
from node.producer import Producer
from node.service import LedgerService
from tests.harness import T0, key
from tools.vectors import httpsig as httpsig_vectors
from wallet import builders
from wallet.client import TengeClient
from wire.core import MAX_BATCH
from wire.httpsig import COVERED, WINDOW_S, sign_request

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "api-guide.md").read_text(encoding="utf-8")
VECTOR_FILE = ROOT / "docs" / "httpsig-vectors.json"
NETWORK = "kzt-devnet"
BASE_URL = "http://127.0.0.1:8080"
SEEDS = {"bank": bytes([3]) * 32, "alice": bytes([5]) * 32, "cafe": bytes([7]) * 32}
OPERATIONS = ("GET /metrics", "GET /openapi.json", "GET /docs", "GET /problems/{code}")


def committed() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VECTOR_FILE.read_bytes())
    return data


VECTORS = committed()["vectors"]


def section(number: int) -> str:
    """The text of the guide's top-level section ``number``."""
    match = re.search(rf"^## {number}\. .*?(?=^## \d+\. |\Z)", GUIDE, re.M | re.S)
    assert match, f"the guide has no section {number}"
    return match.group(0)


# -- the guide's section 7.2, as a bank's team would write it ------------------------


def signature_params(created: int, keyid: str, nonce: str, network: str) -> str:
    return (
        f'("@method" "@target-uri");created={created};keyid="{keyid}";alg="ed25519";'
        f'nonce="{nonce}";tag="kzt-ledger/{network}"'
    )


def signature_base(method: str, url: str, params: str) -> str:
    return f'"@method": {method}\n"@target-uri": {url}\n"@signature-params": {params}'


def guide_headers(
    seed: bytes, method: str, url: str, created: int, nonce: str, network: str = NETWORK
) -> dict[str, str]:
    """Signature-Input and Signature built with string formatting and libsodium only."""
    public, secret = nacl.bindings.crypto_sign_seed_keypair(seed)
    params = signature_params(created, public.hex(), nonce, network)
    signed = nacl.bindings.crypto_sign(signature_base(method, url, params).encode("ascii"), secret)
    signature = base64.b64encode(signed[:64]).decode("ascii")
    return {"Signature-Input": f"tenge={params}", "Signature": f"tenge=:{signature}:"}


# -- the vectors ---------------------------------------------------------------------


def test_committed_vectors_are_what_the_generator_writes() -> None:
    assert VECTOR_FILE.read_bytes() == httpsig_vectors.render(), (
        "docs/httpsig-vectors.json is stale: "
        "run .venv/bin/python -m tools.vectors.httpsig --out docs/httpsig-vectors.json"
    )


class _HexKey(HTTPSignatureKeyResolver):
    def resolve_public_key(self, key_id: str) -> ed25519.Ed25519PublicKey:
        return ed25519.Ed25519PublicKey.from_public_bytes(bytes.fromhex(key_id))


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_vector_verifies_with_the_library(vector: dict[str, Any]) -> None:
    message = SimpleNamespace(method=vector["method"], url=vector["url"], headers=vector["headers"])
    verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=_HexKey())
    (result,) = verifier.verify(
        message, max_age=None, expect_tag=vector["tag"], require_components=COVERED
    )
    assert result.parameters["keyid"] == vector["keyid"]
    assert result.nonce == vector["nonce"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_vector_follows_from_the_guide_alone(vector: dict[str, Any]) -> None:
    seed = bytes.fromhex(vector["seed_hex"])
    public, _secret = nacl.bindings.crypto_sign_seed_keypair(seed)
    assert public.hex() == vector["keyid"]
    params = signature_params(vector["created"], vector["keyid"], vector["nonce"], NETWORK)
    base = signature_base(vector["method"], vector["url"], params)
    assert params == vector["signature_params"]
    assert base == vector["signature_base"]
    assert base.split("\n") == vector["signature_base_lines"]
    signature = bytes.fromhex(vector["signature_hex"])
    assert nacl.bindings.crypto_sign_open(signature + base.encode("ascii"), public)
    assert base64.b64decode(vector["signature_base64"]) == signature
    headers = guide_headers(
        seed, vector["method"], vector["url"], vector["created"], vector["nonce"]
    )
    assert headers == vector["headers"]


def test_the_guide_shows_the_first_vector_verbatim() -> None:
    first = VECTORS[0]
    for line in [*first["signature_base_lines"], first["signature_hex"]]:
        assert line in GUIDE
    for name, value in first["headers"].items():
        assert f"{name}: {value}" in GUIDE


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_the_sdk_signs_with_the_profile_of_the_vectors(vector: dict[str, Any]) -> None:
    request = httpx.Request(vector["method"], vector["url"])
    sign_request(
        request,
        KeyPair.from_seed(bytes.fromhex(vector["seed_hex"])),
        NETWORK,
        nonce=vector["nonce"],
    )
    created = f"created={vector['created']}"
    signed_input = re.sub(r"created=\d+", created, request.headers["signature-input"])
    assert signed_input == vector["headers"]["Signature-Input"]


# -- a node in process accepts what the guide describes ------------------------------


@pytest.fixture(scope="module")
def node() -> Iterator[Flask]:
    """halyk (key 03..03) with wallets w-alice (05..05) and w-cafe (07..07) on kzt-devnet."""
    genesis = make_genesis(
        NETWORK, [key("central-bank").public_hex], [key("producer").public_hex], T0
    )
    chain = Chain(MemoryStore(), core_registry(), genesis)
    producer = Producer(chain, key("producer"), max_wait_ms=5).start()
    app = create_app(LedgerService(chain, producer), chain.registry)
    bank, alice, cafe = (KeyPair.from_seed(SEEDS[n]) for n in ("bank", "alice", "cafe"))
    with TengeClient(BASE_URL, transport=httpx.WSGITransport(app=app)) as client:
        for tx in (
            builders.bank_register(
                NETWORK, key("central-bank"), "halyk", "Halyk", [bank.public_hex], 10**9
            ),
            builders.wallet_open(NETWORK, bank, "halyk", "w-alice", "basic", [alice.public_hex]),
            builders.wallet_open(NETWORK, bank, "halyk", "w-cafe", "business", [cafe.public_hex]),
        ):
            assert client.submit(tx).result.status == "committed"
    yield app
    producer.stop()


def signed_get(app: Flask, path: str, headers: dict[str, str]) -> httpx.Response:
    with httpx.Client(base_url=BASE_URL, transport=httpx.WSGITransport(app=app)) as client:
        return client.get(path, headers=headers)


def fresh_nonce() -> str:
    return hashlib.sha256(str(time.perf_counter_ns()).encode()).hexdigest()[:32]


@pytest.mark.parametrize(
    ("signer", "path", "status"),
    [
        ("alice", "/v1/wallets/w-alice/history?limit=10&before=42", 200),
        ("alice", "/v1/wallets/w-alice", 200),
        ("bank", "/v1/wallets/w-alice/outputs", 200),
        ("bank", "/v1/banks/halyk/wallets?limit=100&after=w-alice", 200),
        ("cafe", "/v1/wallets/w-alice", 403),
        ("alice", "/v1/banks/halyk/wallets", 403),
        ("alice", "/v1/wallets/nobody", 403),
    ],
)
def test_node_answers_requests_signed_by_the_guides_rules(
    node: Flask, signer: str, path: str, status: int
) -> None:
    headers = guide_headers(SEEDS[signer], "GET", BASE_URL + path, int(time.time()), fresh_nonce())
    response = signed_get(node, path, headers)
    assert response.status_code == status, response.text


def test_replayed_headers_are_refused(node: Flask) -> None:
    path = "/v1/wallets/w-alice"
    headers = guide_headers(SEEDS["alice"], "GET", BASE_URL + path, int(time.time()), fresh_nonce())
    assert signed_get(node, path, headers).status_code == 200
    again = signed_get(node, path, headers)
    assert (again.status_code, again.json()["code"]) == (401, "replayed_request")


@pytest.mark.parametrize(
    ("shift_s", "network", "code"),
    [
        (-(WINDOW_S + 60), NETWORK, "signature_expired"),
        (90, NETWORK, "signature_expired"),
        (0, "kzt-othernet", "authentication_required"),
    ],
)
def test_signatures_outside_the_profile_are_refused(
    node: Flask, shift_s: int, network: str, code: str
) -> None:
    path = "/v1/wallets/w-alice"
    created = int(time.time()) + shift_s
    headers = guide_headers(SEEDS["alice"], "GET", BASE_URL + path, created, fresh_nonce(), network)
    response = signed_get(node, path, headers)
    assert (response.status_code, response.json()["code"]) == (401, code)


def test_a_signature_for_another_url_is_rejected(node: Flask) -> None:
    headers = guide_headers(
        SEEDS["alice"],
        "GET",
        "http://localhost:8080/v1/wallets/w-alice",
        int(time.time()),
        fresh_nonce(),
    )
    response = signed_get(node, "/v1/wallets/w-alice", headers)
    assert (response.status_code, response.json()["code"]) == (401, "signature_rejected")


# -- endpoints, errors and limits -----------------------------------------------------


def served_endpoints(app: Flask) -> set[str]:
    with httpx.Client(base_url=BASE_URL, transport=httpx.WSGITransport(app=app)) as client:
        spec = client.get("/openapi.json").json()
    return {f"{method.upper()} {path}" for path, ops in spec["paths"].items() for method in ops}


def test_every_endpoint_of_the_openapi_document_has_its_section(node: Flask) -> None:
    headings = set(re.findall(r"^### 3\.\d+ `([A-Z]+ \S+)`", GUIDE, re.M))
    assert headings == served_endpoints(node)


def test_every_endpoint_is_in_the_summary_table(node: Flask) -> None:
    table = section(3)
    for endpoint in [*served_endpoints(node), *OPERATIONS]:
        assert f"`{endpoint}`" in table, endpoint


def served_error_classes() -> list[type[Exception]]:
    """Every error the node's API can answer with: the tree as the node composes it.

    The proof-of-work comparator's errors (``node.pow``) subclass the tree too,
    but the API never serves them, and whether they are imported depends on
    which tests ran first.
    """
    full_registry()  # imports every feature module's errors
    return [c for c in all_error_classes() if not c.__module__.startswith("node.pow")]


def test_the_error_table_lists_every_code_with_its_status() -> None:
    assert api_errors.NotFound in all_error_classes()  # the HTTP layer's codes are included
    rows = re.findall(r"^\| `([a-z_]+)` \| (\d{3}) \|", section(8), re.M)
    documented = {code: int(status) for code, status in rows}
    assert len(rows) == len(documented), "a code is listed twice"
    assert documented == {cls.code: cls.status for cls in served_error_classes()}


def tier_row(limits: TierLimits) -> list[str]:
    def cell(tiyn: int | None) -> str:
        return "none" if tiyn is None else f"{tiyn} tiyn ({tiyn // 100:,} KZT)"

    return [cell(limits.balance_cap), cell(limits.per_payment), cell(limits.daily)]


def test_the_tier_table_is_the_genesis_default() -> None:
    rows = re.findall(r"^\| `(\w+)` \| (.+?) \| (.+?) \| (.+?) \|$", section(9), re.M)
    documented = {tier: list(cells) for tier, *cells in rows}
    assert documented == {tier: tier_row(limits) for tier, limits in default_limits().items()}


def test_the_quoted_sizes_and_windows_are_the_codes() -> None:
    limits = section(9)
    assert MAX_BATCH == 2000 and "1 to 2,000 transactions" in limits
    assert DEFAULT_MAX_BODY == 4 * 1024 * 1024 and "4,194,304 bytes" in limits
    assert f"at most {WINDOW_S} s old" in limits
    assert f"{WINDOW_S * 2} s" in limits


def test_the_http_limits_are_the_web_servers() -> None:
    limits = section(9)
    assert f"at most {http_server.LIMIT_REQUEST_LINE:,} bytes" in limits
    assert f"at most {http_server.LIMIT_REQUEST_FIELDS} fields" in limits
    assert f"each line at most {http_server.LIMIT_REQUEST_FIELD_SIZE:,} bytes" in limits
    drain_mib = DRAIN_FACTOR * DEFAULT_MAX_BODY // (1024 * 1024)
    assert f"at most {DRAIN_FACTOR} times the limit ({drain_mib} MiB by default)" in limits
    status = {cls.code: cls.status for cls in all_error_classes()}
    for code in (
        "uri_too_long",
        "header_fields_too_large",
        "malformed_request",
        "expectation_failed",
        "unsupported_transfer_coding",
        "method_not_allowed",
        "payload_too_large",
    ):
        assert f"`{status[code]} {code}`" in limits, code


def test_page_sizes_are_those_the_api_enforces(node: Flask) -> None:
    with httpx.Client(base_url=BASE_URL, transport=httpx.WSGITransport(app=node)) as client:
        spec = client.get("/openapi.json").json()
    limits = section(9)
    for path, ops in spec["paths"].items():
        for param in ops.get("get", {}).get("parameters", []):
            if param["name"] == "limit":
                row = re.search(rf"^\| `GET {re.escape(path)}` `limit` \| (.+?) \|$", limits, re.M)
                assert row, path
                assert row.group(1).startswith(
                    f"{param['schema']['minimum']}\u2013{param['schema']['maximum']},"
                )


def test_the_receipt_example_verifies_offline() -> None:
    block = re.search(r"<!-- receipt-example.*?-->\n```json\n(.+?)\n```", GUIDE, re.S)
    assert block
    receipt = msgspec.json.decode(block.group(1).encode(), type=Receipt)
    producer = KeyPair.from_seed(hashlib.sha256(b"tenge-demo-key:block-producer").digest())
    assert producer.public_hex in section(6)
    verify_receipt(receipt, [producer.public_hex], txid=receipt.txid, network="kzt-demo")
