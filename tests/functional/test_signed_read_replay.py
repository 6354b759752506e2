"""A signed read is accepted once, also across a restart of the node's processes.

The nonce of every accepted signed read is written to the writer's store
before the answer leaves, so neither a killed writer nor a killed node opens a
window in which a captured request can be replayed.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.harness import NETWORK
from tests.integration.conftest import Api
from tests.integration.nodes import NodeProcess, prepare
from tests.integration.story import found_bank, open_wallet
from wallet.client import TengeClient
from wire.httpsig import sign_request


def wait_healthy(node: NodeProcess, old_writer: int, seconds: float = 90.0) -> None:
    """Until the supervisor's new writer serves (bounded; generous for a loaded machine)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if node.pid_of("writer") != old_writer and node.healthy():
            return
        time.sleep(0.05)
    raise AssertionError(f"the writer did not come back within {seconds} s")


@pytest.mark.slow
@pytest.mark.parametrize("restart", ["writer", "node"])
def test_signed_read_cannot_be_replayed_after_a_restart(tmp_path: Path, restart: str) -> None:
    data = tmp_path / "data"
    prepare(data)
    node = NodeProcess(data).start()
    try:
        with TengeClient(node.url) as client:
            api = Api(client, "node")
            bank_id, bank = found_bank(api)
            wallet_id, owner = open_wallet(api, bank_id, bank)
            request = client.http.build_request("GET", f"/v1/wallets/{wallet_id}")
            sign_request(request, owner, NETWORK)
            assert client.http.send(request).status_code == 200
        if restart == "writer":
            old = node.pid_of("writer")
            node.kill_pid(old)
            wait_healthy(node, old)
        else:
            node.kill()
            node.start()
        replayed = httpx.Client(base_url=node.url).send(request)
        assert replayed.status_code == 401
        assert replayed.json()["code"] == "replayed_request"
    finally:
        node.stop()
