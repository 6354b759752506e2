"""The SDK's two transports: an app in this process, and a real node over loopback."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from ledger.chain import Chain
from ledger.params import make_genesis
from ledger.rules import core_registry
from ledger.storage.memory import MemoryStore
from node.producer import Producer
from node.service import LedgerService
from tests.harness import NETWORK, T0, key
from tests.integration.nodes import NodeProcess, prepare
from wallet.client import TengeClient

_names = itertools.count()


@dataclass
class Api:
    """A client and a way to make ids that never clash on a shared node."""

    client: TengeClient
    kind: str

    def name(self, prefix: str) -> str:
        return f"{prefix}-{next(_names)}"


@pytest.fixture(scope="session")
def node_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeProcess]:
    data = tmp_path_factory.mktemp("node") / "data"
    prepare(data)
    node = NodeProcess(data).start()
    yield node
    assert node.stop() == 0, "the node must stop cleanly on SIGTERM"


@pytest.fixture(scope="session")
def inprocess_app() -> Iterator[object]:
    genesis = make_genesis(
        NETWORK, [key("central-bank").public_hex], [key("producer").public_hex], T0
    )
    chain = Chain(MemoryStore(), core_registry(), genesis)
    producer = Producer(chain, key("producer"), max_wait_ms=5).start()
    yield create_app(LedgerService(chain, producer), chain.registry)
    producer.stop()


@pytest.fixture(params=["in-process", "node"])
def api(request: pytest.FixtureRequest) -> Iterator[Api]:
    """The same tests run against the WSGI app in process and a real node process."""
    if request.param == "node":
        client = TengeClient(request.getfixturevalue("node_process").url)
    else:
        transport = httpx.WSGITransport(app=request.getfixturevalue("inprocess_app"))
        client = TengeClient("http://testserver", transport=transport)
    with client:
        yield Api(client, request.param)


def data_dir(tmp: Path) -> Path:
    path = tmp / "data"
    prepare(path)
    return path
