"""Building end-of-day statements from the committed chain (types in ``ledger.statements``).

A day is the blocks whose header time falls in the UTC day (block times never
go back, so they are found by bisection). An account's movements come from the
indexes the writer keeps in every block's batch: a wallet's history, a bank's
feed (its reserve moves and its issue and redeem transactions). Opening
balances add up every movement before the day, so a statement needs no
balance snapshots and agrees with the feed by construction; the cost grows
with the account's lifetime (decision 0018). Everything here only reads.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from datetime import date

import msgspec

from ledger.chain import genesis_hash
from ledger.crypto import inclusion_proofs
from ledger.encoding import decode_json
from ledger.queries import bank_wallets
from ledger.records import FeedNote, HistoryNote
from ledger.state import StateView
from ledger.statements import (
    Account,
    Anchor,
    Balance,
    Entry,
    Report,
    ReportStatus,
    SignedHeader,
    Statement,
    day_window,
    iso_ms,
    summarize,
)
from ledger.storage import KeyValueStore
from ledger.storage import schema as s
from ledger.types import Block, BlockHeader, Genesis, txid_of

CENTRAL_BANK = "central-bank"
_HISTORY = struct.Struct(">QI")
_FEED = struct.Struct(">QIH")


class Movement(msgspec.Struct, frozen=True):
    """What one transaction changed in one account, per token."""

    height: int
    index: int
    txid: str
    kind: str
    delta: dict[str, int]


class _Signed(msgspec.Struct):
    header: BlockHeader
    signature: str


class DayBook:
    """The chain as seen for one UTC day: its height range and its blocks' proofs."""

    def __init__(self, store: KeyValueStore, genesis: Genesis, tip: int, day: date) -> None:
        self.store, self.genesis, self.tip, self.day = store, genesis, tip, day
        self.start_ms, self.end_ms = day_window(day)
        self.first = self._first_at_or_after(self.start_ms)
        after = self._first_at_or_after(self.end_ms)
        self.last = after - 1
        self.final = after <= tip
        closed_at = after if self.final else tip
        self.created_ms = self._signed(closed_at).header.time_ms if tip else genesis.time_ms
        self._blocks: dict[int, Block] = {}
        self._proofs: dict[tuple[int, int], tuple[str, tuple[str, ...]]] = {}
        self._named: dict[tuple[int, int], dict[str, str]] = {}
        self._names: dict[str, str] = {}
        self._view = StateView(store)
        self.used: set[int] = set()

    def _first_at_or_after(self, time_ms: int) -> int:
        low, high = 1, self.tip + 1  # the answer lies in [low, high]; tip + 1: none
        while low < high:
            middle = (low + high) // 2
            if self._signed(middle).header.time_ms >= time_ms:
                high = middle
            else:
                low = middle + 1
        return low

    def _signed(self, height: int) -> _Signed:
        raw = self.store.get(s.block_key(height))
        if raw is None:
            raise LookupError(f"block {height} is not stored")
        return msgspec.json.decode(raw, type=_Signed)

    def anchor(self, height: int) -> Anchor:
        if height == 0:
            return Anchor(0, genesis_hash(self.genesis).hex())
        return Anchor(height, self._signed(height).header.block_hash(self.genesis.network).hex())

    def block(self, height: int) -> Block:
        if height not in self._blocks:
            raw = self.store.get(s.block_key(height))
            if raw is None:
                raise LookupError(f"block {height} is not stored")
            self._blocks[height] = decode_json(raw, Block)
        return self._blocks[height]

    def proof(self, height: int, index: int) -> tuple[str, tuple[str, ...]]:
        """The txid at (height, index) and its audit path (one tree hashing per block)."""
        if (height, index) not in self._proofs:
            block = self.block(height)
            txids = [txid_of(self.genesis.network, bytes(tx.body)) for tx in block.txs]
            for at, path in inclusion_proofs(txids, list(range(len(txids)))).items():
                self._proofs[(height, at)] = (txids[at].hex(), tuple(p.hex() for p in path))
        self.used.add(height)
        return self._proofs[(height, index)]

    def named_keys(self, height: int, index: int) -> dict[str, str]:
        """The keys a transaction names — its signers and the owners its body lists under
        any kind's ``outputs`` and ``change`` — with who the ledger knows them as."""
        if (height, index) not in self._named:
            tx = self.block(height).txs[index]
            body = msgspec.json.decode(bytes(tx.body))
            keys = {signature.key for signature in tx.signatures}
            for field in ("outputs", "change"):
                listed = body.get(field) if isinstance(body, dict) else None
                if isinstance(listed, list):
                    keys |= {o["owner"] for o in listed if isinstance(o, dict) and "owner" in o}
            self._named[(height, index)] = {k: self._name(k) for k in keys if isinstance(k, str)}
        return self._named[(height, index)]

    def _name(self, key: str) -> str:
        if key not in self._names:
            owner = self._view.key_owner(key) if len(key) == 64 else None
            if key in self.genesis.central_bank_keys:
                self._names[key] = CENTRAL_BANK
            else:
                self._names[key] = f"key:{key}" if owner is None else f"{owner.kind}:{owner.id}"
        return self._names[key]

    def report(self, statements: Iterable[Statement], message_id: str) -> Report:
        """The day's report: the statements and the signed headers that prove them."""
        closing = max(self.last, self.first - 1)
        ends = {h for h in (self.first - 1, closing) if h}  # both anchors, proven too
        heights = sorted(self.used | ends)
        headers = tuple(SignedHeader(**msgspec.structs.asdict(self._signed(h))) for h in heights)
        start, end = iso_ms(self.start_ms), iso_ms(self.end_ms - 1)
        status: ReportStatus = "final" if self.final else "provisional"
        return Report(
            message_id, iso_ms(self.created_ms), self.day.isoformat(), start, end, status,
            self.genesis.network, self.anchor(self.first - 1), self.anchor(closing),
            tuple(statements), headers,
        )  # fmt: skip


def wallet_movements(store: KeyValueStore, wallet_id: str) -> Iterator[Movement]:
    """A wallet's movements in chain order (its history index)."""
    prefix = s.history_prefix(wallet_id)
    for key, raw in store.iterate(prefix):
        height, index = _HISTORY.unpack(key[-12:])
        note = decode_json(raw, HistoryNote)
        yield Movement(height, index, note.txid, note.kind, note.delta)


def reserve_movements(store: KeyValueStore, bank_id: str) -> Iterator[Movement]:
    """What moved on a bank's own reserve keys, in chain order (its feed's own notes)."""
    for height, index, note in _bank_notes(store, bank_id):
        if note.delta:
            yield Movement(height, index, note.txid, note.kind, note.delta)


def issuance_movements(store: KeyValueStore, bank_id: str) -> Iterator[Movement]:
    """A bank's issue (+) and redeem (-) transactions: its outstanding KZT moves by the
    reserve's change, since both pay only to and from reserve keys."""
    for movement in reserve_movements(store, bank_id):
        if movement.kind in ("issue", "redeem"):
            yield movement


def _bank_notes(store: KeyValueStore, bank_id: str) -> Iterator[tuple[int, int, FeedNote]]:
    for key, raw in store.iterate(s.feed_prefix(bank_id)):
        if raw.startswith(b"{"):  # the bank's own entry; a bare wallet id otherwise
            height, index, _ = _FEED.unpack(key[-14:])
            yield height, index, decode_json(raw, FeedNote)


def account_statement(
    book: DayBook, account: Account, movements: Iterable[Movement], own_keys: frozenset[str]
) -> Statement:
    """One account's statement for the book's day from its movements in chain order."""
    opening: dict[str, int] = {}
    entries: list[Entry] = []
    for movement in movements:
        if movement.height > book.last:
            break
        if movement.height < book.first:
            for token, change in movement.delta.items():
                opening[token] = opening.get(token, 0) + change
            continue
        entries += _entries(book, movement, own_keys)
    closing = dict(opening)
    for entry in entries:
        change = entry.amount if entry.sign == "CRDT" else -entry.amount
        closing[entry.token] = closing.get(entry.token, 0) + change
    return _statement(book, account, opening, closing, entries)


def _statement(
    book: DayBook,
    account: Account,
    opening: dict[str, int],
    closing: dict[str, int],
    entries: list[Entry],
) -> Statement:
    held = {t for t in set(opening) | set(closing) if opening.get(t) or closing.get(t)}
    tokens = sorted(held | {e.token for e in entries})
    open_at, close_at = book.first - 1, max(book.last, book.first - 1)
    balances = []
    summary = []
    for token in tokens:
        balances.append(Balance("OPBD", opening.get(token, 0), token, "CRDT", open_at))
        balances.append(Balance("CLBD", closing.get(token, 0), token, "CRDT", close_at))
        moves = [e for e in entries if e.token == token]
        credits = [e.amount for e in moves if e.sign == "CRDT"]
        summary.append(summarize(token, credits, [e.amount for e in moves if e.sign == "DBIT"]))
    return Statement(
        f"{account.id}/{book.day.isoformat()}", account, tuple(balances), tuple(summary),
        tuple(entries),
    )  # fmt: skip


def _entries(book: DayBook, movement: Movement, own_keys: frozenset[str]) -> list[Entry]:
    txid, proof = book.proof(movement.height, movement.index)
    if txid != movement.txid:
        raise LookupError(f"index says {movement.txid} at {movement.height}.{movement.index}")
    booked = iso_ms(book.block(movement.height).header.time_ms)
    named = book.named_keys(movement.height, movement.index)
    parties = tuple(sorted({name for key, name in named.items() if key not in own_keys}))
    return [
        Entry(
            f"{movement.height}.{movement.index}",
            abs(change),
            token,
            "CRDT" if change > 0 else "DBIT",
            "BOOK",
            booked,
            movement.kind,
            txid,
            movement.height,
            movement.index,
            parties,
            proof,
        )
        for token, change in sorted(movement.delta.items())
        if change
    ]


def wallet_report(book: DayBook, wallet_id: str) -> Report | None:
    """A wallet's statement for the day (None for an unknown wallet)."""
    record = StateView(book.store).wallet(wallet_id)
    if record is None:
        return None
    account = Account(f"wallet:{wallet_id}", "wallet", record.bank_id)
    own = frozenset(record.keys)
    statement = account_statement(book, account, wallet_movements(book.store, wallet_id), own)
    return book.report([statement], f"STMT/{account.id}/{book.day.isoformat()}")


def bank_report(book: DayBook, bank_id: str) -> Report | None:
    """A bank's day: its reserve, then every one of its wallets that held or moved money."""
    record = StateView(book.store).bank(bank_id)
    if record is None:
        return None
    reserve = Account(f"reserve:{bank_id}", "reserve", bank_id)
    movements = reserve_movements(book.store, bank_id)
    statements = [account_statement(book, reserve, movements, frozenset(record.keys))]
    view = StateView(book.store)
    for wallet_id in bank_wallets(book.store, bank_id):
        wallet = view.wallet(wallet_id)
        keys = frozenset(wallet.keys) if wallet is not None else frozenset()
        account = Account(f"wallet:{wallet_id}", "wallet", bank_id)
        statement = account_statement(book, account, wallet_movements(book.store, wallet_id), keys)
        if statement.balances:
            statements.append(statement)
    return book.report(statements, f"STMT/bank:{bank_id}/{book.day.isoformat()}")


def issuance_report(book: DayBook) -> Report:
    """The central bank's day: per bank, KZT outstanding (issued minus redeemed) with every
    issue (credit) and redeem (debit)."""
    statements = []
    for key, _ in book.store.iterate(s.BANK):
        bank_id = key[len(s.BANK) :].decode()
        account = Account(f"issuance:{bank_id}", "issuance", CENTRAL_BANK)
        movements = issuance_movements(book.store, bank_id)
        central = frozenset(book.genesis.central_bank_keys)  # the account's own side
        statements.append(account_statement(book, account, movements, central))
    return book.report(statements, f"STMT/issuance/{book.day.isoformat()}")
