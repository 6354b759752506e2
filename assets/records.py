"""What the assets module keeps in consensus state, under ``schema.ASSET`` (``a | family / id``).

Holdings themselves are outputs (their tokens' supply is the core's
``SupplyRecord``); these records say who may issue and what each token is.
"""

from __future__ import annotations

from assets.types import AssetClass
from ledger.encoding import Wire
from ledger.storage import schema


class PlatformLicence(Wire, frozen=True):
    """A wallet the National Bank has licensed as a platform operator."""

    wallet_id: str
    licence: str
    height: int


class ClassRecord(Wire, frozen=True):
    """An asset class: its terms, its operator's wallet, and its units (or items) so far."""

    terms: AssetClass
    wallet_id: str
    height: int
    issued: int = 0
    retired: int = 0

    @property
    def outstanding(self) -> int:
        """Units (or items) issued and not retired."""
        return self.issued - self.retired


class TokenRecord(Wire, frozen=True):
    """What an asset token is: the units of a class, or one item of it."""

    asset: str
    item: str | None = None


def licence_key(wallet_id: str) -> bytes:
    """Where a wallet's platform licence is kept."""
    return schema.asset_key("platform", wallet_id)


def class_key(asset: str) -> bytes:
    """Where an asset class is kept."""
    return schema.asset_key("class", asset)


def token_key(token: str) -> bytes:
    """Where an asset token's record is kept."""
    return schema.asset_key("token", token)
