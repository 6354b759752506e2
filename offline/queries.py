"""Read-only views of offline state for the API, from committed consensus records.

Every function takes ``read(key) -> bytes | None`` (the node's committed
consensus bytes), so the API can serve them from the writer process or
across its RPC link alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

import msgspec

from ledger.encoding import decode_json
from ledger.records import KeyOwner, Locked
from ledger.storage import schema
from offline.records import (
    SETUP,
    BankOffline,
    CrlRecord,
    DeviceRecord,
    FraudRecord,
    PurseRecord,
    SetupRecord,
    Slot,
    WalletOffline,
    bank_key,
    crl_key,
    device_key,
    fraud_key,
    purse_key,
    reserve_lock,
    slot_key,
    wallet_key,
)
from offline.views import (
    CrlView,
    FraudList,
    PurseView,
    ReserveView,
    SlotView,
    TrustView,
)

Read = Callable[[bytes], bytes | None]
R = TypeVar("R", bound=msgspec.Struct)


def _get(read: Read, key: bytes, type_: type[R]) -> R | None:
    raw = read(key)
    return None if raw is None else decode_json(raw, type_)


def crl_view(read: Read, bank_id: str) -> CrlView | None:
    found = _get(read, crl_key(bank_id), CrlRecord)
    if found is None:
        return None
    return CrlView(bank_id, found.number, found.this_update, found.next_update, found.crl)


def trust_view(
    read: Read, network: str, producer_keys: tuple[str, ...], bank_ids: Iterable[str]
) -> TrustView | None:
    setup = _get(read, SETUP, SetupRecord)
    if setup is None:
        return None
    cas: dict[str, str] = {}
    crls: dict[str, CrlView] = {}
    for bank_id in sorted(bank_ids):
        offline = _get(read, bank_key(bank_id), BankOffline)
        crl = crl_view(read, bank_id)
        if offline is not None:
            cas[bank_id] = offline.ca
            if crl is not None:
                crls[bank_id] = crl
    return TrustView(network, producer_keys, setup.params, setup.root, cas, crls)


def reserve_view(read: Read, bank_id: str) -> ReserveView | None:
    offline = _get(read, bank_key(bank_id), BankOffline)
    setup = _get(read, SETUP, SetupRecord)
    if offline is None or setup is None:
        return None
    lock = _get(read, schema.locked_key(reserve_lock(bank_id)), Locked)
    return ReserveView(
        bank_id=bank_id,
        reserve=lock.amount if lock else 0,
        granted=offline.granted,
        required=setup.params.required_reserve(offline.granted),
        advanced=offline.advanced,
        revoked=len(offline.revoked),
        frauds=len(offline.frauds),
    )


def device(read: Read, serial: str) -> DeviceRecord | None:
    return _get(read, device_key(serial), DeviceRecord)


def device_of_key(read: Read, key: str) -> DeviceRecord | None:
    owner = _get(read, schema.key_owner_key(bytes.fromhex(key)), KeyOwner)
    return device(read, owner.id) if owner and owner.kind == "device" else None


def purse_view(read: Read, purse: str) -> PurseView | None:
    found = _get(read, purse_key(purse), PurseRecord)
    return None if found is None else PurseView(found, found.remaining, found.owed)


def slot_view(read: Read, purse: str, counter: int) -> SlotView:
    found = _get(read, slot_key(purse, counter), Slot)
    ids = tuple(v.voucher_id for v in found.vouchers) if found else ()
    return SlotView(purse, counter, ids)


def frauds(read: Read, purses: Iterable[str]) -> FraudList:
    records, owed = [], {}
    for purse in purses:
        record = _get(read, fraud_key(purse), FraudRecord)
        found = _get(read, purse_key(purse), PurseRecord)
        if record is not None:
            records.append(record)
            owed[purse] = found.owed if found else 0
    return FraudList(tuple(records), owed)


def wallet_frauds(read: Read, wallet_id: str) -> FraudList:
    index = _get(read, wallet_key(wallet_id), WalletOffline) or WalletOffline()
    return frauds(read, index.frauds)


def bank_frauds(read: Read, bank_id: str) -> FraudList:
    offline = _get(read, bank_key(bank_id), BankOffline)
    return frauds(read, offline.frauds if offline else ())


def wallet_devices(read: Read, wallet_id: str) -> tuple[DeviceRecord, ...]:
    index = _get(read, wallet_key(wallet_id), WalletOffline) or WalletOffline()
    return tuple(d for d in (device(read, s) for s in index.devices) if d is not None)
