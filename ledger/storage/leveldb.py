"""LevelDB backend through plyvel: the embedded, durable default.

Its options and the way benchmarks settle it: docs/decisions/0022-leveldb-compaction.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import plyvel

from ledger.storage import Changes, StorageError, prefix_end

# plyvel raises its own errors for I/O and corruption, and RuntimeError once closed.
_FAILURES = (plyvel.Error, RuntimeError)
# A row of the ``leveldb.stats`` property: level, files, size, time, read, write (MB, s).
_STATS_ROW = re.compile(rb"^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$", re.M)


@dataclass(frozen=True, slots=True)
class LevelStats:
    """One level of the database as LevelDB reports it (whole megabytes, since it opened)."""

    files: int
    """Table files on the level now."""
    size_mb: int
    """Their total size now."""
    read_mb: int
    """Read by the compactions that wrote into this level."""
    written_mb: int
    """Written into this level: memtable flushes (level 0 and the levels a flush may skip to)
    and compactions."""


TUNING: Mapping[str, int | str | None] = {
    "write_buffer_size": 32 << 20,
    "bloom_filter_bits": 10,
    # Snappy was two thirds of the compaction thread's CPU per transfer (decision 0022).
    "compression": None,
    "block_size": 16 << 10,  # a sixth less of it again than 4 KB blocks; reads no dearer
}
"""plyvel's options beside the cache; ``loadtests.core_churn`` measures others against them."""


class LevelDBStore:
    """A LevelDB database in one directory; one writer process at a time."""

    def __init__(
        self, path: str, cache_mb: int = 64, tuning: Mapping[str, int | str | None] = TUNING
    ) -> None:
        self.path = path
        try:
            self._db = plyvel.DB(
                path, create_if_missing=True, lru_cache_size=cache_mb << 20, **tuning
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
        """Compact the whole key range now (benchmarks: start from a settled database).

        plyvel's ``compact_range()`` without bounds hands LevelDB empty keys, not "no
        bound", so it compacts the empty key alone; the bounds are the first and last keys.
        """
        with self._db.iterator(include_value=False) as keys:
            first = next(keys, None)
        with self._db.iterator(include_value=False, reverse=True) as keys:
            last = next(keys, None)
        if first is not None and last is not None:
            self._db.compact_range(start=first, stop=last)

    def levels(self) -> dict[int, LevelStats]:
        """Each level that has files or was ever written, from ``leveldb.stats``."""
        text = self._db.get_property(b"leveldb.stats") or b""
        return {
            int(level): LevelStats(int(files), int(size), int(read), int(written))
            for level, files, size, _, read, written in _STATS_ROW.findall(text)
        }

    def close(self) -> None:
        if not self._db.closed:
            self._db.close()
