"""The errors of customizable anonymity (private payments, anonymous tokens, disclosure).

They extend the one tree of :mod:`ledger.errors`, so the API maps them with
the same handler and each has a stable ``code``. Limits keep the core's
:class:`~ledger.errors.LimitExceeded` (``limit`` names which one, e.g.
``"daily"`` or ``"private_daily"``) and policies the contracts' codes, so a
refusal reads the same at every privacy level::

    InvalidTransaction (400)
    ├── InvalidPrivacyParams       a privacy.configure body breaks a stateless rule
    ├── MalformedPrivateRequest    a sealed request that does not open or decode
    └── InvalidBlindedElement      not a ristretto255 element (or the identity)
    Unauthorized (403)
    ├── NotValidator               a private kind not attested by the designated validator
    ├── NotDisclosureAuthority     a disclosure signed by someone who is not an authority
    └── DisclosureQuorumNotMet     fewer authorities signed than the threshold
    Rejected (422)
    ├── PrivacyNotConfigured, PrivacyLevelNotAllowed, UnknownDenomination
    ├── UnknownNote, NoteMismatch, MixedPayers, WitnessMissing
    ├── AmlThresholdExceeded       above the threshold when the central bank chose "refuse"
    ├── InvalidToken               an anonymous token whose VOPRF output does not verify
    ├── PoolExhausted              a pool would go below zero
    ├── NotPrivateTransaction      a disclosure of a txid that is no private transfer
    └── DisclosureNotRecorded      the disclosure tool's refusal: no committed record
    Conflict (409)
    ├── NoteSpent                  a nullifier already in the set (a double spend)
    ├── CommitmentExists           a commitment already in the set
    └── TokenSpent                 an anonymous token already spent
    IntegrityError (422)
    ├── InvalidDleqProof           the issuer's DLEQ proof does not verify (wallet side)
    └── EnvelopeMismatch           an envelope that does not open to the committed note
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.errors import Conflict, IntegrityError, InvalidTransaction, Rejected, Unauthorized


@dataclass(eq=False)
class InvalidPrivacyParams(InvalidTransaction):
    code = "invalid_privacy_params"
    title = "The privacy parameters break a stateless rule"
    field: str = ""
    reason: str = ""


@dataclass(eq=False)
class MalformedPrivateRequest(InvalidTransaction):
    code = "malformed_private_request"
    title = "The sealed private request does not open or decode"
    reason: str = ""


@dataclass(eq=False)
class InvalidBlindedElement(InvalidTransaction):
    code = "invalid_blinded_element"
    title = "A blinded element is not a valid ristretto255 element"
    index: int = 0


@dataclass(eq=False)
class NotValidator(Unauthorized):
    code = "not_validator"
    title = "Private and anonymous kinds are attested by the designated validator only"
    key: str = ""


@dataclass(eq=False)
class NotDisclosureAuthority(Unauthorized):
    code = "not_disclosure_authority"
    title = "A disclosure may be signed by the named disclosure authorities only"
    key: str = ""


@dataclass(eq=False)
class DisclosureQuorumNotMet(Unauthorized):
    code = "disclosure_quorum_not_met"
    title = "Fewer authorities signed the disclosure than its threshold"
    required: int = 0
    signed: int = 0


@dataclass(eq=False)
class PrivacyNotConfigured(Rejected):
    code = "privacy_not_configured"
    title = "The central bank has not configured private and anonymous payments"


@dataclass(eq=False)
class PrivacyLevelNotAllowed(Rejected):
    code = "privacy_level_not_allowed"
    title = "The wallet's tier may not pay at this privacy level"
    wallet_id: str = ""
    tier: str = ""
    level: str = ""


@dataclass(eq=False)
class UnknownDenomination(Rejected):
    code = "unknown_denomination"
    title = "Anonymous tokens exist in the configured denominations only"
    denomination: int = 0


@dataclass(eq=False)
class UnknownNote(Rejected):
    code = "unknown_note"
    title = "The private payment spends a note that was never created"
    commitment: str = ""


@dataclass(eq=False)
class NoteMismatch(Rejected):
    code = "note_mismatch"
    title = "The plaintext does not match the committed form of the payment"
    field: str = ""
    index: int = 0


@dataclass(eq=False)
class MixedPayers(Rejected):
    code = "mixed_payers"
    title = "A private payment spends the value of one wallet only"
    wallets: str = ""


@dataclass(eq=False)
class WitnessMissing(Rejected):
    code = "witness_missing"
    title = "The producer holds no plaintext for this private transfer; submit it again"
    txid: str = ""


@dataclass(eq=False)
class AmlThresholdExceeded(Rejected):
    code = "aml_threshold_exceeded"
    title = "Private payments at or above the threshold are refused; pay openly"
    threshold: int = 0
    requested: int = 0


@dataclass(eq=False)
class InvalidToken(Rejected):
    code = "invalid_token"
    title = "An anonymous token's VOPRF output does not verify under its denomination's key"
    index: int = 0


@dataclass(eq=False)
class PoolExhausted(Rejected):
    code = "pool_exhausted"
    title = "The private or anonymous pool does not hold that much"
    pool: str = ""
    available: int = 0
    requested: int = 0


@dataclass(eq=False)
class NotPrivateTransaction(Rejected):
    code = "not_private_transaction"
    title = "Only committed private transfers can be disclosed"
    txid: str = ""


@dataclass(eq=False)
class DisclosureNotRecorded(Rejected):
    code = "disclosure_not_recorded"
    title = "No committed disclosure record, signed by the quorum, names this transaction"
    txid: str = ""


@dataclass(eq=False)
class NoteSpent(Conflict):
    code = "note_spent"
    title = "The note has already been spent (its nullifier is in the set)"
    nullifier: str = ""


@dataclass(eq=False)
class CommitmentExists(Conflict):
    code = "commitment_exists"
    title = "A note with this commitment already exists"
    commitment: str = ""


@dataclass(eq=False)
class TokenSpent(Conflict):
    code = "token_spent"
    title = "The anonymous token has already been spent"
    denomination: int = 0
    token: str = ""


@dataclass(eq=False)
class InvalidDleqProof(IntegrityError):
    code = "invalid_dleq_proof"
    status = 422
    title = "The issuer's DLEQ proof does not verify: the evaluation is refused"
    reason: str = ""


@dataclass(eq=False)
class EnvelopeMismatch(IntegrityError):
    code = "envelope_mismatch"
    status = 422
    title = "The envelope does not open to a note committed in this transaction"
    reason: str = ""
