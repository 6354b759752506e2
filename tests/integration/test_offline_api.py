"""The offline endpoints and SDK, on the app in process and on a real node process.

A bank certifies a phone through the SDK; the phone downloads the trust store
and its certificate, funds a purse and pays; payees deposit; a copy of the
device pays twice and the fraud shows up for the wallet and for the bank.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from api.app import create_app
from ledger.chain import Chain
from ledger.crypto import KeyPair, sha256
from ledger.params import make_genesis
from ledger.storage.memory import MemoryStore
from node.composition import full_registry
from node.producer import Producer
from node.service import LedgerService
from offline.certs import bank_ca_certificate, revocation_list, root_certificate
from offline.device import DeviceState, pay
from offline.inbox import Inbox
from offline.params import DAY_MS, default_params, default_tier_limits, kzt
from tests.harness import NETWORK, T0, key
from tests.integration.conftest import Api
from tests.integration.story import CB, found_bank, open_wallet
from wallet.client import ApiError
from wallet.offline import builders as ob
from wallet.offline.client import OfflineClient

BASIC = default_tier_limits()["basic"]


@pytest.fixture(scope="module")
def inprocess_app() -> Iterator[object]:
    """The app in process with every kind the node runs (the shared one has the core's)."""
    genesis = make_genesis(NETWORK, [CB.public_hex], [key("producer").public_hex], T0)
    chain = Chain(MemoryStore(), full_registry(), genesis)
    producer = Producer(chain, key("producer"), max_wait_ms=5).start()
    yield create_app(LedgerService(chain, producer), chain.registry)
    producer.stop()


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def offline_bank(api: Api) -> tuple[str, KeyPair, OfflineClient]:
    """Set up the network's offline root (once), then a bank with a CA, reserve and CRL."""
    sdk = OfflineClient(api.client)
    sdk.submit(
        ob.setup(NETWORK, CB, root_certificate(CB, NETWORK, 1_767_225_600_000), default_params())
    )
    bank_id, bank = found_bank(api, reserve=kzt(10_000_000))
    ca = bank_ca_certificate(CB, NETWORK, bank_id, bank.public_hex, now_ms())
    sdk.submit(ob.bank_ca(NETWORK, CB, bank_id, ca))
    coins = api.client.bank_coins(bank_id, bank)
    sdk.submit(ob.reserve_fund(NETWORK, bank, bank_id, coins, kzt(1_000_000)))
    crl = revocation_list(bank, bank_id, 1, [], now_ms(), now_ms() + DAY_MS)
    sdk.submit(ob.publish_crl(NETWORK, bank, bank_id, crl))
    return bank_id, bank, sdk


def test_a_phone_enrols_funds_pays_and_payees_deposit(api: Api) -> None:
    bank_id, bank, sdk = offline_bank(api)
    wallet_id, owner = open_wallet(api, bank_id, bank, "basic", kzt(50_000))
    payee_id, payee = open_wallet(api, bank_id, bank, "full")
    device = KeyPair.from_seed(sha256(f"device of {wallet_id}".encode()))
    sdk.enrol(bank, bank_id, wallet_id, device.public_hex, BASIC, now_ms())
    record = sdk.device(device.public_hex)
    assert (record.wallet_id, record.status) == (wallet_id, "active")
    assert sdk.reserve(bank_id).granted == BASIC.max_purse
    state = DeviceState(NETWORK, bytes.fromhex(record.certificate))
    state = sdk.fund(state, wallet_id, owner, device.public_hex, kzt(10_000))
    trust = sdk.trust()
    assert trust.crls[bank_id].number == sdk.crl(bank_id).number == 1
    bundle, state = pay(state, device, payee.public, kzt(1_200), now_ms())
    accepted, inbox = Inbox().receive(bundle.encode(), trust, payee.public, now_ms())
    (submitted,), after = sdk.deposit(inbox, payee)
    assert submitted.result.status == "committed" and after.accepted == ()
    again, _ = pay(state, device, payee.public, kzt(300), now_ms())
    _, inbox = inbox.receive(again.encode(), trust, payee.public, now_ms())
    (resubmitted,), _ = sdk.deposit(inbox, payee)  # the first one is paid: only the new one goes
    assert resubmitted.result.status == "committed"
    purse = accepted.funding.purse.hex()
    voucher_id = bundle.voucher.voucher_id(NETWORK).hex()
    assert sdk.settled(purse, 1).voucher_ids == (voucher_id,)
    view = sdk.purse(purse, owner)
    assert (view.purse.paid, view.remaining) == (kzt(1_500), kzt(8_500))
    with pytest.raises(ApiError) as caught:
        sdk.purse(purse, payee)
    assert caught.value.code == "forbidden"
    assert api.client.wallet(payee_id, payee).balances["KZT"] == kzt(1_500)


def test_a_double_spend_shows_in_the_fraud_lists(api: Api) -> None:
    bank_id, bank, sdk = offline_bank(api)
    wallet_id, owner = open_wallet(api, bank_id, bank, "basic", kzt(50_000))
    payees = [open_wallet(api, bank_id, bank, "full")[1] for _ in range(2)]
    device = KeyPair.from_seed(sha256(f"device of {wallet_id}".encode()))
    certificate = sdk.enrol(bank, bank_id, wallet_id, device.public_hex, BASIC, now_ms())
    state = sdk.fund(
        DeviceState(NETWORK, certificate), wallet_id, owner, device.public_hex, kzt(5_000)
    )
    trust = sdk.trust()
    for payee, amount in zip(payees, (kzt(100), kzt(200)), strict=True):  # one counter, twice
        bundle, _ = pay(state, device, payee.public, amount, now_ms())
        _, inbox = Inbox().receive(bundle.encode(), trust, payee.public, now_ms())
        sdk.deposit(inbox, payee)
    (fraud,) = sdk.wallet_frauds(wallet_id, owner).frauds
    assert (fraud.kind, fraud.wallet_id) == ("double_counter", wallet_id)
    assert fraud in sdk.bank_frauds(bank_id, bank).frauds
    assert sdk.device(device.public_hex).status == "revoked"
    with pytest.raises(ApiError) as caught:
        sdk.wallet_frauds(wallet_id, payees[0])
    assert caught.value.code == "forbidden"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v1/offline/devices/0", 400),
        ("/v1/offline/devices/abc", 404),
        ("/v1/offline/keys/xyz/device", 400),
        ("/v1/offline/banks/NOPE/crl", 400),
        ("/v1/offline/banks/no-such-bank/reserve", 404),
        ("/v1/offline/purses/" + "0" * 64 + "/vouchers/0", 400),
    ],
)
def test_bad_or_unknown_offline_paths_answer_problems(api: Api, path: str, status: int) -> None:
    response = api.client.http.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
