"""A bank's feed consumer that runs until it is killed: the bank's side of the feed test.

``python -m tests.functional.feed_child --url URL --bank BANK --dir DIR`` follows
the bank's feed with :class:`wallet.feed.FeedConsumer` (cursor in ``DIR/cursor``)
and applies each event to the bank's own SQLite books (``DIR/books.sqlite``) the
way a bank should: the event id and the balance changes in one database
transaction, and an id the books already hold is counted as a redelivery and
otherwise ignored. The parent kills it with SIGKILL at any moment.
"""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

from tests.harness import key
from wallet.client import TengeClient
from wallet.feed import CursorFile, FeedConsumer
from wire.bank import FeedEvent

RESERVE = "(reserve)"
SCHEMA = """
CREATE TABLE IF NOT EXISTS applied (event_id TEXT PRIMARY KEY, txid TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS balance (
    account TEXT NOT NULL, token TEXT NOT NULL, amount INTEGER NOT NULL,
    PRIMARY KEY (account, token));
CREATE TABLE IF NOT EXISTS redelivered (event_id TEXT NOT NULL);
"""


def open_books(path: Path) -> sqlite3.Connection:
    """The bank's books (WAL, so the parent can read while this process writes)."""
    books = sqlite3.connect(path, isolation_level=None, timeout=30)
    books.execute("PRAGMA journal_mode=WAL")
    books.execute("PRAGMA synchronous=FULL")
    books.executescript(SCHEMA)
    return books


def book(books: sqlite3.Connection, event: FeedEvent) -> None:
    """Apply one event exactly once: its id and its effect commit together."""
    books.execute("BEGIN IMMEDIATE")
    try:
        known = books.execute("SELECT 1 FROM applied WHERE event_id = ?", (event.id,)).fetchone()
        if known:
            books.execute("INSERT INTO redelivered VALUES (?)", (event.id,))
        else:
            books.execute("INSERT INTO applied VALUES (?, ?)", (event.id, event.txid))
            account = event.wallet_id or RESERVE
            for token, change in event.delta.items():
                books.execute(
                    "INSERT INTO balance VALUES (?, ?, ?) ON CONFLICT (account, token) "
                    "DO UPDATE SET amount = amount + excluded.amount",
                    (account, token, change),
                )
        books.execute("COMMIT")
    except BaseException:
        books.execute("ROLLBACK")
        raise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--bank", required=True)
    parser.add_argument("--dir", required=True, type=Path)
    args = parser.parse_args()
    books = open_books(args.dir / "books.sqlite")
    with TengeClient(args.url, timeout=10) as client:
        consumer = FeedConsumer(client, args.bank, key(args.bank), CursorFile(args.dir / "cursor"))
        consumer.follow(lambda event: book(books, event), wait=1, retry_s=0.1)


if __name__ == "__main__":
    main()
