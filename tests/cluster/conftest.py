"""A real three-node cluster: three nats-servers (JetStream, file storage, fsync on every
write) and three nodes, all processes on loopback (loadtests/clusterkit.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from loadtests.clusterkit import Cluster

LEASE_TTL_MS = 2000


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    root = Path(tmp_path_factory.mktemp("cluster"))
    running = Cluster(root, lease_ttl_ms=LEASE_TTL_MS)
    try:
        yield running.start()
    finally:
        running.stop()
