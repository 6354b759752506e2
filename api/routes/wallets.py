"""Private reads, signed with RFC 9421: a wallet's state, outputs, history; a bank's wallets."""

from __future__ import annotations

from flask import Blueprint, Response, request

from api.auth import authenticate, require_bank, require_wallet_reader
from api.context import context, int_arg, reply
from api.errors import BadParameter, Forbidden, NotFound
from api.spec import Catalogue, Endpoint, Param
from ledger.queries import balances, parse_cursor
from ledger.records import WalletRecord
from wire.core import HistoryPage, OutputList, WalletList, WalletView

SIGNED = (401, 403, 404)


def readable_wallet(wallet_id: str) -> WalletRecord:
    """The wallet, if the request is signed by it or by its bank."""
    ctx = context()
    signer = authenticate(request, ctx.ledger, ctx.network)
    wallet = ctx.ledger.wallet(wallet_id)
    if wallet is None:  # as for someone else's wallet: signed reads reveal no wallet ids
        raise Forbidden(key=signer.key, resource=request.path)
    require_wallet_reader(signer, wallet.wallet_id, wallet.bank_id, request.path)
    return wallet


def blueprint(catalogue: Catalogue) -> Blueprint:
    bp = Blueprint("wallets", __name__)

    @catalogue.route(
        bp,
        Endpoint(
            "GET",
            "/v1/wallets/{wallet_id}",
            "A wallet's record and balances",
            "wallets",
            WalletView,
            signed=True,
            errors=SIGNED,
        ),
    )
    def wallet(wallet_id: str) -> Response:
        record = readable_wallet(wallet_id)
        holdings = context().ledger.holdings(record.wallet_id)
        return reply(WalletView(record, balances(holdings)))

    @catalogue.route(
        bp,
        Endpoint(
            "GET",
            "/v1/wallets/{wallet_id}/outputs",
            "A wallet's unspent outputs",
            "wallets",
            OutputList,
            signed=True,
            errors=SIGNED,
        ),
    )
    def outputs(wallet_id: str) -> Response:
        record = readable_wallet(wallet_id)
        holdings = context().ledger.holdings(record.wallet_id)
        return reply(OutputList(tuple(holdings), balances(holdings)))

    @catalogue.route(
        bp,
        Endpoint(
            "GET",
            "/v1/wallets/{wallet_id}/history",
            "A wallet's transactions, newest first",
            "wallets",
            HistoryPage,
            signed=True,
            errors=SIGNED,
            query=(
                Param("limit", "integer", "page size (default 50)", 1, 500),
                Param(
                    "before",
                    "string",
                    "cursor: only entries before <height>.<index> (or before block <height>)",
                ),
            ),
        ),
    )
    def wallet_history(wallet_id: str) -> Response:
        record = readable_wallet(wallet_id)
        limit = int_arg("limit", 50, 1, 500) or 50
        before = request.args.get("before")
        if before is not None:
            try:
                parse_cursor(before)
            except ValueError as error:
                raise BadParameter(parameter="before", reason=str(error)) from None
        entries = context().ledger.history(record.wallet_id, limit, before)
        more = entries[-1].cursor if len(entries) == limit else None
        return reply(HistoryPage(tuple(entries), more))

    @catalogue.route(
        bp,
        Endpoint(
            "GET",
            "/v1/banks/{bank_id}/wallets",
            "Wallets a bank has opened (signed by the bank)",
            "wallets",
            WalletList,
            signed=True,
            errors=SIGNED,
            query=(
                Param("limit", "integer", "page size (default 100)", 1, 1000),
                Param("after", "string", "only wallet ids after this one"),
            ),
        ),
    )
    def bank_wallets(bank_id: str) -> Response:
        ctx = context()
        signed_by_bank(bank_id)
        limit = int_arg("limit", 100, 1, 1000) or 100
        ids = ctx.ledger.bank_wallets(bank_id, limit, request.args.get("after"))
        return reply(WalletList(tuple(ids), ids[-1] if len(ids) == limit else None))

    @catalogue.route(
        bp,
        Endpoint(
            "GET",
            "/v1/banks/{bank_id}/outputs",
            "The bank's reserve: unspent outputs on its keys (signed by the bank)",
            "wallets",
            OutputList,
            signed=True,
            errors=SIGNED,
        ),
    )
    def bank_outputs(bank_id: str) -> Response:
        signed_by_bank(bank_id)
        holdings = context().ledger.bank_holdings(bank_id)
        return reply(OutputList(tuple(holdings), balances(holdings)))

    return bp


def signed_by_bank(bank_id: str) -> None:
    """The request is signed by one of the bank's own keys."""
    ctx = context()
    signer = authenticate(request, ctx.ledger, ctx.network)
    if ctx.ledger.bank(bank_id) is None:
        raise NotFound(resource=request.path)
    require_bank(signer, bank_id, request.path)
