"""Customizable anonymity: private payments, anonymous tokens, the feed, disclosures.

A private payment arrives sealed to the validator; this worker cannot read
it and hands it, as it is, to the ledger writer (``privacy.pay``), which
holds the validator's secrets. So do token spends and evaluations. The
feed and single transactions are public (blocks are), the disclosure log
is for registered participants (a signed read by any wallet or bank key):
a wallet matches its txids against the envelopes it opens, so the node
never learns which disclosures concern whom.
"""

from __future__ import annotations

import msgspec
from flask import Blueprint, Response, request

import privacy.errors  # noqa: F401  (the writer's refusals map back to these classes here)
from api.auth import authenticate
from api.context import context, int_arg, read_body, reply, txid_arg
from api.errors import BadParameter, NotFound, problem_response
from api.routes.transactions import WAIT, wants_commit
from api.spec import Catalogue, Endpoint, Param
from privacy.records import PARAMS_KEY
from privacy.requests import (
    CommittedTransaction,
    DisclosureList,
    Evaluation,
    EvaluationRequest,
    Feed,
    Pools,
    PrivateSubmission,
    SpendRequest,
    TokenStatus,
)
from privacy.types import PrivacyParams
from wire.core import SubmitResponse, SubmitResult

TAG = "privacy"


def call(name: str, payload: object = None) -> bytes:
    """A privacy writer call (registered by ``privacy.register``): JSON in, JSON out."""
    return context().ledger.writer_call(name, msgspec.json.encode(payload or {}))


def passed(data: bytes) -> Response:
    """The writer's JSON answer as it is."""
    return Response(data, status=200, mimetype="application/json")


def submitted(data: bytes) -> Response:
    """A submission's result, as ``POST /v1/transactions`` answers it."""
    result = msgspec.json.decode(data, type=SubmitResult)
    if result.problem is not None:
        return problem_response(result.problem)
    committed = result.status == "committed"
    receipt = context().ledger.receipt(bytes.fromhex(result.txid)) if committed else None
    return reply(SubmitResponse(result, receipt), 200 if committed else 202)


def blueprint(catalogue: Catalogue) -> Blueprint:
    bp = Blueprint("privacy", __name__)
    _submissions(bp, catalogue)
    _reads(bp, catalogue)
    return bp


def _submissions(bp: Blueprint, catalogue: Catalogue) -> None:
    route = catalogue.route
    sent = (409, 413, 415, 422)

    @route(
        bp,
        Endpoint(
            "POST",
            "/v1/privacy/payments",
            "Submit a private payment (sealed to the validator)",
            TAG,
            SubmitResponse,
            PrivateSubmission,
            202,
            also=(200,),
            query=(WAIT,),
            errors=(403, *sent),
            description="The validator checks the plaintext, attests, and drops it.",
        ),
    )
    def pay() -> Response:
        submission = read_body(PrivateSubmission)
        return submitted(call("privacy.pay", {"submission": submission, "wait": wants_commit()}))

    @route(
        bp,
        Endpoint(
            "POST",
            "/v1/privacy/spends",
            "Spend anonymous tokens to an identified payee",
            TAG,
            SubmitResponse,
            SpendRequest,
            202,
            also=(200,),
            query=(WAIT,),
            errors=(403, *sent),
        ),
    )
    def spend() -> Response:
        spend_request = read_body(SpendRequest)
        payload = {"request": spend_request, "wait": wants_commit()}
        return submitted(call("privacy.spend", payload))

    @route(
        bp,
        Endpoint(
            "POST",
            "/v1/privacy/evaluations",
            "Evaluate a committed withdrawal's blinded tokens (with a DLEQ proof)",
            TAG,
            Evaluation,
            EvaluationRequest,
            errors=(413, 415, 422),
        ),
    )
    def evaluate() -> Response:
        return passed(call("privacy.evaluate", read_body(EvaluationRequest)))


def _reads(bp: Blueprint, catalogue: Catalogue) -> None:
    route = catalogue.route

    @route(
        bp,
        Endpoint(
            "GET", "/v1/privacy/params", "The privacy parameters", TAG, PrivacyParams, errors=(404,)
        ),
    )
    def params() -> Response:
        raw = context().ledger.consensus_record(PARAMS_KEY)
        if raw is None:
            raise NotFound(resource=request.path)
        return passed(raw)

    @route(
        bp,
        Endpoint(
            "GET",
            "/v1/privacy/feed",
            "Private transfers from a height on (for trial decryption)",
            TAG,
            Feed,
            query=(
                Param("from", "integer", "first height (default 1)", 1, 2**53 - 1),
                Param("limit", "integer", "transfers wanted (default 100)", 1, 1000),
            ),
        ),
    )
    def feed() -> Response:
        start = int_arg("from", 1, 1, 2**53 - 1) or 1
        limit = int_arg("limit", 100, 1, 1000) or 100
        return passed(call("privacy.feed", {"start": start, "limit": limit}))

    @route(
        bp,
        Endpoint(
            "GET",
            "/v1/privacy/transactions/{txid}",
            "A committed transaction as its block carries it, with its receipt",
            TAG,
            CommittedTransaction,
            errors=(404,),
        ),
    )
    def transaction(txid: str) -> Response:
        ledger = context().ledger
        receipt = ledger.receipt(txid_arg(txid))
        block = ledger.block(receipt.header.height) if receipt is not None else None
        if receipt is None or block is None:
            raise NotFound(resource=request.path)
        return reply(CommittedTransaction(block.txs[receipt.index], receipt))

    @route(
        bp,
        Endpoint(
            "GET",
            "/v1/privacy/tokens/{denomination}/{token}",
            "Whether an anonymous token is spent",
            TAG,
            TokenStatus,
        ),
    )
    def token(denomination: str, token: str) -> Response:
        if not denomination.isdigit() or len(denomination) > 16:
            raise BadParameter(parameter="denomination", reason="expected tiyn, digits only")
        payload = {"denomination": int(denomination), "token": txid_arg(token).hex()}
        return passed(call("privacy.token", payload))

    @route(
        bp,
        Endpoint(
            "GET",
            "/v1/privacy/disclosures",
            "Every committed disclosure (signed by any wallet or bank key)",
            TAG,
            DisclosureList,
            signed=True,
            errors=(401, 403),
        ),
    )
    def disclosures() -> Response:
        ctx = context()
        authenticate(request, ctx.ledger, ctx.network)
        return passed(call("privacy.disclosures", {}))

    @route(bp, Endpoint("GET", "/v1/privacy/pools", "Pools the public audit checks", TAG, Pools))
    def pools() -> Response:
        return passed(call("privacy.pools", {}))
