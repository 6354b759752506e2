"""What the contracts module keeps in consensus state, and where.

Records live under ``schema.CONTRACT`` (``c | family / id``); value held by a
program or a template is booked under ``schema.LOCKED`` so that the audit
counts it in the supply of its token.
"""

from __future__ import annotations

from typing import Literal

from contracts.policy import Policy
from ledger.encoding import Amount, Hex32, Tiyn, Wire
from ledger.storage import schema


class TokenRecord(Wire, frozen=True):
    """One level of a program: its policy, the program (level-0 token) and the level."""

    program: Hex32
    level: int
    policy: Policy


class IssuerGrant(Wire, frozen=True):
    """A wallet the central bank has made a program issuer."""

    wallet_id: str
    height: int


class EscrowRecord(Wire, frozen=True):
    """An escrow's terms and whether it is still open."""

    payer: Hex32
    payee: Hex32
    amount: Amount
    deadline: int
    arbiter: Hex32 | None = None
    hashlock: Hex32 | None = None
    status: Literal["open", "released", "refunded"] = "open"


class MeterRecord(Wire, frozen=True):
    """A metering budget: terms, and the last receipt claimed."""

    customer: Hex32
    provider: Hex32
    budget: Amount
    expires_at: int
    claimed: Tiyn = 0
    sequence: int = 0
    status: Literal["open", "closed"] = "open"

    @property
    def remaining(self) -> int:
        """Budget not yet paid to the provider."""
        return self.budget - self.claimed


class MandateRecord(Wire, frozen=True):
    """A recurring debit mandate and what was pulled in its latest period."""

    payer: str
    payee: Hex32
    max_per_period: int
    period_ms: int
    starts_at: int
    ends_at: int
    period: int = 0
    pulled: int = 0
    status: Literal["active", "revoked"] = "active"

    def period_at(self, time_ms: int) -> int:
        """The index of the period containing ``time_ms`` (0 from ``starts_at``)."""
        return (time_ms - self.starts_at) // self.period_ms

    def pulled_in(self, period: int) -> int:
        """Pulled so far in ``period``."""
        return self.pulled if self.period == period else 0


def token_key(token: str) -> bytes:
    """Where the policy level of a special-purpose token is kept."""
    return schema.contract_key("token", token)


def grant_key(wallet_id: str) -> bytes:
    """Where a wallet's issuer role is kept."""
    return schema.contract_key("issuer", wallet_id)


def escrow_key(escrow_id: str) -> bytes:
    """Where an escrow's terms are kept."""
    return schema.contract_key("escrow", escrow_id)


def meter_key(meter_id: str) -> bytes:
    """Where a meter's terms are kept."""
    return schema.contract_key("meter", meter_id)


def mandate_key(mandate_id: str) -> bytes:
    """Where a mandate's terms are kept."""
    return schema.contract_key("mandate", mandate_id)


def program_lock(program: str) -> str:
    """The lock id of a program's KZT backing."""
    return f"program/{program}"


def escrow_lock(escrow_id: str) -> str:
    """The lock id of an escrow's amount."""
    return f"escrow/{escrow_id}"


def meter_lock(meter_id: str) -> str:
    """The lock id of a meter's remaining budget."""
    return f"meter/{meter_id}"
