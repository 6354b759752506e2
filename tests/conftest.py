"""Shared fixtures: a test network on each storage backend."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.storage import KeyValueStore
from ledger.storage.leveldb import LevelDBStore
from ledger.storage.memory import MemoryStore
from tests.harness import Harness


@pytest.fixture(params=["memory", "leveldb"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[KeyValueStore]:
    """An empty store of each backend; LevelDB lives on disk under tmp_path."""
    backend: KeyValueStore = (
        MemoryStore() if request.param == "memory" else LevelDBStore(str(tmp_path / "db"))
    )
    yield backend
    backend.close()


@pytest.fixture
def net(store: KeyValueStore) -> Harness:
    """A fresh test network on each backend."""
    return Harness(store)
