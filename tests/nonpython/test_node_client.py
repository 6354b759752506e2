"""A client in another language, written from docs/ only, against the demo node.

``client.mjs`` (Node, tweetnacl, @noble/hashes and @noble/curves pinned by package-lock.json,
installed by ``make test`` with ``npm ci --ignore-scripts``) opens the demo's
``halyk.keystore`` (Argon2id + secretbox) and ``central-bank.key``, signs reads
(RFC 9421), builds, signs and submits one transaction of each kind a client
submits, and verifies each receipt (producer signature, RFC 6962 path) itself:
the core kinds, escrow (released by its delivery code, refunded early),
programs, metering, mandates, digital assets, the deposit link, privacy (the
parameters restated, a blinded anonymous withdrawal, a disclosure) and offline
purses (X.509 root, CA, device certificates and a CRL in DER built by
``x509.mjs``, CBOR vouchers deposited, a double spend proven and clawed back,
a purse defunded, a device revoked).

Every registered kind is either submitted by the script or listed below as
built by the node, with the reason; a test checks both against the registry,
so a new kind cannot be left out silently.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from node.composition import full_registry
from tests.functional.test_make_run import start_demo
from tests.integration.nodes import free_port

HERE = Path(__file__).parent
SUBMITTED = [
    "limits.set",
    "bank.register",
    "bank.update",
    "issue",
    "wallet.open",
    "transfer",
    "wallet.update",
    "redeem",
    "escrow.open",
    "escrow.release",
    "escrow.open",
    "escrow.refund",
    "wallet.open",
    "transfer",
    "program.grant",
    "program.create",
    "program.issue",
    "program.pay",
    "program.convert",
    "meter.open",
    "meter.claim",
    "meter.close",
    "mandate.create",
    "mandate.pull",
    "mandate.revoke",
    "asset.license",
    "asset.create",
    "asset.issue",
    "asset.transfer",
    "asset.dvp",
    "asset.retire",
    "program.expire",
    "wallet.link_deposit",
    "privacy.configure",
    "anon.withdraw",
    "privacy.disclose",
    "offline.setup",
    "offline.ca",
    "reserve.fund",
    "offline.crl",
    "device.enrol",
    "purse.fund",
    "voucher.deposit",
    "purse.fraud",
    "voucher.deposit",
    "purse.clawback",
    "device.enrol",
    "purse.fund",
    "purse.defund",
    "device.revoke",
    "wallet.reverse_mandate",
    "waterfall.fund",
    "waterfall.withdraw",
    "transfer",
]

# Kinds no client submits: the node's privacy validator builds and signs them.
NODE_BUILT = {
    "private.transfer": "the validator builds it from a sealed POST /v1/privacy/payments",
    "anon.spend": "the validator builds it from POST /v1/privacy/spends after checking tokens",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed (make deps installs them)")
    installed = HERE / "node_modules" / ".package-lock.json"
    lock = HERE / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        subprocess.run(
            ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=HERE,
            check=True,
            timeout=300,
        )
    data, port = tmp_path_factory.mktemp("nonpython") / "data", free_port()
    process, _ = start_demo(data, port)
    try:
        yield f"http://127.0.0.1:{port}", data
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def test_every_registered_kind_is_submitted_from_node_or_listed_with_a_reason() -> None:
    kinds = set(full_registry().rules)
    submitted, built = set(SUBMITTED), set(NODE_BUILT)
    assert submitted | built == kinds, sorted(kinds ^ (submitted | built))
    assert not submitted & built


def test_node_client_submits_each_client_kind_and_verifies_each_receipt(
    demo: tuple[str, Path],
) -> None:
    url, data = demo
    run = subprocess.run(
        ["node", "client.mjs", url, str(data)],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[-1] == "ok"
    done = [json.loads(line) for line in lines[:-1]]
    assert [d["kind"] for d in done] == SUBMITTED
    assert all(d["receipt"] == "verified" for d in done)
