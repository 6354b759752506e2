"""The errors of special-purpose tokens and contract templates.

They extend the one tree of :mod:`ledger.errors` (so the API maps them with
the same handler and each has a stable ``code``)::

    InvalidTransaction (400)
    ├── InvalidPolicy                a policy breaks a stateless rule
    └── InvalidTerms                 a template's terms do (an end before the start)
    Unauthorized (403)
    └── NotProgramIssuer             the key may not issue special-purpose tokens
    Rejected (422)
    ├── UnknownProgram, UnknownContract
    ├── PolicyViolation              a payment breaks its token's policy (rule, allowed, got)
    ├── ProgramNotExpired
    ├── EscrowNotReleasable, EscrowNotRefundable
    ├── MeterBudgetExceeded, CounterRollback, MeterNotClosable
    ├── MandateExceeded, MandateRevoked, MandateInactive
    └── TermsMismatch               a body restates a contract's terms wrongly
    Conflict (409)
    ├── ProgramExists
    ├── ContractClosed
    └── ReceiptReplayed              a metering receipt that was already claimed
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as default

from ledger.errors import Conflict, InvalidTransaction, Rejected, Unauthorized


@dataclass(eq=False)
class InvalidPolicy(InvalidTransaction):
    code = "invalid_policy"
    title = "The policy breaks a stateless rule"
    field: str = ""
    reason: str = ""


@dataclass(eq=False)
class InvalidTerms(InvalidTransaction):
    code = "invalid_terms"
    title = "The contract's terms break a stateless rule"
    field: str = ""
    reason: str = ""


@dataclass(eq=False)
class NotProgramIssuer(Unauthorized):
    code = "not_program_issuer"
    title = "Only a bank or a wallet granted the issuer role may run a program"
    key: str = ""


@dataclass(eq=False)
class UnknownProgram(Rejected):
    code = "unknown_program"
    title = "No special-purpose token with this id"
    token: str = ""


@dataclass(eq=False)
class UnknownContract(Rejected):
    code = "unknown_contract"
    title = "No such escrow, meter or mandate"
    family: str = ""
    contract: str = ""


@dataclass(eq=False)
class PolicyViolation(Rejected):
    """``rule`` names the policy field that refused: ``mcc``, ``recipients``,
    ``regions``, ``transferable``, ``per_payment``, ``valid_from``,
    ``valid_until``, ``expired``, ``earmark`` or ``convert``."""

    code = "policy_violation"
    title = "The payment breaks the token's policy"
    token: str = ""
    rule: str = ""
    allowed: list[str] = default(default_factory=list)
    got: str = ""


@dataclass(eq=False)
class ProgramNotExpired(Rejected):
    code = "program_not_expired"
    title = "The program's tokens may be returned to the issuer only after expiry"
    token: str = ""
    expires_at: int | None = None
    time_ms: int = 0


@dataclass(eq=False)
class EscrowNotReleasable(Rejected):
    """``reason``: ``conditions`` (no release condition is met), ``code`` (the
    delivery code does not match) or ``deadline`` (a hash-lock release after
    the deadline)."""

    code = "escrow_not_releasable"
    title = "No release condition of the escrow is met"
    escrow: str = ""
    reason: str = ""


@dataclass(eq=False)
class EscrowNotRefundable(Rejected):
    code = "escrow_not_refundable"
    title = "The payer may take the escrow back only after its deadline"
    escrow: str = ""
    deadline: int = 0
    time_ms: int = 0


@dataclass(eq=False)
class MeterBudgetExceeded(Rejected):
    code = "meter_budget_exceeded"
    title = "The usage receipt claims more than the meter's budget"
    meter: str = ""
    budget: int = 0
    requested: int = 0


@dataclass(eq=False)
class CounterRollback(Rejected):
    """The receipt's counter or cumulative amount is below what was already claimed."""

    code = "counter_rollback"
    title = "The usage receipt goes backwards"
    meter: str = ""
    field: str = ""  # "sequence" | "cumulative"
    claimed: int = 0
    got: int = 0


@dataclass(eq=False)
class MeterNotClosable(Rejected):
    """``reason``: ``before_expiry`` (the customer closes early) or ``expired``
    (the provider settles a receipt after the meter's expiry)."""

    code = "meter_not_closable"
    title = "The meter cannot be closed or claimed this way now"
    meter: str = ""
    reason: str = ""
    expires_at: int = 0
    time_ms: int = 0


@dataclass(eq=False)
class MandateExceeded(Rejected):
    code = "mandate_exceeded"
    title = "The pull exceeds what the mandate allows in this period"
    mandate: str = ""
    period: int = 0
    allowed: int = 0
    requested: int = 0


@dataclass(eq=False)
class MandateRevoked(Rejected):
    code = "mandate_revoked"
    title = "The mandate has been revoked"
    mandate: str = ""


@dataclass(eq=False)
class MandateInactive(Rejected):
    """``reason``: ``not_started`` or ``ended``."""

    code = "mandate_inactive"
    title = "The mandate is outside its validity window"
    mandate: str = ""
    reason: str = ""
    starts_at: int = 0
    ends_at: int = 0
    time_ms: int = 0


@dataclass(eq=False)
class TermsMismatch(Rejected):
    code = "terms_mismatch"
    title = "The transaction restates the contract's terms differently"
    contract: str = ""
    field: str = ""
    expected: str = ""
    got: str = ""


@dataclass(eq=False)
class ProgramExists(Conflict):
    code = "program_exists"
    title = "A program with this policy already exists"
    token: str = ""


@dataclass(eq=False)
class ContractClosed(Conflict):
    code = "contract_closed"
    title = "The escrow or meter is already settled"
    family: str = ""
    contract: str = ""
    state: str = ""  # "released" | "refunded" | "closed"


@dataclass(eq=False)
class ReceiptReplayed(Conflict):
    code = "receipt_replayed"
    title = "This usage receipt has already been claimed"
    meter: str = ""
    sequence: int = 0
