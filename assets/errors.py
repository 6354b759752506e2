"""The errors of secured digital assets.

They extend the one tree of :mod:`ledger.errors` (one handler maps them,
each has a stable ``code``)::

    InvalidTransaction (400)
    └── InvalidAsset              a body breaks a stateless rule of its kind
    Unauthorized (403)
    └── NotPlatformOperator       the key is not a licensed platform operator's
    Rejected (422)
    ├── UnknownAsset              no such class, item or asset token
    ├── AssetMismatch             a body restates a class's terms wrongly (form, holder)
    ├── AssetNotMoney             an asset where digital tenge is expected
    ├── DvpLegMismatch            a DvP leg's coins or change are not its party's
    └── DvpExpired                the DvP's deadline has passed
    Conflict (409)
    └── AssetExists               the class, or the item, already exists
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.errors import Conflict, InvalidTransaction, Rejected, Unauthorized


@dataclass(eq=False)
class InvalidAsset(InvalidTransaction):
    code = "invalid_asset"
    title = "The asset transaction breaks a stateless rule"
    field: str = ""
    reason: str = ""


@dataclass(eq=False)
class NotPlatformOperator(Unauthorized):
    code = "not_platform_operator"
    title = "Only a platform operator the National Bank licensed may issue digital assets"
    key: str = ""


@dataclass(eq=False)
class UnknownAsset(Rejected):
    code = "unknown_asset"
    title = "No digital asset with this id"
    asset: str = ""


@dataclass(eq=False)
class AssetMismatch(Rejected):
    """``field``: ``form`` (units of a class of items, or the reverse), ``inputs``
    (tokens of more than one asset), ``change`` (not back to the holder)."""

    code = "asset_mismatch"
    title = "The transaction restates the asset's terms differently"
    asset: str = ""
    field: str = ""
    expected: str = ""
    got: str = ""


@dataclass(eq=False)
class AssetNotMoney(Rejected):
    code = "asset_not_money"
    title = "A digital asset is not digital tenge and cannot pay, issue, redeem or convert"
    token: str = ""
    kind: str = ""


@dataclass(eq=False)
class DvpLegMismatch(Rejected):
    """``leg``: ``asset`` or ``tenge``; ``field``: ``inputs``, ``change`` or ``parties``."""

    code = "dvp_leg_mismatch"
    title = "A leg of the delivery versus payment is not its party's"
    leg: str = ""
    field: str = ""
    expected: str = ""
    got: str = ""


@dataclass(eq=False)
class DvpExpired(Rejected):
    code = "dvp_expired"
    title = "The delivery versus payment's deadline has passed"
    deadline: int = 0
    time_ms: int = 0


@dataclass(eq=False)
class AssetExists(Conflict):
    code = "asset_exists"
    title = "This asset class, or this item, already exists"
    asset: str = ""
