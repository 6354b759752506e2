"""Special-purpose token policies: declarative rules, hashed into the token id.

A :class:`Policy` is plain data — lists of allowed merchant codes, recipients
and regions, a validity window, an expiry, a cap, a conversion rule — and the
functions below decide every case from it and from facts about the parties.
No code travels with a token and nothing is evaluated.

The token id is ``hex(SHA-256(DOMAIN_POLICY || canonical(policy)))``: the
policy is immutable, and a change is a new policy with a new id. Earmarking
nests policies: a payment of a token whose policy has an ``onward`` policy
pays the recipients in the onward token, so they may pay on only under the
next level's rules, down to the depth of the nesting.

Pure module: it imports only ledger types, so wallets carry it.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from contracts.errors import InvalidPolicy, PolicyViolation
from ledger.crypto import sha256
from ledger.encoding import MAX_AMOUNT, Amount, Hex32, Ident, Wire, canonical
from ledger.types import Mcc, Region

DOMAIN_POLICY = b"KZT-LEDGER/policy/v1\x00"
MAX_DEPTH = 4
"""At most this many onward levels below the issued token."""

TimeMs = Annotated[int, msgspec.Meta(ge=0, le=2**53 - 1, description="Unix time in ms")]
Convert = Literal["nobody", "eligible", "anyone"]


class Policy(Wire, frozen=True):
    """The rules of one special-purpose token; every field but two is optional."""

    issuer: Annotated[
        Hex32,
        msgspec.Meta(description="issuer's key: signs issuance; expired value returns to it"),
    ]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100, description="label")]
    mcc: Annotated[
        tuple[Mcc, ...],
        msgspec.Meta(max_length=64, description="merchant codes that may be paid (sorted)"),
    ] = ()
    recipients: Annotated[
        tuple[Ident, ...],
        msgspec.Meta(max_length=256, description="wallet or bank ids that may be paid (sorted)"),
    ] = ()
    regions: Annotated[
        tuple[Region, ...],
        msgspec.Meta(max_length=64, description="regions every recipient must be in (sorted)"),
    ] = ()
    transferable: Annotated[
        bool, msgspec.Meta(description="people (wallets without an MCC) may be paid")
    ] = False
    per_payment: Annotated[
        Amount | None, msgspec.Meta(description="cap on one payment to others, in tiyn")
    ] = None
    valid_from: Annotated[TimeMs, msgspec.Meta(description="no payments before (ms)")] = 0
    valid_until: Annotated[
        TimeMs | None, msgspec.Meta(description="no payments at or after (ms)")
    ] = None
    expires_at: Annotated[
        TimeMs | None,
        msgspec.Meta(description="from then on anyone may return unspent value to the issuer"),
    ] = None
    convert: Annotated[
        Convert,
        msgspec.Meta(
            description="who may convert to plain KZT: nobody, eligible merchants, anyone"
        ),
    ] = "eligible"
    onward: Annotated[
        Policy | None,
        msgspec.Meta(description="earmarking: recipients are paid in this next-level token"),
    ] = None


def token_id(policy: Policy) -> str:
    """The token id of a policy: hex SHA-256 of its canonical bytes under the domain tag."""
    return sha256(DOMAIN_POLICY + canonical(policy)).hex()


def levels(policy: Policy) -> list[Policy]:
    """The policy and its onward policies, level 0 first."""
    found = [policy]
    while found[-1].onward is not None:
        found.append(found[-1].onward)
    return found


# -- stateless validation ------------------------------------------------------


def validate_policy(policy: Policy) -> None:
    """Every level well formed; onward levels share the issuer and the expiry."""
    chain = levels(policy)
    if len(chain) > MAX_DEPTH + 1:
        raise InvalidPolicy(field="onward", reason=f"at most {MAX_DEPTH} onward levels")
    for level in chain:
        _validate_level(level)
        if level.issuer != policy.issuer:
            raise InvalidPolicy(field="onward.issuer", reason="every level has the same issuer")
        if level.expires_at != policy.expires_at:
            raise InvalidPolicy(field="onward.expires_at", reason="the program expires as a whole")


def _validate_level(policy: Policy) -> None:
    for name in ("mcc", "recipients", "regions"):
        values = getattr(policy, name)
        if list(values) != sorted(set(values)):
            raise InvalidPolicy(field=name, reason="must be sorted and distinct")
    if policy.per_payment is not None and not 1 <= policy.per_payment <= MAX_AMOUNT:
        raise InvalidPolicy(field="per_payment", reason="1 to 2**53-1 tiyn")
    if policy.valid_until is not None and policy.valid_until <= policy.valid_from:
        raise InvalidPolicy(field="valid_until", reason="must be after valid_from")
    if policy.expires_at is not None:
        if policy.expires_at <= policy.valid_from:
            raise InvalidPolicy(field="expires_at", reason="must be after valid_from")
        if policy.valid_until is not None and policy.valid_until > policy.expires_at:
            raise InvalidPolicy(field="valid_until", reason="must not be after expires_at")


# -- the rules, decided from facts about the parties ---------------------------


class Party(msgspec.Struct, frozen=True):
    """What a policy may ask about a recipient: who, what kind, MCC and region."""

    id: str
    kind: str  # "wallet" | "bank"
    mcc: str | None = None
    region: str | None = None

    @property
    def person(self) -> bool:
        """A wallet without a merchant code: a person, not a business."""
        return self.kind == "wallet" and self.mcc is None


def check_window(policy: Policy, token: str, time_ms: int) -> None:
    """Payments only inside the validity window and before expiry."""
    if time_ms < policy.valid_from:
        raise _violation(token, "valid_from", [str(policy.valid_from)], str(time_ms))
    if policy.valid_until is not None and time_ms >= policy.valid_until:
        raise _violation(token, "valid_until", [str(policy.valid_until)], str(time_ms))
    check_not_expired(policy, token, time_ms)


def check_not_expired(policy: Policy, token: str, time_ms: int) -> None:
    """Nothing but the return to the issuer once the program has expired."""
    if policy.expires_at is not None and time_ms >= policy.expires_at:
        raise _violation(token, "expired", [str(policy.expires_at)], str(time_ms))


def check_recipient(policy: Policy, token: str, party: Party) -> None:
    """May ``party`` be paid in this token? Regions bind everyone; then the
    explicit list, then people (only if transferable), then merchants by MCC."""
    _check_region(policy, token, party)
    if party.id in policy.recipients:
        return
    if party.person:
        if not policy.transferable:
            raise _violation(token, "transferable", [], party.id)
        return
    _check_merchant(policy, token, party)


def check_converter(policy: Policy, token: str, party: Party) -> None:
    """May ``party`` turn this token into plain KZT?"""
    if policy.convert == "anyone":
        return
    if policy.convert == "nobody":
        raise _violation(token, "convert", [], party.id)
    _check_region(policy, token, party)
    if party.id in policy.recipients:
        return
    if party.person:
        raise _violation(token, "convert", ["eligible merchants"], party.id)
    _check_merchant(policy, token, party)


def check_cap(policy: Policy, token: str, paid: int) -> None:
    """One payment to others stays within ``per_payment``."""
    if policy.per_payment is not None and paid > policy.per_payment:
        raise _violation(token, "per_payment", [str(policy.per_payment)], str(paid))


def _check_region(policy: Policy, token: str, party: Party) -> None:
    if policy.regions and party.region not in policy.regions:
        raise _violation(token, "regions", list(policy.regions), party.region or "")


def _check_merchant(policy: Policy, token: str, party: Party) -> None:
    """Not on the explicit list: an allowed MCC, or any merchant when neither list is set."""
    if policy.mcc:
        if party.mcc not in policy.mcc:
            raise _violation(token, "mcc", list(policy.mcc), party.mcc or "")
    elif policy.recipients:
        raise _violation(token, "recipients", list(policy.recipients), party.id)
    elif party.mcc is None:  # a bank: not a merchant
        raise _violation(token, "mcc", [], "")


def _violation(token: str, rule: str, allowed: list[str], got: str) -> PolicyViolation:
    return PolicyViolation(token=token, rule=rule, allowed=allowed, got=got)
