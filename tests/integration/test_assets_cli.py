"""``tenge-bank assets`` and ``tenge-wallet assets`` as real subprocesses against a real node.

The story a person would type: the National Bank licenses a grain platform;
the platform registers wheat (hashing the warehouse certificate and the
terms) and issues tonnes to a farm; the farm offers 30 tonnes to a mill, the
mill accepts and signs, the farm settles — one DvP transaction. A lowered
price, an unlicensed registration and a malformed token are refused with
their exit codes.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from ledger.params import kzt
from ledger.types import Output
from tests.harness import NETWORK
from tests.integration.nodes import NodeProcess
from tests.integration.story import CB
from tests.integration.test_cli import PASSWORD, Cli, Wallet, cheap_kdf
from wallet import builders
from wallet.client import TengeClient
from wallet.keystore import Keystore


@dataclass
class Grain:
    cli: Cli
    platform: Wallet
    farm: Wallet
    mill: Wallet
    asset: str


@pytest.fixture(scope="module")
def grain(node_process: NodeProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Grain]:
    cli = Cli(node_process.url, tmp_path_factory.mktemp("assets-cli"))
    cli.bank_id = f"grain-bank-{secrets.token_hex(4)}"
    _, public = cli.quick_key("bank")
    with TengeClient(node_process.url) as client:
        register = builders.bank_register(
            NETWORK, CB, cli.bank_id, "Grain Bank", [public], kzt(10**9)
        )
        assert client.submit(register).result.status == "committed"
        issue = builders.issue(
            NETWORK, CB, cli.bank_id, [Output(public, kzt(10_000_000))], secrets.randbelow(2**50)
        )
        assert client.submit(issue).result.status == "committed"
    national_bank = cli.home / "national-bank.json"
    Keystore.create(national_bank, PASSWORD, CB, kdf=cheap_kdf())
    platform, farm = cli.open_wallet("business"), cli.open_wallet("business")
    mill = cli.open_wallet("business", "5000000")
    licensed = cli.run(
        "bank", "assets", "license", "--wallet-id", platform.wallet_id, "--licence", "NBK-DAP-0300",
        "--keystore", str(national_bank), "--json",
    )  # fmt: skip
    assert licensed.returncode == 0, licensed.stderr
    (cli.home / "certificate.pdf").write_bytes(b"warehouse certificate 2026/117")
    (cli.home / "terms.txt").write_text("One unit: one tonne of class 3 wheat, ex elevator.")
    created = cli.wallet_ok(
        platform, "assets", "create", "--name", f"Wheat {secrets.token_hex(3)}",
        "--issuer-name", "Kostanay Grain Elevator LLP", "--issuer-bin", "040140000123",
        "--rights", "goods", "--rights-proof", "certificate.pdf", "--terms", "terms.txt",
        "--unit", "tonne",
    )  # fmt: skip
    asset = created["asset"]
    issued = cli.wallet_ok(
        platform, "assets", "issue", "--asset", asset, "--to", farm.public, "--units", "100"
    )
    assert issued["status"] == "committed"
    yield Grain(cli, platform, farm, mill, asset)


def test_the_farm_sells_wheat_to_the_mill_delivery_versus_payment(grain: Grain) -> None:
    cli = grain.cli
    offered = cli.wallet_ok(
        grain.farm, "assets", "offer", "--asset", grain.asset, "--units", "30",
        "--price", "2850000", "--buyer", grain.mill.public, "--valid-minutes", "30",
        "--out", "offer.json",
    )  # fmt: skip
    assert offered["price"] == kzt(2_850_000)
    accepted = cli.wallet_ok(
        grain.mill, "assets", "accept", "--offer", "offer.json", "--out", "signed.json"
    )
    settled = cli.wallet_ok(
        grain.farm, "assets", "settle", "--offer", "offer.json", "--signed", "signed.json"
    )
    assert (settled["status"], settled["txid"]) == ("committed", accepted["txid"])
    held = cli.wallet_ok(grain.mill, "assets", "holdings")["holdings"]
    assert [(h["units"], h["unit"]) for h in held] == [(30, "tonne")]
    assert cli.wallet_ok(grain.farm, "balance")["balances"]["KZT"] == kzt(2_850_000)
    human = cli.run("bank", "assets", "show", grain.asset)
    assert human.returncode == 0 and "Kostanay Grain Elevator LLP, BIN 040140000123" in human.stdout


def test_the_seller_refuses_to_settle_a_dvp_at_a_lower_price(grain: Grain) -> None:
    cli, home = grain.cli, grain.cli.home
    before = cli.wallet_ok(grain.mill, "assets", "holdings")["holdings"]
    cli.wallet_ok(
        grain.farm, "assets", "offer", "--asset", grain.asset, "--units", "5",
        "--price", "475000", "--buyer", grain.mill.public, "--out", "fair.json",
    )  # fmt: skip
    cheap = json.loads((home / "fair.json").read_text())
    cheap["price"] = kzt(1)
    (home / "cheap.json").write_text(json.dumps(cheap, separators=(",", ":"), sort_keys=True))
    cli.wallet_ok(
        grain.mill, "assets", "accept", "--offer", "cheap.json", "--out", "cheap-signed.json"
    )
    refused = cli.wallet(
        grain.farm,
        "assets",
        "settle",
        "--offer",
        "fair.json",
        "--signed",
        "cheap-signed.json",
        "--json",
    )
    error = json.loads(refused.stdout)["error"]
    assert (refused.returncode, error["code"], error["field"]) == (1, "offer_mismatch", "price")
    assert cli.wallet_ok(grain.mill, "assets", "holdings")["holdings"] == before


def test_an_unlicensed_wallet_cannot_register_a_class(grain: Grain) -> None:
    done = grain.cli.wallet(
        grain.farm, "assets", "create", "--name", "Forged wheat", "--issuer-name", "Nobody LLP",
        "--issuer-bin", "000000000000", "--rights", "goods", "--rights-proof", "terms.txt",
        "--terms", "terms.txt", "--unit", "tonne",
    )  # fmt: skip
    assert done.returncode == 1 and "not_platform_operator" in done.stderr


def test_a_malformed_token_is_a_usage_error(grain: Grain) -> None:
    done = grain.cli.wallet(
        grain.farm, "assets", "send", "--asset", "KZT", "--to", grain.mill.public, "--units", "1"
    )
    assert done.returncode == 2 and "not an asset token" in done.stderr
    missing = grain.cli.wallet(
        grain.mill, "assets", "accept", "--offer", "nothing.json", "--out", "x.json"
    )
    assert missing.returncode == 2 and "local_file" in missing.stderr


def test_the_bank_reads_its_customers_assets(grain: Grain) -> None:
    by_bank = grain.cli.bank_ok("assets", "holdings", "--wallet-id", grain.farm.wallet_id)
    by_farm = grain.cli.wallet_ok(grain.farm, "assets", "holdings")
    assert by_bank["holdings"] == by_farm["holdings"] and by_farm["holdings"][0]["unit"] == "tonne"
