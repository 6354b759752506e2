"""End-of-day statements (decision 0018): a bank's, a wallet's, the central bank's issuance.

A bank's statement is a signed read by the bank, like its feed; a wallet's by
the wallet or its bank, like its history; the issuance statement is public,
like ``/v1/supply``. Each answers JSON, or CSV for ``Accept: text/csv`` or
``?format=csv``. The day is a UTC date in the path, ``YYYY-MM-DD``.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, request

from api.context import context, reply
from api.errors import BadParameter, NotFound
from api.routes.wallets import SIGNED, readable_wallet, signed_by_bank
from api.spec import Catalogue, Endpoint, Param
from ledger.statements import Report
from wire.statements import report_csv

CSV = "text/csv"
FORMAT = Param("format", "string", "json (the default) or csv; or send Accept: text/csv")
DESCRIPTION = (
    "The UTC day's blocks (header time in [00:00, 24:00)): per account the opening and "
    "closing balance (`Bal` OPBD/CLBD), every movement (`Ntry`) with its block height, "
    "position and Merkle audit path (`Prf`), and totals (`TxsSummry`); `Hdrs` holds the "
    "signed headers that prove each entry. Amounts are integer tiyn, `Ccy` the token. "
    "`RptSts` is `final` once a later block exists. CSV: one row per statement, balance "
    "and entry, columns named like the JSON."
)


def statement_day(raw: str) -> str:
    """The path's date, ``YYYY-MM-DD`` (bad_parameter otherwise)."""
    try:
        if not (len(raw) == 10 and raw.isascii()):
            raise ValueError
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        raise BadParameter(parameter="date", reason="expected a date as YYYY-MM-DD") from None


def answer(report: Report | None) -> Response:
    """The report as JSON, or as CSV when the client asked for it."""
    if report is None:
        raise NotFound(resource=request.path)
    wanted = request.args.get("format")
    if wanted not in (None, "json", "csv"):
        raise BadParameter(parameter="format", reason="expected json or csv")
    accepted = request.accept_mimetypes
    prefers_csv = accepted.quality(CSV) > accepted.quality("application/json")
    if wanted == "csv" or (wanted is None and prefers_csv):
        name = report.message_id.replace("/", "_").replace(":", "-") + ".csv"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        return Response(report_csv(report), mimetype=CSV, headers=headers)
    return reply(report)


def _endpoint(path: str, summary: str, signed: bool) -> Endpoint:
    return Endpoint(
        "GET", path, summary, "statements", Report, signed=signed,
        errors=SIGNED if signed else (404,), query=(FORMAT,), description=DESCRIPTION,
        alternates=(CSV,),
    )  # fmt: skip


def blueprint(catalogue: Catalogue) -> Blueprint:
    bp = Blueprint("statements", __name__)

    @catalogue.route(
        bp,
        _endpoint(
            "/v1/banks/{bank_id}/statements/{date}",
            "A bank's statement for a UTC day: its reserve and its wallets (signed by the bank)",
            True,
        ),
    )
    def bank_statement(bank_id: str, date: str) -> Response:
        signed_by_bank(bank_id)
        return answer(context().ledger.bank_statement(bank_id, statement_day(date)))

    @catalogue.route(
        bp,
        _endpoint(
            "/v1/wallets/{wallet_id}/statements/{date}",
            "A wallet's statement for a UTC day (signed by the wallet or its bank)",
            True,
        ),
    )
    def wallet_statement(wallet_id: str, date: str) -> Response:
        record = readable_wallet(wallet_id)
        return answer(context().ledger.wallet_statement(record.wallet_id, statement_day(date)))

    @catalogue.route(
        bp,
        _endpoint(
            "/v1/supply/statements/{date}",
            "The central bank's issuance statement for a UTC day: issued minus redeemed per bank",
            False,
        ),
    )
    def issuance_statement(date: str) -> Response:
        return answer(context().ledger.issuance_statement(statement_day(date)))

    return bp
