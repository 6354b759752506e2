"""Response bodies of a bank's feed and statements (the server builds them, the SDK decodes)."""

from __future__ import annotations

import msgspec

from ledger.feed import FeedEvent

__all__ = ["FeedEvent", "FeedPage"]


class FeedPage(msgspec.Struct, frozen=True):
    """Events in chain order; pass ``next_after`` as ``after`` for the next page."""

    events: tuple[FeedEvent, ...]
    next_after: str | None
    """The last event's id, or the ``after`` given when there was none (poll again)."""
    tip: int
    """The chain height the page was read at."""
