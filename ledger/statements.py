"""End-of-day statements: the value types, with ISO 20022 camt.053 names on the wire.

A statement covers one account (a wallet, a bank's reserve, or a bank's
issuance at the central bank) for one UTC day: the blocks whose header time
falls in [00:00, 24:00). Field names follow camt.053 (``Bal`` with ``OPBD`` /
``CLBD``, ``Ntry`` with ``Amt``, ``CdtDbtInd``, ``BookgDt``, ``NtryRef``,
``TxsSummry``), flattened, with two deliberate differences: amounts are
integers in tiyn (the token is the ``Ccy``), and each entry carries its block
height, position and the Merkle audit path of its transaction, so it can be
checked against the signed block headers the report includes
(:func:`verify_report`). :func:`check_sums` is the arithmetic a reader should
redo: opening + credits - debits = closing, per token.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Literal

import msgspec

from ledger.crypto import verify, verify_inclusion
from ledger.errors import InvalidStatement
from ledger.types import BlockHeader

DAY_MS = 86_400_000
CreditDebit = Literal["CRDT", "DBIT"]
BalanceType = Literal["OPBD", "CLBD"]
AccountType = Literal["wallet", "reserve", "issuance"]
ReportStatus = Literal["final", "provisional"]


def day_window(day: date) -> tuple[int, int]:
    """The UTC day as Unix ms: [start, end)."""
    start = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)
    return start, start + DAY_MS


def iso_ms(time_ms: int) -> str:
    """Unix ms as an ISO 8601 UTC date-time with milliseconds (``...T05:00:01.000Z``)."""
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=time_ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{time_ms % 1000:03d}Z"


class Account(msgspec.Struct, frozen=True, rename={"id": "Id", "kind": "Tp", "servicer": "Svcr"}):
    """The account a statement is about."""

    id: str
    """``wallet:<wallet_id>``, ``reserve:<bank_id>`` or ``issuance:<bank_id>``."""
    kind: AccountType
    servicer: str
    """The bank that keeps the account (the central bank: ``central-bank``)."""


class Balance(
    msgspec.Struct,
    frozen=True,
    rename={"kind": "Tp", "amount": "Amt", "token": "Ccy", "sign": "CdtDbtInd", "height": "Hght"},
):
    """An opening or closing balance of one token."""

    kind: BalanceType
    amount: int
    """In tiyn, never negative (``sign`` is always ``CRDT``: accounts cannot be overdrawn)."""
    token: str
    sign: CreditDebit
    height: int
    """The balance as it stood after this block (0: before the first block)."""


class Entry(
    msgspec.Struct,
    frozen=True,
    rename={
        "ref": "NtryRef", "amount": "Amt", "token": "Ccy", "sign": "CdtDbtInd",
        "status": "Sts", "booked": "BookgDt", "kind": "BkTxCd", "txid": "AcctSvcrRef",
        "height": "Hght", "index": "Idx", "parties": "RltdPties", "proof": "Prf",
    },
):  # fmt: skip
    """One movement of one token: what a transaction added to or took from the account."""

    ref: str
    """``<height>.<index>``: the transaction's place in the chain (with ``Ccy``, unique)."""
    amount: int
    """In tiyn, positive."""
    token: str
    sign: CreditDebit
    status: Literal["BOOK"]
    booked: str
    """The block's time, ISO 8601 UTC."""
    kind: str
    """The transaction's kind (``transfer``, ``issue``, ...)."""
    txid: str
    height: int
    index: int
    parties: tuple[str, ...]
    """The other parties the transaction names: ``wallet:<id>``, ``bank:<id>``,
    ``central-bank`` or ``key:<hex>`` for a key the ledger does not know."""
    proof: tuple[str, ...]
    """RFC 6962 audit path of ``txid`` at ``index`` in block ``height`` (leaf first)."""


class Totals(msgspec.Struct, frozen=True, rename={"count": "NbOfNtries", "amount": "Sum"}):
    count: int
    amount: int


class Summary(
    msgspec.Struct,
    frozen=True,
    rename={
        "token": "Ccy",
        "credits": "TtlCdtNtries",
        "debits": "TtlDbtNtries",
        "net": "TtlNetNtry",
    },
):
    """A token's totals for the day."""

    token: str
    credits: Totals
    debits: Totals
    net: int
    """Credits minus debits, in tiyn (negative when the account shrank)."""


class Statement(
    msgspec.Struct,
    frozen=True,
    rename={
        "id": "Id", "account": "Acct", "balances": "Bal", "summary": "TxsSummry", "entries": "Ntry"
    },
):  # fmt: skip
    """One account's day."""

    id: str
    """``<account id>/<date>``."""
    account: Account
    balances: tuple[Balance, ...]
    """Per token, ``OPBD`` then ``CLBD``; tokens in name order."""
    summary: tuple[Summary, ...]
    entries: tuple[Entry, ...]
    """In chain order."""


class Anchor(msgspec.Struct, frozen=True, rename={"height": "Hght", "block_hash": "Hash"}):
    """A block a statement's balances are taken at."""

    height: int
    block_hash: str
    """``hash`` of that block's header (the genesis hash at height 0)."""


class SignedHeader(msgspec.Struct, frozen=True, rename={"header": "Hdr", "signature": "Sig"}):
    header: BlockHeader
    signature: str


class Report(
    msgspec.Struct,
    frozen=True,
    rename={
        "message_id": "MsgId", "created": "CreDtTm", "day": "Dt", "start": "FrDtTm",
        "end": "ToDtTm", "status": "RptSts", "opening": "Opng", "closing": "Clsg",
        "statements": "Stmt", "headers": "Hdrs", "network": "Ntwk",
    },
):  # fmt: skip
    """Statements for one UTC day, with the signed headers that prove their entries."""

    message_id: str
    created: str
    """When the day closed on the chain (the first later block's time), or the tip's time
    while it is open: the report is a function of the chain, not of when it was asked for."""
    day: str
    start: str
    end: str
    status: ReportStatus
    """``final`` once a block after the day exists; a provisional day can still grow."""
    network: str
    opening: Anchor
    """The last block before the day: opening balances stand after it."""
    closing: Anchor
    """The day's last block (equal to ``opening`` on a day without blocks)."""
    statements: tuple[Statement, ...]
    headers: tuple[SignedHeader, ...]
    """The signed header of every block an entry sits in, and of both anchor blocks."""


def check_sums(statement: Statement) -> None:
    """Raise :class:`InvalidStatement` unless, per token, opening + credits - debits =
    closing and the summary counts and sums the entries."""
    opening = {b.token: b.amount for b in statement.balances if b.kind == "OPBD"}
    closing = {b.token: b.amount for b in statement.balances if b.kind == "CLBD"}
    summaries = {s.token: s for s in statement.summary}
    tokens = set(opening) | set(closing) | {e.token for e in statement.entries}
    for token in sorted(tokens):
        moves = [e for e in statement.entries if e.token == token]
        credits = [e.amount for e in moves if e.sign == "CRDT"]
        debits = [e.amount for e in moves if e.sign == "DBIT"]
        expected = summarize(token, credits, debits)
        if summaries.get(token, expected) != expected:
            raise InvalidStatement(statement=statement.id, reason=f"{token} totals differ")
        if opening.get(token, 0) + expected.net != closing.get(token, 0):
            raise InvalidStatement(statement=statement.id, reason=f"{token} does not add up")


def summarize(token: str, credits: list[int], debits: list[int]) -> Summary:
    """The day's totals of one token from its entries' amounts."""
    net = sum(credits) - sum(debits)
    return Summary(token, Totals(len(credits), sum(credits)), Totals(len(debits), sum(debits)), net)


def verify_report(report: Report, producer_keys: Iterable[str]) -> None:
    """Raise :class:`InvalidStatement` unless every header is signed by a trusted producer,
    both anchors (opening and closing block) are among them, every entry's audit path leads
    to its block's ``tx_root``, and every statement adds up."""
    trusted = set(producer_keys)
    headers: dict[int, BlockHeader] = {}
    for signed in report.headers:
        header = signed.header
        message = header.signing_message(report.network)
        if header.producer not in trusted or not verify(
            bytes.fromhex(header.producer), message, bytes.fromhex(signed.signature)
        ):
            raise InvalidStatement(statement=report.message_id, reason="unsigned header")
        headers[header.height] = header
    for name, anchor in (("opening", report.opening), ("closing", report.closing)):
        found = headers.get(anchor.height)
        if anchor.height and (
            found is None or found.block_hash(report.network).hex() != anchor.block_hash
        ):
            raise InvalidStatement(statement=report.message_id, reason=f"{name} block not proven")
    for statement in report.statements:
        check_sums(statement)
        for entry in statement.entries:
            _verify_entry(statement.id, entry, headers.get(entry.height))


def _verify_entry(statement_id: str, entry: Entry, header: BlockHeader | None) -> None:
    proof = [bytes.fromhex(p) for p in entry.proof]
    if header is None or not verify_inclusion(
        bytes.fromhex(entry.txid),
        entry.index,
        header.tx_count,
        proof,
        bytes.fromhex(header.tx_root),
    ):
        raise InvalidStatement(statement=statement_id, reason=f"entry {entry.ref} not proven")
