"""``anon.withdraw`` and ``anon.spend``: bearer tokens in and out of the anonymous pool.

A withdrawal is an open act of one wallet: it spends the wallet's KZT into
the pool ``anon/<denomination>`` and records the blinded elements the issuer
will evaluate. The tier's limits apply (the core's check, same codes) and so
do the anonymous level's caps: per withdrawal, per day and the holding cap
(what the wallet withdrew within ``holding_days``; the ledger cannot see
bearer tokens after that, so this bounds what one wallet can hold unless
others hand it tokens).

A spend carries only the tokens' VOPRF inputs: the validator verified them
(only its key can), attests the spend, and every replica checks that none was
spent before and the pool covers it. The payee is identified and its limits
apply; the payer is nobody.
"""

from __future__ import annotations

from ledger.errors import LimitExceeded, TokenNotAllowed, ValueNotConserved
from ledger.records import WalletRecord
from ledger.registry import Effect, Pending, Write
from ledger.rules.limits import active_owners, check_limits, wallet_flows
from ledger.state import StateView
from ledger.storage import schema
from ledger.types import KZT, Body, Output
from ledger.validation import as_body, body_of, require_signers
from privacy import voprf
from privacy.errors import (
    InvalidBlindedElement,
    MixedPayers,
    TokenSpent,
    UnknownDenomination,
)
from privacy.limits import check_level
from privacy.records import (
    PrivacyEffect,
    anon_pool,
    anon_supply_key,
    marker_writes,
    params_of,
    pool_write,
    token_key,
    withdrawals_key,
)
from privacy.transfer import check_attestation
from privacy.types import AnonSpend, AnonSupply, AnonWithdraw, PrivacyParams, Withdrawals


def validate_withdraw(body: Body) -> None:
    """Stateless: every blinded element is a distinct ristretto255 element."""
    body = as_body(body, AnonWithdraw)
    seen: set[str] = set()
    for index, element in enumerate(body.blinded):
        if element in seen or not voprf.is_element(bytes.fromhex(element)):
            raise InvalidBlindedElement(index=index)
        seen.add(element)


def validate_spend(body: Body) -> None:
    """Stateless: no token twice."""
    body = as_body(body, AnonSpend)
    if len(set(body.tokens)) != len(body.tokens):
        duplicate = next(t for t in body.tokens if body.tokens.count(t) > 1)
        raise TokenSpent(denomination=body.denomination, token=duplicate)


def require_denomination(params: PrivacyParams, amount: int) -> None:
    if params.denomination(amount) is None:
        raise UnknownDenomination(denomination=amount)


def require_kzt(outputs: tuple[Output, ...]) -> None:
    for output in outputs:
        if output.token != KZT:
            raise TokenNotAllowed(token=output.token)


def check_withdraw(pending: Pending, state: StateView) -> Effect:
    """One wallet pays ``len(blinded) x denomination`` KZT into the anonymous pool."""
    body = body_of(pending.tx, AnonWithdraw)
    params = params_of(state)
    require_denomination(params, body.denomination)
    require_signers(pending.tx, {o.owner for o in pending.spent})
    require_kzt((*pending.spent, *body.change))
    owners = active_owners([o.owner for o in (*pending.spent, *body.change)], state)
    holders = {(o.kind, o.id) for o in owners.values()}
    if len(holders) != 1 or next(iter(holders))[0] != "wallet":
        raise MixedPayers(wallets=",".join(sorted(i for _, i in holders)))
    total = len(body.blinded) * body.denomination
    paid, kept = sum(o.amount for o in pending.spent), sum(o.amount for o in body.change)
    if paid != kept + total:
        raise ValueNotConserved(token=KZT, inputs=paid, outputs=kept + total)
    (wallet,) = check_limits(wallet_flows(pending.spent, body.change, owners), state, pending.block)
    window = check_anonymous_caps(wallet, params, total, state, pending.block.day)
    supply = state.read(anon_supply_key(body.denomination), AnonSupply) or AnonSupply()
    issued = AnonSupply(supply.issued + len(body.blinded), supply.spent)
    writes: list[Write] = [
        (schema.wallet_key(wallet.wallet_id), wallet),
        (withdrawals_key(wallet.wallet_id), window),
        pool_write(anon_pool(body.denomination), KZT, total, state),
        (anon_supply_key(body.denomination), issued),
    ]
    return PrivacyEffect(parties=(wallet.wallet_id,), writes=tuple(writes))


def check_anonymous_caps(
    wallet: WalletRecord, params: PrivacyParams, total: int, state: StateView, day: int
) -> Withdrawals:
    """The anonymous level's caps; the wallet's withdrawal window with this one added."""
    caps = params.tier(wallet.tier).anonymous
    previous = state.read(withdrawals_key(wallet.wallet_id), Withdrawals) or Withdrawals()
    recent = [(d, a) for d, a in previous.days if d > day - params.holding_days]
    today = sum(a for d, a in recent if d == day)
    check_level(wallet, caps, "anonymous", total, today)
    held = sum(a for _, a in recent)
    if caps.holding is not None and held + total > caps.holding:
        raise LimitExceeded(
            wallet_id=wallet.wallet_id,
            limit="anonymous_holding",
            allowed=max(caps.holding - held, 0),
            requested=total,
        )
    others = [(d, a) for d, a in recent if d != day]
    return Withdrawals(days=(*others, (day, today + total)))


def check_spend(pending: Pending, state: StateView) -> Effect:
    """Unspent tokens, attested by the validator, pay identified outputs from the pool."""
    body = body_of(pending.tx, AnonSpend)
    params = params_of(state)
    check_attestation(pending, body.validator, params)
    require_denomination(params, body.denomination)
    require_kzt(body.outputs)
    for token in body.tokens:
        if state.exists(token_key(body.denomination, token)):
            raise TokenSpent(denomination=body.denomination, token=token)
    total = len(body.tokens) * body.denomination
    paid = sum(o.amount for o in body.outputs)
    if paid != total:
        raise ValueNotConserved(token=KZT, inputs=total, outputs=paid)
    owners = active_owners([o.owner for o in body.outputs], state)
    wallets = check_limits(wallet_flows((), body.outputs, owners), state, pending.block)
    supply = state.read(anon_supply_key(body.denomination), AnonSupply) or AnonSupply()
    spent = AnonSupply(supply.issued, supply.spent + len(body.tokens))
    writes: list[Write] = [
        *marker_writes(token_key(body.denomination, t) for t in body.tokens),
        pool_write(anon_pool(body.denomination), KZT, -total, state),
        (anon_supply_key(body.denomination), spent),
        *((schema.wallet_key(w.wallet_id), w) for w in wallets),
    ]
    return PrivacyEffect(parties=tuple(w.wallet_id for w in wallets), writes=tuple(writes))
