"""A client in another language, written from docs/ only, against the demo node.

``client.mjs`` (Node, tweetnacl and @noble/hashes pinned by package-lock.json,
installed by ``make test`` with ``npm ci --ignore-scripts``) opens the demo's
``halyk.keystore`` (Argon2id + secretbox) and ``central-bank.key``, signs a read
(RFC 9421), builds, signs and submits one transaction of each core kind and
verifies each receipt (producer signature, RFC 6962 path) itself; then an escrow
released by its delivery code (signed by the payee alone) and one refunded early.

Not yet covered from Node: the program, meter and mandate kinds, offline, privacy
and digital-asset kinds (see docs/kinds.md for their field tables); privacy needs sealed boxes to
the validator and VOPRF blinding, offline needs X.509 device certificates.
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

from tests.functional.test_make_run import start_demo
from tests.integration.nodes import free_port

HERE = Path(__file__).parent
CORE_KINDS = [
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
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed (make deps installs them)")
    if not (HERE / "node_modules" / ".package-lock.json").exists():
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


def test_node_client_submits_each_core_kind_and_the_escrow_kinds_and_verifies_each_receipt(
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
    assert [d["kind"] for d in done] == CORE_KINDS
    assert all(d["receipt"] == "verified" for d in done)
