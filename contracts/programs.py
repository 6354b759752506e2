"""Programs: grant the issuer role, create, issue, pay onward, convert, expire.

A program's tokens are backed 1:1 by plain KZT locked under
``program/<level-0 token>``: issuing locks KZT, converting and expiring
release it. So the KZT supply never changes, and at every moment the lock
equals the sum of the program's tokens outstanding at all levels.
"""

from __future__ import annotations

from contracts.changes import (
    booked,
    changes,
    lock_write,
    moved,
    owner_ids,
    party,
    require_balanced,
    require_tokens,
    supply_write,
    token_record,
    total,
)
from contracts.errors import (
    NotProgramIssuer,
    PolicyViolation,
    ProgramExists,
    ProgramNotExpired,
    TermsMismatch,
)
from contracts.policy import (
    check_cap,
    check_converter,
    check_not_expired,
    check_recipient,
    check_window,
    levels,
    token_id,
    validate_policy,
)
from contracts.records import IssuerGrant, TokenRecord, grant_key, program_lock, token_key
from contracts.token_policy import paid_to_others
from contracts.types import (
    ProgramConvert,
    ProgramCreate,
    ProgramExpire,
    ProgramGrant,
    ProgramIssue,
    ProgramPay,
)
from ledger.errors import BankInactive, TokenNotAllowed, UnknownWallet, WalletFrozen
from ledger.registry import Effect, Pending, TxRule, Writes, apply_writes
from ledger.rules.banks import require_central_bank
from ledger.rules.limits import active_owners, owner_of
from ledger.state import StateView
from ledger.types import KZT, Body, Output
from ledger.validation import as_body, body_of, require_signers


def check_grant(pending: Pending, state: StateView) -> Effect:
    """The central bank grants or withdraws the issuer role of an existing wallet."""
    body = body_of(pending.tx, ProgramGrant)
    require_central_bank(pending, "program.grant")
    if state.wallet(body.wallet_id) is None:
        raise UnknownWallet(wallet_id=body.wallet_id)
    grant = IssuerGrant(wallet_id=body.wallet_id, height=pending.block.height)
    return changes((), (grant_key(body.wallet_id), grant if body.status == "granted" else None))


def require_issuer(key: str, state: StateView) -> str:
    """The active bank, or the granted active wallet, holding ``key``; returns its id."""
    owner = state.key_owner(key)
    if owner is None:
        raise NotProgramIssuer(key=key)
    if owner.kind == "bank":
        bank = state.bank(owner.id)
        if bank is None or bank.status != "active":
            raise BankInactive(bank_id=owner.id)
        return owner.id
    if owner.kind != "wallet" or state.read(grant_key(owner.id), IssuerGrant) is None:
        raise NotProgramIssuer(key=key)
    wallet = state.wallet(owner.id)
    if wallet is None or wallet.status != "active":
        raise WalletFrozen(wallet_id=owner.id)
    return owner.id


# -- program.create ------------------------------------------------------------------


def validate_create(body: Body) -> None:
    """The policy and its onward levels are well formed."""
    body = as_body(body, ProgramCreate)
    validate_policy(body.policy)


def check_create(pending: Pending, state: StateView) -> Effect:
    """The issuer signs and may issue; no level of the policy exists yet."""
    policy = body_of(pending.tx, ProgramCreate).policy
    require_signers(pending.tx, {policy.issuer})
    issuer_id = require_issuer(policy.issuer, state)
    program = token_id(policy)
    writes = []
    for level, level_policy in enumerate(levels(policy)):
        token = token_id(level_policy)
        if state.exists(token_key(token)):
            raise ProgramExists(token=token)
        writes.append((token_key(token), TokenRecord(program, level, level_policy)))
    parties = [issuer_id] if state.wallet(issuer_id) is not None else []
    return changes((), *writes, parties=parties)


# -- program.issue -------------------------------------------------------------------


def check_issue(pending: Pending, state: StateView) -> Effect:
    """The issuer's KZT is locked 1:1 into level-0 tokens; change returns to it."""
    body = body_of(pending.tx, ProgramIssue)
    record = token_record(body.token, state)
    policy = record.policy
    if record.level != 0:
        raise TokenNotAllowed(token=body.token)
    require_issuer(policy.issuer, state)
    require_signers(pending.tx, {policy.issuer})
    for output in pending.spent:
        if output.token != KZT or output.owner != policy.issuer:
            raise TermsMismatch(contract=body.token, field="inputs", expected=policy.issuer)
    require_tokens(body.outputs, {KZT, body.token})
    for output in body.outputs:
        if output.token == KZT and output.owner != policy.issuer:
            raise TermsMismatch(
                contract=body.token, field="change", expected=policy.issuer, got=output.owner
            )
    check_not_expired(policy, body.token, pending.block.time_ms)
    minted = total(body.outputs, body.token)
    require_balanced(KZT, total(pending.spent), total(body.outputs) + minted)
    return changes(
        moved(pending.spent, body.outputs, state, pending.block),
        lock_write(program_lock(body.token), KZT, minted, state),
        supply_write(body.token, state, issued=minted),
    )


# -- program.pay: earmarked payments ---------------------------------------------------


def check_pay(pending: Pending, state: StateView) -> Effect:
    """An earmarked payment: recipients allowed here, paid in the onward token."""
    body = body_of(pending.tx, ProgramPay)
    require_signers(pending.tx, {o.owner for o in pending.spent})
    token = pending.spent[0].token
    require_tokens(pending.spent, {token})
    policy = token_record(token, state).policy
    if policy.onward is None:
        raise PolicyViolation(token=token, rule="earmark", allowed=[], got=token)
    check_window(policy, token, pending.block.time_ms)
    onward = token_id(policy.onward)
    require_tokens(body.outputs, {token, onward})
    paid = paid_to_others(pending.spent, body.outputs, state)
    for output in paid:
        if output.token != onward:
            raise PolicyViolation(token=token, rule="earmark", allowed=[onward], got=output.token)
        check_recipient(policy, token, party(owner_of(output.owner, state), state))
    _require_kept([o for o in body.outputs if o not in paid], token)
    forwarded = sum(o.amount for o in paid)
    check_cap(policy, token, forwarded)
    require_balanced(token, total(pending.spent, token), total(body.outputs, token) + forwarded)
    return changes(
        moved(pending.spent, body.outputs, state, pending.block),
        supply_write(token, state, redeemed=forwarded),
        supply_write(onward, state, issued=forwarded),
    )


def _require_kept(kept: list[Output], token: str) -> None:
    for output in kept:
        if output.token != token:  # the payer may not promote its own change
            raise PolicyViolation(token=token, rule="earmark", allowed=[token], got=output.token)


# -- program.convert ---------------------------------------------------------------------


def check_convert(pending: Pending, state: StateView) -> Effect:
    """The holder may convert: tokens become KZT released from the backing."""
    body = body_of(pending.tx, ProgramConvert)
    require_signers(pending.tx, {o.owner for o in pending.spent})
    token = pending.spent[0].token
    require_tokens(pending.spent, {token})
    require_tokens(body.outputs, {token, KZT})
    record = token_record(token, state)
    holders = owner_ids(pending.spent, state)
    if len(holders) != 1 or owner_ids(body.outputs, state) != holders:
        raise TermsMismatch(contract=token, field="outputs", expected="the holder's own keys")
    holder = owner_of(pending.spent[0].owner, state)
    check_not_expired(record.policy, token, pending.block.time_ms)
    check_converter(record.policy, token, party(holder, state))
    active_owners([o.owner for o in body.outputs], state)
    converted = total(body.outputs, KZT)
    require_balanced(token, total(pending.spent, token), total(body.outputs, token) + converted)
    return changes(
        (),
        lock_write(program_lock(record.program), KZT, -converted, state),
        supply_write(token, state, redeemed=converted),
        parties=[holder.id] if holder.kind == "wallet" else [],
    )


# -- program.expire -------------------------------------------------------------------------


def check_expire(pending: Pending, state: StateView) -> Effect:
    """From expiry, any tokens of one program return to its issuer as KZT."""
    body = body_of(pending.tx, ProgramExpire)
    records = {o.token: _special(o.token, state) for o in pending.spent}
    programs = {r.program for r in records.values()}
    program = sorted(programs)[0]
    if len(programs) != 1:
        raise TermsMismatch(contract=program, field="inputs", expected="tokens of one program")
    root = token_record(program, state).policy
    if root.expires_at is None or pending.block.time_ms < root.expires_at:
        raise ProgramNotExpired(
            token=program, expires_at=root.expires_at, time_ms=pending.block.time_ms
        )
    if body.issuer != root.issuer:
        raise TermsMismatch(contract=program, field="issuer", expected=root.issuer, got=body.issuer)
    returned = sum(o.amount for o in pending.spent)
    require_balanced(KZT, returned, body.amount)
    supplies = [
        supply_write(token, state, redeemed=total(pending.spent, token)) for token in records
    ]
    return changes(
        booked(pending.spent, body.creates(), state),
        lock_write(program_lock(program), KZT, -returned, state),
        *supplies,
    )


def _special(token: str, state: StateView) -> TokenRecord:
    if token == KZT:
        raise TokenNotAllowed(token=token)
    return token_record(token, state)


RULES = (
    TxRule("program.grant", ProgramGrant, check_grant, apply_writes),
    TxRule("program.create", ProgramCreate, check_create, apply_writes, validate_create),
    TxRule("program.issue", ProgramIssue, check_issue, apply_writes),
    TxRule("program.pay", ProgramPay, check_pay, apply_writes),
    TxRule("program.convert", ProgramConvert, check_convert, apply_writes),
    TxRule("program.expire", ProgramExpire, check_expire, apply_writes),
)

__all__ = ["RULES", "Writes", "require_issuer"]
