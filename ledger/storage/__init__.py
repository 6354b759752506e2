"""Bytes-only key-value storage behind one small interface.

Two backends implement it: :class:`MemoryStore` for tests and
:class:`LevelDBStore` (plyvel) for real data. A block is committed with one
call to :meth:`KeyValueStore.write_batch`, which is atomic and, with
``sync=True``, durable when it returns.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Protocol

Changes = Mapping[bytes, bytes | None]
"""Keys to new values; ``None`` deletes the key."""


class StorageError(Exception):
    """The store cannot be read or written (closed, I/O error, corruption).

    Not part of the ledger's error tree on purpose: it is the node's trouble,
    never a transaction's, so a block meeting it is abandoned (clients get
    503 and retry) instead of refusing the transaction being checked.
    """


class KeyValueStore(Protocol):
    """The storage interface every backend implements."""

    def get(self, key: bytes) -> bytes | None:
        """The value under ``key``, or None."""
        ...

    def iterate(
        self, prefix: bytes, start: bytes | None = None, reverse: bool = False
    ) -> Iterator[tuple[bytes, bytes]]:
        """Pairs whose key starts with ``prefix``, in key order.

        ``start`` (inclusive) is where the walk begins: the first key for a
        forward walk, the last one for a reverse walk.
        """
        ...

    def write_batch(self, changes: Changes, sync: bool = True) -> None:
        """Apply all changes atomically; durable on return when ``sync``."""
        ...

    def close(self) -> None:
        """Release the store."""
        ...


def prefix_end(prefix: bytes) -> bytes:
    """The smallest key greater than every key that starts with ``prefix``."""
    stripped = prefix.rstrip(b"\xff")
    if not stripped:
        return b"\xff" * (len(prefix) + 64)
    return stripped[:-1] + bytes((stripped[-1] + 1,))


def open_store(path: str | None) -> KeyValueStore:
    """A LevelDB store at ``path``, or an in-memory store for ``None``."""
    if path is None:
        from ledger.storage.memory import MemoryStore

        return MemoryStore()
    from ledger.storage.leveldb import LevelDBStore

    return LevelDBStore(path)
