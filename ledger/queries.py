"""Read-only questions about committed state, answered from the indexes."""

from __future__ import annotations

import msgspec

from ledger.encoding import decode_json
from ledger.records import BankRecord, HistoryNote, TxLocation, WalletRecord
from ledger.storage import KeyValueStore
from ledger.storage import schema as s
from ledger.types import OutPoint, Output


class Holding(msgspec.Struct, frozen=True):
    """An unspent output and where it sits."""

    point: OutPoint
    output: Output


class HistoryEntry(msgspec.Struct, frozen=True):
    """One transaction in a wallet's history."""

    txid: str
    height: int
    index: int
    kind: str = ""
    delta: dict[str, int] = {}
    """Per token, what the wallet's outputs gained (positive) or lost, in tiyn."""

    @property
    def cursor(self) -> str:
        """Where this entry sits, for paging: ``"<height>.<index>"``."""
        return f"{self.height}.{self.index}"


def parse_cursor(cursor: str) -> tuple[int, int]:
    """``"<height>"`` or ``"<height>.<index>"`` as a position; ValueError otherwise."""
    height, _, index = cursor.partition(".")
    if (
        not height.isascii()
        or not height.isdigit()
        or (index and not (index.isascii() and index.isdigit()))
    ):
        raise ValueError("expected <height> or <height>.<index>")
    if len(height) > 16 or len(index) > 10:
        raise ValueError("cursor out of range")
    return int(height), int(index or 0)


def holdings_of_key(store: KeyValueStore, owner: str) -> list[Holding]:
    """Unspent outputs held by one public key, oldest block first."""
    prefix = s.OWNER_OUTPUTS + bytes.fromhex(owner)
    found = []
    for key, _ in store.iterate(prefix):
        txid, index = key[len(prefix) : len(prefix) + 32], key[-1]
        raw = store.get(s.output_key(txid, index))
        if raw is not None:
            found.append(Holding(OutPoint(txid=txid.hex(), index=index), decode_json(raw, Output)))
    return found


def wallet(store: KeyValueStore, wallet_id: str) -> WalletRecord | None:
    raw = store.get(s.wallet_key(wallet_id))
    return None if raw is None else decode_json(raw, WalletRecord)


def bank(store: KeyValueStore, bank_id: str) -> BankRecord | None:
    raw = store.get(s.bank_key(bank_id))
    return None if raw is None else decode_json(raw, BankRecord)


def holdings_of_wallet(store: KeyValueStore, record: WalletRecord) -> list[Holding]:
    """Unspent outputs on every key of a wallet."""
    return [h for key in record.keys for h in holdings_of_key(store, key)]


def balances(holdings: list[Holding]) -> dict[str, int]:
    """Total per token, in tiyn."""
    totals: dict[str, int] = {}
    for h in holdings:
        totals[h.output.token] = totals.get(h.output.token, 0) + h.output.amount
    return totals


def history(
    store: KeyValueStore, wallet_id: str, limit: int = 50, before: str | None = None
) -> list[HistoryEntry]:
    """A wallet's transactions, newest first, strictly before the ``before`` cursor."""
    prefix = s.history_prefix(wallet_id)
    start = None if before is None else s.history_key(wallet_id, *parse_cursor(before))
    entries = []
    for key, raw in store.iterate(prefix, start=start, reverse=True):
        if start is not None and key >= start:
            continue
        height, index = int.from_bytes(key[-12:-4], "big"), int.from_bytes(key[-4:], "big")
        note = decode_json(raw, HistoryNote)
        entries.append(HistoryEntry(note.txid, height, index, note.kind, note.delta))
        if len(entries) >= limit:
            break
    return entries


def bank_wallets(store: KeyValueStore, bank_id: str) -> list[str]:
    """Ids of the wallets a bank has opened, in id order."""
    prefix = s.bank_wallets_prefix(bank_id)
    return [key[len(prefix) :].decode() for key, _ in store.iterate(prefix)]


def tx_location(store: KeyValueStore, txid: bytes) -> TxLocation | None:
    raw = store.get(s.tx_key(txid))
    return None if raw is None else decode_json(raw, TxLocation)
