"""The bad-input campaign against a real node: every malformed request gets a specific 4xx.

A node process of its own (loopback, LevelDB) holds a small network. Hand-made
cases cover each family of bad input with the exact code expected; a seeded
mutator then breaks valid, signed, never-submitted envelopes (single and in
batches) and the node's answer must equal what the ledger's own decoder and
stateless rules say about the same bytes. No answer may be a 5xx, and the
chain's state digest must not move. Set ``TENGE_FUZZ_SEED`` to replay a run.
"""

from __future__ import annotations

import json
import os
import random
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from ledger.crypto import (
    DOMAIN_BLOCK,
    DOMAIN_GENESIS,
    DOMAIN_HTTP,
    DOMAIN_TX,
    DOMAIN_VOUCHER,
    KeyPair,
    signing_message,
)
from ledger.encoding import canonical, decode_json
from ledger.errors import MalformedJson, TengeError
from ledger.params import kzt
from ledger.types import SignedTransaction, TierLimits, Transaction
from ledger.validation import decode_envelope, parse_transaction, validate_transaction
from node.composition import full_registry
from tests.harness import NETWORK, key
from tests.integration.nodes import NodeProcess, prepare
from wallet import builders
from wallet.client import TengeClient
from wire.core import BatchRequest
from wire.httpsig import sign_request

SEED = int(os.environ.get("TENGE_FUZZ_SEED", "9457"))
SINGLE_MUTATIONS = 1000
BATCH_MUTATIONS = 150
MAX_BODY = 4 * 1024 * 1024
JSON = {"content-type": "application/json"}
# the node answers 413 without reading the rest of the body, so that connection is not reused
ONCE = {**JSON, "connection": "close"}
CB, HALYK, ALICE, BOB = key("central-bank"), key("halyk"), key("alice"), key("bob")
REGISTRY = full_registry()


@dataclass
class Campaign:
    """The node under attack, valid envelopes to break, and a tally of every answer."""

    http: httpx.Client
    envelopes: list[bytes]
    committed: list[bytes]
    digest: str
    seen: Counter[tuple[int, str]] = field(default_factory=Counter)

    def send(
        self, method: str, path: str, body: bytes | Iterator[bytes] = b"", **kw: Any
    ) -> httpx.Response:
        response = self.http.request(method, path, content=body or None, **kw)
        code = "per-item results" if response.status_code == 200 and "batch" in path else ""
        if response.headers.get("content-type") == "application/problem+json":
            problem = response.json()
            assert problem["status"] == response.status_code
            assert problem["type"] == f"/problems/{problem['code']}"
            code = problem["code"]
        self.seen[(response.status_code, code)] += 1
        assert response.status_code < 500, response.text
        return response

    def refused(self, response: httpx.Response) -> tuple[int, str]:
        assert response.headers["content-type"] == "application/problem+json", response.text
        return response.status_code, str(response.json()["code"])

    def submit(self, body: bytes, headers: dict[str, str] = JSON) -> tuple[int, str]:
        return self.refused(self.send("POST", "/v1/transactions", body, headers=headers))

    def assert_state_unchanged(self) -> None:
        tip = self.http.get("/v1/network").json()["tip"]
        assert tip["state_digest"] == self.digest


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Campaign]:
    data = tmp_path_factory.mktemp("bad-input") / "data"
    prepare(data)
    node = NodeProcess(data, workers=1, threads=4).start()
    try:
        with TengeClient(node.url) as client:
            done, fresh = cast(client)
            digest = client.network(refresh=True).tip.state_digest
            yield Campaign(client.http, wire(fresh), wire(done), digest)
    finally:
        assert node.stop() == 0


def wire(txs: list[Transaction]) -> list[bytes]:
    return [canonical(t.envelope()) for t in txs]


def cast(client: TengeClient) -> tuple[list[Transaction], list[Transaction]]:
    """Commit halyk, alice and bob; return what was committed and, never submitted,
    valid transactions of every kind."""
    wallets = [(ALICE, "alice", "full"), (BOB, "bob", "basic")]
    setup = [
        builders.bank_register(NETWORK, CB, "halyk", "Halyk", [HALYK.public_hex], kzt(10**7)),
        builders.issue(NETWORK, CB, "halyk", [out(HALYK, kzt(10**6))], 1),
        *(
            builders.wallet_open(NETWORK, HALYK, "halyk", n, t, [k.public_hex])
            for k, n, t in wallets
        ),
    ]
    for tx in setup:
        assert client.submit(tx).result.status == "committed"
    reserve = client.bank_coins("halyk", HALYK)
    funding = builders.pay(NETWORK, reserve, [HALYK], ALICE.public_hex, kzt(1000), HALYK.public_hex)
    assert client.submit(funding).result.status == "committed"
    coins = client.coins("alice", ALICE)
    return [*setup, funding], [
        builders.pay(NETWORK, coins, [ALICE], BOB.public_hex, kzt(10), ALICE.public_hex, "lunch"),
        builders.issue(NETWORK, CB, "halyk", [out(HALYK, kzt(5))], 99),
        builders.wallet_open(NETWORK, HALYK, "halyk", "carol", "basic", [key("carol").public_hex]),
        builders.bank_register(NETWORK, CB, "kaspi", "Kaspi", [key("kaspi").public_hex], 1),
        builders.redeem(NETWORK, "halyk", client.bank_coins("halyk", HALYK), kzt(1), [HALYK]),
        builders.wallet_update(NETWORK, HALYK, "bob", nonce=5, status="frozen"),
        builders.limits_set(NETWORK, CB, "anonymous", TierLimits(daily=kzt(1)), nonce=6),
        builders.bank_update(NETWORK, CB, "halyk", nonce=7, issuance_limit=1),
    ]


def out(owner: KeyPair, amount: Any, **extra: Any) -> dict[str, Any]:
    return {"owner": owner.public_hex, "amount": amount, **extra}


def envelope(
    body: bytes | dict[str, Any],
    signers: list[KeyPair],
    network: str = NETWORK,
    domain: bytes = DOMAIN_TX,
    **extra: Any,
) -> bytes:
    """An envelope whose signatures really sign ``body`` (bytes as given, or a dict canonically)."""
    body_bytes = body if isinstance(body, bytes) else canonical(body)
    message = signing_message(domain, network, body_bytes)
    sigs = [{"key": k.public_hex, "sig": k.sign(message).hex()} for k in signers]
    rest = canonical({"network": network, "signatures": sigs, **extra})
    return b'{"body":' + body_bytes + b"," + rest[1:]


def issue(amount: Any, **extra: Any) -> bytes:
    return envelope(
        {"kind": "issue", "bank_id": "halyk", "outputs": [out(HALYK, amount)], **extra}, [CB]
    )


def deep(depth: int, open_: bytes = b"[", close: bytes = b"]") -> bytes:
    return open_ * depth + close * depth


Edit = Callable[[dict[str, str]], Any]


def signed_read(c: Campaign, edit: Edit, path: str = "/v1/wallets/alice") -> httpx.Response:
    """A read signed by alice, its headers edited before sending (latin-1 on the wire)."""
    request = c.http.build_request("GET", path)
    sign_request(request, ALICE, NETWORK)
    headers = dict(request.headers)
    edit(headers)
    raw = [(name.encode(), value.encode("latin-1")) for name, value in headers.items()]
    return c.send("GET", path, headers=raw)


def set_input(old: str, new: str) -> Edit:
    return lambda h: h.__setitem__("signature-input", h["signature-input"].replace(old, new))


def chunked(size: int) -> Iterator[bytes]:
    for _ in range(size // 65536 + 1):
        yield b" " * 65536


def padded(data: bytes, size: int) -> Iterator[bytes]:
    """``data``, then spaces up to ``size`` bytes, then more: sent chunked, with no length."""
    yield data
    yield from chunked(size - len(data))
    yield b"trailing"


def body_of(data: bytes) -> bytes:
    return bytes(decode_json(data, SignedTransaction).body)


def respell(c: Campaign, old: bytes, new: bytes) -> bytes:
    """The unsubmitted payment with its body bytes edited (its signature left as it was)."""
    payment = c.envelopes[0]
    body = body_of(payment)
    assert old in body
    return payment.replace(body, body.replace(old, new, 1))


def batch(*items: bytes) -> bytes:
    return b'{"transactions":[' + b",".join(items) + b"]}"


def uppercase_signature(data: bytes) -> bytes:
    return re.sub(rb'"sig":"([0-9a-f]+)"', lambda m: b'"sig":"' + m[1].upper() + b'"', data)


POST, BATCH = "/v1/transactions", "/v1/transactions/batch"
ISSUE: dict[str, Any] = {
    "kind": "issue",
    "bank_id": "halyk",
    "outputs": [out(HALYK, 1)],
    "nonce": 3,
}
INPUTS = [{"txid": "ab" * 32, "index": 0}]
OPEN: dict[str, Any] = {
    "kind": "wallet.open",
    "bank_id": "halyk",
    "wallet_id": "dan",
    "tier": "basic",
    "keys": [key("dan").public_hex],
}
REGISTER: dict[str, Any] = {
    "kind": "bank.register",
    "bank_id": "x",
    "name": "X",
    "keys": [key("x").public_hex],
    "issuance_limit": 1,
}
DEEP_OBJECTS = deep(100_000, b'{"a":', b"}").replace(b":}", b":1}", 1)

# POST /v1/transactions (application/json): the 400 code each body must get.
BODIES: dict[str, tuple[str, Callable[[Campaign], bytes]]] = {
    # malformed and truncated JSON
    "empty": ("malformed_json", lambda c: b""),
    "open-brace": ("malformed_json", lambda c: b"{"),
    "truncated": ("malformed_json", lambda c: c.envelopes[0][:200]),
    "trailing-garbage": ("malformed_json", lambda c: c.envelopes[0] + b"}"),
    "byte-order-mark": ("malformed_json", lambda c: b"\xef\xbb\xbf" + c.envelopes[0]),
    "single-quotes": ("malformed_json", lambda c: c.envelopes[0].replace(b'"', b"'")),
    "nan": ("malformed_json", lambda c: issue(1).replace(b":1,", b":NaN,")),
    "leading-zero": ("malformed_json", lambda c: issue(1).replace(b":1,", b":01,")),
    "null": ("schema_violation", lambda c: b"null"),
    "array": ("schema_violation", lambda c: b"[]"),
    "string": ("schema_violation", lambda c: b'"tx"'),
    "body-is-a-number": ("schema_violation", lambda c: envelope(b"5", [ALICE])),
    # non-canonical bodies (signed over exactly these bytes)
    "whitespace": ("non_canonical", lambda c: respell(c, b'"inputs":', b'"inputs": ')),
    "key-order": (
        "non_canonical",
        lambda c: envelope(
            b'{"kind":"issue","bank_id":"halyk","outputs":[' + canonical(out(HALYK, 1)) + b"]}",
            [CB],
        ),
    ),
    "explicit-token": (
        "non_canonical",
        lambda c: issue(1, nonce=3).replace(b":1,", b':1,"token":"KZT",'),
    ),
    "explicit-nonce": ("non_canonical", lambda c: issue(1, nonce=0)),
    "explicit-memo": (
        "non_canonical",
        lambda c: envelope(
            {"kind": "transfer", "inputs": INPUTS, "outputs": [out(BOB, 1)], "memo": ""}, [ALICE]
        ),
    ),
    "explicit-null": ("non_canonical", lambda c: envelope({**OPEN, "mcc": None}, [HALYK])),
    "escaped-letter": ("non_canonical", lambda c: respell(c, b'"lunch"', b'"\\u006cunch"')),
    "negative-zero": ("non_canonical", lambda c: issue(1, nonce=3).replace(b":1,", b":-0,")),
    "duplicate-member": ("non_canonical", lambda c: respell(c, b'"memo":', b'"memo":"x","memo":')),
    "uppercase-hex-body": (
        "schema_violation",
        lambda c: issue(1).replace(HALYK.public_hex.encode(), HALYK.public_hex.upper().encode()),
    ),
    "uppercase-hex-signature": ("schema_violation", lambda c: uppercase_signature(c.envelopes[0])),
    # networks
    "other-network": ("wrong_network", lambda c: envelope(ISSUE, [CB], network="kzt-main")),
    "empty-network": ("schema_violation", lambda c: envelope(ISSUE, [CB], network="")),
    "uppercase-network": ("schema_violation", lambda c: envelope(ISSUE, [CB], network="KZT-TEST")),
    # signatures for another message domain, or by another key
    "block-domain": ("bad_signature", lambda c: envelope(ISSUE, [CB], domain=DOMAIN_BLOCK)),
    "http-domain": ("bad_signature", lambda c: envelope(ISSUE, [CB], domain=DOMAIN_HTTP)),
    "genesis-domain": ("bad_signature", lambda c: envelope(ISSUE, [CB], domain=DOMAIN_GENESIS)),
    "voucher-domain": ("bad_signature", lambda c: envelope(ISSUE, [CB], domain=DOMAIN_VOUCHER)),
    "another-key": (
        "bad_signature",
        lambda c: envelope(ISSUE, [HALYK]).replace(
            HALYK.public_hex.encode(), CB.public_hex.encode()
        ),
    ),
    # amounts
    "amount-zero": ("invalid_amount", lambda c: issue(0)),
    "amount-negative": ("invalid_amount", lambda c: issue(-1)),
    "amount-fraction": ("schema_violation", lambda c: issue(1.5)),
    "amount-exponent": ("schema_violation", lambda c: issue(1).replace(b":1,", b":1e2,")),
    "amount-string": ("schema_violation", lambda c: issue("100")),
    "amount-boolean": ("schema_violation", lambda c: issue(True)),
    "amount-2^53": ("invalid_amount", lambda c: issue(2**53)),
    "amount-2^64": ("invalid_amount", lambda c: issue(2**64)),
    "amount-10^30": ("invalid_amount", lambda c: issue(10**30)),
    "redeem-zero": (
        "invalid_amount",
        lambda c: envelope(
            {"kind": "redeem", "bank_id": "halyk", "inputs": INPUTS, "amount": 0}, [HALYK]
        ),
    ),
    "limit-negative": (
        "invalid_amount",
        lambda c: envelope({**REGISTER, "issuance_limit": -5}, [CB]),
    ),
    # unknown fields and kinds
    "unknown-body-field": ("schema_violation", lambda c: issue(1, nonce=3, bonus=1)),
    "unknown-output-field": (
        "schema_violation",
        lambda c: envelope({**ISSUE, "outputs": [out(HALYK, 1, colour="red")]}, [CB]),
    ),
    "unknown-envelope-field": ("schema_violation", lambda c: envelope(ISSUE, [CB], priority=1)),
    "kind-mint": ("unknown_kind", lambda c: envelope({"kind": "mint", "amount": 1}, [CB])),
    "kind-uppercase": ("unknown_kind", lambda c: envelope({**ISSUE, "kind": "ISSUE"}, [CB])),
    "kind-empty": ("unknown_kind", lambda c: envelope({"kind": ""}, [ALICE])),
    "kind-missing": ("schema_violation", lambda c: envelope({"amount": 1}, [ALICE])),
    "kind-number": ("schema_violation", lambda c: envelope({"kind": 5}, [ALICE])),
    # deeply nested JSON
    "deep-arrays-as-body": ("malformed_json", lambda c: envelope(deep(100_000), [ALICE])),
    "deep-objects-as-body": ("malformed_json", lambda c: envelope(DEEP_OBJECTS, [ALICE])),
    "deep-arrays-as-request": ("schema_violation", lambda c: deep(100_000)),
    "deep-arrays-as-network": ("schema_violation", lambda c: b'{"network":' + deep(100_000) + b"}"),
    # invalid UTF-8
    "utf8-invalid-byte": ("malformed_json", lambda c: respell(c, b'"lunch"', b'"lunch\xff"')),
    "utf8-overlong": ("malformed_json", lambda c: respell(c, b'"lunch"', b'"\xc0\xafunch"')),
    "utf8-lone-surrogate": ("malformed_json", lambda c: respell(c, b'"lunch"', b'"\\ud800unch"')),
    "utf8-in-network": (
        "malformed_json",
        lambda c: c.envelopes[0].replace(b"kzt-test", b"kzt-\xfeest"),
    ),
}

# Any request: the status and code it must get.
REQUESTS: dict[str, tuple[int, str, Callable[[Campaign], httpx.Response]]] = {
    # content types
    "text-plain": (
        415,
        "unsupported_media_type",
        lambda c: c.send("POST", POST, c.envelopes[0], headers={"content-type": "text/plain"}),
    ),
    "no-content-type": (
        415,
        "unsupported_media_type",
        lambda c: c.send("POST", POST, c.envelopes[0]),
    ),
    "form-encoded": (
        415,
        "unsupported_media_type",
        lambda c: c.send(
            "POST", POST, b"a=1", headers={"content-type": "application/x-www-form-urlencoded"}
        ),
    ),
    "multipart": (
        415,
        "unsupported_media_type",
        lambda c: c.send(
            "POST", POST, b"--x--", headers={"content-type": "multipart/form-data; boundary=x"}
        ),
    ),
    "problem-json": (
        415,
        "unsupported_media_type",
        lambda c: c.send(
            "POST",
            BATCH,
            batch(c.envelopes[0]),
            headers={"content-type": "application/problem+json"},
        ),
    ),
    # oversized bodies, with a length and streamed without one
    "over-4mib": (
        413,
        "payload_too_large",
        lambda c: c.send("POST", POST, b" " * (MAX_BODY + 1), headers=ONCE),
    ),
    "over-4mib-batch": (
        413,
        "payload_too_large",
        lambda c: c.send("POST", BATCH, b"[" * (MAX_BODY + 1), headers=ONCE),
    ),
    "over-4mib-chunked": (
        413,
        "payload_too_large",
        lambda c: c.send("POST", POST, chunked(MAX_BODY + 1), headers=ONCE),
    ),
    "over-4mib-chunked-valid-prefix": (
        413,
        "payload_too_large",
        lambda c: c.send("POST", POST, padded(c.envelopes[0], MAX_BODY), headers=ONCE),
    ),
    # batches
    "batch-unknown-field": (
        400,
        "schema_violation",
        lambda c: c.send("POST", BATCH, batch(c.envelopes[0])[:-1] + b',"x":1}', headers=JSON),
    ),
    "batch-empty": (
        400,
        "schema_violation",
        lambda c: c.send("POST", BATCH, batch(), headers=JSON),
    ),
    "batch-deep-item": (
        400,
        "malformed_json",
        lambda c: c.send("POST", BATCH, batch(envelope(deep(100_000), [ALICE])), headers=JSON),
    ),
    # signed reads: replayed, expired, for another network, mangled
    "read-expired": (
        401,
        "signature_expired",
        lambda c: signed_read(c, set_input(";created=", ";created=9")),
    ),
    "read-other-network": (
        401,
        "authentication_required",
        lambda c: signed_read(c, set_input("kzt-ledger/kzt-test", "kzt-ledger/kzt-main")),
    ),
    "read-garbage-input": (
        401,
        "signature_rejected",
        lambda c: signed_read(c, lambda h: h.__setitem__("signature-input", "((((")),
    ),
    "read-keyid-not-hex": (
        401,
        "signature_rejected",
        lambda c: signed_read(c, set_input('keyid="', 'keyid="zz')),
    ),
    "read-other-algorithm": (
        401,
        "signature_rejected",
        lambda c: signed_read(c, set_input('"ed25519"', '"rsa-pss-sha512"')),
    ),
    "read-no-nonce": (
        401,
        "signature_rejected",
        lambda c: signed_read(c, set_input(";nonce=", ";x=")),
    ),
    "read-latin1-header": (
        401,
        "signature_rejected",
        lambda c: signed_read(c, set_input('tag="', 'tag="\u00e9')),
    ),
    "read-input-only": (
        401,
        "authentication_required",
        lambda c: signed_read(c, lambda h: h.pop("signature")),
    ),
    # routing and parameters
    "unknown-path": (404, "not_found", lambda c: c.send("GET", "/v1/nothing")),
    "invalid-utf8-path": (404, "not_found", lambda c: c.send("GET", "/v1/banks/%ff%fe")),
    "superscript-height": (404, "not_found", lambda c: c.send("GET", "/v1/blocks/%C2%B9")),
    "wrong-method": (
        405,
        "method_not_allowed",
        lambda c: c.send("PUT", POST, c.envelopes[0], headers=JSON),
    ),
    "wait-maybe": (
        400,
        "bad_parameter",
        lambda c: c.send("POST", POST + "?wait=maybe", c.envelopes[0], headers=JSON),
    ),
    "superscript-limit": (400, "bad_parameter", lambda c: c.send("GET", "/v1/blocks?limit=%C2%B9")),
    "negative-limit": (400, "bad_parameter", lambda c: c.send("GET", "/v1/blocks?limit=-1")),
    "uppercase-txid": (
        400,
        "bad_parameter",
        lambda c: c.send("GET", "/v1/transactions/" + "AB" * 32),
    ),
}


@pytest.mark.parametrize("name", BODIES)
def test_malformed_transaction_gets_its_specific_problem(campaign: Campaign, name: str) -> None:
    code, body = BODIES[name]
    assert campaign.submit(body(campaign)) == (400, code)
    campaign.assert_state_unchanged()


@pytest.mark.parametrize("name", REQUESTS)
def test_bad_request_gets_its_specific_problem(campaign: Campaign, name: str) -> None:
    status, code, attempt = REQUESTS[name]
    assert campaign.refused(attempt(campaign)) == (status, code)
    campaign.assert_state_unchanged()


def test_replayed_signed_read_is_refused(campaign: Campaign) -> None:
    request = campaign.http.build_request("GET", "/v1/wallets/alice")
    sign_request(request, ALICE, NETWORK)
    headers = dict(request.headers)
    assert campaign.send("GET", "/v1/wallets/alice", headers=headers).status_code == 200
    again = campaign.send("GET", "/v1/wallets/alice", headers=headers)
    assert campaign.refused(again) == (401, "replayed_request")


@pytest.mark.parametrize("depth", [2, 50, 500, 900, 950, 975, 990, 1000, 1010, 1100, 5000])
def test_nesting_at_any_depth_is_a_client_error(campaign: Campaign, depth: int) -> None:
    for nested in (deep(depth), deep(depth, b'{"a":', b"}").replace(b":}", b":1}", 1)):
        status, code = campaign.submit(envelope(nested, [ALICE]))
        assert (status, code) in {(400, "schema_violation"), (400, "malformed_json")}
    campaign.assert_state_unchanged()


def test_batch_refuses_each_bad_item_and_commits_none(campaign: Campaign) -> None:
    items = [issue(0), envelope(ISSUE, [CB], domain=DOMAIN_BLOCK), issue(1, bonus=1)]
    response = campaign.send("POST", BATCH + "?wait=commit", batch(*items), headers=JSON)
    assert response.status_code == 200
    answer = response.json()
    assert [r["problem"]["code"] for r in answer["results"]] == [
        "invalid_amount",
        "bad_signature",
        "schema_violation",
    ]
    assert (answer["committed"], answer["pending"], answer["rejected"]) == (0, 0, 3)
    campaign.assert_state_unchanged()


def test_replayed_committed_transactions_change_nothing(campaign: Campaign) -> None:
    """A replay is answered from the txid index (idempotent), never applied twice."""
    for data in campaign.committed:
        response = campaign.send("POST", POST, data, headers=JSON, params={"wait": "commit"})
        assert response.status_code == 200
        assert response.json()["result"]["status"] == "committed"
    response = campaign.send("POST", BATCH, batch(*campaign.committed), headers=JSON)
    assert response.json()["committed"] == len(campaign.committed)
    campaign.assert_state_unchanged()


# -- the seeded mutator --------------------------------------------------------------

INTERESTING = [
    b"{",
    b"}",
    b"[",
    b"]",
    b'"',
    b":",
    b",",
    b"\\",
    b" ",
    b"0",
    b"-",
    b"e",
    b".",
    b"A",
    b"f",
    b"\x00",
    b"\xff",
    b"\xc3",
    b"null",
    b"1e999",
    b"\\u0000",
]
VALUES: list[Any] = [
    0,
    -1,
    1,
    2**53,
    2**64,
    1.5,
    "",
    "KZT",
    "x" * 141,
    None,
    True,
    [],
    {},
    "ab" * 32,
    "AB" * 32,
    "transfer",
    "mint",
    [[[[]]]],
    {"kind": "issue"},
]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """Half the time edit the bytes, half the time edit one value of the parsed envelope."""
    return mutate_value(data, rng) if rng.random() < 0.5 else mutate_bytes(data, rng)


def mutate_value(data: bytes, rng: random.Random) -> bytes:
    """Replace, drop or add one member in the body or envelope; the signatures stay as they were."""
    try:
        envelope = json.loads(data)
    except ValueError:
        return mutate_bytes(data, rng)
    if not isinstance(envelope, dict) or not isinstance(envelope.get("body"), dict):
        return mutate_bytes(data, rng)
    node = envelope if rng.random() < 0.25 else envelope["body"]
    while isinstance(node, (dict, list)) and node and rng.random() < 0.7:
        child = rng.choice(list(node.values()) if isinstance(node, dict) else node)
        if not isinstance(child, (dict, list)) or not child:
            break
        node = child
    if isinstance(node, dict) and node:
        name = rng.choice(sorted(node))
        choice = rng.randrange(3)
        if choice == 0:
            del node[name]
        elif choice == 1:
            node[name] = rng.choice(VALUES)
        else:
            node[rng.choice(["extra", "kind", "amount", "zz"])] = rng.choice(VALUES)
    elif isinstance(node, list) and rng.random() < 0.5:
        node.append(rng.choice([*node, *VALUES]))
    elif isinstance(node, list):
        node.clear()
    if not isinstance(envelope.get("body"), (dict, list)):
        return json.dumps(envelope).encode()
    canonical_body = rng.random() < 0.8
    body = json.dumps(envelope.pop("body"), sort_keys=canonical_body, separators=(",", ":"))
    rest = json.dumps(envelope, indent=rng.choice([None, 1]))
    return b'{"body":' + body.encode() + b"," + rest.lstrip("{").encode()


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    """One to three random edits: cut, delete, insert, overwrite, duplicate, swap case."""
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(data) + 1)
        kind = rng.randrange(6)
        if kind == 0:
            data = data[:at]
        elif kind == 1:
            data = data[:at] + data[at + rng.randint(1, 16) :]
        elif kind == 2:
            data = data[:at] + rng.choice(INTERESTING) + data[at:]
        elif kind == 3:
            data = data[:at] + bytes([rng.randrange(256)]) + data[at + 1 :]
        elif kind == 4:
            piece = data[at : at + rng.randint(1, 40)]
            data = data[:at] + piece + data[at:]
        else:
            data = data[:at] + data[at : at + 8].swapcase() + data[at + 8 :]
    return data


def verdict(data: bytes) -> str | None:
    """What the ledger's own edge checks say about an envelope: an error code, or None if valid."""
    try:
        tx = parse_transaction(data, REGISTRY)
        validate_transaction(tx, REGISTRY, NETWORK)
    except TengeError as error:
        return error.code
    return None


def batch_verdict(data: bytes) -> str | list[str | None]:
    try:
        envelopes = decode_json(data, BatchRequest, "request body").transactions
    except TengeError as error:
        return error.code
    codes: list[str | None] = []
    for item in envelopes:
        try:
            validate_transaction(decode_envelope(item, REGISTRY), REGISTRY, NETWORK)
            codes.append(None)
        except TengeError as error:
            codes.append(error.code)
    return codes


def test_seeded_mutations_of_valid_envelopes_are_refused_as_the_ledger_says(
    campaign: Campaign,
) -> None:
    rng = random.Random(SEED)
    print(f"\nmutation seed {SEED} (TENGE_FUZZ_SEED to replay)")
    sent = 0
    while sent < SINGLE_MUTATIONS:
        data = mutate(rng.choice(campaign.envelopes), rng)
        expected = verdict(data)
        if expected is None:
            continue  # still a valid transaction (say, a space between envelope fields)
        status, code = campaign.submit(data)
        assert (status, code) == (400, expected), data[:300]
        sent += 1
    campaign.assert_state_unchanged()


def test_seeded_mutations_of_batches_are_refused_item_by_item(campaign: Campaign) -> None:
    rng = random.Random(SEED + 1)
    sent = 0
    while sent < BATCH_MUTATIONS:
        items = [mutate(rng.choice(campaign.envelopes), rng) for _ in range(rng.randint(1, 4))]
        data = mutate(batch(*items), rng)
        expected = batch_verdict(data)
        if isinstance(expected, list) and None in expected:
            continue  # some item is still valid and would be committed
        response = campaign.send("POST", BATCH, data, headers=JSON)
        if isinstance(expected, str):
            assert campaign.refused(response) == (400, expected), data[:300]
        else:
            answer = response.json()
            assert response.status_code == 200 and answer["committed"] == 0
            assert [r["problem"]["code"] for r in answer["results"]] == expected
        sent += 1
    campaign.assert_state_unchanged()


def test_campaign_tally(campaign: Campaign) -> None:
    """Runs last: prints what was tried and proves the state never moved."""
    campaign.assert_state_unchanged()
    total = sum(campaign.seen.values())
    print(f"\nbad-input campaign: {total} requests")
    for (status, code), count in sorted(campaign.seen.items()):
        print(f"  {status} {code or '-':<26} {count}")
    assert not [s for s, _ in campaign.seen if s >= 500]


# -- the ledger's decoder ----------------------------------------------------------------


def test_ledger_decoder_calls_deep_nesting_malformed_json() -> None:
    with pytest.raises(MalformedJson):
        decode_json(b'{"body":' + deep(100_000) + b"}", SignedTransaction)


def test_ledger_refuses_an_envelope_with_a_duplicate_member() -> None:
    tx = issue(1, nonce=3)
    twice = tx.replace(b'"network":"kzt-test"', b'"network":"kzt-main","network":"kzt-test"')
    with pytest.raises(TengeError):
        parse_transaction(twice, REGISTRY)
