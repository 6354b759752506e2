"""``privacy.configure`` (the central bank's parameters) and ``privacy.disclose`` (k authorities).

A disclosure record names one committed private transfer and the legal
reason; it is valid only when at least ``threshold`` of the named
authorities sign it. It is public and links no wallet: the parties learn of
it by matching its txid against their own envelopes. The escrow tool
(:mod:`privacy.escrow`) refuses to open a transfer until such a record is
committed.
"""

from __future__ import annotations

from ledger.errors import MissingSignature
from ledger.registry import Effect, Pending
from ledger.rules.banks import require_central_bank
from ledger.state import StateView
from ledger.types import Body
from ledger.validation import as_body, body_of, validate_amount
from privacy import voprf
from privacy.errors import (
    DisclosureQuorumNotMet,
    InvalidPrivacyParams,
    NotDisclosureAuthority,
    NotPrivateTransaction,
)
from privacy.records import PARAMS_KEY, PrivacyEffect, disclosure_key, params_of, private_tx_key
from privacy.types import DisclosureRecord, LevelCaps, PrivacyConfigure, PrivacyDisclose


def validate_configure(body: Body) -> None:
    """Stateless: a quorum that exists, distinct authorities, valid denominations and caps."""
    body = as_body(body, PrivacyConfigure)
    params = body.params
    if params.threshold > len(params.authorities):
        raise InvalidPrivacyParams(field="threshold", reason="more than the authorities named")
    for name, values in (
        ("authorities", [a.name for a in params.authorities]),
        ("authority keys", [a.key for a in params.authorities]),
        ("denominations", [d.amount for d in params.denominations]),
    ):
        if len(set(values)) != len(values):
            raise InvalidPrivacyParams(field=name, reason="listed twice")
    for denomination in params.denominations:
        validate_amount(denomination.amount)
        if not voprf.is_element(bytes.fromhex(denomination.key)):
            raise InvalidPrivacyParams(field="denominations", reason="key is not an element")
    validate_amount(params.aml_threshold)
    for tier in params.tiers.values():
        for caps in (tier.private, tier.anonymous):
            validate_caps(caps)


def validate_caps(caps: LevelCaps) -> None:
    for value in (caps.per_payment, caps.daily, caps.holding):
        if value is not None:
            validate_amount(value)


def check_configure(pending: Pending, state: StateView) -> Effect:
    """The central bank alone sets the parameters."""
    body = body_of(pending.tx, PrivacyConfigure)
    require_central_bank(pending, "privacy.configure")
    return PrivacyEffect(writes=((PARAMS_KEY, body.params),))


def check_disclose(pending: Pending, state: StateView) -> Effect:
    """At least k named authorities, and nobody else, sign; the transfer is a private one."""
    body = body_of(pending.tx, PrivacyDisclose)
    params = params_of(state)
    names = {a.key: a.name for a in params.authorities}
    signers = sorted(pending.tx.signers)
    if not signers:
        raise MissingSignature(key=params.authorities[0].key)
    for key in signers:
        if key not in names:
            raise NotDisclosureAuthority(key=key)
    if len(signers) < params.threshold:
        raise DisclosureQuorumNotMet(required=params.threshold, signed=len(signers))
    if not state.exists(private_tx_key(body.txid)):
        raise NotPrivateTransaction(txid=body.txid)
    record = DisclosureRecord(
        txid=body.txid,
        disclosure=pending.tx.txid.hex(),
        reason=body.reason,
        case=body.case,
        authorities=tuple(sorted(names[k] for k in signers)),
        height=pending.block.height,
        time_ms=pending.block.time_ms,
    )
    return PrivacyEffect(writes=((disclosure_key(body.txid, record.disclosure), record),))
