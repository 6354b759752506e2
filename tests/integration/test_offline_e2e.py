"""End to end against a real node process: pay offline while the node is STOPPED.

The story: the central bank sets up the offline PKI, a bank certifies two
phones and both fund purses; the node goes down (the internet is cut); Alice
pays Bob twice and Bob pays Alice once, phone to phone, each payee verifying
with nothing but what it cached; a replayed bundle is refused. The node comes
back; both phones sync and deposit; balances, receipts and a full audit of
the node's LevelDB agree. Alice uses the ``tenge-wallet offline`` commands,
Bob's phone the SDK. The device keys are software keys standing in for the
phones' secure elements.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from pathlib import Path
from typing import Any

import nacl.pwhash.argon2id as argon2id
import pytest

from ledger.audit import audit
from ledger.crypto import KeyPair
from ledger.receipts import verify_receipt
from ledger.storage.leveldb import LevelDBStore
from ledger.types import Output, Transaction
from node.composition import full_registry
from offline.certs import bank_ca_certificate, revocation_list, root_certificate
from offline.device import DeviceState, pay
from offline.inbox import Inbox
from offline.params import DAY_MS, default_params, default_tier_limits, kzt
from tests.harness import NETWORK, key
from tests.integration.conftest import data_dir
from tests.integration.nodes import NodeProcess
from wallet import builders
from wallet.cli import wallet_main
from wallet.client import TengeClient
from wallet.keystore import KdfParams, Keystore
from wallet.offline import builders as ob
from wallet.offline.client import OfflineClient

log = logging.getLogger("offline-e2e")
PASSWORD = "offline e2e password"
CB, BANK = key("central-bank"), key("e2e-bank")
BASIC = default_tier_limits()["basic"]


def cheap_kdf() -> KdfParams:
    """The cheapest Argon2id parameters libsodium allows: test set-up only."""
    return KdfParams(argon2id.OPSLIMIT_MIN, argon2id.MEMLIMIT_MIN, secrets.token_bytes(16))


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def committed(client: TengeClient, *txs: Transaction) -> None:
    for tx in txs:
        result = client.submit(tx).result
        assert result.status == "committed", result


def found_network(client: TengeClient) -> None:
    """The central bank's and the bank's part: PKI, reserve, wallets, a CRL."""
    t = now_ms()
    root = root_certificate(CB, NETWORK, t)
    committed(
        client,
        ob.setup(NETWORK, CB, root, default_params()),
        builders.bank_register(NETWORK, CB, "e2e-bank", "E2E", [BANK.public_hex], kzt(10**9)),
        builders.issue(
            NETWORK, CB, "e2e-bank", [Output(owner=BANK.public_hex, amount=kzt(10**7))], 1
        ),
        ob.bank_ca(
            NETWORK,
            CB,
            "e2e-bank",
            bank_ca_certificate(CB, NETWORK, "e2e-bank", BANK.public_hex, t),
        ),
    )
    coins = client.bank_coins("e2e-bank", BANK)
    committed(client, ob.reserve_fund(NETWORK, BANK, "e2e-bank", coins, kzt(100_000)))
    crl = revocation_list(BANK, "e2e-bank", 1, [], now_ms(), now_ms() + DAY_MS)
    committed(client, ob.publish_crl(NETWORK, BANK, "e2e-bank", crl))
    for wallet_id, tier in (("e2e-alice", "basic"), ("e2e-bob", "full")):
        owner = key(wallet_id)
        committed(
            client,
            builders.wallet_open(NETWORK, BANK, "e2e-bank", wallet_id, tier, [owner.public_hex]),
        )
        pay = builders.pay(
            NETWORK,
            client.bank_coins("e2e-bank", BANK),
            [BANK],
            owner.public_hex,
            kzt(50_000),
            BANK.public_hex,
        )
        committed(client, pay)


class Phone:
    """Alice's phone, driven through ``tenge-wallet`` in this process."""

    def __init__(self, home: Path, url: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.home, self.url, self.capsys = home, url, capsys
        self.keystore = home / "alice.json"
        Keystore.create(
            self.keystore, PASSWORD, key("e2e-alice"), kdf=cheap_kdf(), wallet_id="e2e-alice"
        )

    def run(self, *args: str, json_out: bool = True) -> tuple[int, Any]:
        common = ["--node", self.url, "--keystore", str(self.keystore)]
        argv = ["offline", *args, *common, "--device", str(self.home / "device")]
        code = wallet_main([*argv, "--json"] if json_out else argv)
        out = self.capsys.readouterr().out
        return code, (json.loads(out) if json_out and out.strip() else out)

    def ok(self, *args: str, json_out: bool = True) -> Any:
        code, out = self.run(*args, json_out=json_out)
        assert code == 0, out
        return out


def test_phones_pay_each_other_while_the_node_is_down(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TENGE_PASSWORD", PASSWORD)
    data = data_dir(tmp_path)
    node = NodeProcess(data).start()
    alice = Phone(tmp_path, node.url, capsys)
    bob, bob_device = key("e2e-bob"), KeyPair.from_seed(b"e2e bob's secure element".ljust(32))
    try:
        client = TengeClient(node.url)
        found_network(client)
        log.info("the bank enrols both phones; both fund a purse")
        device_key = alice.ok("init", "--kdf", "interactive")["device_key"]
        sdk = OfflineClient(client)
        sdk.enrol(BANK, "e2e-bank", "e2e-alice", device_key, BASIC, now_ms())
        assert alice.ok("fund", "--amount", "20000")["funded"] == kzt(20_000)
        certificate = sdk.enrol(BANK, "e2e-bank", "e2e-bob", bob_device.public_hex, BASIC, now_ms())
        bob_state = sdk.fund(
            DeviceState(NETWORK, certificate), "e2e-bob", bob, bob_device.public_hex, kzt(5_000)
        )
        bob_trust = sdk.trust()
        client.close()
    finally:
        assert node.stop() == 0
    log.info("the node is down: phones pay each other offline")
    printed = alice.ok(
        "pay",
        "--to",
        bob.public_hex,
        "--amount",
        "1500",
        "--out",
        str(tmp_path / "one.bundle"),
        json_out=False,
    )
    assert "paid 1,500.00 KZT" in printed and "▀" in printed  # the QR code, in the terminal
    alice.ok(
        "pay", "--to", bob.public_hex, "--amount", "250.50", "--out", str(tmp_path / "two.bundle")
    )
    inbox = Inbox()
    for name in ("one", "two"):
        data_ = (tmp_path / f"{name}.bundle").read_bytes()
        _, inbox = inbox.receive(data_, bob_trust, bob.public, now_ms())
    replayed = (tmp_path / "one.bundle").read_bytes()
    with pytest.raises(Exception) as caught:
        inbox.receive(replayed, bob_trust, bob.public, now_ms())
    assert getattr(caught.value, "code", "") == "counter_replay"
    bundle, bob_state = pay(bob_state, bob_device, key("e2e-alice").public, kzt(700), now_ms())
    (tmp_path / "three.bundle").write_bytes(bundle.encode())
    received = alice.ok("receive", str(tmp_path / "three.bundle"))
    assert received["amount"] == kzt(700) and received["wallet_id"] == "e2e-bob"
    log.info("the node is back: both phones sync and deposit")
    node = NodeProcess(data).start()
    alice.url = node.url
    try:
        with TengeClient(node.url) as client:
            sdk = OfflineClient(client)
            submitted, inbox = sdk.deposit(inbox, bob)
            synced = alice.ok("sync")
            assert synced["deposited"] == kzt(700)
            for txid in [s.result.txid for s in submitted] + synced["deposits"]:
                verify_receipt(client.receipt(txid), client.network().producer_keys, txid, NETWORK)
            assert client.wallet("e2e-bob", bob).balances["KZT"] == kzt(46_750) + 50
            alice_view = client.wallet("e2e-alice", key("e2e-alice")).wallet
            assert (alice_view.balance, alice_view.held) == (kzt(30_700), kzt(20_000) - 175_050)
            assert sdk.wallet_frauds("e2e-alice", key("e2e-alice")).frauds == ()
    finally:
        assert node.stop() == 0
    store = LevelDBStore(str(data / "ledger"))
    try:
        report = audit(store, full_registry())
    finally:
        store.close()
    assert report.ok, report.problems
    assert report.locked["KZT"] == kzt(100_000) + kzt(25_000) - 175_050 - kzt(700)
