"""A bank's event feed: pages, long-poll and Server-Sent Events; signed by the bank.

Every call is a signed read (RFC 9421) by one of the bank's keys, like its other
reads. A long-poll (``wait``) and a stream both hold one gunicorn worker thread,
so both are bounded: ``wait`` up to 30 s, a stream up to 60 s, after which the
client asks again from its cursor. Events come from committed blocks only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import msgspec
from flask import Blueprint, Response, request

from api.context import context, int_arg, reply
from api.errors import BadParameter
from api.routes.wallets import SIGNED, signed_by_bank
from api.spec import Catalogue, Endpoint, Param
from ledger.errors import TengeError
from ledger.feed import FeedEvent, parse_feed_cursor
from wire.bank import FeedPage

MAX_WAIT_S = 30
MAX_STREAM_S = 60
POLL_S = 0.1
HEARTBEAT_S = 10.0

AFTER = Param("after", "string", "cursor: only events after <height>[.<index>[.<sub>]]")
LIMIT = Param("limit", "integer", "page size (default 100)", 1, 1000)


def feed_cursor(name: str, raw: str | None) -> str | None:
    """A cursor query parameter, checked (bad_parameter otherwise)."""
    if raw is not None:
        try:
            parse_feed_cursor(raw)
        except ValueError as error:
            raise BadParameter(parameter=name, reason=str(error)) from None
    return raw


def poll(bank_id: str, after: str | None, limit: int, wait_s: float) -> FeedPage:
    """A page of events, waiting up to ``wait_s`` seconds for the first one."""
    ledger = context().ledger
    deadline = time.monotonic() + wait_s
    while True:
        page = ledger.bank_feed(bank_id, after, limit)
        if page.events or time.monotonic() >= deadline:
            return page
        time.sleep(POLL_S)


def blueprint(catalogue: Catalogue) -> Blueprint:
    bp = Blueprint("banks", __name__)

    @catalogue.route(
        bp,
        Endpoint(
            "GET",
            "/v1/banks/{bank_id}/events",
            "The bank's event feed, in chain order (signed by the bank)",
            "banks",
            FeedPage,
            signed=True,
            errors=SIGNED,
            query=(
                AFTER,
                LIMIT,
                Param("wait", "integer", "long-poll: seconds to wait for an event", 0, MAX_WAIT_S),
            ),
            description=(
                "Every committed event touching the bank's wallets or reserve: payments in "
                "and out, tier and status changes, program grants, offline deposits, fraud, "
                "claw-backs, waterfall instructions. An event's id never changes; resume with "
                "`after` set to the last id handled."
            ),
        ),
    )
    def events(bank_id: str) -> Response:
        signed_by_bank(bank_id)
        after = feed_cursor("after", request.args.get("after"))
        limit = int_arg("limit", 100, 1, 1000) or 100
        wait_s = int_arg("wait", 0, 0, MAX_WAIT_S) or 0
        return reply(poll(bank_id, after, limit, wait_s))

    @catalogue.route(
        bp,
        Endpoint(
            "GET",
            "/v1/banks/{bank_id}/events/stream",
            "The bank's event feed as Server-Sent Events, for a bounded time",
            "banks",
            FeedEvent,
            signed=True,
            errors=SIGNED,
            media="text/event-stream",
            query=(
                AFTER,
                Param(
                    "max_s", "integer", "seconds before the server ends the stream", 1, MAX_STREAM_S
                ),
            ),
            description=(
                "Each event is one SSE message: `id` is the event id, `event: ledger`, `data` "
                "the FeedEvent as JSON; a comment line every 10 s keeps the connection; the "
                "stream ends with `event: end` whose `data` is the cursor to resume from. "
                "Without `after`, a `Last-Event-ID` header is the cursor."
            ),
        ),
    )
    def stream(bank_id: str) -> Response:
        signed_by_bank(bank_id)
        after = feed_cursor("after", request.args.get("after"))
        if after is None:
            after = feed_cursor("Last-Event-ID", request.headers.get("Last-Event-ID"))
        max_s = int_arg("max_s", 25, 1, MAX_STREAM_S) or 25
        ledger = context().ledger
        body = sse(lambda cursor: ledger.bank_feed(bank_id, cursor, 100), after, max_s)
        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return Response(body, mimetype="text/event-stream", headers=headers)

    return bp


def sse(read: Callable[[str | None], FeedPage], after: str | None, max_s: int) -> Iterator[bytes]:
    """Server-Sent Events from ``read`` for ``max_s`` seconds, then an ``end`` event."""
    deadline = time.monotonic() + max_s
    beat = time.monotonic() + HEARTBEAT_S
    cursor = after
    yield b": tenge bank feed\n\n"
    while time.monotonic() < deadline:
        try:
            page = read(cursor)
        except TengeError:  # the writer restarting: end here, the client resumes
            break
        for event in page.events:
            yield b"id: %s\nevent: ledger\ndata: %s\n\n" % (
                event.id.encode(),
                msgspec.json.encode(event),
            )
        cursor = page.next_after
        if not page.events:
            if time.monotonic() >= beat:
                yield b": keep-alive\n\n"
                beat = time.monotonic() + HEARTBEAT_S
            time.sleep(POLL_S)
    yield b"event: end\ndata: %s\n\n" % (cursor or "").encode()
