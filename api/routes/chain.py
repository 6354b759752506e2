"""Public reads: the network, blocks, supply, banks."""

from __future__ import annotations

from flask import Blueprint, Response, request

from api.context import context, int_arg, reply
from api.errors import NotFound
from api.spec import Catalogue, Endpoint, Param
from ledger.receipts import block_txids
from wire.core import BankRecord, BlockList, BlockResponse, NetworkInfo, SupplyInfo


def blueprint(catalogue: Catalogue) -> Blueprint:
    bp = Blueprint("chain", __name__)

    @catalogue.route(
        bp,
        Endpoint(
            "GET",
            "/v1/network",
            "Network id, genesis, trusted keys, tip and tier limits",
            "chain",
            NetworkInfo,
        ),
    )
    def network() -> Response:
        return reply(context().ledger.network())

    @catalogue.route(
        bp,
        Endpoint(
            "GET",
            "/v1/blocks",
            "Block headers from a height upwards",
            "chain",
            BlockList,
            query=(
                Param("from", "integer", "first height (default 1)", 1, 2**53 - 1),
                Param("limit", "integer", "at most this many (default 100)", 1, 1000),
            ),
        ),
    )
    def blocks() -> Response:
        ledger = context().ledger
        start = int_arg("from", 1, 1, 2**53 - 1) or 1
        limit = int_arg("limit", 100, 1, 1000) or 100
        headers = ledger.headers(start, limit)
        return reply(BlockList(tuple(headers), ledger.network().tip.height))

    @catalogue.route(
        bp,
        Endpoint(
            "GET",
            "/v1/blocks/{height}",
            "One committed block: signed header and txids",
            "chain",
            BlockResponse,
            errors=(404,),
        ),
    )
    def block(height: str) -> Response:
        ctx = context()
        ascii_digits = height.isascii() and height.isdigit()  # '¹'.isdigit() is True
        found = ctx.ledger.block(int(height)) if ascii_digits and len(height) < 16 else None
        if found is None:
            raise NotFound(resource=request.path)
        return reply(
            BlockResponse(
                header=found.header,
                signature=found.signature,
                block_hash=found.header.block_hash(ctx.network).hex(),
                txids=tuple(t.hex() for t in block_txids(found, ctx.network)),
            )
        )

    @catalogue.route(
        bp,
        Endpoint(
            "GET",
            "/v1/supply",
            "Total supply per token and each bank's figures",
            "chain",
            SupplyInfo,
        ),
    )
    def supply() -> Response:
        return reply(context().ledger.supply())

    @catalogue.route(
        bp,
        Endpoint(
            "GET",
            "/v1/banks/{bank_id}",
            "A bank's public record",
            "chain",
            BankRecord,
            errors=(404,),
        ),
    )
    def bank(bank_id: str) -> Response:
        found = context().ledger.bank(bank_id)
        if found is None:
            raise NotFound(resource=request.path)
        return reply(found)

    return bp
