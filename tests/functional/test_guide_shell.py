"""The api-guide's section 1.3 shell helpers, run by bash against the demo node (no Python).

They sign requests and transactions with curl, openssl, jq and xxd only; this test sources
the guide's block verbatim and runs the examples of sections 3.1, 3.2 and 3.10 with it.
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
from tests.integration.nodes import ROOT, free_port

TOOLS = ("bash", "curl", "openssl", "jq", "xxd", "sha256sum", "base64")


def guide_block(heading: str) -> str:
    """The first ```sh block after ``heading`` in docs/api-guide.md."""
    text = (ROOT / "docs" / "api-guide.md").read_text()
    start = text.index("```sh\n", text.index(heading)) + len("```sh\n")
    return text[start : text.index("```", start)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"the guide's shell path needs {', '.join(missing)}")
    port = free_port()
    process, _ = start_demo(tmp_path_factory.mktemp("guide") / "data", port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def shell(node: str, script: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in bash after the guide's set-up block, pointed at ``node``."""
    setup = guide_block("### 1.3 Shell set-up")
    program = f"set -euo pipefail\n{setup}\nexport NODE={node}\n{script}"
    env = {"PATH": os.environ["PATH"], "HOME": str(cwd)}  # no virtualenv, no PYTHONPATH
    return subprocess.run(
        ["bash", "-c", program], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_guide_shell_signs_a_read_the_node_accepts(demo: str, tmp_path: Path) -> None:
    done = shell(demo, 'signed_get "$(demo_seed aigerim)" "$NODE/v1/wallets/aigerim"', tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["wallet"]["wallet_id"] == "aigerim"


def test_guide_shell_payment_commits_with_the_txid_it_computed(demo: str, tmp_path: Path) -> None:
    script = (
        "make_payment aigerim dastarkhan-cafe 150000 > payment.json 2> txid\n"
        'curl -s -X POST "$NODE/v1/transactions?wait=commit" '
        "-H 'Content-Type: application/json' --data-binary @payment.json"
    )
    done = shell(demo, script, tmp_path)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["result"]["status"] == "committed", answer
    assert (tmp_path / "txid").read_text().split() == ["txid", answer["result"]["txid"]]


def test_guide_shell_batch_example_commits_both_payments(demo: str, tmp_path: Path) -> None:
    script = guide_block("### 3.2 `POST /v1/transactions/batch`")
    done = shell(demo, script, tmp_path)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert [r["status"] for r in answer["results"]] == ["committed", "committed"], answer


def test_guide_shell_signature_by_another_wallet_is_forbidden(demo: str, tmp_path: Path) -> None:
    script = 'signed_get "$(demo_seed daniyar)" "$NODE/v1/wallets/aigerim"'
    done = shell(demo, script, tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["code"] == "forbidden"
