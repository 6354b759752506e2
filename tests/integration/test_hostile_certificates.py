"""A certificate with one flipped bit, sent in every way issue 18 found, on the app and a node.

Flipping the version (byte 11) or the subject key's OID (bytes 110-111) of a
device certificate made ``device.enrol`` answer 500 at the edge, alone or in
a batch, even signed by a key nobody registered; the same flip in the bank CA
certificate of an ``offline.ca`` signed by the central bank crashed block
building, so an honest payment in the same block was answered 503 and never
committed. Each is now refused as ``invalid_certificate`` and nothing else
changes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.app import create_app
from ledger.chain import Chain
from ledger.encoding import canonical
from ledger.params import kzt, make_genesis
from ledger.storage.memory import MemoryStore
from ledger.types import Transaction
from node.composition import full_registry
from node.producer import Producer
from node.service import LedgerService
from offline.certs import bank_ca_certificate, device_certificate, root_certificate
from offline.params import default_params, default_tier_limits
from tests.harness import NETWORK, T0, key
from tests.integration.conftest import Api
from tests.integration.story import CB, found_bank, open_wallet
from wallet import builders
from wallet.offline import builders as ob

ED25519_OID = bytes.fromhex("06032b6570")


@pytest.fixture(scope="module")
def inprocess_app() -> Iterator[object]:
    """The app in process with every kind the node runs."""
    genesis = make_genesis(NETWORK, [CB.public_hex], [key("producer").public_hex], T0)
    chain = Chain(MemoryStore(), full_registry(), genesis)
    producer = Producer(chain, key("producer"), max_wait_ms=5).start()
    yield create_app(LedgerService(chain, producer), chain.registry)
    producer.stop()


def flips(der: bytes) -> list[bytes]:
    """The reported flips: the version's value and the first two bytes of the key's OID."""
    version = der.index(bytes.fromhex("a003020102")) + 4
    oid = der.index(ED25519_OID, der.index(ED25519_OID) + 1) + 2
    return [flipped(der, version, 0), flipped(der, oid, 0), flipped(der, oid + 1, 1)]


def flipped(der: bytes, at: int, bit: int) -> bytes:
    changed = bytearray(der)
    changed[at] ^= 1 << bit
    return bytes(changed)


def post(api: Api, path: str, body: Any) -> httpx.Response:
    data = body if isinstance(body, bytes) else canonical(body)
    return api.client.http.post(path, content=data, headers={"content-type": "application/json"})


def envelope(tx: Transaction) -> Any:
    return json.loads(canonical(tx.envelope()))


def honest_payment(api: Api) -> Transaction:
    bank_id, bank = found_bank(api)
    _, payee = open_wallet(api, bank_id, bank, "full")
    coins = api.client.bank_coins(bank_id, bank)
    return builders.pay(NETWORK, coins, [bank], payee.public_hex, kzt(10), bank.public_hex)


@pytest.mark.parametrize("case", [0, 1, 2], ids=["version", "key OID 1", "key OID 2"])
def test_an_enrolment_with_a_flipped_certificate_is_invalid_even_from_a_stranger(
    api: Api, case: int
) -> None:
    stranger = key(api.name("stranger"))
    limits = default_tier_limits()["basic"]
    der = device_certificate(stranger, "halyk", "w-x", key("phone").public_hex, limits, T0)
    hostile = ob.enrol(NETWORK, stranger, flips(der)[case])
    one = post(api, "/v1/transactions", canonical(hostile.envelope()))
    assert (one.status_code, one.json()["code"]) == (400, "invalid_certificate"), one.text
    check = post(api, "/v1/transactions/check", canonical(hostile.envelope()))
    assert check.status_code == 200, check.text
    assert check.json()["problem"]["code"] == "invalid_certificate"


def test_in_a_batch_only_the_flipped_enrolment_is_refused(api: Api) -> None:
    bank_id, bank = found_bank(api)
    limits = default_tier_limits()["basic"]
    der = device_certificate(bank, bank_id, "w-x", key(api.name("phone")).public_hex, limits, T0)
    honest = honest_payment(api)
    items = [envelope(ob.enrol(NETWORK, bank, d)) for d in flips(der)] + [envelope(honest)]
    answer = post(api, "/v1/transactions/batch?wait=commit", {"transactions": items})
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    assert [r["problem"]["code"] for r in results[:3]] == ["invalid_certificate"] * 3
    assert results[3]["status"] == "committed"


def test_a_central_bank_ca_with_a_flipped_certificate_leaves_its_block_committed(
    api: Api,
) -> None:
    root = root_certificate(CB, NETWORK, T0)
    setup = api.client.submit(ob.setup(NETWORK, CB, root, default_params()))
    assert setup.result.status == "committed"
    bank_id, bank = found_bank(api)
    ca = bank_ca_certificate(CB, NETWORK, bank_id, bank.public_hex, T0)
    honest = honest_payment(api)
    hostile = [ob.bank_ca(NETWORK, CB, bank_id, d) for d in flips(ca)]
    for tx in hostile:
        check = post(api, "/v1/transactions/check", canonical(tx.envelope()))
        assert check.status_code == 200, check.text
        assert check.json()["problem"]["code"] == "invalid_certificate"
    items = [envelope(tx) for tx in hostile[:2]] + [envelope(honest)] + [envelope(hostile[2])]
    answer = post(api, "/v1/transactions/batch?wait=commit", {"transactions": items})
    assert answer.status_code == 200, answer.text
    results = answer.json()["results"]
    statuses = [(r["status"], (r.get("problem") or {}).get("code")) for r in results]
    refused = ("rejected", "invalid_certificate")
    assert statuses == [refused, refused, ("committed", None), refused]
    assert api.client.status(honest.txid.hex()).status == "committed"
