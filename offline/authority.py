"""The offline PKI on the ledger: root, bank CAs, device enrolment and revocation, CRLs.

``offline.setup`` and ``offline.ca`` are the central bank's (its genesis key
is the root); ``device.enrol``, ``device.revoke`` and ``offline.crl`` are a
bank's, signed by the key its CA certificate certifies. A bank grants a
device at most the central bank's defaults for the wallet's tier, and only
while its guarantee reserve covers its share of everything it granted.
"""

from __future__ import annotations

import msgspec

from ledger.errors import KeyInUse, NotAuthorized, SchemaViolation, UnknownWallet
from ledger.records import KeyOwner, WalletRecord
from ledger.registry import Effect, Pending, TxRule, apply_writes
from ledger.rules.banks import require_bank, require_central_bank
from ledger.state import StateView
from ledger.storage import schema
from ledger.types import TIERS, Body
from ledger.validation import as_body, body_of
from offline.draft import Draft, bank_offline, bank_signer, setup
from offline.errors import (
    CertificateExpired,
    CrlIncomplete,
    CrlNotNewer,
    DeviceExists,
    DeviceRevoked,
    InvalidCertificate,
    LimitsAboveTier,
    ReserveInsufficient,
    UnknownDevice,
)
from offline.pki import (
    Authority,
    DeviceCertificate,
    check_issued,
    load_bank_ca,
    load_crl,
    load_device,
    load_root,
)
from offline.records import (
    SETUP,
    BankOffline,
    CrlRecord,
    DeviceRecord,
    SetupRecord,
    WalletOffline,
    bank_key,
    crl_key,
    device_key,
    reserve_lock,
    wallet_key,
)
from offline.types import BankCaSet, CrlPublish, DeviceEnrol, DeviceRevoke, OfflineSetup


def authority(record: BankOffline) -> Authority:
    """The bank CA as the verifier sees it (checked when it was set)."""
    return Authority(record.bank_id, record.ca_key, 0, 0, bytes.fromhex(record.ca))


# -- the central bank ----------------------------------------------------------------


def validate_setup(body: Body) -> None:
    body = as_body(body, OfflineSetup)
    load_root(bytes.fromhex(body.root))
    missing = sorted(set(TIERS) - set(body.params.tiers))
    if missing:
        raise SchemaViolation(reason=f"params.tiers: no limits for tier {missing[0]}")


def check_setup(pending: Pending, state: StateView) -> Effect:
    body = body_of(pending.tx, OfflineSetup)
    require_central_bank(pending, "offline.setup")
    root = load_root(bytes.fromhex(body.root))
    if root.key not in pending.block.central_bank_keys:
        raise InvalidCertificate(reason="the root must be on a central bank key")
    draft = Draft(state)
    draft.put(SETUP, SetupRecord(root=body.root, root_key=root.key, params=body.params))
    return draft.changes()


def check_ca(pending: Pending, state: StateView) -> Effect:
    body = body_of(pending.tx, BankCaSet)
    require_central_bank(pending, "offline.ca")
    bank = require_bank(body.bank_id, state)
    root = load_root(bytes.fromhex(setup(state).root))
    ca = load_bank_ca(bytes.fromhex(body.certificate), root)
    if ca.name != bank.bank_id:
        raise InvalidCertificate(reason=f"the CA certificate names {ca.name}, not {bank.bank_id}")
    if ca.key not in bank.keys:
        raise InvalidCertificate(reason="the CA key must be one of the bank's ledger keys")
    draft = Draft(state)
    current = draft.get(bank_key(bank.bank_id), BankOffline)
    record = (
        msgspec.structs.replace(current, ca=body.certificate, ca_key=ca.key)
        if current
        else BankOffline(bank_id=bank.bank_id, ca=body.certificate, ca_key=ca.key)
    )
    draft.put(bank_key(bank.bank_id), record)
    return draft.changes()


# -- a bank's devices -----------------------------------------------------------------


def validate_enrol(body: Body) -> None:
    body = as_body(body, DeviceEnrol)
    load_device(bytes.fromhex(body.certificate))


def check_enrol(pending: Pending, state: StateView) -> Effect:
    body = body_of(pending.tx, DeviceEnrol)
    device = load_device(bytes.fromhex(body.certificate))
    offline = bank_offline(device.bank_id, state)
    bank_signer(pending.tx, device.bank_id, state, "device.enrol")
    check_issued(device, authority(offline))
    wallet = _enrolled_wallet(pending, device, state)
    draft = Draft(state)
    if draft.get(device_key(device.serial_hex), DeviceRecord) is not None:
        raise DeviceExists(serial=device.serial_hex)
    if state.key_owner(device.key) is not None:
        raise KeyInUse(key=device.key)
    granted = offline.granted + device.limits.max_purse
    params = setup(state).params
    reserve, required = (
        draft.locked(reserve_lock(offline.bank_id)),
        params.required_reserve(granted),
    )
    if reserve < required:
        raise ReserveInsufficient(bank_id=offline.bank_id, reserve=reserve, required=required)
    record = DeviceRecord(
        serial=device.serial_hex,
        key=device.key,
        wallet_id=wallet.wallet_id,
        bank_id=device.bank_id,
        limits=device.limits,
        not_before=device.not_before,
        not_after=device.not_after,
        certificate=body.certificate,
    )
    draft.put(device_key(record.serial), record)
    owner = KeyOwner(kind="device", id=record.serial)
    draft.put(schema.key_owner_key(bytes.fromhex(device.key)), owner)
    draft.put(bank_key(offline.bank_id), msgspec.structs.replace(offline, granted=granted))
    index = draft.get(wallet_key(wallet.wallet_id), WalletOffline) or WalletOffline()
    devices = (*index.devices, record.serial)
    draft.put(wallet_key(wallet.wallet_id), msgspec.structs.replace(index, devices=devices))
    return draft.changes([wallet.wallet_id])


def _enrolled_wallet(pending: Pending, device: DeviceCertificate, state: StateView) -> WalletRecord:
    """The certificate's wallet: of the signing bank, limits within its tier, valid now."""
    wallet = state.wallet(device.wallet_id)
    if wallet is None:
        raise UnknownWallet(wallet_id=device.wallet_id)
    if wallet.bank_id != device.bank_id:
        raise NotAuthorized(action="device.enrol", signer=sorted(pending.tx.signers)[0])
    time_ms = pending.block.time_ms
    if not device.valid_at(time_ms):
        raise CertificateExpired(device.serial_hex, device.not_before, device.not_after, time_ms)
    above = setup(state).params.tiers[wallet.tier].exceeded_by(device.limits)
    if above is not None:
        raise LimitsAboveTier(wallet.tier, *above)
    return wallet


def revoked(record: DeviceRecord, reason: str, time_ms: int) -> DeviceRecord:
    """The device record, revoked."""
    return msgspec.structs.replace(record, status="revoked", reason=reason, revoked_at=time_ms)


def revoke(draft: Draft, record: DeviceRecord, reason: str, time_ms: int) -> None:
    """Revoke a device: its bank must list it in every later CRL, its grant is released."""
    draft.put(device_key(record.serial), revoked(record, reason, time_ms))
    offline = bank_offline(record.bank_id, draft)
    draft.put(
        bank_key(record.bank_id),
        msgspec.structs.replace(
            offline,
            granted=offline.granted - record.limits.max_purse,
            revoked=(*offline.revoked, record.serial),
        ),
    )


def check_revoke(pending: Pending, state: StateView) -> Effect:
    body = body_of(pending.tx, DeviceRevoke)
    draft = Draft(state)
    record = draft.get(device_key(body.serial), DeviceRecord)
    if record is None:
        raise UnknownDevice(serial=body.serial, reason="not enrolled")
    bank_signer(pending.tx, record.bank_id, state, "device.revoke")
    if record.status == "revoked":
        raise DeviceRevoked(serial=record.serial, reason=record.reason or "")
    revoke(draft, record, body.reason, pending.block.time_ms)
    return draft.changes([record.wallet_id])


# -- CRLs -------------------------------------------------------------------------------


def check_crl(pending: Pending, state: StateView) -> Effect:
    body = body_of(pending.tx, CrlPublish)
    offline = bank_offline(body.bank_id, state)
    bank_signer(pending.tx, body.bank_id, state, "offline.crl")
    crl = load_crl(bytes.fromhex(body.crl), authority(offline))
    draft = Draft(state)
    last = draft.get(crl_key(body.bank_id), CrlRecord)
    if last is not None and crl.number <= last.number:
        raise CrlNotNewer(bank_id=body.bank_id, last=last.number, got=crl.number)
    time_ms = pending.block.time_ms
    if crl.this_update > time_ms + setup(state).params.clock_skew_ms:
        raise InvalidCertificate(reason="the CRL's thisUpdate is in the future")
    for serial in offline.revoked:
        device = draft.get(device_key(serial), DeviceRecord)
        if device and device.not_after >= time_ms and int(serial, 16) not in crl.revoked:
            raise CrlIncomplete(bank_id=body.bank_id, serial=serial)
    record = CrlRecord(
        number=crl.number, this_update=crl.this_update, next_update=crl.next_update, crl=body.crl
    )
    draft.put(crl_key(body.bank_id), record)
    return draft.changes()


RULES = (
    TxRule("offline.setup", OfflineSetup, check_setup, apply_writes, validate_setup),
    TxRule("offline.ca", BankCaSet, check_ca, apply_writes),
    TxRule("device.enrol", DeviceEnrol, check_enrol, apply_writes, validate_enrol),
    TxRule("device.revoke", DeviceRevoke, check_revoke, apply_writes),
    TxRule("offline.crl", CrlPublish, check_crl, apply_writes),
)
