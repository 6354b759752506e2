"""Who may do what: every refusal with its exact status and code.

Each test runs against the app in process and against a real node process
(the ``api`` fixture): the central bank alone issues and admits banks, a bank
acts only on its own wallets, a wallet reads only itself, and a signed read
is accepted once, within its time window, for this network, unaltered, from a
registered key.
"""

from __future__ import annotations

import datetime
import secrets

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms

from ledger.crypto import KeyPair
from ledger.params import kzt
from ledger.types import Output, TierLimits, Transaction
from tests.harness import NETWORK, key
from tests.integration.conftest import Api
from tests.integration.story import CB, found_bank, open_wallet
from wallet import builders
from wallet.client import ApiError
from wire.httpsig import COVERED, LABEL, sign_request, tag_for


def refusal(api: Api, tx: Transaction) -> tuple[int, str]:
    """Submit ``tx`` and return the status and code it was refused with."""
    with pytest.raises(ApiError) as refused:
        api.client.submit(tx)
    assert refused.value.problem["type"] == f"/problems/{refused.value.code}"
    return refused.value.status, refused.value.code


def sign(
    request: httpx.Request,
    signer: KeyPair,
    *,
    created: datetime.datetime | None = None,
    tag: str = tag_for(NETWORK),
    label: str = LABEL,
    append: bool = False,
) -> httpx.Request:
    """The SDK's signature profile, with the creation time, tag and label chosen by the test."""
    private = ed25519.Ed25519PrivateKey.from_private_bytes(signer.seed)
    HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519,
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={signer.public_hex: private}),
    ).sign(
        request,
        key_id=signer.public_hex,
        created=created,
        nonce=secrets.token_hex(16),
        tag=tag,
        label=label,
        covered_component_ids=COVERED,
        append_if_signature_exists=append,
    )
    return request


def read(api: Api, path: str, signer: KeyPair | None) -> httpx.Response:
    """GET ``path`` signed by ``signer`` exactly as the SDK signs (unsigned when None)."""
    request = api.client.http.build_request("GET", path)
    if signer is not None:
        sign_request(request, signer, NETWORK)
    return api.client.http.send(request)


def problem(response: httpx.Response) -> tuple[int, str]:
    assert response.headers["content-type"] == "application/problem+json"
    return response.status_code, str(response.json()["code"])


# -- transactions: the ledger decides who may sign what --------------------------


def test_only_the_central_bank_registers_banks(api: Api) -> None:
    bank_id, bank = found_bank(api)
    _, owner = open_wallet(api, bank_id, bank)
    for signer in (bank, owner):
        newcomer = api.name("rogue-bank")
        tx = builders.bank_register(
            NETWORK, signer, newcomer, "Rogue", [key(newcomer).public_hex], kzt(1)
        )
        assert refusal(api, tx) == (403, "not_authorized")
    with pytest.raises(ApiError) as missing:
        api.client.bank(newcomer)
    assert missing.value.status == 404


def test_only_the_central_bank_issues_money(api: Api) -> None:
    bank_id, bank = found_bank(api, reserve=kzt(100))
    _, owner = open_wallet(api, bank_id, bank)
    for signer in (bank, owner):
        tx = builders.issue(
            NETWORK, signer, bank_id, [Output(owner=bank.public_hex, amount=kzt(5))], 7
        )
        assert refusal(api, tx) == (403, "not_authorized")
    figures = {b.bank_id: b for b in api.client.supply().banks}
    assert figures[bank_id].issued == kzt(100)


def test_only_the_central_bank_changes_banks_and_tier_limits(api: Api) -> None:
    _, bank = found_bank(api)
    rival_id, _ = found_bank(api)
    suspend = builders.bank_update(NETWORK, bank, rival_id, nonce=1, status="suspended")
    assert refusal(api, suspend) == (403, "not_authorized")
    raise_limits = builders.limits_set(NETWORK, bank, "anonymous", TierLimits(), nonce=1)
    assert refusal(api, raise_limits) == (403, "not_authorized")
    assert api.client.bank(rival_id).status == "active"


def test_bank_cannot_open_a_wallet_at_another_bank(api: Api) -> None:
    _, bank_a = found_bank(api)
    bank_b_id, _ = found_bank(api)
    wallet_id = api.name("wallet")
    tx = builders.wallet_open(
        NETWORK, bank_a, bank_b_id, wallet_id, "full", [key(wallet_id).public_hex]
    )
    assert refusal(api, tx) == (403, "not_authorized")


def test_bank_cannot_freeze_another_banks_wallet(api: Api) -> None:
    _, bank_a = found_bank(api)
    bank_b_id, bank_b = found_bank(api)
    wallet_id, _ = open_wallet(api, bank_b_id, bank_b)
    freeze = builders.wallet_update(NETWORK, bank_a, wallet_id, nonce=1, status="frozen")
    assert refusal(api, freeze) == (403, "not_authorized")
    assert api.client.wallet(wallet_id, bank_b).wallet.status == "active"


# -- private reads: who may see a bank's or a wallet's data ------------------------


def test_bank_cannot_list_or_read_another_banks_wallets_or_reserve(api: Api) -> None:
    bank_a_id, bank_a = found_bank(api)
    bank_b_id, bank_b = found_bank(api)
    wallet_id, owner = open_wallet(api, bank_b_id, bank_b)
    for path in (f"/v1/banks/{bank_b_id}/wallets", f"/v1/banks/{bank_b_id}/outputs"):
        assert problem(read(api, path, bank_a)) == (403, "forbidden")
        assert problem(read(api, path, owner)) == (403, "forbidden")
        assert read(api, path, bank_b).status_code == 200
    assert problem(read(api, f"/v1/wallets/{wallet_id}", bank_a)) == (403, "forbidden")
    assert api.client.bank_wallets(bank_a_id, bank_a).wallet_ids == ()


def test_wallet_reads_only_itself_and_its_bank_reads_it_too(api: Api) -> None:
    bank_id, bank = found_bank(api)
    alice_id, alice = open_wallet(api, bank_id, bank, "basic", kzt(10))
    bob_id, bob = open_wallet(api, bank_id, bank)
    for suffix in ("", "/outputs", "/history"):
        path = f"/v1/wallets/{alice_id}{suffix}"
        assert problem(read(api, path, bob)) == (403, "forbidden")
        assert read(api, path, alice).status_code == 200
        assert read(api, path, bank).status_code == 200
    assert api.client.wallet(alice_id, bank).balances == {"KZT": kzt(10)}
    assert api.client.wallet(bob_id, bob).balances == {}


# -- signed requests: the profile's guarantees ---------------------------------------


@pytest.fixture
def reader(api: Api) -> tuple[str, KeyPair]:
    """The path of a wallet and the wallet's key."""
    bank_id, bank = found_bank(api)
    wallet_id, owner = open_wallet(api, bank_id, bank)
    return f"/v1/wallets/{wallet_id}", owner


def test_unsigned_read_needs_authentication(api: Api, reader: tuple[str, KeyPair]) -> None:
    path, _ = reader
    assert problem(read(api, path, None)) == (401, "authentication_required")


def test_replayed_signed_request_is_refused(api: Api, reader: tuple[str, KeyPair]) -> None:
    path, owner = reader
    request = api.client.http.build_request("GET", path)
    sign_request(request, owner, NETWORK)
    assert api.client.http.send(request).status_code == 200
    assert problem(api.client.http.send(request)) == (401, "replayed_request")


@pytest.mark.parametrize("offset_s", [-3600, -400, 3600], ids=["hour-old", "window", "future"])
def test_signature_outside_the_time_window_has_expired(
    api: Api, reader: tuple[str, KeyPair], offset_s: int
) -> None:
    path, owner = reader
    created = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=offset_s)
    request = sign(api.client.http.build_request("GET", path), owner, created=created)
    assert problem(api.client.http.send(request)) == (401, "signature_expired")


def test_signature_for_another_network_does_not_authenticate(
    api: Api, reader: tuple[str, KeyPair]
) -> None:
    path, owner = reader
    request = sign(api.client.http.build_request("GET", path), owner, tag=tag_for("kzt-main"))
    assert problem(api.client.http.send(request)) == (401, "authentication_required")


def test_tampered_signature_is_rejected(api: Api, reader: tuple[str, KeyPair]) -> None:
    path, owner = reader
    request = api.client.http.build_request("GET", path)
    sign_request(request, owner, NETWORK)
    label, _, value = request.headers["Signature"].partition("=:")
    flipped = ("A" if value[0] != "A" else "B") + value[1:]
    request.headers["Signature"] = f"{label}=:{flipped}"
    assert problem(api.client.http.send(request)) == (401, "signature_rejected")


def test_signature_for_another_resource_is_rejected(api: Api, reader: tuple[str, KeyPair]) -> None:
    path, owner = reader
    signed_for = api.client.http.build_request("GET", f"{path}/outputs")
    sign_request(signed_for, owner, NETWORK)
    request = api.client.http.build_request("GET", path)
    for name in ("Signature-Input", "Signature"):
        request.headers[name] = signed_for.headers[name]
    assert problem(api.client.http.send(request)) == (401, "signature_rejected")


def test_two_signatures_for_this_network_are_rejected(
    api: Api, reader: tuple[str, KeyPair]
) -> None:
    path, owner = reader
    request = sign(api.client.http.build_request("GET", path), owner)
    sign(request, owner, label="again", append=True)
    assert problem(api.client.http.send(request)) == (401, "signature_rejected")


def test_key_that_is_not_registered_is_forbidden(api: Api, reader: tuple[str, KeyPair]) -> None:
    path, _ = reader
    stranger = KeyPair.generate()
    assert problem(read(api, path, stranger)) == (403, "forbidden")
    assert problem(read(api, path, CB)) == (403, "forbidden")


def test_signed_read_of_an_escaped_path_verifies(api: Api) -> None:
    bank_id, bank = found_bank(api)
    opened = sorted(open_wallet(api, bank_id, bank)[0] for _ in range(2))
    # "after" spelled with percent-escapes: the server must check the spelling that was signed
    page = api.client.bank_wallets(bank_id, bank, after="wallet-\u00e9~")
    assert page.wallet_ids == tuple(w for w in opened if w > "wallet-\u00e9~")
    escaped = read(api, f"/v1/banks/{bank_id}/wallets?after=%77allet-%2C", bank)
    assert escaped.status_code == 200, escaped.text
