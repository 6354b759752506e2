"""A bank's event feed: every committed event touching the bank's wallets or its reserve.

The writer keeps the feed as an index (``schema.BANK_FEED``) in each block's own
batch, beside the wallets' history: one entry per (bank, transaction, event),
keyed by ``(height, index, sub)``. An entry for one of the bank's wallets holds
only the wallet id (its history note says what moved), so the hot path writes
raw bytes; the bank's own reserve movements and waterfall instructions hold a
:class:`~ledger.records.FeedNote`. The chain is append-only, so an event's id
``"<height>.<index>.<sub>"`` never changes: a consumer that remembers the last id
it handled and skips what it has seen is exactly-once in effect.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

import msgspec

from ledger.encoding import decode_json
from ledger.records import FeedNote, HistoryNote, WaterfallInstruction
from ledger.storage import KeyValueStore
from ledger.storage import schema as s
from ledger.types import BlockHeader, Output

if TYPE_CHECKING:
    from ledger.registry import Effect, Pending
    from ledger.state import StateView

_POSITION = struct.Struct(">QIH")
MAX_CURSOR_PART = (2**63 - 1, 2**32 - 1, 2**16 - 1)


class FeedEvent(msgspec.Struct, frozen=True):
    """One event of a bank's feed."""

    id: str
    """Stable id and cursor: ``"<height>.<index>.<sub>"``."""
    height: int
    index: int
    """The transaction's position in its block."""
    sub: int
    """The event's position among this bank's events of that transaction."""
    time_ms: int
    """The block's time (Unix ms, UTC)."""
    txid: str
    kind: str
    wallet_id: str | None = None
    """The bank's wallet the event is about; None for the bank's own reserve or record."""
    delta: dict[str, int] = {}
    """Per token, what the wallet's (or the reserve's) outputs gained or lost, in tiyn."""
    instruction: WaterfallInstruction | None = None
    """A waterfall instruction for the wallet's linked deposit account, if this is one."""


def parse_feed_cursor(cursor: str) -> tuple[int, int, int]:
    """``"<height>"``, ``"<height>.<index>"`` or ``"<height>.<index>.<sub>"``; ValueError
    otherwise. Missing parts are 0 (``"5"`` is the very start of block 5)."""
    parts = cursor.split(".")
    if not 1 <= len(parts) <= 3 or not all(p.isascii() and p.isdigit() for p in parts):
        raise ValueError("expected <height>[.<index>[.<sub>]]")
    if any(len(p) > 19 for p in parts):
        raise ValueError("cursor out of range")
    numbers = [int(p) for p in parts] + [0] * (3 - len(parts))
    if any(n > high for n, high in zip(numbers, MAX_CURSOR_PART, strict=True)):
        raise ValueError("cursor out of range")
    return numbers[0], numbers[1], numbers[2]


def write_feed(
    pending: Pending, effect: Effect, created: tuple[Output, ...], view: StateView, position: int
) -> None:
    """Index a transaction in the feed of every bank it touches (in the block's batch)."""
    tx, height = pending.tx, pending.block.height
    subs: dict[str, int] = {}

    def put(bank_id: str, value: bytes | FeedNote) -> None:
        sub = subs.get(bank_id, 0)
        subs[bank_id] = sub + 1
        view.write(s.feed_key(bank_id, height, position, sub), value)

    for party in effect.parties:
        wallet = view.wallet(party)
        if wallet is not None:
            put(wallet.bank_id, party.encode())
    for bank_id in effect.banks:
        delta = reserve_delta(bank_id, pending.spent, created, view)
        put(bank_id, FeedNote(txid=tx.txid.hex(), kind=tx.kind, delta=delta))
    for instruction in effect.instructions:
        put(
            instruction.bank_id, FeedNote(txid=tx.txid.hex(), kind=tx.kind, instruction=instruction)
        )


def reserve_delta(
    bank_id: str, spent: tuple[Output, ...], created: tuple[Output, ...], view: StateView
) -> dict[str, int]:
    """Per token, what the bank's own keys gained or lost in one transaction."""
    delta: dict[str, int] = {}
    for sign, outputs in ((-1, spent), (1, created)):
        for output in outputs:
            owner = view.key_owner(output.owner)
            if owner is not None and owner.kind == "bank" and owner.id == bank_id:
                delta[output.token] = delta.get(output.token, 0) + sign * output.amount
    return {token: amount for token, amount in delta.items() if amount}


class _Headed(msgspec.Struct):
    header: BlockHeader


def bank_feed(
    store: KeyValueStore, bank_id: str, after: str | None = None, limit: int = 100
) -> list[FeedEvent]:
    """The bank's events in chain order, strictly after the ``after`` cursor (from the
    start without one)."""
    prefix = s.feed_prefix(bank_id)
    start, exclusive = prefix, b""
    if after is not None:
        exclusive = s.feed_key(bank_id, *parse_feed_cursor(after))
        start = exclusive
    headers: dict[int, BlockHeader] = {}
    events: list[FeedEvent] = []
    for key, raw in store.iterate(prefix, start=start):
        if key == exclusive:
            continue
        height, index, sub = _POSITION.unpack(key[-14:])
        header = headers.get(height) or _header(store, height)
        headers[height] = header
        events.append(_event(store, (height, index, sub), header.time_ms, raw))
        if len(events) >= limit:
            break
    return events


def _header(store: KeyValueStore, height: int) -> BlockHeader:
    raw = store.get(s.block_key(height))
    if raw is None:  # the index and its block are written in one batch
        raise LookupError(f"feed entry for block {height}, which is not stored")
    return msgspec.json.decode(raw, type=_Headed).header


def _event(
    store: KeyValueStore, position: tuple[int, int, int], time_ms: int, raw: bytes
) -> FeedEvent:
    height, index, sub = position
    ident = f"{height}.{index}.{sub}"
    if raw.startswith(b"{"):
        note = decode_json(raw, FeedNote)
        wallet_id = None if note.instruction is None else note.instruction.wallet_id
        return FeedEvent(
            ident, height, index, sub, time_ms, note.txid, note.kind, wallet_id, note.delta,
            note.instruction,
        )  # fmt: skip
    wallet_id = raw.decode()
    history = store.get(s.history_key(wallet_id, height, index))
    if history is None:
        raise LookupError(f"feed entry {ident} without its history note")
    entry = decode_json(history, HistoryNote)
    return FeedEvent(
        ident, height, index, sub, time_ms, entry.txid, entry.kind, wallet_id, entry.delta
    )
