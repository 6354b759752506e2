"""``private.transfer``: what every replica checks, and what only the validator can.

:func:`check_public` runs everywhere, replays and audits included: the
validator's attestation (its signature), fresh nullifiers and commitments,
the owners' signatures on open inputs, registered recipients of open
outputs, and the pools, which move only by the open edges.

:func:`read_plaintext` and :func:`check_plaintext` run in the validator while it
builds a block: the sealed request opens to notes whose commitments and
nullifiers are exactly the body's, the spent notes exist, one wallet pays,
value is conserved per token, the AML rule, then special-purpose token
policies and tier limits — through the very functions open transfers use,
so the error codes are the same. When a request arrives, the validator runs
the first part at once (it learns who pays whom, for the regulator's and
the bank's envelopes); the limits wait for the block, whose state decides.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from ledger.errors import (
    BadSignature,
    DuplicateKey,
    MissingSignature,
    UnexpectedSigner,
    UnknownWallet,
)
from ledger.records import KeyOwner
from ledger.registry import Pending, Registry, WalletFlow, Write
from ledger.rules.limits import active_owners, wallet_flows
from ledger.rules.transfer import check_conservation
from ledger.state import StateView
from ledger.storage import schema
from ledger.types import KZT, Body, OutPoint, Output, Transaction, Transfer
from ledger.validation import as_body, body_of, require_signers
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
    body = as_body(body, PrivateTransfer)
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
        if record is None:  # active_owners checked it
            raise UnknownWallet(wallet_id=wallet_id)
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


class Plaintext(msgspec.Struct, frozen=True):
    """The plaintext, matched against the body, as outputs with their owners."""

    payer: str
    """The one wallet whose notes and outputs are spent."""
    spent: tuple[Output, ...]
    created: tuple[Output, ...]
    owners: dict[str, KeyOwner]
    flows: dict[str, WalletFlow]
    special: frozenset[str]
    """The special-purpose tokens it moves."""

    @property
    def outflow(self) -> int:
        """What money leaves the payer, net of its change (none when it moves no money)."""
        flow = self.flows.get(self.payer)
        return 0 if flow is None else flow.sent

    @property
    def payments(self) -> tuple[Output, ...]:
        """What goes to others than the payer."""
        return tuple(o for o in self.created if self.owners[o.owner].id != self.payer)

    @property
    def recipients(self) -> tuple[str, ...]:
        """The wallet or bank id of each created note, then of each open output."""
        return tuple(self.owners[o.owner].id for o in self.created)


def read_plaintext(
    pending: Pending,
    state: StateView,
    params: PrivacyParams,
    request: PrivateRequest,
    nullifiers: tuple[str, ...],
    spent_notes: tuple[str, ...],
) -> Plaintext:
    """Notes exist and match the nullifiers, one wallet pays, value is conserved, the AML rule."""
    body = body_of(pending.tx, PrivateTransfer)
    match_notes(spent_notes, nullifiers, body, state)
    spent = (*(n.as_output() for n in request.spends), *pending.spent)
    created = (*(n.as_output() for n in request.creates), *body.outputs)
    payer_keys = {o.owner for o in spent}
    owners = active_owners([*sorted(payer_keys), *(o.owner for o in created)], state)
    payers = {(owners[k].kind, owners[k].id) for k in payer_keys}
    if len(payers) != 1 or next(iter(payers))[0] != "wallet":
        raise MixedPayers(wallets=",".join(sorted(i for _, i in payers)))
    special = frozenset(check_conservation(spent, created) - {KZT})
    flows = wallet_flows(spent, created, owners)
    plain = Plaintext(next(iter(payers))[1], spent, created, owners, flows, special)
    if plain.outflow >= params.aml_threshold and params.aml_mode == "refuse":
        raise AmlThresholdExceeded(threshold=params.aml_threshold, requested=plain.outflow)
    return plain


def check_plaintext(
    pending: Pending,
    state: StateView,
    params: PrivacyParams,
    plain: Plaintext,
    public: PublicResult,
    book: LimitBook,
    registry: Registry,
) -> tuple[Write, ...]:
    """Token policies, the level's caps and the tier's limits; the book entries to write."""
    if plain.special:
        view = plain_view(pending, plain.spent, plain.created)
        registry.token_policy.check_transfer(view, plain.special, plain.flows, state)
    record = state.wallet(plain.payer)
    if record is None:  # an active owner's wallet exists
        raise UnknownWallet(wallet_id=plain.payer)
    entry = book.read(state, plain.payer)
    if plain.outflow:
        today = entry.today(pending.block.day)
        check_level(record, params.tier(record.tier).private, "private", plain.outflow, today)
    known = {plain.payer: entry}
    writes = check_combined(plain.flows, public.open_deltas, book, state, pending.block, known)
    return tuple(writes)


def match_notes(
    spent: tuple[str, ...], nullifiers: tuple[str, ...], body: PrivateTransfer, state: StateView
) -> None:
    """The body's nullifiers are those of the notes spent, and those notes exist.

    That the notes open to their commitments and the body's new commitments was
    checked when the request was opened (nothing in state changes it).
    """
    if nullifiers != body.nullifiers:
        raise NoteMismatch(field="nullifiers")
    for commitment in spent:
        if not state.exists(commitment_key(commitment)):
            raise UnknownNote(commitment=commitment)


def plain_view(pending: Pending, spent: tuple[Output, ...], created: tuple[Output, ...]) -> Pending:
    """The payment as a plain transfer, for the token policy (it never leaves the validator)."""
    txid = pending.tx.txid
    points = tuple(OutPoint(txid=txid.hex(), index=i) for i in range(len(spent)))
    tx = Transaction(pending.tx.network, Transfer(inputs=points, outputs=created), (), b"", txid)
    return Pending(tx=tx, spent=spent, block=pending.block)
