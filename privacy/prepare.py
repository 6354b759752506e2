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
from ledger.registry import BlockContext, Pending, Registry
from ledger.state import StateView
from ledger.storage import schema
from ledger.types import Block, Transaction
from ledger.validation import check_inputs, decode_envelope
from privacy import voprf
from privacy.envelopes import AML_BUCKET, AmlNotice, RegulatorRecord, seal, seal_to_key
from privacy.errors import (
    InvalidToken,
    MalformedPrivateRequest,
    NoteMismatch,
    NotPrivateTransaction,
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
from privacy.records import params_of, token_key
from privacy.requests import Evaluation, PrivateSubmission, SpendRequest
from privacy.transfer import PlainResult, check_plaintext, check_public
from privacy.types import AnonSpend, AnonWithdraw, PrivacyParams, PrivateTransfer
from privacy.validator import Validator, Witness

PLACEHOLDER = "00" * 48  # the regulator's slot while the draft is checked


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
    network: str, request: PrivateRequest, submission: PrivateSubmission
) -> None:
    """Every owner of a spent note signed exactly this payment, and nobody else did."""
    authorization = PaymentAuthorization(
        spends=tuple(n.commitment() for n in request.spends),
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
    """The attested transaction for a sealed private payment; its plaintext is held."""
    network, view = chain.network, StateView(chain.store)
    params = params_of(view)
    request = open_request(validator, submission.sealed, network)
    if len(submission.envelopes) != len(submission.commitments) + 2:
        raise NoteMismatch(field="envelopes", index=len(submission.envelopes))
    check_authorization(network, request, submission)
    nullifiers = tuple(validator.secrets.nullifier(n.commitment()) for n in request.spends)
    draft = PrivateTransfer(
        validator=params.validator,
        nullifiers=nullifiers,
        commitments=submission.commitments,
        envelopes=(*submission.envelopes[:-1], PLACEHOLDER, submission.envelopes[-1]),
        inputs=submission.inputs,
        outputs=submission.outputs,
        input_auth=submission.input_auth,
    )
    plain = precheck(draft, request, nullifiers, view, context, validator, chain.registry)
    sealed = seal_for_authorities(params, request, nullifiers, plain, view, network)
    body = msgspec.structs.replace(
        draft, envelopes=(*submission.envelopes[:-1], sealed[0], sealed[1] or draft.envelopes[-1])
    )
    tx = Transaction.create(network, body, [validator.secrets.attest])
    witness = Witness(request, nullifiers, sealed[1] is not None, time.monotonic())
    validator.hold(tx.txid, witness)
    return tx


def precheck(
    draft: PrivateTransfer,
    request: PrivateRequest,
    nullifiers: tuple[str, ...],
    view: StateView,
    context: BlockContext,
    validator: Validator,
    registry: Registry,
) -> PlainResult:
    """The producer's checks, run now against committed state."""
    tx = Transaction.create(context.network, draft, [])
    pending = Pending(tx=tx, spent=check_inputs(draft.inputs, view), block=context)
    params = params_of(view)
    public = check_public(pending, view, params)
    return check_plaintext(
        pending, view, params, request, nullifiers, public, validator.book, registry
    )


def seal_for_authorities(
    params: PrivacyParams,
    request: PrivateRequest,
    nullifiers: tuple[str, ...],
    plain: PlainResult,
    view: StateView,
    network: str,
) -> tuple[str, str | None]:
    """The regulator's envelope, and the payer's bank's notice when the AML rule asks for it."""
    record = RegulatorRecord(network, request, nullifiers, plain.payer, plain.recipients)
    regulator = seal(bytes.fromhex(params.escrow), record)
    if not plain.aml:
        return regulator, None
    wallet = view.wallet(plain.payer)
    bank = view.bank(wallet.bank_id) if wallet else None
    assert bank is not None  # an active wallet's bank exists
    notice = AmlNotice(plain.payer, plain.outflow, plain.payments, plain.recipients, request.memo)
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
    return Transaction.create(chain.network, body, [validator.secrets.attest])


def evaluate(validator: Validator, chain: Chain, txid: str) -> Evaluation:
    """Evaluate the blinded elements of a committed withdrawal, with one DLEQ proof."""
    body = committed_body(chain, txid)
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


def committed_body(chain: Chain, txid: str) -> object:
    """The body of a committed transaction, or :class:`NotPrivateTransaction`."""
    raw = chain.store.get(schema.tx_key(bytes.fromhex(txid)))
    if raw is None:
        raise NotPrivateTransaction(txid=txid)
    location = decode_json(raw, TxLocation)
    block_raw = chain.store.get(schema.block_key(location.height))
    assert block_raw is not None
    envelope = decode_json(block_raw, Block).txs[location.index]
    return decode_envelope(envelope, chain.registry).body
