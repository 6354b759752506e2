"""The three levels and the disclosure procedure through the CLIs, against a real node process.

The node's writer is the validator (its seed is fixed so the test can name
its keys in the parameters); the escrow key comes from ``tenge-disclose
ceremony``. Every other step is a command a person would type: the wallet's
default level, ``pay --privacy private``, reading the private history,
verifying the payment like a phone, anonymous tokens, and the authorities
proposing, signing, submitting and opening a disclosure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger.params import kzt
from ledger.types import Output, Transaction
from privacy.node import create_seed
from privacy.params import default_params
from privacy.types import Authority, PrivacyConfigure
from tests.harness import NETWORK, key
from tests.integration.nodes import ROOT, NodeProcess, prepare
from tests.integration.test_cli import PASSWORD, cheap_kdf
from tests.privacy_cast import AUTHORITIES, THRESHOLD, VALIDATOR_SEED, validator
from wallet import builders
from wallet.client import TengeClient
from wallet.keystore import Keystore

BIN = Path(sys.executable).parent


class Cli:
    def __init__(self, url: str, home: Path) -> None:
        self.url, self.home = url, home

    def run(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("TENGE_")}
        clean.update({"PYTHONPATH": str(ROOT), "TENGE_NODE": self.url, "TENGE_PASSWORD": PASSWORD})
        return subprocess.run(
            [str(BIN / f"tenge-{program}"), *args],
            capture_output=True,
            text=True,
            env=clean,
            cwd=self.home,
            timeout=60,
        )

    def ok(self, program: str, *args: str) -> dict[str, Any]:
        done = self.run(program, *args, "--json")
        assert done.returncode == 0, done.stdout + done.stderr
        result: dict[str, Any] = json.loads(done.stdout)
        return result


def keystore(home: Path, name: str, wallet_id: str | None = None) -> str:
    path = home / f"{name}.keystore"
    Keystore.create(
        path, PASSWORD, key(name), kdf=cheap_kdf(), wallet_id=wallet_id, network=NETWORK
    )
    return str(path)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Cli, TengeClient]]:
    data, home = tmp_path_factory.mktemp("node") / "data", tmp_path_factory.mktemp("home")
    prepare(data)
    create_seed(data, VALIDATOR_SEED)
    node = NodeProcess(data).start()
    cli, client = Cli(node.url, home), TengeClient(node.url)
    try:
        yield cli, client
    finally:
        client.close()
        assert node.stop() == 0


def commit(client: TengeClient, tx: Transaction) -> None:
    assert client.submit(tx, wait=True).result.status == "committed"


def test_three_levels_and_a_disclosure_from_the_command_line(
    world: tuple[Cli, TengeClient],
) -> None:
    cli, client = world
    home, cb, bank = cli.home, key("central-bank"), key("halyk")
    ceremony = cli.ok(
        "disclose",
        "ceremony",
        *[f"--authority={a}" for a in AUTHORITIES],
        f"--threshold={THRESHOLD}",
        "--out",
        str(home / "shares"),
    )
    authorities = [Authority(name=a, key=key(a).public_hex) for a in AUTHORITIES]
    params = default_params(validator().secrets, ceremony["escrow"], authorities, THRESHOLD)
    commit(client, Transaction.create(NETWORK, PrivacyConfigure(params=params), [cb]))
    commit(
        client, builders.bank_register(NETWORK, cb, "halyk", "Halyk", [bank.public_hex], kzt(10**7))
    )
    commit(
        client,
        builders.issue(NETWORK, cb, "halyk", [Output(owner=bank.public_hex, amount=kzt(10**7))], 1),
    )
    for name in ("aliya", "bolat"):
        commit(
            client,
            builders.wallet_open(NETWORK, bank, "halyk", name, "basic", [key(name).public_hex]),
        )
    commit(
        client,
        builders.pay(
            NETWORK,
            client.bank_coins("halyk", bank),
            [bank],
            key("aliya").public_hex,
            kzt(300_000),
            bank.public_hex,
        ),
    )
    aliya = ["--keystore", keystore(home, "aliya", "aliya")]
    bolat = ["--keystore", keystore(home, "bolat", "bolat")]

    cli.ok("wallet", "privacy", "shield", "--amount", "50000.00", *aliya)
    assert cli.ok("wallet", "privacy", "default", "private", *aliya) == {"default": "private"}
    paid = cli.ok(
        "wallet",
        "pay",
        "--to",
        key("bolat").public_hex,
        "--amount",
        "1234.56",
        "--memo",
        "chai",
        *aliya,
    )
    assert paid["status"] == "committed"
    verified = cli.ok("wallet", "privacy", "verify", paid["txid"], *bolat)
    assert (verified["amount"], verified["memo"]) == (123_456, "chai")
    assert cli.ok("wallet", "privacy", "balance", *bolat)["private"] == 123_456
    history = cli.ok("wallet", "privacy", "history", *aliya)["entries"]
    assert any(e.get("paid") == 123_456 and e["memo"] == "chai" for e in history)
    opened = cli.ok(
        "wallet",
        "pay",
        "--privacy",
        "open",
        "--to",
        key("bolat").public_hex,
        "--amount",
        "1.00",
        *aliya,
    )
    assert client.status(opened["txid"]).status == "committed"

    cli.ok("wallet", "privacy", "withdraw", "--denomination", "1000.00", "--count", "2", *aliya)
    spent = cli.ok(
        "wallet",
        "privacy",
        "spend",
        "--denomination",
        "1000.00",
        "--to",
        key("bolat").public_hex,
        *aliya,
    )
    assert spent["status"] == "committed"
    assert cli.ok("wallet", "privacy", "balance", *aliya)["anonymous"] == kzt(1_000)

    proposal = str(home / "disclosure.json")
    cli.ok(
        "disclose",
        "propose",
        "--txid",
        paid["txid"],
        "--reason",
        "court order 7/2026",
        "--out",
        proposal,
    )
    for name in AUTHORITIES[:THRESHOLD]:
        cli.ok("disclose", "sign", proposal, "--keystore", keystore(home, name))
    shares = [f"--share={home / 'shares' / f'{a}.share'}" for a in AUTHORITIES[1:4]]
    refused = cli.run("disclose", "open", "--txid", paid["txid"], "--disclosure", "0" * 64, *shares)
    assert refused.returncode == 1 and "refused: disclosure_not_recorded" in refused.stderr
    disclosure = cli.ok("disclose", "submit", proposal)["disclosure"]
    record = cli.ok("disclose", "open", "--txid", paid["txid"], "--disclosure", disclosure, *shares)
    assert (record["payer"], record["request"]["memo"]) == ("aliya", "chai")
    few = cli.run(
        "disclose", "open", "--txid", paid["txid"], "--disclosure", disclosure, *shares[:2]
    )
    assert few.returncode == 1 and "refused: shares_refused" in few.stderr
    listed = cli.ok("wallet", "privacy", "disclosures", *bolat)["disclosures"]
    assert [d["disclosure"] for d in listed] == [disclosure]
