"""Build and sign programmable-money transactions: programs and every template.

Phone-side like :mod:`wallet.builders`: uses only ledger types and crypto and
the contracts module's wire types (no server code).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from contracts.policy import Policy, token_id
from contracts.templates import (
    EscrowOpen,
    EscrowRefund,
    EscrowRelease,
    MandateCreate,
    MandatePull,
    MandateRevoke,
    MeterClaim,
    MeterClose,
    MeterOpen,
    SignedUsage,
    UsageReceipt,
    hashlock_of,
)
from contracts.types import (
    ProgramConvert,
    ProgramCreate,
    ProgramExpire,
    ProgramGrant,
    ProgramIssue,
    ProgramPay,
)
from ledger.crypto import KeyPair
from ledger.types import KZT, Body, Output, Transaction
from wallet.builders import Coin, select_coins, signers_for


def sign(network: str, body: Body, signers: Iterable[KeyPair]) -> Transaction:
    """Encode and sign a body with each key once."""
    unique = {k.public_hex: k for k in signers}
    return Transaction.create(network, body, [unique[k] for k in sorted(unique)])


def _spend(coins: Sequence[Coin], amount: int, token: str = KZT) -> tuple[list[Coin], list[Output]]:
    """Coins of ``token`` covering ``amount`` and the change output back to the first one."""
    chosen = select_coins(coins, amount, token)
    change = sum(c.output.amount for c in chosen) - amount
    back = [Output(owner=chosen[0].output.owner, amount=change, token=token)] if change else []
    return chosen, back


# -- programs --------------------------------------------------------------------


def program_grant(
    network: str, central_bank: KeyPair, wallet_id: str, nonce: int, granted: bool = True
) -> Transaction:
    """The central bank makes a wallet a program issuer (or withdraws the role)."""
    status: Literal["granted", "withdrawn"] = "granted" if granted else "withdrawn"
    body = ProgramGrant(wallet_id=wallet_id, status=status, nonce=nonce)
    return sign(network, body, [central_bank])


def program_create(network: str, issuer: KeyPair, policy: Policy) -> Transaction:
    """Register a policy; its token id is :func:`contracts.policy.token_id`."""
    return sign(network, ProgramCreate(policy=policy), [issuer])


def program_issue(
    network: str, issuer: KeyPair, coins: Sequence[Coin], token: str, grants: Sequence[Output]
) -> Transaction:
    """Lock the issuer's KZT 1:1 into ``grants`` (amounts of ``token`` to their owners)."""
    grants = [Output(owner=g.owner, amount=g.amount, token=token) for g in grants]
    chosen, change = _spend(coins, sum(g.amount for g in grants))
    body = ProgramIssue(
        token=token, inputs=tuple(c.point for c in chosen), outputs=(*grants, *change)
    )
    return sign(network, body, [issuer])


def program_pay(
    network: str,
    coins: Sequence[Coin],
    keys: Sequence[KeyPair],
    token: str,
    onward: Policy,
    to: str,
    amount: int,
    memo: str = "",
) -> Transaction:
    """An earmarked payment: ``amount`` of ``token`` reaches ``to`` as the onward token."""
    chosen, change = _spend(coins, amount, token)
    paid = Output(owner=to, amount=amount, token=token_id(onward))
    body = ProgramPay(inputs=tuple(c.point for c in chosen), outputs=(paid, *change), memo=memo)
    return sign(network, body, signers_for(chosen, keys))


def program_convert(
    network: str, coins: Sequence[Coin], keys: Sequence[KeyPair], token: str, amount: int
) -> Transaction:
    """Turn ``amount`` of ``token`` into plain KZT on the holder's first key."""
    chosen, change = _spend(coins, amount, token)
    kzt = Output(owner=chosen[0].output.owner, amount=amount)
    body = ProgramConvert(inputs=tuple(c.point for c in chosen), outputs=(kzt, *change))
    return sign(network, body, signers_for(chosen, keys))


def program_expire(
    network: str, trigger: KeyPair, coins: Sequence[Coin], issuer: str
) -> Transaction:
    """Return expired tokens (anyone's) to the issuer as KZT; any key may trigger it."""
    body = ProgramExpire(
        inputs=tuple(c.point for c in coins),
        issuer=issuer,
        amount=sum(c.output.amount for c in coins),
    )
    return sign(network, body, [trigger])


# -- escrow ----------------------------------------------------------------------


def escrow_open(
    network: str,
    coins: Sequence[Coin],
    payer: KeyPair,
    payee: str,
    amount: int,
    deadline: int,
    arbiter: str | None = None,
    code: str | None = None,
    memo: str = "",
) -> Transaction:
    """Lock ``amount`` for ``payee``; ``code`` sets a hash-lock on its SHA-256."""
    chosen, change = _spend(coins, amount)
    body = EscrowOpen(
        inputs=tuple(c.point for c in chosen),
        payer=payer.public_hex,
        payee=payee,
        amount=amount,
        deadline=deadline,
        change=tuple(change),
        arbiter=arbiter,
        hashlock=hashlock_of(code) if code is not None else None,
        memo=memo,
    )
    return sign(network, body, signers_for(chosen, [payer]))


def escrow_release(
    network: str,
    escrow_id: str,
    payee: str,
    amount: int,
    signers: Sequence[KeyPair],
    code: str | None = None,
) -> Transaction:
    """Release to the payee (both parties, the arbiter, or the delivery code)."""
    body = EscrowRelease(escrow=escrow_id, payee=payee, amount=amount, code=code)
    return sign(network, body, signers)


def escrow_refund(
    network: str, escrow_id: str, payer: str, amount: int, signers: Sequence[KeyPair]
) -> Transaction:
    """Refund to the payer (after the deadline, or with the payee's or arbiter's signature)."""
    return sign(network, EscrowRefund(escrow=escrow_id, payer=payer, amount=amount), signers)


# -- metering ----------------------------------------------------------------------


def meter_open(
    network: str,
    coins: Sequence[Coin],
    customer: KeyPair,
    provider: str,
    budget: int,
    expires_at: int,
) -> Transaction:
    """Lock ``budget`` for ``provider`` until ``expires_at``."""
    chosen, change = _spend(coins, budget)
    body = MeterOpen(
        inputs=tuple(c.point for c in chosen),
        customer=customer.public_hex,
        provider=provider,
        budget=budget,
        expires_at=expires_at,
        change=tuple(change),
    )
    return sign(network, body, signers_for(chosen, [customer]))


def usage(
    network: str, customer: KeyPair, meter_id: str, sequence: int, cumulative: int
) -> SignedUsage:
    """A usage receipt the customer signs off-ledger and hands to the provider."""
    receipt = UsageReceipt(meter=meter_id, sequence=sequence, cumulative=cumulative)
    sig = customer.sign(receipt.signing_message(network)).hex()
    return SignedUsage(receipt=receipt, key=customer.public_hex, sig=sig)


def meter_claim(
    network: str, provider: KeyPair, meter_id: str, signed: SignedUsage, claimed: int
) -> Transaction:
    """Claim what ``signed`` adds to the ``claimed`` total so far."""
    body = MeterClaim(
        meter=meter_id,
        usage=signed,
        provider=provider.public_hex,
        amount=signed.receipt.cumulative - claimed,
    )
    return sign(network, body, [provider])


def meter_close(
    network: str,
    signers: Sequence[KeyPair],
    meter_id: str,
    provider: str,
    customer: str,
    budget: int,
    claimed: int,
    signed: SignedUsage | None = None,
) -> Transaction:
    """Close: settle ``signed`` (if any) to the provider, refund the rest to the customer."""
    owed = signed.receipt.cumulative if signed is not None else claimed
    body = MeterClose(
        meter=meter_id,
        provider=provider,
        customer=customer,
        paid=owed - claimed,
        refund=budget - owed,
        usage=signed,
    )
    return sign(network, body, signers)


# -- mandates ------------------------------------------------------------------------


def mandate_create(
    network: str,
    payer_key: KeyPair,
    payer_wallet: str,
    payee: str,
    max_per_period: int,
    period_ms: int,
    starts_at: int,
    ends_at: int,
    nonce: int = 0,
) -> Transaction:
    """The payer's wallet lets ``payee`` pull up to ``max_per_period`` each period."""
    body = MandateCreate(
        payer=payer_wallet,
        payee=payee,
        max_per_period=max_per_period,
        period_ms=period_ms,
        starts_at=starts_at,
        ends_at=ends_at,
        nonce=nonce,
    )
    return sign(network, body, [payer_key])


def mandate_pull(
    network: str, payee: KeyPair, mandate_id: str, payer_coins: Sequence[Coin], amount: int
) -> Transaction:
    """The payee pulls ``amount`` from the payer's coins; change returns to the payer."""
    chosen, change = _spend(payer_coins, amount)
    paid = Output(owner=payee.public_hex, amount=amount)
    body = MandatePull(
        mandate=mandate_id, inputs=tuple(c.point for c in chosen), outputs=(paid, *change)
    )
    return sign(network, body, [payee])


def mandate_revoke(network: str, signer: KeyPair, mandate_id: str, nonce: int = 0) -> Transaction:
    """End a mandate (signed by the payer's wallet or by the payee)."""
    return sign(network, MandateRevoke(mandate=mandate_id, nonce=nonce), [signer])
