"""A bank's feed consumer that persists its cursor: exactly-once in effect.

The node delivers at least once: after a crash a consumer may see again the
events after its last saved cursor. :class:`FeedConsumer` hands each event to
the bank's handler and then saves the event's id durably (written to a
temporary file, fsynced, renamed over the cursor file, the directory fsynced),
so it never skips an event, and on restart it resumes after the last id it
saved. A handler that records the event id with its effect (in the bank's own
database, in the same transaction) and ignores an id it already holds makes
the whole pipeline exactly-once in effect; ids are stable and ordered.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

from ledger.crypto import KeyPair
from wallet.client import ApiError, TengeClient
from wire.bank import FeedEvent

log = logging.getLogger(__name__)
Handler = Callable[[FeedEvent], None]


class CursorFile:
    """The id of the last event handled, kept durably in one small file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> str | None:
        """The saved cursor, or None before the first event."""
        try:
            text = self.path.read_text().strip()
        except FileNotFoundError:
            return None
        return text or None

    def save(self, cursor: str) -> None:
        """Replace the cursor atomically and durably."""
        temporary = self.path.with_name(self.path.name + ".tmp")
        with open(temporary, "w") as file:
            file.write(cursor + "\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.path)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


class FeedConsumer:
    """Reads a bank's feed from a saved cursor and saves it after each event handled."""

    def __init__(
        self,
        client: TengeClient,
        bank_id: str,
        key: KeyPair,
        cursor: CursorFile | None = None,
        start: str | None = None,
    ) -> None:
        """``cursor``: where progress is saved (none: in memory only); ``start``: the cursor
        to begin from when nothing is saved yet."""
        self.client, self.bank_id, self.key = client, bank_id, key
        self.cursor_file = cursor
        saved = cursor.load() if cursor is not None else None
        self.position: str | None = saved if saved is not None else start

    def poll(self, handle: Handler, wait: int = 0, limit: int = 100) -> int:
        """Handle the next page of events (waiting up to ``wait`` s); how many were handled."""
        page = self.client.bank_events(self.bank_id, self.key, self.position, limit, wait)
        for event in page.events:
            handle(event)
            self._advance(event.id)
        return len(page.events)

    def _advance(self, event_id: str) -> None:
        self.position = event_id
        if self.cursor_file is not None:
            self.cursor_file.save(event_id)

    def follow(
        self,
        handle: Handler,
        wait: int = 25,
        until: Callable[[], bool] = lambda: False,
        retry_s: float = 0.5,
    ) -> None:
        """Handle events as they are committed until ``until()`` says stop; a node that is
        down or restarting is waited for, from the same cursor."""
        while not until():
            try:
                self.poll(handle, wait)
            except (httpx.TransportError, ApiError) as error:
                if isinstance(error, ApiError) and error.status < 500:
                    raise
                log.info("feed unavailable, retrying: %s", error)
                time.sleep(retry_s)

    def events(self, limit: int = 100) -> Iterator[FeedEvent]:
        """Every event from the cursor to the tip, page by page, saving the cursor as the
        caller takes each one (it is handled when the caller asks for the next)."""
        while True:
            page = self.client.bank_events(self.bank_id, self.key, self.position, limit)
            for event in page.events:
                yield event
                self._advance(event.id)
            if len(page.events) < limit:
                return
