"""``tenge-bank events``: the bank's event feed, once or followed, from a saved cursor."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import msgspec

from wallet.cli.args import bounded_int, command
from wallet.cli.common import LOCAL as LOCAL_ERROR
from wallet.cli.common import CliError, Reply, Session, bank_unlocked


def add_feed_commands(commands: Any, parent: Any) -> None:
    """The feed command (and its options) of ``tenge-bank``."""
    events = command(commands, "events", feed_events, parent, "the bank's event feed")
    events.add_argument("--from", dest="start", default=None, help="cursor to begin after")
    events.add_argument(
        "--cursor-file",
        default=None,
        help="resume after the id saved here; save each event's id once printed",
    )
    events.add_argument("--follow", action="store_true", help="keep printing new events")
    events.add_argument(
        "--limit", type=bounded_int(1, 1000), default=100, help="events per request"
    )


def feed_events(session: Session) -> Reply:
    """Print events as JSON lines (one FeedEvent each); with ``--follow`` until interrupted."""
    # Imported here: the SDK's feed pulls in httpx, which local commands should not pay for.
    from wallet.feed import CursorFile, FeedConsumer

    args = session.args
    if args.start is not None:
        _check_cursor(args.start)
    _, bank, key = bank_unlocked(session)
    cursor = CursorFile(Path(args.cursor_file)) if args.cursor_file else None
    consumer = FeedConsumer(session.client, bank, key, cursor, start=args.start)
    printed = 0

    def show(event: msgspec.Struct) -> None:
        nonlocal printed
        sys.stdout.write(msgspec.json.encode(event).decode() + "\n")
        sys.stdout.flush()  # printed before its id is saved: at-least-once, never skipped
        printed += 1

    if args.follow:
        consumer.follow(show)
    else:
        for event in consumer.events(args.limit):
            show(event)
    summary = {"bank_id": bank, "events": printed, "cursor": consumer.position}
    if not args.json:  # stdout holds the events only
        print(f"{printed} events, cursor {consumer.position}", file=sys.stderr)
    return Reply(summary)


def _check_cursor(text: str) -> None:
    from ledger.feed import parse_feed_cursor

    try:
        parse_feed_cursor(text)
    except ValueError as error:
        raise CliError(LOCAL_ERROR, "bad_cursor", f"--from {text!r}: {error}") from None
