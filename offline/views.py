"""What the API answers about offline payments: plain frozen views (pure module).

The SDK decodes them on a phone; :mod:`offline.queries` builds them on the node.
"""

from __future__ import annotations

import msgspec

from offline.params import OfflineParams
from offline.records import FraudRecord, PurseRecord


class CrlView(msgspec.Struct, frozen=True):
    """A bank's newest CRL (DER, hex) and its dates."""

    bank_id: str
    number: int
    this_update: int
    next_update: int
    crl: str


class TrustView(msgspec.Struct, frozen=True):
    """What a phone caches to verify payments offline."""

    network: str
    producer_keys: tuple[str, ...]
    params: OfflineParams
    root: str
    cas: dict[str, str]
    crls: dict[str, CrlView]


class ReserveView(msgspec.Struct, frozen=True):
    """A bank's offline guarantee: what it holds against what it granted."""

    bank_id: str
    reserve: int
    granted: int
    required: int
    advanced: int
    revoked: int
    frauds: int


class PurseView(msgspec.Struct, frozen=True):
    """A purse and what it still holds."""

    purse: PurseRecord
    remaining: int
    owed: int


class SlotView(msgspec.Struct, frozen=True):
    """The ids of the vouchers paid at one counter of a purse."""

    purse: str
    counter: int
    voucher_ids: tuple[str, ...]


class FraudList(msgspec.Struct, frozen=True):
    """Fraud records, each with its purse's debt to the reserve."""

    frauds: tuple[FraudRecord, ...]
    owed: dict[str, int]
