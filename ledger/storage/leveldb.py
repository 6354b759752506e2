"""LevelDB backend through plyvel: the embedded, durable default."""

from __future__ import annotations

from collections.abc import Iterator

import plyvel

from ledger.storage import Changes, StorageError, prefix_end

# plyvel raises its own errors for I/O and corruption, and RuntimeError once closed.
_FAILURES = (plyvel.Error, RuntimeError)


class LevelDBStore:
    """A LevelDB database in one directory; one writer process at a time."""

    def __init__(self, path: str, cache_mb: int = 64) -> None:
        self.path = path
        try:
            self._db = plyvel.DB(
                path,
                create_if_missing=True,
                lru_cache_size=cache_mb << 20,
                write_buffer_size=32 << 20,
                bloom_filter_bits=10,
            )
        except plyvel.Error as error:  # e.g. the lock another process holds
            raise StorageError(f"{path}: {error}") from error

    def get(self, key: bytes) -> bytes | None:
        try:
            value: bytes | None = self._db.get(key)
        except _FAILURES as error:
            raise StorageError(f"{self.path}: {error}") from error
        return value

    def iterate(
        self, prefix: bytes, start: bytes | None = None, reverse: bool = False
    ) -> Iterator[tuple[bytes, bytes]]:
        lo, hi, include_hi = prefix, prefix_end(prefix), False
        if start is not None and reverse:
            hi, include_hi = min(hi, start), start < hi
        elif start is not None:
            lo = max(lo, start)
        try:
            with self._db.iterator(
                start=lo, stop=hi, include_stop=include_hi, reverse=reverse
            ) as iterator:
                yield from iterator
        except _FAILURES as error:
            raise StorageError(f"{self.path}: {error}") from error

    def write_batch(self, changes: Changes, sync: bool = True) -> None:
        if self._db.closed:
            raise StorageError(f"{self.path}: the database is closed")
        try:
            with self._db.write_batch(transaction=True, sync=sync) as batch:
                put, delete = batch.put, batch.delete  # a block is some twenty thousand calls
                for key, value in changes.items():
                    if value is None:
                        delete(key)
                    else:
                        put(key, value)
        except plyvel.Error as error:  # I/O or corruption; what ``changes`` raises passes
            raise StorageError(f"{self.path}: {error}") from error

    def compact(self) -> None:
        """Compact the whole key range now (benchmarks: start from a settled database)."""
        self._db.compact_range()

    def close(self) -> None:
        if not self._db.closed:
            self._db.close()
