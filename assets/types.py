"""Secured digital assets: an asset class's terms, its token ids, and the bodies ``asset.*``.

An asset class is plain data (:class:`AssetClass`): the licensed platform
operator's key, the issuer's identity, what the rights are to (goods,
services or intellectual property; never money or securities), the SHA-256
of the document proving them and of the terms, and the unit. Its id is
``hex(SHA-256(DOMAIN_ASSET_CLASS || canonical(terms)))``, so the terms can
never change under a holder; a change is a new class.

Holdings are ordinary outputs whose token is ``asset:`` and 64 hex digits
(:data:`ledger.types.ASSET_PREFIX`): ``asset:<class id>`` for the units of a
class of units, ``asset:<SHA-256(DOMAIN_ASSET_ITEM || class id || item)>`` for
one unique item (amount 1). No such token is ever KZT or a program token, and
the ledger never counts one as money.

Pure module: wallets import it to build transactions and compute ids.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from ledger.crypto import sha256
from ledger.encoding import Amount, Hex32, Ident, Wire, canonical, exact
from ledger.types import ASSET_PREFIX, KZT, Body, Inputs, Memo, Nonce, OutPoint, Output, Outputs

DOMAIN_ASSET_CLASS = b"KZT-LEDGER/asset-class/v1\x00"
DOMAIN_ASSET_ITEM = b"KZT-LEDGER/asset-item/v1\x00"

ClassId = Annotated[
    str, msgspec.Meta(pattern=exact("[0-9a-f]{64}"), description="id of an asset class")
]
AssetToken = Annotated[
    str,
    msgspec.Meta(
        pattern=exact("asset:[0-9a-f]{64}"),
        description="token of a digital asset: 'asset:' and 64 hex (units or one item)",
    ),
]
ItemId = Annotated[
    str,
    msgspec.Meta(
        pattern=exact("[A-Za-z0-9][A-Za-z0-9._-]{0,63}"),
        description="an item's number within its class, e.g. a warehouse receipt number",
    ),
]
Bin = Annotated[
    str,
    msgspec.Meta(
        pattern=exact("[0-9]{12}"), description="the issuer's business identification number"
    ),
]
TimeMs = Annotated[int, msgspec.Meta(ge=0, le=2**53 - 1, description="Unix time in ms")]
Rights = Literal["goods", "services", "ip"]
Form = Literal["units", "items"]


class Issuer(Wire, frozen=True):
    """Who owes what the asset certifies: the law requires its data on the asset."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100, description="legal name")]
    bin: Bin


class AssetClass(Wire, frozen=True):
    """The terms of one asset class; hashed into its id, so they never change."""

    platform: Annotated[
        Hex32,
        msgspec.Meta(description="the licensed platform operator's key: signs issue and retire"),
    ]
    issuer: Issuer
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100, description="label")]
    rights: Annotated[
        Rights, msgspec.Meta(description="what a unit certifies a right to: goods, services, ip")
    ]
    rights_proof: Annotated[
        Hex32, msgspec.Meta(description="SHA-256 of the document proving the issuer's rights")
    ]
    terms: Annotated[
        Hex32, msgspec.Meta(description="SHA-256 of the terms: what a unit entitles its holder to")
    ]
    unit: Annotated[
        str, msgspec.Meta(min_length=1, max_length=32, description="what one unit is: 'tonne'")
    ]
    form: Annotated[
        Form, msgspec.Meta(description="units (fungible amounts) or items (each one unique)")
    ] = "units"
    series: Annotated[
        Nonce, msgspec.Meta(description="makes otherwise identical terms a distinct class")
    ] = 0


def class_id(terms: AssetClass) -> str:
    """The id of an asset class: hex SHA-256 of its canonical terms under the domain tag."""
    return sha256(DOMAIN_ASSET_CLASS + canonical(terms)).hex()


def unit_token(asset: str) -> str:
    """The token of the units of a class of units."""
    return ASSET_PREFIX + asset


def item_token(asset: str, item: str) -> str:
    """The token of one item of a class of items."""
    digest = sha256(DOMAIN_ASSET_ITEM + bytes.fromhex(asset) + item.encode())
    return ASSET_PREFIX + digest.hex()


def is_asset(token: str) -> bool:
    """True for the token of a digital asset."""
    return token.startswith(ASSET_PREFIX)


# -- bodies ------------------------------------------------------------------------


class AssetLicense(Body, frozen=True, tag="asset.license"):
    """The National Bank licenses a wallet as a digital-asset platform operator (or withdraws)."""

    wallet_id: Annotated[Ident, msgspec.Meta(description="the operator's business wallet")]
    licence: Annotated[
        str, msgspec.Meta(min_length=1, max_length=64, description="the licence's number")
    ]
    status: Annotated[
        Literal["granted", "withdrawn"],
        msgspec.Meta(description='"withdrawn" takes the licence away'),
    ] = "granted"
    nonce: Nonce = 0


class AssetCreate(Body, frozen=True, tag="asset.create"):
    """A licensed operator registers an asset class; signed by ``terms.platform``."""

    terms: AssetClass


class AssetIssue(Body, frozen=True, tag="asset.issue"):
    """The operator creates units (or items) of a class in holders' outputs; supply grows."""

    asset: Annotated[ClassId, msgspec.Meta(description="the class issued")]
    outputs: Outputs
    items: Annotated[
        tuple[ItemId, ...],
        msgspec.Meta(max_length=256, description="for a class of items: each output's item"),
    ] = ()

    def creates(self) -> tuple[Output, ...]:
        return self.outputs


class AssetTransfer(Body, frozen=True, tag="asset.transfer"):
    """Holders move units or items to other wallets; no tenge moves."""

    inputs: Inputs
    outputs: Outputs
    memo: Memo = ""

    def spends(self) -> tuple[OutPoint, ...]:
        return self.inputs

    def creates(self) -> tuple[Output, ...]:
        return self.outputs


class AssetDvp(Body, frozen=True, tag="asset.dvp"):
    """Delivery versus payment: ``units`` of ``asset`` to the buyer and ``price`` tiyn to the
    seller in one transaction, signed by both; both legs settle or neither does.

    Created outputs, in order: the asset to ``buyer``, the price in KZT to
    ``seller``, then ``change``.
    """

    asset: AssetToken
    units: Annotated[Amount, msgspec.Meta(description="units delivered (1 for an item)")]
    price: Annotated[Amount, msgspec.Meta(description="tiyn paid for them")]
    seller: Annotated[Hex32, msgspec.Meta(description="the seller's key that receives the price")]
    buyer: Annotated[Hex32, msgspec.Meta(description="the buyer's key that receives the asset")]
    inputs: Annotated[
        Inputs, msgspec.Meta(description="the seller's asset outputs and the buyer's KZT")
    ]
    change: Annotated[
        tuple[Output, ...],
        msgspec.Meta(max_length=2, description="asset change to the seller, KZT to the buyer"),
    ] = ()
    deadline: Annotated[
        TimeMs | None, msgspec.Meta(description="no settlement at or after this block time")
    ] = None
    memo: Memo = ""

    def spends(self) -> tuple[OutPoint, ...]:
        return self.inputs

    def creates(self) -> tuple[Output, ...]:
        delivery = Output(owner=self.buyer, amount=self.units, token=self.asset)
        return (delivery, Output(owner=self.seller, amount=self.price, token=KZT), *self.change)


class AssetRetire(Body, frozen=True, tag="asset.retire"):
    """A holder surrenders units (or an item) when the right is exercised; the class's
    operator signs too. Supply shrinks by ``units``."""

    inputs: Annotated[Inputs, msgspec.Meta(description="the holder's outputs of one token")]
    units: Annotated[Amount, msgspec.Meta(description="units retired")]
    change: Annotated[
        tuple[Output, ...], msgspec.Meta(max_length=256, description="the rest, to the holder")
    ] = ()

    def spends(self) -> tuple[OutPoint, ...]:
        return self.inputs

    def creates(self) -> tuple[Output, ...]:
        return self.change


ASSET_BODIES = (AssetLicense, AssetCreate, AssetIssue, AssetTransfer, AssetDvp, AssetRetire)
