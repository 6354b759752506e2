"""The key-value interface: every backend behaves the same (memory and LevelDB)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pytest

from ledger.storage import KeyValueStore, open_store, prefix_end
from ledger.storage.leveldb import LevelDBStore
from ledger.storage.memory import MemoryStore

KEYS = [b"a", b"a\x00", b"a\x01z", b"ab", b"ab\xff", b"b", b"\xff", b"\xff\x00", b"\xff\xff"]


def _fill(store: KeyValueStore) -> None:
    store.write_batch({k: b"v:" + k for k in KEYS})


def _keys(pairs: Iterable[tuple[bytes, bytes]]) -> list[bytes]:
    return [k for k, _ in pairs]


def test_get_returns_what_was_written(store: KeyValueStore) -> None:
    store.write_batch({b"k": b"value", b"empty": b""})
    assert store.get(b"k") == b"value"
    assert store.get(b"empty") == b""


def test_get_of_an_absent_key_is_none(store: KeyValueStore) -> None:
    assert store.get(b"nothing") is None
    store.write_batch({b"k": b"v"})
    assert store.get(b"k\x00") is None
    assert store.get(b"") is None


def test_write_batch_applies_puts_and_deletes_together(store: KeyValueStore) -> None:
    store.write_batch({b"keep": b"1", b"drop": b"2", b"change": b"3"})
    store.write_batch({b"drop": None, b"change": b"4", b"new": b"5"}, sync=True)
    assert store.get(b"keep") == b"1"
    assert store.get(b"drop") is None
    assert store.get(b"change") == b"4"
    assert store.get(b"new") == b"5"


def test_deleting_an_absent_key_is_harmless(store: KeyValueStore) -> None:
    store.write_batch({b"never": None, b"k": b"v"})
    assert store.get(b"never") is None
    assert store.get(b"k") == b"v"


class _FailingChanges(Mapping[bytes, bytes | None]):
    """A batch whose walk fails after the first change, as a crash mid-batch would."""

    def __init__(self, changes: dict[bytes, bytes | None]) -> None:
        self._changes = changes

    def __getitem__(self, key: bytes) -> bytes | None:
        return self._changes[key]

    def __len__(self) -> int:
        return len(self._changes)

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._changes)

    def items(self) -> Iterator[tuple[bytes, bytes | None]]:  # type: ignore[override]
        pairs = iter(self._changes.items())
        yield next(pairs)
        raise RuntimeError("interrupted while the batch was being written")


def test_write_batch_interrupted_part_way_writes_nothing(store: KeyValueStore) -> None:
    store.write_batch({b"before": b"0"})
    with pytest.raises(RuntimeError):
        store.write_batch(_FailingChanges({b"a": b"1", b"before": None, b"b": b"2"}))
    assert store.get(b"a") is None
    assert store.get(b"before") == b"0"
    assert store.get(b"b") is None


def test_iterate_yields_only_the_prefix_in_key_order(store: KeyValueStore) -> None:
    _fill(store)
    assert _keys(store.iterate(b"a")) == [b"a", b"a\x00", b"a\x01z", b"ab", b"ab\xff"]
    assert _keys(store.iterate(b"ab")) == [b"ab", b"ab\xff"]
    assert list(store.iterate(b"a\x01")) == [(b"a\x01z", b"v:a\x01z")]
    assert list(store.iterate(b"c")) == []


def test_iterate_with_an_empty_prefix_walks_everything(store: KeyValueStore) -> None:
    _fill(store)
    assert _keys(store.iterate(b"")) == sorted(KEYS)


def test_iterate_in_reverse_yields_the_prefix_backwards(store: KeyValueStore) -> None:
    _fill(store)
    assert _keys(store.iterate(b"a", reverse=True)) == [b"ab\xff", b"ab", b"a\x01z", b"a\x00", b"a"]


def test_iterate_forward_from_start_includes_start(store: KeyValueStore) -> None:
    _fill(store)
    assert _keys(store.iterate(b"a", start=b"a\x01z")) == [b"a\x01z", b"ab", b"ab\xff"]
    assert _keys(store.iterate(b"a", start=b"a\x01")) == [b"a\x01z", b"ab", b"ab\xff"]
    assert _keys(store.iterate(b"a", start=b"0")) == _keys(store.iterate(b"a"))
    assert list(store.iterate(b"a", start=b"b")) == []


def test_iterate_in_reverse_from_start_includes_start(store: KeyValueStore) -> None:
    _fill(store)
    assert _keys(store.iterate(b"a", start=b"ab", reverse=True)) == [
        b"ab",
        b"a\x01z",
        b"a\x00",
        b"a",
    ]
    assert _keys(store.iterate(b"a", start=b"a\x01", reverse=True)) == [b"a\x00", b"a"]
    assert _keys(store.iterate(b"a", start=b"zz", reverse=True)) == _keys(
        store.iterate(b"a", reverse=True)
    )
    assert list(store.iterate(b"a", start=b"0", reverse=True)) == []


def test_prefix_ending_in_ff_still_bounds_the_walk(store: KeyValueStore) -> None:
    _fill(store)
    store.write_batch({b"ac": b"after"})
    assert _keys(store.iterate(b"ab\xff")) == [b"ab\xff"]
    assert _keys(store.iterate(b"\xff")) == [b"\xff", b"\xff\x00", b"\xff\xff"]
    assert _keys(store.iterate(b"\xff\xff")) == [b"\xff\xff"]
    assert _keys(store.iterate(b"\xff", reverse=True)) == [b"\xff\xff", b"\xff\x00", b"\xff"]


def test_iteration_reflects_later_batches(store: KeyValueStore) -> None:
    _fill(store)
    store.write_batch({b"a": None, b"aa": b"new"})
    assert _keys(store.iterate(b"a")) == [b"a\x00", b"a\x01z", b"aa", b"ab", b"ab\xff"]


def test_prefix_end_is_the_first_key_after_the_prefix() -> None:
    assert prefix_end(b"a") == b"b"
    assert prefix_end(b"a\xff") == b"b"
    assert prefix_end(b"a\x00") == b"a\x01"
    assert prefix_end(b"\xff").startswith(b"\xff\xff")


def test_leveldb_reopened_at_the_same_path_keeps_its_data(tmp_path: Path) -> None:
    path = str(tmp_path / "db")
    first = LevelDBStore(path)
    first.write_batch({b"k": b"v", b"gone": b"x"})
    first.write_batch({b"gone": None})
    first.close()
    second = LevelDBStore(path)
    try:
        assert second.get(b"k") == b"v"
        assert second.get(b"gone") is None
        assert list(second.iterate(b"")) == [(b"k", b"v")]
    finally:
        second.close()


def test_open_store_picks_the_backend_by_path(tmp_path: Path) -> None:
    memory = open_store(None)
    disk = open_store(str(tmp_path / "db"))
    try:
        assert isinstance(memory, MemoryStore)
        assert isinstance(disk, LevelDBStore)
    finally:
        disk.close()


def test_leveldb_iteration_is_a_snapshot(tmp_path: Path) -> None:
    store = LevelDBStore(str(tmp_path / "db"))
    try:
        store.write_batch({b"a1": b"1", b"a2": b"2", b"a3": b"3"})
        walk = store.iterate(b"a")
        first = next(walk)
        store.write_batch({b"a2": None})
        assert [first, *walk] == [(b"a1", b"1"), (b"a2", b"2"), (b"a3", b"3")]
    finally:
        store.close()


def test_memory_iteration_survives_a_delete_during_the_walk() -> None:
    store = MemoryStore()
    store.write_batch({b"a1": b"1", b"a2": b"2", b"a3": b"3"})
    walk = store.iterate(b"a")
    first = next(walk)
    store.write_batch({b"a2": None})
    assert [first, *walk] == [(b"a1", b"1"), (b"a2", b"2"), (b"a3", b"3")]


def test_leveldb_compact_leaves_every_table_on_one_level(tmp_path: Path) -> None:
    store = LevelDBStore(str(tmp_path / "db"))
    try:
        keys = [i.to_bytes(4, "big") for i in range(0, 20_000, 7)]
        store.write_batch({k: b"first" * 20 for k in keys})
        store.compact()
        store.write_batch({k: b"second" for k in keys[::2]} | {k: None for k in keys[1::2]})
        store.compact()
        assert [level.files > 0 for level in store.levels().values()].count(True) == 1
        assert store.get(keys[0]) == b"second"
        assert store.get(keys[1]) is None
    finally:
        store.close()
