"""The network the phone wallet meets in the browser tests: a real node, a bank, the real CLI.

The central bank has no CLI, so it admits the bank, issues to it and sets up the offline PKI
through the SDK; everything the bank does for a phone (open its wallet, distribute, enrol its
device) is the real ``tenge-bank`` program run as a subprocess.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import nacl.pwhash.argon2id as argon2id

from contracts.policy import Policy, token_id
from ledger.types import Output, Transaction
from offline.certs import bank_ca_certificate, revocation_list, root_certificate
from offline.params import DAY_MS, default_params, kzt
from privacy import escrow
from privacy.params import default_params as privacy_params
from privacy.types import Authority, PrivacyConfigure
from privacy.validator import ValidatorSecrets
from tests.harness import NETWORK, key
from tests.integration.nodes import ROOT, NodeProcess
from tests.privacy_cast import AUTHORITIES, ESCROW_SEED, THRESHOLD, VALIDATOR_SEED
from wallet import builders
from wallet.client import TengeClient
from wallet.contracts import builders as programs
from wallet.keystore import KdfParams, Keystore
from wallet.offline import builders as ob

BANK_ID = "phone-bank"
BANK = key(BANK_ID)
CB = key("central-bank")
PASSWORD = "bank operator password"
BIN = Path(sys.executable).parent


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def committed(client: TengeClient, *txs: Transaction) -> None:
    for tx in txs:
        result = client.submit(tx, wait=True).result
        assert result.status == "committed", result


def found_bank(node: NodeProcess) -> None:
    """Admit the bank, issue to it, set up offline payments (root, its CA, reserve, a CRL)."""
    t = now_ms()
    with TengeClient(node.url) as client:
        reserve = Output(owner=BANK.public_hex, amount=kzt(50_000_000))
        committed(
            client,
            ob.setup(NETWORK, CB, root_certificate(CB, NETWORK, t), default_params()),
            builders.bank_register(
                NETWORK, CB, BANK_ID, "Phone Bank", [BANK.public_hex], kzt(10**9)
            ),
            builders.issue(NETWORK, CB, BANK_ID, [reserve], 1),
            ob.bank_ca(
                NETWORK, CB, BANK_ID, bank_ca_certificate(CB, NETWORK, BANK_ID, BANK.public_hex, t)
            ),
        )
        coins = client.bank_coins(BANK_ID, BANK)
        committed(client, ob.reserve_fund(NETWORK, BANK, BANK_ID, coins, kzt(1_000_000)))
        crl = revocation_list(BANK, BANK_ID, 1, [], now_ms(), now_ms() + DAY_MS)
        committed(client, ob.publish_crl(NETWORK, BANK, BANK_ID, crl))


def grant_school_meals(node: NodeProcess, to: str, amount: int) -> str:
    """The bank creates a special-purpose token for cafes (MCC 5814) and grants ``amount``."""
    policy = Policy(issuer=BANK.public_hex, name="School meals", mcc=("5814",))
    with TengeClient(node.url) as client:
        committed(client, programs.program_create(NETWORK, BANK, policy))
        coins = client.bank_coins(BANK_ID, BANK)
        grant = Output(owner=to, amount=amount)
        committed(client, programs.program_issue(NETWORK, BANK, coins, token_id(policy), [grant]))
    return token_id(policy)


def configure_privacy(node: NodeProcess) -> None:
    """The central bank's privacy parameters, naming the node's validator (seed written first)."""
    escrow_public, _ = escrow.ceremony(AUTHORITIES, THRESHOLD, seed=ESCROW_SEED)
    authorities = [Authority(name=n, key=key(n).public_hex) for n in AUTHORITIES]
    secrets = ValidatorSecrets.derive(key("producer"), VALIDATOR_SEED)
    params = privacy_params(secrets, escrow_public, authorities, THRESHOLD)
    with TengeClient(node.url) as client:
        committed(client, Transaction.create(NETWORK, PrivacyConfigure(params=params), [CB]))


class BankCli:
    """``tenge-bank`` as a subprocess, as the bank's operator types it."""

    def __init__(self, url: str, home: Path) -> None:
        self.url, self.home = url, home
        self.keystore = home / "bank.json"
        cheap = KdfParams(argon2id.OPSLIMIT_MIN, argon2id.MEMLIMIT_MIN, secrets.token_bytes(16))
        Keystore.create(self.keystore, PASSWORD, BANK, kdf=cheap, network=NETWORK)

    def run(self, *args: str) -> dict[str, Any]:
        """Run a command with ``--json``; it must succeed; its decoded answer."""
        script = BIN / "tenge-bank"
        command = [str(script)] if script.exists() else [sys.executable, "-m", "wallet.cli", "bank"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("TENGE_")}
        env.update(
            PYTHONPATH=str(ROOT),
            TENGE_NODE=self.url,
            TENGE_PASSWORD=PASSWORD,
            TENGE_KEYSTORE=str(self.keystore),
            TENGE_BANK=BANK_ID,
        )
        done = subprocess.run(
            [*command, *args, "--json"],
            capture_output=True,
            text=True,
            env=env,
            cwd=self.home,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        answer: dict[str, Any] = json.loads(done.stdout)
        return answer
