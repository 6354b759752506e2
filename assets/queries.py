"""Read models of digital assets, built from committed records.

Every function takes ``read``: a function from a consensus key to its
committed bytes (the API passes the ledger service's ``consensus_record``),
so the same code answers in the writer and in an API worker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import msgspec

from assets.records import ClassRecord, PlatformLicence, TokenRecord, class_key, licence_key
from assets.records import token_key as record_key
from assets.types import AssetClass, is_asset, item_token, unit_token
from ledger.encoding import Hex32, Tiyn, decode_json
from ledger.records import SupplyRecord
from ledger.storage import schema

Reader = Callable[[bytes], bytes | None]
S = TypeVar("S", bound=msgspec.Struct)


class ClassView(msgspec.Struct, frozen=True):
    """An asset class: its terms, its operator, and how much of it is outstanding."""

    asset: Annotated[Hex32, msgspec.Meta(description="the class id")]
    terms: AssetClass
    platform: Annotated[str, msgspec.Meta(description="the operator's wallet id")]
    licensed: Annotated[bool, msgspec.Meta(description="the operator's licence is in force")]
    height: Annotated[int, msgspec.Meta(description="the block that registered the class")]
    issued: Annotated[int, msgspec.Meta(description="units (or items) ever issued")]
    retired: Annotated[int, msgspec.Meta(description="units (or items) retired")]
    outstanding: Annotated[int, msgspec.Meta(description="issued and not retired")]
    token: Annotated[
        str | None, msgspec.Meta(description="the units' token; none for a class of items")
    ] = None


class TokenView(msgspec.Struct, frozen=True):
    """One asset token: its class, its item, and how much of it is outstanding."""

    token: str
    asset: Hex32
    name: str
    unit: str
    outstanding: Annotated[int, msgspec.Meta(description="units held in outputs (an item: 0/1)")]
    item: str | None = None


class PlatformView(msgspec.Struct, frozen=True):
    """A platform operator's licence from the National Bank."""

    wallet_id: str
    licence: str
    height: Annotated[int, msgspec.Meta(description="the block that granted it")]


class AssetHolding(msgspec.Struct, frozen=True):
    """Units of one asset token a wallet holds, with what they are."""

    token: str
    units: Tiyn
    asset: Hex32
    name: str
    unit: str
    item: str | None = None


class AssetHoldings(msgspec.Struct, frozen=True):
    """A wallet's digital assets, per token (its tenge is in its balances)."""

    wallet_id: str
    holdings: tuple[AssetHolding, ...]


def record(read: Reader, key: bytes, type_: type[S]) -> S | None:
    """The committed record under ``key``, or None."""
    raw = read(key)
    return None if raw is None else decode_json(raw, type_)


def class_view(read: Reader, asset: str) -> ClassView | None:
    """An asset class and its totals, or None."""
    found = record(read, class_key(asset), ClassRecord)
    if found is None:
        return None
    licensed = record(read, licence_key(found.wallet_id), PlatformLicence) is not None
    token = unit_token(asset) if found.terms.form == "units" else None
    return ClassView(
        asset,
        found.terms,
        found.wallet_id,
        licensed,
        found.height,
        found.issued,
        found.retired,
        found.outstanding,
        token,
    )


def token_view(read: Reader, token: str) -> TokenView | None:
    """An asset token with its class, or None."""
    found = record(read, record_key(token), TokenRecord) if is_asset(token) else None
    klass = None if found is None else record(read, class_key(found.asset), ClassRecord)
    if found is None or klass is None:
        return None
    supply = record(read, schema.supply_key(token), SupplyRecord) or SupplyRecord()
    terms = klass.terms
    return TokenView(token, found.asset, terms.name, terms.unit, supply.outstanding, found.item)


def item_view(read: Reader, asset: str, item: str) -> TokenView | None:
    """One item of a class of items, or None."""
    return token_view(read, item_token(asset, item))


def platform_view(read: Reader, wallet_id: str) -> PlatformView | None:
    """A wallet's licence in force, or None."""
    found = record(read, licence_key(wallet_id), PlatformLicence)
    return None if found is None else PlatformView(found.wallet_id, found.licence, found.height)


def holdings(read: Reader, wallet_id: str, balances: dict[str, int]) -> AssetHoldings:
    """The asset tokens among a wallet's balances, each described by its class."""
    found = []
    for token, units in sorted(balances.items()):
        view = token_view(read, token)
        if view is not None:
            found.append(AssetHolding(token, units, view.asset, view.name, view.unit, view.item))
    return AssetHoldings(wallet_id, tuple(found))
