"""The five privacy kinds as registry rules, bound to this node's validator (if it is one).

A node that holds the validator's secrets checks private transfers in full
while it produces a block; every other node, and every replay, checks what
the committed form allows (:mod:`privacy.transfer`). A producer without the
validator's secrets refuses private transfers: it could not check them.
"""

from __future__ import annotations

from ledger.registry import Effect, Pending, Registry, TxRule, apply_writes, expect
from ledger.state import StateView
from ledger.validation import body_of
from privacy import anonymous, disclosure
from privacy.errors import AmlThresholdExceeded, WitnessMissing
from privacy.records import PrivacyEffect, params_of
from privacy.transfer import (
    check_attestation,
    check_plaintext,
    check_public,
    read_plaintext,
    validate_transfer,
)
from privacy.types import (
    AnonSpend,
    AnonWithdraw,
    PrivacyConfigure,
    PrivacyDisclose,
    PrivateTransfer,
)
from privacy.validator import Validator


def transfer_rule(registry: Registry, validator: Validator | None) -> TxRule:
    """``private.transfer``, with the plaintext check when this node is the validator."""

    def check(pending: Pending, state: StateView) -> Effect:
        body = body_of(pending.tx, PrivateTransfer)
        params = params_of(state)
        check_attestation(pending, body.validator, params)
        public = check_public(pending, state, params)
        if not pending.block.producing:
            return PrivacyEffect(parties=public.parties, writes=public.writes)
        witness = validator.witness(pending.tx.txid) if validator is not None else None
        if validator is None or witness is None:
            raise WitnessMissing(txid=pending.tx.txid.hex())
        request, nullifiers = witness.request, witness.nullifiers
        plain = read_plaintext(pending, state, params, request, nullifiers, witness.spent)
        if plain.outflow >= params.aml_threshold and not witness.aml:
            raise AmlThresholdExceeded(threshold=params.aml_threshold, requested=plain.outflow)
        book = check_plaintext(pending, state, params, plain, public, validator.book, registry)
        return PrivacyEffect(
            parties=public.parties,
            writes=(*public.writes, *book),
            forget=pending.tx.txid.hex(),
        )

    def apply(pending: Pending, effect: Effect, state: StateView) -> None:
        apply_writes(pending, effect, state)
        effect = expect(effect, PrivacyEffect)
        if validator is not None and effect.forget:
            validator.forget(pending.tx.txid)

    return TxRule("private.transfer", PrivateTransfer, check, apply, validate_transfer)


def rules(registry: Registry, validator: Validator | None) -> tuple[TxRule, ...]:
    """Every privacy kind."""
    return (
        TxRule(
            "privacy.configure",
            PrivacyConfigure,
            disclosure.check_configure,
            apply_writes,
            disclosure.validate_configure,
        ),
        transfer_rule(registry, validator),
        TxRule(
            "anon.withdraw",
            AnonWithdraw,
            anonymous.check_withdraw,
            apply_writes,
            anonymous.validate_withdraw,
        ),
        TxRule(
            "anon.spend", AnonSpend, anonymous.check_spend, apply_writes, anonymous.validate_spend
        ),
        TxRule("privacy.disclose", PrivacyDisclose, disclosure.check_disclose, apply_writes),
    )
