"""The wallet's private side, phone-only code: build private payments, read what is ours.

A private payment spends notes (or, at the open edge, coins) and creates
notes: always two when paying someone — the payee's and the payer's change,
even a zero one — so a block does not show whether change was needed. The
wallet seals each note's envelope to its owner, its own record to itself and
a filler for the AML slot, signs the :class:`~privacy.notes.PaymentAuthorization`
and seals the plaintext to the validator.

Reading is trial decryption: every private transfer's envelopes are tried
with the wallet's key; what opens is ours (:func:`scan`). A payee checks a
payment on its phone with :func:`verify_private_receipt`: the envelope, the
commitment it opens, and the Merkle proof of the transaction in a signed block.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import msgspec

from ledger.crypto import KeyPair
from ledger.encoding import decode_canonical
from ledger.receipts import verify_receipt
from ledger.types import KZT, Output, Receipt, Signature, SignedTransaction, txid_of
from privacy.envelopes import (
    NoteEnvelope,
    PayerRecord,
    filler,
    open_envelope,
    seal,
    seal_to_key,
    x25519_secret,
)
from privacy.errors import EnvelopeMismatch
from privacy.notes import (
    Note,
    PaymentAuthorization,
    PrivateRequest,
    envelopes_digest,
    new_note,
    shield_message,
    sign_authorization,
)
from privacy.requests import PrivateSubmission
from privacy.types import PrivacyParams, PrivateTransfer, ShieldStatement
from wallet.builders import Coin, InsufficientFunds, select_coins


def select_notes(notes: Iterable[Note], amount: int, token: str = KZT) -> list[Note]:
    """Largest-first notes of one token covering ``amount``."""
    chosen, total = [], 0
    for note in sorted(notes, key=lambda n: (-n.amount, n.blinding)):
        if note.token != token or note.amount == 0 or total >= amount:
            continue
        chosen.append(note)
        total += note.amount
    if total < amount:
        raise InsufficientFunds(amount, total)
    return chosen


def submission(
    network: str,
    params: PrivacyParams,
    payer: KeyPair,
    *,
    spends: Sequence[Note] = (),
    coins: Sequence[Coin] = (),
    creates: Sequence[Note] = (),
    outputs: Sequence[Output] = (),
    memo: str = "",
) -> PrivateSubmission:
    """Seal, sign and package one private payment of ``payer``."""
    commitments = tuple(n.commitment() for n in creates)
    inputs = tuple(c.point for c in coins)
    envelopes = tuple(
        seal_to_key(n.owner, NoteEnvelope(note=n, index=i, memo=memo))
        for i, n in enumerate(creates)
    )
    record = PayerRecord(tuple(spends), tuple(creates), inputs, tuple(outputs), memo)
    envelopes += (seal_to_key(payer.public_hex, record), filler())
    authorization = PaymentAuthorization(
        spends=tuple(n.commitment() for n in spends),
        commitments=commitments,
        envelopes=envelopes_digest(envelopes[:-1]),
        inputs=inputs,
        outputs=tuple(outputs),
        memo=memo,
    )
    signatures = sign_authorization(network, authorization, [payer]) if spends else ()
    request = PrivateRequest(network, tuple(spends), tuple(creates), memo, signatures)
    input_auth: tuple[Signature, ...] = ()
    if coins:
        statement = ShieldStatement(inputs, tuple(outputs), commitments)
        message = shield_message(network, statement)
        input_auth = (Signature(key=payer.public_hex, sig=payer.sign(message).hex()),)
    return PrivateSubmission(
        sealed=seal(bytes.fromhex(params.validator_box), request),
        envelopes=envelopes,
        commitments=commitments,
        inputs=inputs,
        outputs=tuple(outputs),
        input_auth=input_auth,
    )


def pay(
    network: str,
    params: PrivacyParams,
    payer: KeyPair,
    notes: Sequence[Note],
    to: str,
    amount: int,
    memo: str = "",
    token: str = KZT,
    coins: Sequence[Coin] = (),
) -> PrivateSubmission:
    """Pay ``amount`` to the holder of key ``to`` from notes (and, if short, from ``coins``)."""
    available = sum(n.amount for n in notes if n.token == token)
    if available >= amount:
        spends, chosen_coins = select_notes(notes, amount, token), []
    else:
        spends = [n for n in notes if n.token == token and n.amount]
        chosen_coins = select_coins(coins, amount - available, token)
    paid_in = sum(n.amount for n in spends) + sum(c.output.amount for c in chosen_coins)
    creates = [new_note(to, amount, token), new_note(payer.public_hex, paid_in - amount, token)]
    return submission(
        network, params, payer, spends=spends, coins=chosen_coins, creates=creates, memo=memo
    )


def shield(
    network: str, params: PrivacyParams, payer: KeyPair, coins: Sequence[Coin], amount: int
) -> PrivateSubmission:
    """Move ``amount`` of the payer's open KZT into a note of its own (the open edge)."""
    chosen = select_coins(coins, amount)
    change = sum(c.output.amount for c in chosen) - amount
    outputs = [Output(owner=payer.public_hex, amount=change)] if change else []
    creates = [new_note(payer.public_hex, amount)]
    return submission(network, params, payer, coins=chosen, creates=creates, outputs=outputs)


def unshield(
    network: str,
    params: PrivacyParams,
    payer: KeyPair,
    notes: Sequence[Note],
    amount: int,
    to: str | None = None,
) -> PrivateSubmission:
    """Pay ``amount`` from notes into an open output (the payer's own unless ``to``)."""
    spends = select_notes(notes, amount)
    change = sum(n.amount for n in spends) - amount
    creates = [new_note(payer.public_hex, change)]
    outputs = [Output(owner=to or payer.public_hex, amount=amount)]
    return submission(network, params, payer, spends=spends, creates=creates, outputs=outputs)


# -- reading what is ours ----------------------------------------------------------


class ReceivedNote(msgspec.Struct, frozen=True):
    """A note the wallet holds (or held), found in an envelope."""

    txid: str
    height: int
    note: Note
    memo: str = ""


class SentPayment(msgspec.Struct, frozen=True):
    """A private payment the wallet made, from its own record."""

    txid: str
    height: int
    record: PayerRecord


class PrivateHistory(msgspec.Struct, frozen=True):
    """Everything the wallet's key opened."""

    received: tuple[ReceivedNote, ...]
    sent: tuple[SentPayment, ...]

    def unspent(self) -> list[Note]:
        """Notes received and not spent by a later payment of ours."""
        spent = {n.commitment() for s in self.sent for n in s.record.spends}
        return [r.note for r in self.received if r.note.commitment() not in spent]

    def balance(self, token: str = KZT) -> int:
        return sum(n.amount for n in self.unspent() if n.token == token)


def scan(entries: Iterable[tuple[str, int, PrivateTransfer]], key: KeyPair) -> PrivateHistory:
    """Try every envelope of every transfer with the wallet's key."""
    secret = x25519_secret(key)
    received: list[ReceivedNote] = []
    sent: list[SentPayment] = []
    for txid, height, body in entries:
        count = len(body.commitments)
        for index, envelope in enumerate(body.envelopes[:count]):
            found = open_envelope(secret, envelope, NoteEnvelope)
            if found is not None and _matches(found, body, index, key):
                received.append(ReceivedNote(txid, height, found.note, found.memo))
        record = open_envelope(secret, body.envelopes[count], PayerRecord)
        if record is not None:
            sent.append(SentPayment(txid, height, record))
    return PrivateHistory(tuple(received), tuple(sent))


def _matches(found: NoteEnvelope, body: PrivateTransfer, index: int, key: KeyPair) -> bool:
    return (
        found.index == index
        and found.note.owner == key.public_hex
        and found.note.commitment() == body.commitments[index]
    )


def verify_private_receipt(
    tx: SignedTransaction,
    receipt: Receipt,
    key: KeyPair,
    producer_keys: Iterable[str],
    network: str,
) -> NoteEnvelope:
    """On the payee's phone: the note is ours, committed in this transaction, in a signed block."""
    body_bytes = bytes(tx.body)
    txid = txid_of(network, body_bytes).hex()
    verify_receipt(receipt, producer_keys, txid=txid, network=network)
    body = decode_canonical(body_bytes, PrivateTransfer, "body")
    secret = x25519_secret(key)
    for index, envelope in enumerate(body.envelopes[: len(body.commitments)]):
        found = open_envelope(secret, envelope, NoteEnvelope)
        if found is not None and _matches(found, body, index, key):
            return found
    raise EnvelopeMismatch(reason="no envelope opens to a note of this key committed here")
