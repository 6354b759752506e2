"""In-memory backend: a dict, with a sorted key list rebuilt lazily for scans."""

from __future__ import annotations

import bisect
from collections.abc import Iterator

from ledger.storage import Changes, prefix_end


class MemoryStore:
    """Keeps everything in a dict; prefix scans sort the keys when needed."""

    def __init__(self) -> None:
        self._data: dict[bytes, bytes] = {}
        self._sorted: list[bytes] | None = []

    def get(self, key: bytes) -> bytes | None:
        return self._data.get(key)

    def iterate(
        self, prefix: bytes, start: bytes | None = None, reverse: bool = False
    ) -> Iterator[tuple[bytes, bytes]]:
        if self._sorted is None:
            self._sorted = sorted(self._data)
        keys = self._sorted
        lo = bisect.bisect_left(keys, prefix)
        hi = bisect.bisect_left(keys, prefix_end(prefix))
        if start is not None and reverse:
            hi = min(hi, bisect.bisect_right(keys, start))
        elif start is not None:
            lo = max(lo, bisect.bisect_left(keys, start))
        # A snapshot, as LevelDB iterators give: later writes do not disturb it.
        snapshot = [(key, self._data[key]) for key in keys[lo:hi]]
        yield from reversed(snapshot) if reverse else snapshot

    def write_batch(self, changes: Changes, sync: bool = True) -> None:
        staged = list(changes.items())  # all or nothing: read everything first
        for key, value in staged:
            if value is None:
                self._data.pop(key, None)
            else:
                self._data[key] = value
        self._sorted = None

    def close(self) -> None:
        pass
