"""Every command-line program refuses with its documented exit code, a code and no traceback.

Each case runs the installed program as a real subprocess and checks: the
exit code of the table in ``wallet/cli/common.py`` (and the ones
``tenge-audit`` and ``tenge-node`` document), the stable code in the
output, no Python traceback on stdout or stderr, and, with ``--json``, a
JSON document on stdout. ``tenge-wallet offline receive`` needs no node (it
is offline by design): its trust store and bundles come from an offline
pilot network in this process, at the wall clock's time. The rest use a
node process of their own.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ledger.params import kzt
from ledger.storage.memory import MemoryStore
from ledger.types import Output
from node.producer import now_ms
from offline.bundle import Bundle
from offline.device import pay
from offline.params import default_tier_limits
from tests.harness import NETWORK, key
from tests.integration.nodes import ROOT, NodeProcess, free_port, prepare
from tests.integration.test_cli import PASSWORD, cheap_kdf
from tools.offline_sim.pilot import Phone, Pilot
from wallet import builders
from wallet.cli.common import INTERNAL, LOCAL, REFUSED, UNREACHABLE
from wallet.client import TengeClient
from wallet.keystore import Keystore
from wallet.offline import builders as ob

BIN = Path(sys.executable).parent
BASIC = default_tier_limits()["basic"]


def run(program: str, *args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """An installed program, with a clean environment (no TENGE_* but what is given)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TENGE_")}
    clean.update({"PYTHONPATH": str(ROOT), "TENGE_PASSWORD": PASSWORD, **env})
    return subprocess.run(
        [str(BIN / program), *args], capture_output=True, text=True, env=clean, cwd=cwd, timeout=60
    )


def refused(done: subprocess.CompletedProcess[str], exit_code: int, code: str) -> None:
    """The documented exit code, the code named, and no traceback anywhere."""
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output
    assert done.returncode == exit_code, output
    assert code in output, output


def refused_json(done: subprocess.CompletedProcess[str], exit_code: int, code: str) -> None:
    refused(done, exit_code, code)
    document = json.loads(done.stdout)
    assert (document["exit"], document["error"]["code"]) == (exit_code, code)


# -- tenge-wallet offline, with no node ---------------------------------------------------


@dataclass
class Offline:
    """A payee's device directory (trust store cached) and bundles to hand it."""

    home: Path
    payee_keystore: Path
    bundles: dict[str, bytes]
    payer_device: Path

    def receive(self, name: str, *flags: str) -> subprocess.CompletedProcess[str]:
        path = self.home / f"{name}.bundle"
        path.write_bytes(self.bundles[name])
        device = ["--device", str(self.home / "payee-device")]
        keystore = ["--keystore", str(self.payee_keystore)]
        return run(
            "tenge-wallet",
            "offline",
            "receive",
            str(path),
            *device,
            *keystore,
            *flags,
            cwd=self.home,
        )


def phone_dir(folder: Path, phone: Phone) -> Path:
    """What ``offline init`` and ``offline fund`` leave: the sealed device key and the state."""
    folder.mkdir(parents=True)
    Keystore.create(folder / "device.key", PASSWORD, phone.key, kdf=cheap_kdf(), label="device")
    (folder / "state.cbor").write_bytes(phone.state.encode())
    return folder


def flipped_certificate(bundle: Bundle) -> bytes:
    der = bytearray(bundle.certificate)
    der[der.index(bytes.fromhex("a003020102")) + 4] ^= 1  # the version
    forged = Bundle(bundle.network, bundle.voucher, bytes(der), bundle.funding, bundle.receipt_cbor)
    return forged.encode()


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> Offline:
    """Alice's phone (funded), Dave's (funded, then revoked); Bob caches the trust store."""
    home = tmp_path_factory.mktemp("offline-cli")
    pilot = Pilot(MemoryStore(), time_ms=now_ms() - 600_000)
    pilot.add_bank("halyk", reserve=kzt(10_000_000), guarantee=kzt(1_000_000))
    for name, funds in (("alice", kzt(100_000)), ("dave", kzt(100_000)), ("bob", 0), ("carol", 0)):
        pilot.add_wallet(name, "halyk", "basic", funds)
    alice = pilot.fund(pilot.enrol("alice", "halyk", BASIC), kzt(10_000))
    dave = pilot.fund(pilot.enrol("dave", "halyk", BASIC), kzt(10_000))
    pilot.commit(ob.revoke(pilot.network, pilot.key("halyk"), dave.serial))
    pilot.publish_crl("halyk")
    now = now_ms()
    bob, carol = pilot.key("bob"), pilot.key("carol")
    to_bob, _ = pay(alice.state, alice.key, bob.public, kzt(100), now)
    to_carol, _ = pay(alice.state, alice.key, carol.public, kzt(100), now)
    revoked, _ = pay(dave.state, dave.key, bob.public, kzt(100), now)
    device = home / "payee-device"
    device.mkdir()
    (device / "trust.cbor").write_bytes(pilot.trust().encode())
    keystore = home / "bob.json"
    Keystore.create(keystore, PASSWORD, bob, kdf=cheap_kdf(), wallet_id="bob")
    bundles = {
        "wrong-payee": to_carol.encode(),
        "revoked": revoked.encode(),
        "bad-certificate": flipped_certificate(to_bob),
        "not-a-bundle": b"\xa1\x01\x02 not CBOR of a bundle",
        "honest": to_bob.encode(),
    }
    return Offline(home, keystore, bundles, phone_dir(home / "alice-device", alice))


@pytest.mark.parametrize(
    ("bundle", "code"),
    [
        ("wrong-payee", "wrong_payee"),
        ("revoked", "device_revoked"),
        ("bad-certificate", "invalid_certificate"),
        ("not-a-bundle", "malformed_voucher"),
    ],
)
def test_offline_receive_refuses_with_exit_1_and_the_code(
    offline: Offline, bundle: str, code: str
) -> None:
    refused(offline.receive(bundle), REFUSED, code)
    refused_json(offline.receive(bundle, "--json"), REFUSED, code)


def test_offline_receive_accepts_the_honest_bundle(offline: Offline) -> None:
    done = offline.receive("honest", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["amount"] == kzt(100)


def test_a_damaged_trust_store_file_is_a_local_error(offline: Offline) -> None:
    device = offline.home / "damaged-device"
    device.mkdir(exist_ok=True)
    (device / "trust.cbor").write_bytes(b"\x00 not a trust store")
    path = offline.home / "any.bundle"
    path.write_bytes(offline.bundles["honest"])
    args = ["offline", "receive", str(path), "--device", str(device)]
    args += ["--keystore", str(offline.payee_keystore), "--json"]
    refused_json(run("tenge-wallet", *args, cwd=offline.home), LOCAL, "malformed_voucher")


def test_offline_pay_above_the_purse_is_refused_by_the_device(offline: Offline) -> None:
    to = key("anyone").public_hex
    args = ["offline", "pay", "--to", to, "--amount", "10000.01", "--device"]
    args += [str(offline.payer_device), "--json"]
    refused_json(run("tenge-wallet", *args, cwd=offline.home), REFUSED, "purse_limit_exceeded")


def test_a_damaged_privacy_state_file_is_a_local_error(tmp_path: Path) -> None:
    keystore = tmp_path / "w.json"
    Keystore.create(keystore, PASSWORD, key("w"), kdf=cheap_kdf())
    Path(str(keystore) + ".privacy").write_bytes(b"{not json")
    done = run(
        "tenge-wallet", "privacy", "default", "--keystore", str(keystore), "--json", cwd=tmp_path
    )
    refused_json(done, LOCAL, "bad_privacy_state")


# -- programs that talk to a node --------------------------------------------------------------


@dataclass
class Node:
    url: str
    data: Path
    home: Path
    bank_keystore: Path


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    """A node of this module's own with one bank (its keystore for ``tenge-bank``)."""
    home = tmp_path_factory.mktemp("cli-refusals")
    data = home / "data"
    prepare(data)
    process = NodeProcess(data, workers=1, threads=4).start()
    bank = key("refusals-bank")
    keystore = home / "bank.json"
    Keystore.create(keystore, PASSWORD, bank, kdf=cheap_kdf())
    try:
        with TengeClient(process.url) as client:
            register = builders.bank_register(
                NETWORK, key("central-bank"), "refusals-bank", "R", [bank.public_hex], kzt(10**6)
            )
            assert client.submit(register).result.status == "committed"
            issue = builders.issue(
                NETWORK, key("central-bank"), "refusals-bank", [Output(bank.public_hex, kzt(10))], 1
            )
            assert client.submit(issue).result.status == "committed"
        yield Node(process.url, data, home, keystore)
    finally:
        assert process.stop() == 0


def bank(node: Node, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"TENGE_NODE": node.url, "TENGE_BANK": "refusals-bank"}
    return run("tenge-bank", "--keystore", str(node.bank_keystore), *args, cwd=node.home, **env)


def test_the_bank_cli_prints_the_ledgers_refusal_with_exit_1(node: Node) -> None:
    refused_json(
        bank(node, "freeze", "--wallet-id", "nobody-here", "--json"), REFUSED, "unknown_wallet"
    )
    short = bank(node, "distribute", "--to", key("x").public_hex, "--amount", "11")
    refused(short, REFUSED, "insufficient_funds")


def test_the_bank_cli_refuses_a_malformed_csv_as_a_local_error(node: Node) -> None:
    csv_file = node.home / "bad.csv"
    csv_file.write_text("public_key,amount\nnot-a-key,1.00\n")
    refused_json(
        bank(node, "distribute-batch", "--file", str(csv_file), "--json"), LOCAL, "bad_csv"
    )


def test_an_unreachable_node_exits_3_for_every_program(tmp_path: Path) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    for program, args in (
        ("tenge-wallet", ["status", "ab" * 32]),
        ("tenge-bank", ["reserve", "--keystore", "k.json"]),
        ("tenge-disclose", ["propose", "--txid", "ab" * 32, "--reason", "r", "--out", "d.json"]),
    ):
        done = run(program, *args, "--json", cwd=tmp_path, TENGE_NODE=nowhere, TENGE_BANK="b")
        assert done.returncode in (UNREACHABLE, LOCAL), done.stdout + done.stderr
        assert "Traceback" not in done.stdout + done.stderr
        json.loads(done.stdout)


def test_the_disclosure_tool_refuses_a_file_that_is_no_disclosure(tmp_path: Path) -> None:
    for text in (
        "{not json",
        '{"network": "kzt-test"}',
        '{"network": 1, "body": {}, "signatures": []}',
    ):
        path = tmp_path / "disclosure.json"
        path.write_text(text)
        done = run(
            "tenge-disclose", "sign", str(path), "--keystore", "k.json", "--json", cwd=tmp_path
        )
        refused_json(done, LOCAL, "bad_disclosure_file")


def test_the_disclosure_tool_refuses_a_threshold_above_the_authorities(tmp_path: Path) -> None:
    args = ["ceremony", "--authority", "afm", "--threshold", "2", "--out", str(tmp_path / "s")]
    refused_json(run("tenge-disclose", *args, "--json", cwd=tmp_path), LOCAL, "bad_threshold")


# -- tenge-audit and tenge-node ----------------------------------------------------------------


def test_the_audit_refuses_a_directory_that_holds_no_ledger(tmp_path: Path) -> None:
    refused(run("tenge-audit", "--data", str(tmp_path / "missing"), cwd=tmp_path), 2, "no ledger")
    assert not (tmp_path / "missing").exists()  # nothing was created
    (tmp_path / "empty").mkdir()
    refused(run("tenge-audit", "--data", str(tmp_path / "empty"), cwd=tmp_path), 2, "no ledger")


def test_the_audit_refuses_a_ledger_a_running_node_holds(node: Node) -> None:
    done = run("tenge-audit", "--data", str(node.data / "ledger"), cwd=node.home)
    refused(done, 2, "in use")


def test_the_node_refuses_to_run_without_a_genesis(tmp_path: Path) -> None:
    args = ["run", "--data-dir", str(tmp_path / "data"), "--port", str(free_port())]
    refused(run("tenge-node", *args, cwd=tmp_path), 2, "genesis")


def test_the_node_refuses_to_initialise_twice(tmp_path: Path) -> None:
    args = ["init", "--data-dir", str(tmp_path / "data"), "--network", "kzt-twice"]
    assert run("tenge-node", *args, cwd=tmp_path).returncode == 0
    refused(run("tenge-node", *args, cwd=tmp_path), 2, "already")


def test_the_node_refuses_a_data_directory_another_node_runs(node: Node) -> None:
    args = ["run", "--data-dir", str(node.data), "--port", str(free_port())]
    refused(run("tenge-node", *args, cwd=node.home), 2, "in use")
    with TengeClient(node.url) as client:  # the running node is unharmed
        assert client.health().status == "ok"


def test_an_unexpected_failure_is_exit_4_internal_error_with_its_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A bug is not a refusal: its own exit code, a JSON document, the traceback on stderr."""
    from wallet.cli.common import run as run_cli

    def broken(session: object) -> None:
        raise ZeroDivisionError("a bug")

    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--node", default="http://127.0.0.1:1")
    parser.set_defaults(handler=broken)
    assert run_cli(parser, ["--json"]) == INTERNAL
    out, err = capsys.readouterr()
    assert json.loads(out)["error"]["code"] == "internal_error"
    assert "ZeroDivisionError" in err and "Traceback" in err
