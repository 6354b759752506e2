"""Secured digital assets: classes, items, platform licences, a wallet's holdings.

Assets are licensed, created, issued, moved, sold against tenge and retired
by signed transactions (``POST /v1/transactions``, kinds ``asset.*``; a DvP
can be tried first with ``POST /v1/transactions/check``). These routes show
what the ledger holds: a class's terms and totals and an item (public, so a
buyer checks what a warehouse receipt certifies and who issued it), whether
a platform is licensed (public), and a wallet's holdings (signed reads).
"""

from __future__ import annotations

import re
from typing import TypeVar

from flask import Blueprint, Response, request

from api.context import context, reply
from api.errors import BadParameter, NotFound
from api.routes.wallets import readable_wallet
from api.spec import Catalogue, Endpoint
from assets import queries
from assets.queries import AssetHoldings, ClassView, PlatformView, TokenView
from ledger.queries import balances

V = TypeVar("V")
SIGNED = (401, 403, 404)
_HEX64 = re.compile(r"[0-9a-f]{64}")
_ITEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def read(key: bytes) -> bytes | None:
    """Committed consensus bytes, from the writer."""
    return context().ledger.consensus_record(key)


def shaped(value: str, pattern: re.Pattern[str], name: str, expected: str) -> str:
    """A path segment in its shape, or ``bad_parameter``."""
    if pattern.fullmatch(value) is None:
        raise BadParameter(parameter=name, reason=f"expected {expected}")
    return value


def found(value: V | None) -> V:
    """The value, or 404 for the requested path."""
    if value is None:
        raise NotFound(resource=request.path)
    return value


def blueprint(catalogue: Catalogue) -> Blueprint:
    """The digital-asset routes, declared in the catalogue."""
    bp = Blueprint("assets", __name__)
    route = catalogue.route
    class_id = "64 lowercase hex digits (the class id)"

    @route(
        bp,
        Endpoint(
            "GET",
            "/v1/assets/{asset}",
            "A digital-asset class: its terms, issuer, operator and totals",
            "assets",
            ClassView,
            errors=(404,),
        ),
    )
    def asset_class(asset: str) -> Response:
        asset = shaped(asset, _HEX64, "asset", class_id)
        return reply(found(queries.class_view(read, asset)))

    @route(
        bp,
        Endpoint(
            "GET",
            "/v1/assets/{asset}/items/{item}",
            "One item of a class of items (a warehouse receipt): its token and whether it is held",
            "assets",
            TokenView,
            errors=(404,),
        ),
    )
    def asset_item(asset: str, item: str) -> Response:
        asset = shaped(asset, _HEX64, "asset", class_id)
        item = shaped(item, _ITEM, "item", "1-64 of A-Z a-z 0-9 . _ -, starting alphanumeric")
        return reply(found(queries.item_view(read, asset, item)))

    @route(
        bp,
        Endpoint(
            "GET",
            "/v1/asset-platforms/{wallet_id}",
            "A platform operator's licence from the National Bank, if in force",
            "assets",
            PlatformView,
            errors=(404,),
        ),
    )
    def platform(wallet_id: str) -> Response:
        return reply(found(queries.platform_view(read, wallet_id)))

    @route(
        bp,
        Endpoint(
            "GET",
            "/v1/wallets/{wallet_id}/assets",
            "A wallet's digital assets per token, each with its class in brief",
            "wallets",
            AssetHoldings,
            signed=True,
            errors=SIGNED,
        ),
    )
    def wallet_assets(wallet_id: str) -> Response:
        record = readable_wallet(wallet_id)
        totals = balances(context().ledger.holdings(record.wallet_id))
        return reply(queries.holdings(read, record.wallet_id, totals))

    return bp
