"""Statements as CSV: one row per statement, balance and entry, with the JSON's camt names.

``RowTp`` says what a row is: ``STMT`` opens a statement (its id and account),
``OPBD`` and ``CLBD`` are its balances, ``NTRY`` its entries in chain order.
Amounts are integers in tiyn; ``RltdPties`` and ``Prf`` are space-separated.
The signed headers stay in the JSON form (``Hdrs``); a CSV reader who wants
proof fetches the headers of the ``Hght`` values from ``/v1/blocks``.
:func:`statements_from_csv` reads the file back into the same statements and
re-derives their totals.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any, get_args

from ledger.errors import InvalidStatement
from ledger.statements import (
    Account,
    AccountType,
    Balance,
    BalanceType,
    CreditDebit,
    Entry,
    Report,
    Statement,
    summarize,
)

__all__ = ["COLUMNS", "report_csv", "statements_from_csv"]

COLUMNS = (
    "StmtId", "RowTp", "AcctId", "AcctTp", "AcctSvcr", "Ccy", "Amt", "CdtDbtInd", "Hght",
    "NtryRef", "Idx", "BookgDt", "BkTxCd", "AcctSvcrRef", "RltdPties", "Prf",
)  # fmt: skip


def report_csv(report: Report) -> str:
    """The report's statements as CSV text (header row first, CRLF line ends)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS)
    writer.writeheader()
    for statement in report.statements:
        writer.writerows(_rows(statement))
    return out.getvalue()


def _rows(statement: Statement) -> Iterable[dict[str, Any]]:
    account = statement.account
    yield {
        "StmtId": statement.id, "RowTp": "STMT", "AcctId": account.id, "AcctTp": account.kind,
        "AcctSvcr": account.servicer,
    }  # fmt: skip
    for b in statement.balances:
        yield {
            "StmtId": statement.id, "RowTp": b.kind, "Ccy": b.token, "Amt": b.amount,
            "CdtDbtInd": b.sign, "Hght": b.height,
        }  # fmt: skip
    for e in statement.entries:
        yield {
            "StmtId": statement.id, "RowTp": "NTRY", "Ccy": e.token, "Amt": e.amount,
            "CdtDbtInd": e.sign, "Hght": e.height, "NtryRef": e.ref, "Idx": e.index,
            "BookgDt": e.booked, "BkTxCd": e.kind, "AcctSvcrRef": e.txid,
            "RltdPties": " ".join(e.parties), "Prf": " ".join(e.proof),
        }  # fmt: skip


class _Draft:
    def __init__(self, statement_id: str, account: Account) -> None:
        self.id, self.account = statement_id, account
        self.balances: list[Balance] = []
        self.entries: list[Entry] = []

    def statement(self) -> Statement:
        summary = []
        for token in sorted({b.token for b in self.balances} | {e.token for e in self.entries}):
            moves = [e for e in self.entries if e.token == token]
            credits = [e.amount for e in moves if e.sign == "CRDT"]
            summary.append(summarize(token, credits, [e.amount for e in moves if e.sign == "DBIT"]))
        return Statement(
            self.id, self.account, tuple(self.balances), tuple(summary), tuple(self.entries)
        )


def statements_from_csv(text: str) -> tuple[Statement, ...]:
    """Statements read back from :func:`report_csv` text; :class:`InvalidStatement` when a
    row is not one it writes."""
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise InvalidStatement(reason="the header row is not the statement columns")
    drafts: dict[str, _Draft] = {}
    for number, row in enumerate(reader, start=2):
        try:
            _read_row(row, drafts)
        except (KeyError, ValueError, TypeError) as error:
            statement_id = row.get("StmtId") or ""
            reason = f"row {number}: {error}"
            raise InvalidStatement(statement=statement_id, reason=reason) from None
    return tuple(draft.statement() for draft in drafts.values())


def _read_row(row: dict[str, str], drafts: dict[str, _Draft]) -> None:
    statement_id, kind = row["StmtId"], row["RowTp"]
    if kind == "STMT":
        if statement_id in drafts:
            raise ValueError("statement opened twice")
        account_type = _choice(row["AcctTp"], AccountType)
        drafts[statement_id] = _Draft(
            statement_id, Account(row["AcctId"], account_type, row["AcctSvcr"])
        )
        return
    draft = drafts[statement_id]
    amount, height, sign = (
        _number(row["Amt"]),
        _number(row["Hght"]),
        _choice(row["CdtDbtInd"], CreditDebit),
    )
    if kind == "NTRY":
        parties = tuple(row["RltdPties"].split())
        entry = Entry(
            row["NtryRef"], amount, row["Ccy"], sign, "BOOK", row["BookgDt"], row["BkTxCd"],
            row["AcctSvcrRef"], height, _number(row["Idx"]), parties, tuple(row["Prf"].split()),
        )  # fmt: skip
        draft.entries.append(entry)
    else:
        draft.balances.append(Balance(_choice(kind, BalanceType), amount, row["Ccy"], sign, height))


def _number(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 16:
        raise ValueError(f"expected a non-negative integer, got {text!r}")
    return int(text)


def _choice(text: str, allowed: Any) -> Any:
    if text not in get_args(allowed):
        raise ValueError(f"{text!r} is not one of {get_args(allowed)}")
    return text
