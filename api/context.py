"""What every route needs, handed to the app by its factory: the ledger service and codecs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec
from flask import Response, current_app, request

from api.errors import BadParameter, MalformedRequest, PayloadTooLarge, UnsupportedMediaType
from api.protocol import LedgerApi
from ledger.encoding import decode_strict
from ledger.registry import Registry

T = TypeVar("T", bound=msgspec.Struct)


@dataclass(frozen=True)
class Context:
    """The services one app instance serves from."""

    ledger: LedgerApi
    registry: Registry
    network: str
    producer_keys: tuple[str, ...]


def context() -> Context:
    """The context of the app handling the current request."""
    found: Context = current_app.extensions["tenge"]
    return found


def reply(value: Any, status: int = 200) -> Response:
    """A JSON response from any Struct or plain value."""
    return Response(msgspec.json.encode(value), status=status, mimetype="application/json")


def read_body(type_: type[T]) -> T:
    """The request body decoded as ``type_``; JSON only."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType(content_type=request.content_type or "")
    data = request.get_data(cache=False)
    limit = request.max_content_length
    if limit is not None and request.content_length is None and len(data) >= limit:
        raise PayloadTooLarge(limit=limit)  # werkzeug cuts a chunked body at the limit silently
    if request.content_length is not None and len(data) < request.content_length:
        raise MalformedRequest(reason="the body ended before its announced Content-Length")
    return decode_strict(data, type_, "request body")


def int_arg(name: str, default: int | None, low: int, high: int) -> int | None:
    """An integer query parameter within [low, high]."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:  # '¹'.isdigit() is True
        raise BadParameter(parameter=name, reason="expected a non-negative integer")
    value = int(raw)
    if not low <= value <= high:
        raise BadParameter(parameter=name, reason=f"must be between {low} and {high}")
    return value


def txid_arg(value: str) -> bytes:
    """A txid path segment: 64 lowercase hex digits."""
    if len(value) != 64 or value != value.lower():
        raise BadParameter(parameter="txid", reason="expected 64 lowercase hex digits")
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise BadParameter(parameter="txid", reason="expected 64 lowercase hex digits")
    return raw
