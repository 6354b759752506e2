"""What every route needs, handed to the app by its factory: the ledger service and codecs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import msgspec
from flask import Response, current_app, request

from api.errors import BadParameter, UnsupportedMediaType
from api.schemas import Health, NetworkInfo, SubmitResult, SupplyInfo
from ledger.encoding import decode_json
from ledger.queries import HistoryEntry, Holding
from ledger.records import BankRecord, KeyOwner, WalletRecord
from ledger.registry import Registry
from ledger.types import Block, BlockHeader, Receipt, Transaction

T = TypeVar("T", bound=msgspec.Struct)


class LedgerApi(Protocol):
    """The node's service as the API sees it (in-process or across a socket)."""

    def submit(
        self, txs: list[Transaction], wait: bool = False, timeout: float = 10.0
    ) -> list[SubmitResult]: ...
    def status(self, txid: bytes) -> SubmitResult | None: ...
    def receipt(self, txid: bytes) -> Receipt | None: ...
    def block(self, height: int) -> Block | None: ...
    def headers(self, start: int, limit: int) -> list[BlockHeader]: ...
    def network(self) -> NetworkInfo: ...
    def supply(self) -> SupplyInfo: ...
    def bank(self, bank_id: str) -> BankRecord | None: ...
    def key_owner(self, key: str) -> KeyOwner | None: ...
    def wallet(self, wallet_id: str) -> WalletRecord | None: ...
    def holdings(self, wallet_id: str) -> list[Holding]: ...
    def bank_holdings(self, bank_id: str) -> list[Holding]: ...
    def history(self, wallet_id: str, limit: int, before: int | None) -> list[HistoryEntry]: ...
    def bank_wallets(self, bank_id: str, limit: int, after: str | None) -> list[str]: ...
    def claim_nonce(self, key: str, nonce: str, window_s: float) -> bool: ...
    def health(self) -> Health: ...
    def metrics(self) -> dict[str, float]: ...


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
    return decode_json(request.get_data(cache=False), type_, "request body")


def int_arg(name: str, default: int | None, low: int, high: int) -> int | None:
    """An integer query parameter within [low, high]."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or len(raw) > 18:
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
