"""The platform's acts: the National Bank's licence, classes, issue and retirement.

Only a wallet the National Bank licenses (``asset.license``) may register an
asset class and issue its units or items, as the 2023 law requires of
secured digital assets. Retiring units (the right exercised: the grain
delivered) is signed by the holder and the class's operator, and shrinks
the token's supply.
"""

from __future__ import annotations

import msgspec

from assets.changes import (
    asset_class,
    changes,
    per_token,
    require_operator,
    supply_write,
    token_record,
)
from assets.errors import AssetExists, AssetMismatch, InvalidAsset
from assets.records import ClassRecord, PlatformLicence, TokenRecord, class_key, licence_key
from assets.records import token_key as record_key
from assets.types import (
    AssetCreate,
    AssetIssue,
    AssetLicense,
    AssetRetire,
    class_id,
    is_asset,
    item_token,
    unit_token,
)
from ledger.errors import UnknownWallet, ValueNotConserved
from ledger.registry import Effect, Pending, TxRule, Write, apply_writes
from ledger.rules.banks import require_central_bank
from ledger.rules.limits import active_owners, owner_of
from ledger.state import StateView
from ledger.types import Body
from ledger.validation import as_body, body_of, require_signers

# -- asset.license ---------------------------------------------------------------------


def check_license(pending: Pending, state: StateView) -> Effect:
    """The central bank licenses an existing wallet, or withdraws its licence."""
    body = body_of(pending.tx, AssetLicense)
    require_central_bank(pending, "asset.license")
    if state.wallet(body.wallet_id) is None:
        raise UnknownWallet(wallet_id=body.wallet_id)
    licence = PlatformLicence(body.wallet_id, body.licence, pending.block.height)
    return changes(
        (), (licence_key(body.wallet_id), licence if body.status == "granted" else None), parties=[]
    )


# -- asset.create ----------------------------------------------------------------------


def check_create(pending: Pending, state: StateView) -> Effect:
    """The licensed operator named in the terms signs; the class is new."""
    terms = body_of(pending.tx, AssetCreate).terms
    require_signers(pending.tx, {terms.platform})
    wallet_id = require_operator(terms.platform, state)
    asset = class_id(terms)
    if state.exists(class_key(asset)):  # a repeat is the same txid; never reset a class
        raise AssetExists(asset=asset)
    record = ClassRecord(terms=terms, wallet_id=wallet_id, height=pending.block.height)
    writes: list[Write] = [(class_key(asset), record)]
    if terms.form == "units":
        writes.append((record_key(unit_token(asset)), TokenRecord(asset=asset)))
    return changes((), *writes, parties=[wallet_id])


# -- asset.issue -----------------------------------------------------------------------


def validate_issue(body: Body) -> None:
    """Outputs carry the class's unit token, or each its item's token with amount 1."""
    body = as_body(body, AssetIssue)
    if not body.items:
        for output in body.outputs:
            if output.token != unit_token(body.asset):
                raise InvalidAsset(field="outputs", reason="each output holds the class's units")
        return
    if len(body.items) != len(body.outputs):
        raise InvalidAsset(field="items", reason="one item per output")
    if len(set(body.items)) != len(body.items):
        raise InvalidAsset(field="items", reason="each item once")
    for item, output in zip(body.items, body.outputs, strict=True):
        if output.token != item_token(body.asset, item) or output.amount != 1:
            raise InvalidAsset(field="outputs", reason="each output holds its item, amount 1")


def check_issue(pending: Pending, state: StateView) -> Effect:
    """The operator signs and is licensed; items are new; holders are registered and active."""
    body = body_of(pending.tx, AssetIssue)
    record = asset_class(body.asset, state)
    platform = record.terms.platform
    require_signers(pending.tx, {platform})
    operator = require_operator(platform, state)
    form = "items" if body.items else "units"
    if form != record.terms.form:
        raise AssetMismatch(asset=body.asset, field="form", expected=record.terms.form, got=form)
    writes: list[Write] = []
    for item in body.items:
        token = item_token(body.asset, item)
        if state.exists(record_key(token)):
            raise AssetExists(asset=token)
        writes.append((record_key(token), TokenRecord(asset=body.asset, item=item)))
    owners = active_owners([o.owner for o in body.outputs], state)
    minted = per_token(body.outputs)
    writes += [supply_write(token, state, issued=amount) for token, amount in minted.items()]
    issued = msgspec.structs.replace(record, issued=record.issued + sum(minted.values()))
    holders = [o.id for o in owners.values() if o.kind == "wallet"]
    return changes((), (class_key(body.asset), issued), *writes, parties=[operator, *holders])


# -- asset.retire ----------------------------------------------------------------------


def check_retire(pending: Pending, state: StateView) -> Effect:
    """One holder's units of one token, signed by the holder and the class's operator."""
    body = body_of(pending.tx, AssetRetire)
    token = pending.spent[0].token
    if not is_asset(token):
        raise AssetMismatch(asset=token, field="inputs", expected="an asset token", got=token)
    record = token_record(token, state)
    klass = asset_class(record.asset, state)
    holders = {owner_of(o.owner, state).id for o in pending.spent}
    for output in (*pending.spent, *body.change):
        if output.token != token:
            raise AssetMismatch(asset=token, field="inputs", expected=token, got=output.token)
    if len(holders) != 1 or {owner_of(o.owner, state).id for o in body.change} - holders:
        raise AssetMismatch(asset=token, field="change", expected="the one holder's own keys")
    spent = sum(o.amount for o in pending.spent)
    kept = sum(o.amount for o in body.change)
    if spent != body.units + kept:
        raise ValueNotConserved(token=token, inputs=spent, outputs=body.units + kept)
    require_signers(pending.tx, {*(o.owner for o in pending.spent), klass.terms.platform})
    active_owners([o.owner for o in pending.spent], state)
    retired = msgspec.structs.replace(klass, retired=klass.retired + body.units)
    return changes(
        (),
        (class_key(record.asset), retired),
        supply_write(token, state, retired=body.units),
        parties=[*holders, klass.wallet_id],
    )


RULES = (
    TxRule("asset.license", AssetLicense, check_license, apply_writes),
    TxRule("asset.create", AssetCreate, check_create, apply_writes),
    TxRule("asset.issue", AssetIssue, check_issue, apply_writes, validate_issue),
    TxRule("asset.retire", AssetRetire, check_retire, apply_writes),
)
