"""Schemathesis (v4) against the OpenAPI document served by a real node process.

First the command line exactly as an outside tester runs it, ``schemathesis
run --checks all`` without ``positive_data_acceptance`` (a generated body's
random signature cannot be valid), with every phase (coverage: each
undeclared method, each boundary; fuzzing; stateful), a fixed seed and a
fixed budget: it must report no failure.

Then every catalogued operation is fuzzed with a fixed, derandomized budget of
positive and negative cases built from the node's own ``/openapi.json``,
under the same checks. Private reads are signed (RFC 9421) with a registered
bank's or wallet's key, and half of their cases target that bank's or
wallet's real id, so the fuzzer gets past authentication into the handlers.

Schemathesis' ``@schema.parametrize()`` needs the schema at import time (its
lazy ``from_fixture`` loader does not run under pytest 9.2), so the operations
are parametrized from the document the code generates (which the node must
serve unchanged) and each test draws its cases from ``operation.as_strategy()``
of the schema loaded from the running node with ``schemathesis.openapi.from_url``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig

from api.app import create_app
from ledger.chain import Chain
from ledger.crypto import KeyPair
from ledger.encoding import canonical
from ledger.params import kzt, make_genesis
from ledger.storage.memory import MemoryStore
from node.composition import full_registry
from node.producer import Producer
from node.service import LedgerService
from tests.harness import NETWORK, T0, key
from tests.integration.conftest import Api
from tests.integration.nodes import NodeProcess
from tests.integration.story import found_bank, open_wallet, pay
from wallet import builders
from wallet.client import TengeClient
from wire.httpsig import sign_request

load_all_checks()
# Every check but positive_data_acceptance: a generated body's random signature cannot
# be valid, so the ledger must refuse what the schema alone would accept.
EVERY_CHECK = [c for c in CHECKS.get_all() if c.__name__ != "positive_data_acceptance"]
# 414 and 431 (the web server's limits) count as refusals of negative data: see the file.
CONFIG = Path(__file__).resolve().parents[2] / "schemathesis.toml"
CLI_BUDGET = ["--max-examples", "8", "--seed", "18", "--workers", "1"]
BUDGET = settings(
    max_examples=20,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def generated_document() -> dict[str, Any]:
    """The OpenAPI document the code builds, from an app over an in-memory chain."""
    genesis = make_genesis(NETWORK, [key("central-bank").public_hex], [PRODUCER.public_hex], T0)
    chain = Chain(MemoryStore(), full_registry(), genesis)
    app = create_app(LedgerService(chain, Producer(chain, PRODUCER)), chain.registry)
    document: dict[str, Any] = app.extensions["tenge_openapi"]
    return document


PRODUCER = key("producer")
DOCUMENT = generated_document()
OPERATIONS = [(m.upper(), path) for path, ops in DOCUMENT["paths"].items() for m in ops]


class SignedBy(requests.auth.AuthBase):
    """Signs each prepared request (its final URL) with one key, as the SDK does.

    Only a request that carries the generated ``Signature`` header is signed: a
    case that leaves it out tests the refusal of an unsigned read.
    """

    def __init__(self, key: KeyPair) -> None:
        self.key = key

    def __call__(self, prepared: requests.PreparedRequest) -> requests.PreparedRequest:
        if "Signature" not in prepared.headers:
            return prepared
        probe = httpx.Request(str(prepared.method), str(prepared.url))
        sign_request(probe, self.key, NETWORK)
        for name in ("Signature-Input", "Signature"):
            prepared.headers[name] = probe.headers[name]
        return prepared


class Cast:
    """A bank with a funded wallet that has paid once, on the node under test."""

    def __init__(self, url: str) -> None:
        with TengeClient(url) as client:
            api = Api(client, "node")
            self.bank_id, self.bank = found_bank(api)
            self.wallet_id, self.owner = open_wallet(api, self.bank_id, self.bank, "full", kzt(50))
            _, payee = open_wallet(api, self.bank_id, self.bank)
            self.txid = pay(api, self.wallet_id, self.owner, payee.public_hex, kzt(5))

    def pinned(self, path: str) -> dict[str, str]:
        """Real ids for an operation's path parameters."""
        known = {"bank_id": self.bank_id, "wallet_id": self.wallet_id, "txid": self.txid}
        return {name: value for name, value in known.items() if "{" + name + "}" in path}

    def signer(self, path: str) -> KeyPair:
        return self.bank if path.startswith("/v1/banks/") else self.owner


@pytest.fixture(scope="module")
def cast(node_process: NodeProcess) -> Cast:
    return Cast(node_process.url)


@pytest.fixture(scope="module")
def served_schema(node_process: NodeProcess) -> schemathesis.BaseSchema:
    config = SchemathesisConfig.from_path(str(CONFIG))
    return schemathesis.openapi.from_url(f"{node_process.url}/openapi.json", config=config)


def test_node_serves_the_document_the_code_generates(node_process: NodeProcess) -> None:
    served = httpx.get(f"{node_process.url}/openapi.json").json()
    generated = json.loads(json.dumps(DOCUMENT))
    for section in ("paths", "components"):
        for name in sorted(set(served[section]) | set(generated[section])):
            assert served[section].get(name) == generated[section].get(name), name
    assert served == generated


def test_schemathesis_run_with_every_check_reports_nothing(
    node_process: NodeProcess, tmp_path: Path
) -> None:
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(CONFIG),
        "run",
        f"{node_process.url}/openapi.json",
        "--checks",
        "all",
        "--exclude-checks",
        "positive_data_acceptance",
        *CLI_BUDGET,
        "--no-color",
    ]
    run = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False
    )
    summary = run.stdout[run.stdout.rfind("SUMMARY") :]
    print(summary)
    assert run.returncode == 0, run.stdout[-20000:]
    assert f"Tested: {len(OPERATIONS)}" in summary


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_never_fails_and_answers_as_documented(
    served_schema: schemathesis.BaseSchema, cast: Cast, method: str, path: str
) -> None:
    operation = served_schema[path][method]
    pinned = cast.pinned(path)
    strategies = [operation.as_strategy(mode) for mode in GenerationMode]
    if pinned:
        strategies += [
            operation.as_strategy(mode, path_parameters=pinned) for mode in GenerationMode
        ]
    auth: dict[str, Any] = {"auth": SignedBy(cast.signer(path))} if "{" in path else {}
    statuses: Counter[int] = Counter()

    @given(case=st.one_of(strategies))
    @BUDGET
    def fuzz(case: schemathesis.Case) -> None:
        response = case.call_and_validate(checks=EVERY_CHECK, **auth)
        statuses[response.status_code] += 1

    fuzz()
    print(f"{method} {path}: {sorted(statuses.items())}")
    assert statuses, "no request was made"


def test_queued_and_committed_submissions_answer_as_documented(
    served_schema: schemathesis.BaseSchema, cast: Cast, node_process: NodeProcess
) -> None:
    """What fuzzing cannot reach (it cannot sign): 202 queued, 200 committed, 200 batch."""
    with TengeClient(node_process.url) as client:
        coins = client.coins(cast.wallet_id, cast.owner)
        payee, change = cast.bank.public_hex, cast.owner.public_hex
        tx = builders.pay(NETWORK, coins, [cast.owner], payee, 1, change, "conformance")
        body = canonical(tx.envelope())
        batch = b'{"transactions":[' + body + b"]}"
        http = client.http
        calls = [  # queued (or, rarely, already committed), then committed, then as a batch
            ("/v1/transactions", {}, body, {202, 200}),
            ("/v1/transactions", {"wait": "commit"}, body, {200}),
            ("/v1/transactions/batch", {"wait": "commit"}, batch, {200}),
        ]
        for path, query, content, statuses in calls:
            response = http.post(
                path, params=query, content=content, headers={"content-type": "application/json"}
            )
            assert response.status_code in statuses, response.text
            case = served_schema[path]["POST"].Case(
                query=query, body=json.loads(content), media_type="application/json"
            )
            case.validate_response(response, checks=EVERY_CHECK)
