"""``tenge-wallet`` and ``tenge-bank`` as real subprocesses against a real node process.

The central bank has no CLI: it admits the test bank through the SDK. Every
other step — keys, opening wallets, distribution, payments, receipts — is a
command a person would type, checked by its exit code and its output.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nacl.pwhash.argon2id as argon2id
import pytest

from ledger.params import kzt
from ledger.types import Output
from tests.harness import NETWORK, key
from tests.integration.nodes import ROOT, NodeProcess, free_port
from tests.integration.story import CB
from wallet import builders
from wallet.cli.args import format_kzt, parse_amount
from wallet.client import TengeClient
from wallet.keystore import KdfParams, Keystore
from wire.statements import statements_from_csv

PASSWORD = "correct horse battery staple"
BIN = Path(sys.executable).parent


def cheap_kdf() -> KdfParams:
    """The cheapest Argon2id parameters libsodium allows: test set-up only."""
    return KdfParams(argon2id.OPSLIMIT_MIN, argon2id.MEMLIMIT_MIN, secrets.token_bytes(16))


@dataclass
class Wallet:
    """A wallet opened through the CLI: its id, keystore file and public key."""

    wallet_id: str
    keystore: Path
    public: str


class Cli:
    """Runs the two programs with a clean environment pointed at one node."""

    def __init__(self, url: str, home: Path) -> None:
        self.url, self.home = url, home
        self.bank_id = ""
        self.bank_keystore = home / "bank.json"

    def run(self, program: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        script = BIN / f"tenge-{program}"
        command = (
            [str(script)] if script.exists() else [sys.executable, "-m", "wallet.cli", program]
        )
        clean = {k: v for k, v in os.environ.items() if not k.startswith("TENGE_")}
        clean.update({"PYTHONPATH": str(ROOT), "TENGE_NODE": self.url, "TENGE_PASSWORD": PASSWORD})
        clean.update(env)
        return subprocess.run(
            [*command, *args], capture_output=True, text=True, env=clean, cwd=self.home, timeout=60
        )

    def ok(self, program: str, *args: str) -> dict[str, Any]:
        """Run with ``--json``; the command must succeed; its decoded output."""
        done = self.run(program, *args, "--json")
        assert done.returncode == 0, done.stdout + done.stderr
        result: dict[str, Any] = json.loads(done.stdout)
        return result

    def new_key(self, name: str, program: str = "wallet", *extra: str) -> tuple[Path, str]:
        """``keys new`` through the CLI, at the Argon2id strength a phone would use."""
        path = self.home / f"{name}.json"
        made = self.ok(
            program, "keys", "new", "--keystore", str(path), "--kdf", "interactive", *extra
        )
        return path, made["public_key"]

    def quick_key(self, name: str, wallet_id: str | None = None) -> tuple[Path, str]:
        """A keystore made in process with the cheapest Argon2id: set-up, not the subject."""
        path = self.home / f"{name}.json"
        made = Keystore.create(path, PASSWORD, kdf=cheap_kdf(), wallet_id=wallet_id)
        return path, made.public_key

    def bank(self, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run(
            "bank", *args, TENGE_BANK=self.bank_id, TENGE_KEYSTORE=str(self.bank_keystore)
        )

    def bank_ok(self, *args: str) -> dict[str, Any]:
        done = self.bank(*args, "--json")
        assert done.returncode == 0, done.stdout + done.stderr
        result: dict[str, Any] = json.loads(done.stdout)
        return result

    def open_wallet(self, tier: str = "basic", funds: str | None = None) -> Wallet:
        """A fresh key, a wallet opened for it by the bank, optionally funded."""
        wallet_id = f"cli-{secrets.token_hex(4)}"
        path, public = self.quick_key(wallet_id, wallet_id)
        self.bank_ok("open-wallet", "--wallet-id", wallet_id, "--tier", tier, "--key", public)
        if funds is not None:
            self.bank_ok("distribute", "--to", public, "--amount", funds)
        return Wallet(wallet_id, path, public)

    def wallet(self, wallet: Wallet, *args: str) -> subprocess.CompletedProcess[str]:
        return self.run("wallet", "--keystore", str(wallet.keystore), *args)

    def wallet_ok(self, wallet: Wallet, *args: str) -> dict[str, Any]:
        return self.ok("wallet", "--keystore", str(wallet.keystore), *args)


@pytest.fixture(scope="module")
def cli(node_process: NodeProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    """A bank whose key was made with ``tenge-bank keys new``, admitted and funded."""
    runner = Cli(node_process.url, tmp_path_factory.mktemp("cli"))
    runner.bank_id = f"cli-bank-{secrets.token_hex(4)}"
    _, public = runner.quick_key("bank")
    with TengeClient(node_process.url) as client:
        register = builders.bank_register(
            NETWORK, CB, runner.bank_id, "CLI Bank", [public], kzt(10**9)
        )
        assert client.submit(register).result.status == "committed"
        reserve = [Output(owner=public, amount=kzt(1_000_000))]
        issue = builders.issue(NETWORK, CB, runner.bank_id, reserve, secrets.randbelow(2**50))
        assert client.submit(issue).result.status == "committed"
    yield runner


@dataclass
class Payment:
    alice: Wallet
    bob: Wallet
    txid: str


@pytest.fixture(scope="module")
def payment(cli: Cli) -> Payment:
    """Alice gets 1,000.00 KZT from the bank and pays Bob 12.50 KZT."""
    alice = cli.open_wallet("basic", "1000")
    bob = cli.open_wallet("basic")
    paid = cli.wallet_ok(alice, "pay", "--to", bob.public, "--amount", "12.50", "--memo", "lunch")
    assert (paid["status"], paid["amount"]) == ("committed", 1250)
    return Payment(alice, bob, paid["txid"])


def test_keys_new_writes_a_private_keystore_that_keys_show_reads(cli: Cli) -> None:
    path, public = cli.new_key("solo", "wallet", "--label", "my phone", "--network", NETWORK)
    assert len(public) == 64 and stat.S_IMODE(path.stat().st_mode) == 0o600
    shown = cli.ok("wallet", "keys", "show", "--keystore", str(path))
    assert (shown["public_key"], shown["label"], shown["network"]) == (public, "my phone", NETWORK)
    again = cli.run("wallet", "keys", "new", "--keystore", str(path), "--kdf", "interactive")
    assert again.returncode == 2 and "keystore_exists" in again.stderr
    assert json.loads(path.read_text())["public_key"] == public


def test_keys_import_seals_a_seed_with_a_password_from_a_file(cli: Cli) -> None:
    seed_file, password_file = cli.home / "seed.hex", cli.home / "password.txt"
    seed_file.write_text(key("imported").seed.hex() + "\n")
    password_file.write_text("from a file\n")
    path = cli.home / "imported.json"
    args = ["keys", "import", "--seed-file", str(seed_file), "--keystore", str(path)]
    done = cli.run("bank", *args, "--kdf", "interactive", "--password-file", str(password_file))
    assert done.returncode == 0, done.stderr
    assert key("imported").public_hex in done.stdout


def test_bank_lists_the_wallets_it_opened(cli: Cli, payment: Payment) -> None:
    listed = cli.bank_ok("wallets", "--limit", "1", "--all")
    assert {payment.alice.wallet_id, payment.bob.wallet_id} <= set(listed["wallet_ids"])
    first = cli.bank_ok("wallets", "--limit", "1")
    assert len(first["wallet_ids"]) == 1 and first["next_after"] == first["wallet_ids"][0]


def test_payment_shows_in_balances_and_history(cli: Cli, payment: Payment) -> None:
    assert cli.wallet_ok(payment.alice, "balance")["balances"] == {"KZT": 98_750}
    assert cli.wallet_ok(payment.bob, "balance")["balances"] == {"KZT": 1_250}
    human = cli.wallet(payment.alice, "balance")
    assert human.returncode == 0 and "987.50 KZT" in human.stdout
    history = cli.wallet_ok(payment.bob, "history")
    assert history["entries"][0]["txid"] == payment.txid


def test_receipt_of_a_payment_verifies_against_the_networks_producer(
    cli: Cli, payment: Payment
) -> None:
    done = cli.run("wallet", "receipt", "verify", payment.txid)
    assert done.returncode == 0, done.stderr
    assert "verified" in done.stdout and key("producer").public_hex in done.stdout
    pinned = cli.ok(
        "wallet", "receipt", "verify", payment.txid, "--producer-key", key("producer").public_hex
    )
    assert pinned["verified"] is True and pinned["trusted_keys_from"] == "--producer-key"
    assert cli.ok("wallet", "status", payment.txid)["status"] == "committed"


def test_receipt_against_a_wrong_producer_key_fails_with_exit_1(cli: Cli, payment: Payment) -> None:
    wrong = key("not-the-producer").public_hex
    done = cli.run("wallet", "receipt", "verify", payment.txid, "--producer-key", wrong)
    assert done.returncode == 1
    assert "invalid_receipt" in done.stderr and "unknown producer" in done.stderr


def test_over_limit_payment_exits_1_and_prints_the_problem_code(cli: Cli, payment: Payment) -> None:
    anonymous = cli.open_wallet("anonymous", "60000")
    args = ["pay", "--to", payment.bob.public, "--amount", "50000.01"]
    human = cli.wallet(anonymous, *args)
    assert human.returncode == 1
    assert "limit_exceeded" in human.stderr and "per_payment" in human.stderr
    machine = cli.wallet(anonymous, *args, "--json")
    error = json.loads(machine.stdout)["error"]
    assert (machine.returncode, error["code"], error["allowed"]) == (
        1,
        "limit_exceeded",
        kzt(50_000),
    )


def test_frozen_wallet_cannot_pay_until_unfrozen(cli: Cli, payment: Payment) -> None:
    carol = cli.open_wallet("basic", "10")
    cli.bank_ok("freeze", "--wallet-id", carol.wallet_id)
    refused = cli.wallet(carol, "pay", "--to", payment.bob.public, "--amount", "1")
    assert refused.returncode == 1 and "wallet_frozen" in refused.stderr
    cli.bank_ok("unfreeze", "--wallet-id", carol.wallet_id)
    assert cli.wallet_ok(carol, "pay", "--to", payment.bob.public, "--amount", "1")["txid"]


def test_distribute_batch_pays_every_csv_line_in_one_transaction(cli: Cli) -> None:
    dave, erin = cli.open_wallet(), cli.open_wallet()
    csv_file = cli.home / "payroll.csv"
    csv_file.write_text(f"public_key,amount\n{dave.public},100.05\n# bonus\n{erin.public},0.95\n")
    done = cli.bank_ok("distribute-batch", "--file", str(csv_file))
    assert (done["payouts"], done["amount"], len(done["txids"])) == (2, 10_100, 1)
    assert cli.wallet_ok(dave, "balance")["balances"] == {"KZT": 10_005}
    assert cli.wallet_ok(erin, "balance")["balances"] == {"KZT": 95}


def test_redeem_returns_reserve_to_the_central_bank(cli: Cli) -> None:
    before = cli.bank_ok("reserve")["reserve"]
    cli.bank_ok("redeem", "--amount", "100.00")
    assert cli.bank_ok("reserve")["reserve"] == before - 10_000


def test_unreachable_node_exits_3(cli: Cli) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    done = cli.run("wallet", "--node", nowhere, "status", "ab" * 32)
    assert done.returncode == 3 and "node_unreachable" in done.stderr


@pytest.mark.parametrize("amount", ["12.345", "-5", "abc"])
def test_badly_written_amount_exits_2(cli: Cli, amount: str) -> None:
    done = cli.run("wallet", "pay", "--to", "ab" * 32, "--amount", amount)
    assert done.returncode == 2 and "--amount" in done.stderr


@pytest.mark.parametrize(
    ("text", "tiyn"), [("12.50", 1250), ("12.5", 1250), ("0.01", 1), ("1000", 100_000)]
)
def test_amounts_are_parsed_exactly_into_tiyn(text: str, tiyn: int) -> None:
    assert parse_amount(text) == tiyn
    assert (
        format_kzt(tiyn).replace(",", "").removesuffix(" KZT") == f"{tiyn // 100}.{tiyn % 100:02d}"
    )


@pytest.mark.parametrize("text", ["0", "0.00", "1e3", "12,50", " 1", "1.", ".5", "NaN", "١٢"])
def test_amounts_that_are_not_plain_tenge_are_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_amount(text)


def test_wrong_password_exits_2(cli: Cli, payment: Payment) -> None:
    keystore = str(payment.alice.keystore)
    done = cli.run("wallet", "--keystore", keystore, "balance", TENGE_PASSWORD="guess")
    assert done.returncode == 2 and "wrong_password" in done.stderr


def payment_day(cli: Cli, payment: Payment) -> str:
    with TengeClient(cli.url) as client:
        time_ms = client.receipt(payment.txid).header.time_ms
    return datetime.fromtimestamp(time_ms / 1000, UTC).date().isoformat()


def test_bank_statement_is_verified_and_lists_the_days_payment(cli: Cli, payment: Payment) -> None:
    day = payment_day(cli, payment)
    report = cli.bank_ok("statement", "--date", day)
    accounts = {s["Acct"]["Id"]: s for s in report["Stmt"]}
    bob = accounts[f"wallet:{payment.bob.wallet_id}"]
    assert payment.txid in {e["AcctSvcrRef"] for e in bob["Ntry"]}
    human = cli.bank("statement", "--date", day)
    assert human.returncode == 0 and "verified" in human.stdout
    assert f"wallet:{payment.alice.wallet_id}" in human.stdout


def test_wallet_statement_as_csv_reads_back(cli: Cli, payment: Payment) -> None:
    day = payment_day(cli, payment)
    done = cli.bank("statement", "--date", day, "--wallet", payment.alice.wallet_id, "--csv")
    assert done.returncode == 0, done.stderr
    (statement,) = statements_from_csv(done.stdout)
    assert statement.account.id == f"wallet:{payment.alice.wallet_id}"
    assert payment.txid in {e.txid for e in statement.entries}


def test_statement_with_a_badly_written_date_exits_2(cli: Cli) -> None:
    done = cli.bank("statement", "--date", "03/12/2026")
    assert done.returncode == 2 and "YYYY-MM-DD" in done.stderr


def test_waterfall_from_the_command_line_both_ways(cli: Cli, payment: Payment) -> None:
    """The bank links a deposit and funds its pool; over the cap the excess goes to the bank;
    the holder signs a mandate and pays more than its coins with --from-deposit."""
    capped = cli.open_wallet("anonymous", "299990")
    linked = cli.bank_ok("link-deposit", "--wallet-id", capped.wallet_id, "--deposit", "acct-1")
    assert (linked["status"], linked["deposit"]) == ("committed", "acct-1")
    reserve = cli.bank_ok("reserve")["reserve"]
    cli.bank_ok("distribute", "--to", capped.public, "--amount", "30")
    assert cli.wallet_ok(capped, "balance")["balances"] == {"KZT": kzt(300_000)}
    assert cli.bank_ok("reserve")["reserve"] == reserve - kzt(30) + kzt(20)

    cli.bank_ok("pool-fund", "--amount", "500")
    assert cli.wallet_ok(capped, "mandate", "--per-payment", "100")["per_payment"] == kzt(100)
    payer = cli.open_wallet("basic", "10")
    cli.bank_ok("link-deposit", "--wallet-id", payer.wallet_id, "--deposit", "acct-2")
    cli.wallet_ok(payer, "mandate", "--per-payment", "100")
    args = ["pay", "--to", payment.bob.public, "--amount", "60"]
    assert cli.wallet(payer, *args).returncode == 1  # the coins alone do not cover it
    assert cli.wallet_ok(payer, *args, "--from-deposit")["status"] == "committed"
    assert cli.wallet_ok(payer, "balance")["balances"] in ({}, {"KZT": 0})
    assert cli.bank_ok("pool-withdraw", "--amount", "450")["status"] == "committed"
    refused = cli.bank("pool-withdraw", "--amount", "0.01")
    assert refused.returncode == 1 and "waterfall_pool_insufficient" in refused.stderr
    cli.bank_ok("unlink-deposit", "--wallet-id", payer.wallet_id)
    cli.wallet_ok(payer, "mandate", "--revoke")
