"""The one error tree of the digital tenge ledger.

Every rejection anywhere in the system is an instance of a class below. Each
class carries a stable machine-readable ``code``, the HTTP ``status`` the API
answers with, a human ``title``, and typed fields describing the case (never
a pre-formatted message). The API turns any of them into an RFC 9457 problem
document in exactly one handler; nothing else decides a status code.

Tree::

    TengeError
    ├── EncodingError            400  bytes that are not a valid message
    │   ├── MalformedJson, SchemaViolation, NonCanonicalEncoding,
    │   └── UnknownKind, WrongNetwork
    ├── InvalidTransaction       400  stateless rule broken (no state needed)
    │   ├── InvalidAmount, DuplicateInput, DuplicateKey,
    │   └── BadSignature, UnexpectedSigner
    ├── Unauthorized             403  the signer may not do this
    │   └── MissingSignature, NotAuthorized
    ├── Rejected                 422  a stateful rule refuses it
    │   ├── UnknownInput, UnknownBank, UnknownWallet, UnregisteredRecipient,
    │   ├── BankInactive, WalletFrozen, TokenNotAllowed, NotReserveKey, ValueNotConserved,
    │   ├── IssuanceLimitExceeded, LimitExceeded,
    │   ├── ReverseWaterfallRefused, PoolInsufficient
    │   └── RuleFailed           a rule raised something unexpected: only this tx is refused
    ├── Conflict                 409  clashes with what is already committed
    │   ├── DoubleSpend, DuplicateTransaction, BankExists, WalletExists, KeyInUse
    ├── IntegrityError           500  stored data disagrees with itself
    │   └── InvalidBlock, InvalidReceipt, AuditMismatch
    └── Unavailable              503  the node cannot take work right now
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar


@dataclass(eq=False)
class TengeError(Exception):
    """Base of every error the ledger, node and API raise on purpose."""

    code: ClassVar[str] = "tenge_error"
    status: ClassVar[int] = 400
    title: ClassVar[str] = "Ledger error"

    def details(self) -> dict[str, Any]:
        """The typed fields of this error, for problem documents and logs."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def __str__(self) -> str:
        parts = ", ".join(f"{k}={v!r}" for k, v in self.details().items())
        return f"{self.code}: {self.title}" + (f" ({parts})" if parts else "")


# -- encoding: the bytes are not a well-formed message -------------------------


@dataclass(eq=False)
class EncodingError(TengeError):
    code = "encoding_error"
    title = "The message is not validly encoded"


@dataclass(eq=False)
class MalformedJson(EncodingError):
    code = "malformed_json"
    title = "The body is not valid JSON"
    reason: str = ""


@dataclass(eq=False)
class SchemaViolation(EncodingError):
    code = "schema_violation"
    title = "The message does not match its schema"
    reason: str = ""


@dataclass(eq=False)
class NonCanonicalEncoding(EncodingError):
    code = "non_canonical"
    title = "The bytes are not in canonical form"
    part: str = ""


@dataclass(eq=False)
class UnknownKind(EncodingError):
    code = "unknown_kind"
    title = "No such transaction kind"
    kind: str = ""


@dataclass(eq=False)
class WrongNetwork(EncodingError):
    code = "wrong_network"
    title = "The message is for another network"
    expected: str = ""
    got: str = ""


# -- stateless transaction rules -----------------------------------------------


@dataclass(eq=False)
class InvalidTransaction(TengeError):
    code = "invalid_transaction"
    title = "The transaction breaks a stateless rule"


@dataclass(eq=False)
class InvalidAmount(InvalidTransaction):
    code = "invalid_amount"
    title = "Amounts are whole tiyn, at least 1 and at most the maximum"
    amount: int = 0
    minimum: int = 1
    maximum: int = 0


@dataclass(eq=False)
class DuplicateInput(InvalidTransaction):
    code = "duplicate_input"
    title = "The same output is spent twice within one transaction"
    txid: str = ""
    index: int = 0


@dataclass(eq=False)
class DuplicateKey(InvalidTransaction):
    code = "duplicate_key"
    title = "A key is listed twice"
    key: str = ""


@dataclass(eq=False)
class BadSignature(InvalidTransaction):
    code = "bad_signature"
    title = "A signature does not verify for this message"
    key: str = ""


@dataclass(eq=False)
class UnexpectedSigner(InvalidTransaction):
    code = "unexpected_signer"
    title = "A signature is present from a key that has no part in this transaction"
    key: str = ""


# -- authorization -------------------------------------------------------------


@dataclass(eq=False)
class Unauthorized(TengeError):
    code = "unauthorized"
    status = 403
    title = "The signer is not allowed to do this"


@dataclass(eq=False)
class MissingSignature(Unauthorized):
    code = "missing_signature"
    title = "A required signature is missing"
    key: str = ""


@dataclass(eq=False)
class NotAuthorized(Unauthorized):
    code = "not_authorized"
    title = "This key may not perform this action"
    action: str = ""
    signer: str = ""


# -- stateful rules ------------------------------------------------------------


@dataclass(eq=False)
class Rejected(TengeError):
    code = "rejected"
    status = 422
    title = "The ledger's rules refuse this transaction"


@dataclass(eq=False)
class UnknownInput(Rejected):
    code = "unknown_input"
    title = "The transaction spends an output that never existed"
    txid: str = ""
    index: int = 0


@dataclass(eq=False)
class UnknownBank(Rejected):
    code = "unknown_bank"
    title = "No such bank"
    bank_id: str = ""


@dataclass(eq=False)
class UnknownWallet(Rejected):
    code = "unknown_wallet"
    title = "No such wallet"
    wallet_id: str = ""


@dataclass(eq=False)
class UnregisteredRecipient(Rejected):
    code = "unregistered_recipient"
    title = "Outputs may only go to keys of an active wallet or bank"
    owner: str = ""


@dataclass(eq=False)
class BankInactive(Rejected):
    code = "bank_inactive"
    title = "The bank is suspended"
    bank_id: str = ""


@dataclass(eq=False)
class WalletFrozen(Rejected):
    code = "wallet_frozen"
    title = "The wallet is frozen"
    wallet_id: str = ""


@dataclass(eq=False)
class TokenNotAllowed(Rejected):
    code = "token_not_allowed"
    title = "This token cannot be used here"
    token: str = ""


@dataclass(eq=False)
class NotReserveKey(Rejected):
    code = "not_reserve_key"
    title = "Issued and redeemed KZT may only sit on the bank's own reserve keys"
    bank_id: str = ""
    owner: str = ""


@dataclass(eq=False)
class ValueNotConserved(Rejected):
    code = "value_not_conserved"
    title = "Inputs and outputs do not balance"
    token: str = ""
    inputs: int = 0
    outputs: int = 0


@dataclass(eq=False)
class IssuanceLimitExceeded(Rejected):
    code = "issuance_limit_exceeded"
    title = "The bank's outstanding issuance would exceed its limit"
    bank_id: str = ""
    limit: int = 0
    outstanding: int = 0
    requested: int = 0


@dataclass(eq=False)
class LimitExceeded(Rejected):
    code = "limit_exceeded"
    title = "A wallet tier limit would be exceeded"
    wallet_id: str = ""
    limit: str = ""  # "balance" | "per_payment" | "daily" | "mandate"
    allowed: int = 0
    requested: int = 0


@dataclass(eq=False)
class ReverseWaterfallRefused(Rejected):
    """A transfer's ``shortfall`` (or a mandate) the reverse waterfall cannot serve.

    ``reason``: ``not_linked`` (the wallet has no linked deposit), ``no_mandate`` (it
    signed no standing mandate), ``several_payers`` (the inputs are not all one wallet's),
    ``change_to_payer`` (a payment that pulls from the pool pays nothing back to the payer).
    """

    code = "reverse_waterfall_refused"
    title = "The reverse waterfall cannot pay this shortfall"
    wallet_id: str = ""
    reason: str = ""


@dataclass(eq=False)
class PoolInsufficient(Rejected):
    code = "waterfall_pool_insufficient"
    title = "The bank's waterfall pool holds less than the shortfall"
    bank_id: str = ""
    available: int = 0
    requested: int = 0


@dataclass(eq=False)
class RuleFailed(Rejected):
    """A kind's rule raised something outside this tree: a bug, or an input no rule foresaw.

    Only this transaction is refused (its writes undone); the node logs the
    traceback with the txid. ``stage``: ``validate``, ``check``, ``guard`` (a
    producer-side check) or ``apply``.
    Sending the same bytes again meets the same rule: do not retry unchanged.
    """

    code = "rule_failed"
    title = "A ledger rule failed on this transaction; it is refused and the failure logged"
    kind: str = ""
    stage: str = ""


# -- conflicts with committed state --------------------------------------------


@dataclass(eq=False)
class Conflict(TengeError):
    code = "conflict"
    status = 409
    title = "Conflicts with committed state"


@dataclass(eq=False)
class DoubleSpend(Conflict):
    code = "double_spend"
    title = "The output has already been spent"
    txid: str = ""
    index: int = 0


@dataclass(eq=False)
class DuplicateTransaction(Conflict):
    code = "duplicate_transaction"
    title = "A transaction with this txid is already committed or pending"
    txid: str = ""


@dataclass(eq=False)
class BankExists(Conflict):
    code = "bank_exists"
    title = "A bank with this id is already registered"
    bank_id: str = ""


@dataclass(eq=False)
class WalletExists(Conflict):
    code = "wallet_exists"
    title = "A wallet with this id is already open"
    wallet_id: str = ""


@dataclass(eq=False)
class KeyInUse(Conflict):
    code = "key_in_use"
    title = "The key is already registered to another owner"
    key: str = ""


# -- integrity: stored data disagrees with itself ------------------------------


@dataclass(eq=False)
class IntegrityError(TengeError):
    code = "integrity_error"
    status = 500
    title = "Stored data is inconsistent"


@dataclass(eq=False)
class InvalidBlock(IntegrityError):
    code = "invalid_block"
    status = 422
    title = "The block is not valid"
    height: int = 0
    reason: str = ""


@dataclass(eq=False)
class InvalidReceipt(IntegrityError):
    code = "invalid_receipt"
    status = 422
    title = "The receipt does not prove inclusion"
    reason: str = ""


@dataclass(eq=False)
class InvalidStatement(IntegrityError):
    code = "invalid_statement"
    status = 422
    title = "The statement does not add up or is not proven by its headers"
    statement: str = ""
    reason: str = ""


@dataclass(eq=False)
class AuditMismatch(IntegrityError):
    code = "audit_mismatch"
    title = "Re-derived state disagrees with stored state"
    what: str = ""
    expected: str = ""
    found: str = ""


# -- availability --------------------------------------------------------------


@dataclass(eq=False)
class Unavailable(TengeError):
    code = "unavailable"
    status = 503
    title = "The node cannot accept work right now"
    reason: str = ""


@dataclass(eq=False)
class ProducerUnavailable(Unavailable):
    code = "producer_unavailable"
    title = "No node of the cluster produces blocks right now (a failover): retry shortly"
    retry_after_s: int = 1
    """When to send the same bytes again (the ``Retry-After`` header says it too)."""


@dataclass(eq=False)
class HeightNotOrdered(TengeError):
    code = "height_not_ordered"
    status = 400
    title = "No block at this height has been ordered yet: min_height is beyond the ledger"
    min_height: int = 0
    height: int = 0


@dataclass(eq=False)
class HeightNotReached(Unavailable):
    code = "height_not_reached"
    title = "This node has not applied the asked height yet: retry, or ask another node"
    min_height: int = 0
    height: int = 0
    retry_after_s: int = 1


def all_error_classes() -> list[type[TengeError]]:
    """Every concrete error class in the tree, base first, for docs and tests."""
    found: list[type[TengeError]] = []
    pending: list[type[TengeError]] = [TengeError]
    while pending:
        cls = pending.pop(0)
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found
