"""The validator's side of a request: open, check, seal for the regulator, attest.

:func:`prepare_private` turns a sealed private payment into the transaction
the block will carry: it opens the request with the validator's box key,
checks the payer's signatures, derives the nullifiers, runs the same checks
the block producer will run (so the wallet learns a refusal and its code at
once), seals the full plaintext to the regulator's escrow key (and, at or
above the AML threshold, a notice to the payer's bank), signs the body — the
attestation — and holds the plaintext for the producer.

:func:`prepare_spend` verifies anonymous tokens with the denomination's key
and attests their spend; :func:`evaluate` answers a committed withdrawal.
"""

from __future__ import annotations

import time

import msgspec
import nacl.exceptions
from nacl.public import SealedBox

from ledger.chain import Chain
from ledger.encoding import decode_json
from ledger.errors import BadSignature, MissingSignature, UnexpectedSigner, WrongNetwork
from ledger.records import TxLocation
from ledger.registry import BlockContext
from ledger.state import StateView
from ledger.storage import schema
from ledger.types import Output, SignedTransaction, Transaction
from ledger.validation import check_inputs, decode_envelope, validate_amount
from privacy import voprf
from privacy.envelopes import AML_BUCKET, AmlNotice, RegulatorRecord, seal, seal_to_key
from privacy.errors import (
    AmlThresholdExceeded,
    InvalidToken,
    MalformedPrivateRequest,
    NoteMismatch,
    NotPrivateTransaction,
    PrivacyNotConfigured,
    TokenSpent,
    UnknownDenomination,
)
from privacy.notes import (
    PaymentAuthorization,
    PrivateRequest,
    authorization_message,
    envelopes_digest,
    verify_signatures,
)
from privacy.records import PARAMS_KEY, params_of, token_key
from privacy.requests import Evaluation, PrivateSubmission, SpendRequest
from privacy.types import AnonSpend, AnonWithdraw, PrivacyParams, PrivateTransfer
from privacy.validator import Validator, Witness


def open_request(validator: Validator, sealed: str, network: str) -> PrivateRequest:
    """The plaintext, or :class:`MalformedPrivateRequest`."""
    try:
        plain = SealedBox(validator.secrets.box).decrypt(bytes.fromhex(sealed))
        request = msgspec.json.decode(plain, type=PrivateRequest)
    except (nacl.exceptions.CryptoError, msgspec.DecodeError, msgspec.ValidationError) as error:
        raise MalformedPrivateRequest(reason=type(error).__name__) from None
    if request.network != network:
        raise WrongNetwork(expected=network, got=request.network)
    return request


def check_authorization(
    network: str,
    request: PrivateRequest,
    submission: PrivateSubmission,
    spends: tuple[str, ...] | None = None,
) -> None:
    """Every owner of a spent note signed exactly this payment, and nobody else did.

    ``spends``: the spent notes' commitments, when the caller has computed them already.
    """
    authorization = PaymentAuthorization(
        spends=tuple(n.commitment() for n in request.spends) if spends is None else spends,
        commitments=submission.commitments,
        inputs=submission.inputs,
        outputs=submission.outputs,
        envelopes=envelopes_digest(submission.envelopes[:-1]),
        memo=request.memo,
    )
    owners = {n.owner for n in request.spends}
    signers = {s.key for s in request.signatures}
    for key in sorted(owners - signers):
        raise MissingSignature(key=key)
    for key in sorted(signers - owners):
        raise UnexpectedSigner(key=key)
    bad = verify_signatures(authorization_message(network, authorization), request.signatures)
    if bad is not None:
        raise BadSignature(key=bad)


def prepare_private(
    validator: Validator,
    submission: PrivateSubmission,
    chain: Chain,
    context: BlockContext,
) -> Transaction:
    """The attested transaction for a sealed private payment; its plaintext is held.

    The rules that read state (notes unspent, limits, policies) are checked
    when the block is built, against that block's state: here only what the
    envelopes need is looked up — who pays whom, and whether the AML rule asks
    for a notice — and what needs no state (the payer's signatures, the notes
    against their commitments) is checked.
    """
    network, view = chain.network, StateView(chain.store)
    raw = chain.store.get(PARAMS_KEY)
    if raw is None:
        raise PrivacyNotConfigured()
    params = validator.params(raw)
    request = open_request(validator, submission.sealed, network)
    if len(submission.envelopes) != len(submission.commitments) + 2:
        raise NoteMismatch(field="envelopes", index=len(submission.envelopes))
    if tuple(n.commitment() for n in request.creates) != submission.commitments:
        raise NoteMismatch(field="commitments")
    for note in (*request.spends, *request.creates):
        validate_amount(note.amount, minimum=0)
    spent = tuple(n.commitment() for n in request.spends)
    check_authorization(network, request, submission, spent)
    nullifiers = tuple(validator.secrets.nullifier(c) for c in spent)
    parties = who_pays(request, submission, view, validator)
    if parties.outflow >= params.aml_threshold and params.aml_mode == "refuse":
        raise AmlThresholdExceeded(threshold=params.aml_threshold, requested=parties.outflow)
    aml = parties.outflow >= params.aml_threshold
    regulator, notice = seal_for_authorities(
        params, request, nullifiers, parties, aml, view, network
    )
    body = PrivateTransfer(
        validator=params.validator,
        nullifiers=nullifiers,
        commitments=submission.commitments,
        envelopes=(*submission.envelopes[:-1], regulator, notice or submission.envelopes[-1]),
        inputs=submission.inputs,
        outputs=submission.outputs,
        input_auth=submission.input_auth,
    )
    tx = validator.secrets.attest(network, body)
    witness = Witness(request, nullifiers, spent, notice is not None, time.monotonic())
    validator.hold(tx.txid, witness)
    return tx


class Parties(msgspec.Struct, frozen=True):
    """Who pays whom, as the envelopes need it (the block checks it all again)."""

    payer: str
    recipients: tuple[str, ...]
    outflow: int
    payments: tuple[Output, ...]


def who_pays(
    request: PrivateRequest, submission: PrivateSubmission, view: StateView, validator: Validator
) -> Parties:
    """Owners of the keys involved, and the payer's outflow netted per wallet."""
    spent = (*(n.as_output() for n in request.spends), *check_inputs(submission.inputs, view))
    created = (*(n.as_output() for n in request.creates), *submission.outputs)
    keys = {o.owner for o in (*spent, *created)}
    ids = {key: validator.owner_id(key, lambda k: owner_id(k, view)) for key in keys}
    payer = ids[spent[0].owner] if spent else ""
    net = sum(o.amount for o in created if ids[o.owner] == payer)
    net -= sum(o.amount for o in spent if ids[o.owner] == payer)
    payments = tuple(o for o in created if ids[o.owner] != payer)
    return Parties(payer, tuple(ids[o.owner] for o in created), max(-net, 0), payments)


def owner_id(key: str, view: StateView) -> str:
    """The wallet or bank id holding a key (the block refuses a key nobody holds)."""
    owner = view.key_owner(key)
    return owner.id if owner is not None else f"unregistered {key}"


def seal_for_authorities(
    params: PrivacyParams,
    request: PrivateRequest,
    nullifiers: tuple[str, ...],
    parties: Parties,
    aml: bool,
    view: StateView,
    network: str,
) -> tuple[str, str | None]:
    """The regulator's envelope, and the payer's bank's notice when the AML rule asks for it."""
    record = RegulatorRecord(network, request, nullifiers, parties.payer, parties.recipients)
    regulator = seal(bytes.fromhex(params.escrow), record)
    wallet = view.wallet(parties.payer) if aml else None
    bank = view.bank(wallet.bank_id) if wallet is not None else None
    if bank is None:
        return regulator, None
    notice = AmlNotice(
        parties.payer, parties.outflow, parties.payments, parties.recipients, request.memo
    )
    return regulator, seal_to_key(bank.keys[0], notice, AML_BUCKET)


def prepare_spend(validator: Validator, request: SpendRequest, chain: Chain) -> Transaction:
    """Verify each token under its denomination's key and attest the spend."""
    params = params_of(StateView(chain.store))
    if params.denomination(request.denomination) is None:
        raise UnknownDenomination(denomination=request.denomination)
    secret, _ = validator.secrets.voprf_key(request.denomination)
    for token in request.tokens:
        if chain.store.get(token_key(request.denomination, token.input)) is not None:
            raise TokenSpent(denomination=request.denomination, token=token.input)
    for index, token in enumerate(request.tokens):
        if not voprf.verify_token(secret, bytes.fromhex(token.input), bytes.fromhex(token.output)):
            raise InvalidToken(index=index)
    body = AnonSpend(
        validator=params.validator,
        denomination=request.denomination,
        tokens=tuple(t.input for t in request.tokens),
        outputs=request.outputs,
        memo=request.memo,
    )
    return validator.secrets.attest(chain.network, body)


def evaluate(validator: Validator, chain: Chain, txid: str) -> Evaluation:
    """Evaluate the blinded elements of a committed withdrawal, with one DLEQ proof."""
    body = committed_body(validator, chain, txid)
    if not isinstance(body, AnonWithdraw):
        raise NotPrivateTransaction(txid=txid)
    secret, public = validator.secrets.voprf_key(body.denomination)
    blinded = [bytes.fromhex(b) for b in body.blinded]
    evaluated, proof = voprf.blind_evaluate(secret, public, blinded)
    return Evaluation(
        txid=txid,
        denomination=body.denomination,
        key=public.hex(),
        evaluated=tuple(e.hex() for e in evaluated),
        proof=proof.hex(),
    )


class _BlockTxs(msgspec.Struct):
    """A block with only its transactions decoded, each still raw."""

    txs: list[msgspec.Raw]


def committed_body(validator: Validator, chain: Chain, txid: str) -> object:
    """The body of a committed transaction, or :class:`NotPrivateTransaction`."""
    raw = chain.store.get(schema.tx_key(bytes.fromhex(txid)))
    if raw is None:
        raise NotPrivateTransaction(txid=txid)
    location = decode_json(raw, TxLocation)

    def load() -> list[msgspec.Raw]:
        block_raw = chain.store.get(schema.block_key(location.height))
        if block_raw is None:
            raise LookupError(f"block {location.height} is not stored")
        return msgspec.json.decode(block_raw, type=_BlockTxs).txs

    envelope = validator.block(location.height, load)[location.index]
    signed = decode_json(bytes(envelope), SignedTransaction)
    return decode_envelope(signed, chain.registry).body
