"""``tenge-bank statement``: a UTC day's statement of the bank or of one of its wallets.

The report is fetched as JSON and verified here against the network's
producer keys (every entry's Merkle path to a signed header, every statement's
sums) before anything is printed; ``--csv`` then prints the same statements as
the node's CSV form, ``--json`` the whole report.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

import msgspec

from wallet.cli.args import command, format_kzt
from wallet.cli.common import Reply, Session, bank_unlocked


def parse_day(text: str) -> date:
    """An argparse type for ``YYYY-MM-DD``."""
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a date as YYYY-MM-DD") from None


def add_statement_commands(commands: Any, parent: Any) -> None:
    """The statement command (and its options) of ``tenge-bank``."""
    statement = command(
        commands, "statement", day_statement, parent, "a UTC day's statement, verified"
    )
    statement.add_argument("--date", required=True, type=parse_day, help="the UTC day, YYYY-MM-DD")
    statement.add_argument("--wallet", default=None, help="one of the bank's wallets only")
    statement.add_argument("--csv", action="store_true", help="print the statements as CSV")


def day_statement(session: Session) -> Reply:
    """Fetch, verify and print the day's statement of the bank (or of ``--wallet``)."""
    from wire.statements import report_csv

    args = session.args
    _, bank, key = bank_unlocked(session)
    client = session.client
    if args.wallet:
        report = client.wallet_statement(args.wallet, key, args.date)
    else:
        report = client.bank_statement(bank, key, args.date)
    client.verify_statement(report)
    if args.csv:
        sys.stdout.write(report_csv(report))
        return Reply({"statements": len(report.statements)})
    lines = [
        f"statement {report.day} ({report.status}), blocks "
        f"{report.opening.height + 1}..{report.closing.height}, verified"
    ]
    for statement in report.statements:
        lines.append(f"  {statement.account.id}")
        balances = {(b.kind, b.token): b.amount for b in statement.balances}
        for summary in statement.summary:
            token = summary.token
            lines.append(
                f"    {token}: opening {_money(balances.get(('OPBD', token), 0), token)}, "
                f"{summary.credits.count} in {_money(summary.credits.amount, token)}, "
                f"{summary.debits.count} out {_money(summary.debits.amount, token)}, "
                f"closing {_money(balances.get(('CLBD', token), 0), token)}"
            )
    return Reply(msgspec.to_builtins(report), lines)


def _money(tiyn: int, token: str) -> str:
    return format_kzt(tiyn) if token == "KZT" else f"{tiyn} tiyn of {token}"
