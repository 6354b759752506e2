"""The regulator's audit: with the escrow key, re-derive every private payment.

Run only by the regulator, once the k-of-n ceremony has rebuilt the escrow
key. The key that opens one transfer after a recorded disclosure opens them
all, so this audit is itself a disclosure of everything and belongs under
the same procedure (``docs/privacy.md``). It checks that every regulator
envelope opens to exactly the committed notes and nullifiers, that the
payer's signature holds, that every spent note was created before and is
spent once, that value is conserved per token, that the notes still unspent
add up to the private pools, and that replaying the chain reproduces the
state digest.
"""

from __future__ import annotations

from collections import Counter

import msgspec
from nacl.public import PrivateKey

from ledger.audit import audit as core_audit
from ledger.errors import AuditMismatch, TengeError
from ledger.registry import Registry
from ledger.storage import KeyValueStore
from ledger.storage.schema import locked_key
from ledger.types import Transaction
from privacy.audit import locked_in, output_of, transactions
from privacy.escrow import open_transfer
from privacy.notes import (
    Note,
    PaymentAuthorization,
    authorization_message,
    envelopes_digest,
    verify_signatures,
)
from privacy.records import private_pool
from privacy.types import PrivacyConfigure, PrivacyParams, PrivateTransfer


class RegulatorAudit(msgspec.Struct, frozen=True):
    """What re-deriving every private payment found."""

    payments: int
    notes_created: int
    notes_spent: int
    unspent: dict[str, int]
    """Per token, notes created and not spent: equal to the private pool."""
    state_digest: str
    problems: tuple[AuditMismatch, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


class _Rederivation:
    """Every note ever created, which are spent, and what disagreed."""

    def __init__(self, store: KeyValueStore, registry: Registry, escrow: PrivateKey) -> None:
        self.store, self.registry, self.escrow = store, registry, escrow
        self.live: dict[str, Note] = {}
        self.created = self.spent = self.payments = 0
        self.problems: list[AuditMismatch] = []

    def problem(self, what: str, expected: str, found: str = "") -> None:
        self.problems.append(AuditMismatch(what=what, expected=expected, found=found))

    def payment(self, tx: Transaction, body: PrivateTransfer, params: PrivacyParams) -> None:
        """One payment: its record opens, its signature holds, its value is conserved."""
        txid = tx.txid.hex()
        self.payments += 1
        try:
            record = open_transfer(tx.envelope(), self.escrow, params, tx.network)
        except TengeError as error:
            self.problem(f"regulator envelope of {txid}", "opens", error.code)
            return
        request = record.request
        authorization = PaymentAuthorization(
            spends=tuple(n.commitment() for n in request.spends),
            commitments=body.commitments,
            envelopes=envelopes_digest(body.envelopes[: len(body.commitments) + 1]),
            inputs=body.inputs,
            outputs=body.outputs,
            memo=request.memo,
        )
        message = authorization_message(tx.network, authorization)
        if request.spends and verify_signatures(message, request.signatures) is not None:
            self.problem(f"payer signature of {txid}", "valid")
        self.conserved(txid, body, request.spends, request.creates)

    def conserved(
        self, txid: str, body: PrivateTransfer, spends: tuple[Note, ...], creates: tuple[Note, ...]
    ) -> None:
        moved: Counter[str] = Counter()
        for note in spends:
            if self.live.pop(note.commitment(), None) is None:
                self.problem(f"note {note.commitment()} spent in {txid}", "a live note")
            self.spent += 1
            moved[note.token] += note.amount
        for point in body.inputs:
            output = output_of(self.store, self.registry, point.txid, point.index)
            moved[output.token] += output.amount
        for note in creates:
            self.live[note.commitment()] = note
            self.created += 1
            moved[note.token] -= note.amount
        for output in body.outputs:
            moved[output.token] -= output.amount
        if any(moved.values()):
            self.problem(f"value of {txid}", "conserved", str(dict(moved)))


def regulator_audit(store: KeyValueStore, registry: Registry, escrow: PrivateKey) -> RegulatorAudit:
    """Open every regulator envelope, follow every note, compare with the pools and the digest."""
    work, params = _Rederivation(store, registry, escrow), None
    for _, tx in transactions(store, registry):
        if isinstance(tx.body, PrivacyConfigure):
            params = tx.body.params
        elif isinstance(tx.body, PrivateTransfer) and params is not None:
            work.payment(tx, tx.body, params)
    unspent: Counter[str] = Counter()
    for note in work.live.values():
        unspent[note.token] += note.amount
    pooled = {k.decode().rsplit("/", 1)[1] for k, _ in store.iterate(locked_key(private_pool("")))}
    for token in sorted(set(unspent) | pooled):
        pool = locked_in(store, private_pool(token))
        if unspent[token] != pool:
            work.problem(f"private pool {token}", str(unspent[token]), str(pool))
    report = core_audit(store, registry)
    return RegulatorAudit(
        payments=work.payments,
        notes_created=work.created,
        notes_spent=work.spent,
        unspent=dict(unspent),
        state_digest=report.state_digest,
        problems=(*work.problems, *report.problems),
    )
