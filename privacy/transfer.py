"""``private.transfer``: what every replica checks, and what only the validator can.

:func:`check_public` runs everywhere, replays and audits included: the
validator's attestation (its signature), fresh nullifiers and commitments,
the owners' signatures on open inputs, registered recipients of open
outputs, and the pools, which move only by the open edges.

:func:`check_plaintext` runs in the validator while it builds a block (and
once before, when the request arrives): the sealed request opens to notes
whose commitments and nullifiers are exactly the body's, the spent notes
exist, one wallet pays, value is conserved per token, special-purpose token
policies and tier limits hold — through the very functions open transfers
use, so the error codes are the same — and the AML rule.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from ledger.errors import BadSignature, DuplicateKey, MissingSignature, UnexpectedSigner
from ledger.registry import Pending, Registry
from ledger.rules.limits import active_owners, wallet_flows
from ledger.rules.transfer import check_conservation
from ledger.state import StateView
from ledger.storage import schema
from ledger.types import KZT, Body, OutPoint, Output, Transaction, Transfer
from ledger.validation import body_of, require_signers, validate_amount
from privacy.book import LimitBook
from privacy.errors import (
    AmlThresholdExceeded,
    CommitmentExists,
    MixedPayers,
    NoteMismatch,
    NoteSpent,
    NotValidator,
    UnknownNote,
)
from privacy.limits import check_combined, check_level
from privacy.notes import PrivateRequest, shield_message, verify_signatures
from privacy.records import (
    Write,
    commitment_key,
    marker_writes,
    nullifier_key,
    pool_write,
    private_pool,
    private_tx_key,
)
from privacy.types import PrivacyParams, PrivateTransfer, ShieldStatement

ENVELOPES_AFTER_NOTES = 3  # the payer's record, the regulator's, the AML slot


def validate_transfer(body: Body) -> None:
    """Stateless: distinct nullifiers and commitments, one envelope per note plus three."""
    assert isinstance(body, PrivateTransfer)
    for values in (body.nullifiers, body.commitments, [s.key for s in body.input_auth]):
        if len(set(values)) != len(values):
            raise DuplicateKey(key=next(v for v in values if list(values).count(v) > 1))
    if len(body.envelopes) != len(body.commitments) + ENVELOPES_AFTER_NOTES:
        raise NoteMismatch(field="envelopes", index=len(body.envelopes))
    if not (body.nullifiers or body.inputs) or not (body.commitments or body.outputs):
        raise NoteMismatch(field="spends" if body.commitments or body.outputs else "creates")


class PublicResult(msgspec.Struct, frozen=True):
    """What the public check decided."""

    writes: tuple[Write, ...]
    parties: tuple[str, ...]
    open_deltas: dict[str, int]


def check_attestation(pending: Pending, validator: str, params: PrivacyParams) -> None:
    """The body names the designated validator, whose signature alone is on it."""
    if validator != params.validator:
        raise NotValidator(key=validator)
    require_signers(pending.tx, {params.validator})


def check_public(pending: Pending, state: StateView, params: PrivacyParams) -> PublicResult:
    """Every check a replica can make on the committed form alone (the attestation aside)."""
    body = body_of(pending.tx, PrivateTransfer)
    for nullifier in body.nullifiers:
        if state.exists(nullifier_key(nullifier)):
            raise NoteSpent(nullifier=nullifier)
    for commitment in body.commitments:
        if state.exists(commitment_key(commitment)):
            raise CommitmentExists(commitment=commitment)
    check_input_auth(pending, body)
    owners = active_owners([o.owner for o in (*pending.spent, *body.outputs)], state)
    deltas: dict[str, int] = {}
    for sign, outputs in ((-1, pending.spent), (1, body.outputs)):
        for output in outputs:
            owner = owners[output.owner]
            if owner.kind == "wallet":
                deltas[owner.id] = deltas.get(owner.id, 0) + sign * output.amount
    writes = [
        *marker_writes(nullifier_key(n) for n in body.nullifiers),
        *marker_writes(commitment_key(c) for c in body.commitments),
        (private_tx_key(pending.tx.txid.hex()), b""),
        *pool_writes(pending.spent, body.outputs, state),
    ]
    for wallet_id, delta in sorted(deltas.items()):
        record = state.wallet(wallet_id)
        assert record is not None  # active_owners checked it
        updated = msgspec.structs.replace(record, balance=record.balance + delta)
        writes.append((schema.wallet_key(wallet_id), updated))
    return PublicResult(tuple(writes), tuple(sorted(deltas)), deltas)


def check_input_auth(pending: Pending, body: PrivateTransfer) -> None:
    """The owners of the open inputs signed the public statement, and nobody else."""
    owners = {o.owner for o in pending.spent}
    signers = {s.key for s in body.input_auth}
    for key in sorted(owners - signers):
        raise MissingSignature(key=key)
    for key in sorted(signers - owners):
        raise UnexpectedSigner(key=key)
    if body.input_auth:
        statement = ShieldStatement(body.inputs, body.outputs, body.commitments)
        bad = verify_signatures(shield_message(pending.tx.network, statement), body.input_auth)
        if bad is not None:
            raise BadSignature(key=bad)


def pool_writes(
    spent: Iterable[Output], created: Iterable[Output], state: StateView
) -> list[Write]:
    """The private pool of each token moves by what enters from, and leaves to, open outputs."""
    deltas: dict[str, int] = {}
    for sign, outputs in ((1, spent), (-1, created)):
        for output in outputs:
            deltas[output.token] = deltas.get(output.token, 0) + sign * output.amount
    return [
        pool_write(private_pool(token), token, delta, state)
        for token, delta in sorted(deltas.items())
        if delta
    ]


class PlainResult(msgspec.Struct, frozen=True):
    """What the validator learned from the plaintext, and the book entries to write."""

    payer: str
    recipients: tuple[str, ...]
    outflow: int
    payments: tuple[Output, ...]
    aml: bool
    """At or above the AML threshold (envelope mode): the payer's bank gets a notice."""
    book: tuple[Write, ...]


def check_plaintext(
    pending: Pending,
    state: StateView,
    params: PrivacyParams,
    request: PrivateRequest,
    nullifiers: tuple[str, ...],
    public: PublicResult,
    book: LimitBook,
    registry: Registry,
) -> PlainResult:
    """The validator's check of the plaintext against the body and state."""
    body = body_of(pending.tx, PrivateTransfer)
    match_notes(request, body, nullifiers, state)
    spent = (*(n.as_output() for n in request.spends), *pending.spent)
    created = (*(n.as_output() for n in request.creates), *body.outputs)
    payer_keys = {o.owner for o in spent}
    owners = active_owners([*sorted(payer_keys), *(o.owner for o in created)], state)
    payers = {(owners[k].kind, owners[k].id) for k in payer_keys}
    if len(payers) != 1 or next(iter(payers))[0] != "wallet":
        raise MixedPayers(wallets=",".join(sorted(i for _, i in payers)))
    payer = next(iter(payers))[1]
    special = check_conservation(spent, created) - {KZT}
    flows = wallet_flows(spent, created, owners)
    if special:
        plain = plain_view(pending, spent, created)
        registry.token_policy.check_transfer(plain, special, flows, state)
    outflow = flows[payer].sent
    record = state.wallet(payer)
    assert record is not None
    if outflow:
        today = book.read(state, payer).today(pending.block.day)
        check_level(record, params.tier(record.tier).private, "private", outflow, today)
    book_writes = check_combined(flows, public.open_deltas, book, state, pending.block)
    aml = outflow >= params.aml_threshold
    if aml and params.aml_mode == "refuse":
        raise AmlThresholdExceeded(threshold=params.aml_threshold, requested=outflow)
    payments = tuple(o for o in created if owners[o.owner].id != payer)
    recipients = tuple(owners[o.owner].id for o in created)
    return PlainResult(payer, recipients, outflow, payments, aml, tuple(book_writes))


def match_notes(
    request: PrivateRequest, body: PrivateTransfer, nullifiers: tuple[str, ...], state: StateView
) -> None:
    """The plaintext opens exactly the body's commitments and nullifiers; spent notes exist."""
    if tuple(n.commitment() for n in request.creates) != body.commitments:
        raise NoteMismatch(field="commitments")
    if nullifiers != body.nullifiers:
        raise NoteMismatch(field="nullifiers")
    for index, note in enumerate((*request.spends, *request.creates)):
        validate_amount(note.amount, minimum=0)
        if index < len(request.spends) and not state.exists(commitment_key(note.commitment())):
            raise UnknownNote(commitment=note.commitment())


def plain_view(pending: Pending, spent: tuple[Output, ...], created: tuple[Output, ...]) -> Pending:
    """The payment as a plain transfer, for the token policy (it never leaves the validator)."""
    txid = pending.tx.txid
    points = tuple(OutPoint(txid=txid.hex(), index=i) for i in range(len(spent)))
    tx = Transaction(pending.tx.network, Transfer(inputs=points, outputs=created), (), b"", txid)
    return Pending(tx=tx, spent=spent, block=pending.block)
