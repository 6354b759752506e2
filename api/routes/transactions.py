"""Submitting signed transactions, one or many; their status and receipts."""

from __future__ import annotations

from flask import Blueprint, Response, request

from api.context import Context, context, int_arg, read_body, reply, txid_arg
from api.errors import BadParameter, NotFound, problem_response
from api.spec import Catalogue, Endpoint, Param
from ledger.encoding import canonical
from ledger.errors import TengeError
from ledger.types import Receipt, SignedTransaction, Transaction
from ledger.validation import decode_envelope, validate_transaction
from wire.core import (
    BatchRequest,
    BatchResponse,
    CheckResult,
    Problem,
    SubmitResponse,
    SubmitResult,
)

AT = Param("at", "integer", "check at this block time, Unix ms (default: now)", 0, 2**53 - 1)
WAIT = Param(
    "wait", "string", "`commit` to answer only when the block is committed (with the receipt)"
)


def check_at_edge(envelope: SignedTransaction, ctx: Context) -> Transaction:
    """Every stateless rule, signatures included, before the ledger sees it."""
    tx = decode_envelope(envelope, ctx.registry)
    validate_transaction(tx, ctx.registry, ctx.network)
    return tx


def submit_signed(
    envelope: SignedTransaction, ctx: Context, wait: bool
) -> tuple[int, SubmitResponse] | Problem:
    """Check one signed transaction at the edge and submit it: 200 with its receipt once
    committed, 202 while queued, or the ledger's refusal (the Flask route and
    :mod:`api.fast_submit` answer with it alike)."""
    tx = check_at_edge(envelope, ctx)
    (result,) = ctx.ledger.submit([tx], wait=wait)
    if result.problem is not None:
        return result.problem
    committed = result.status == "committed"
    receipt = ctx.ledger.receipt(tx.txid) if committed else None
    return (200 if committed else 202), SubmitResponse(result, receipt)


def wants_commit() -> bool:
    wait = request.args.get("wait", "none")
    if wait not in ("none", "commit"):
        raise BadParameter(parameter="wait", reason="expected 'commit' or 'none'")
    return wait == "commit"


def check(envelope: SignedTransaction) -> CheckResult:
    """Stateless rules here at the edge, then the ledger's check against its state."""
    ctx = context()
    tx = decode_envelope(envelope, ctx.registry)
    try:
        validate_transaction(tx, ctx.registry, ctx.network)
    except TengeError as error:
        return CheckResult(tx.txid.hex(), tx.kind, False, 0, Problem.of(error))
    at = int_arg("at", None, 0, 2**53 - 1)
    return ctx.ledger.dry_run(canonical(tx.envelope()), at)


def blueprint(catalogue: Catalogue) -> Blueprint:
    bp = Blueprint("transactions", __name__)

    @catalogue.route(
        bp,
        Endpoint(
            "POST",
            "/v1/transactions",
            "Submit one signed transaction",
            "transactions",
            SubmitResponse,
            SignedTransaction,
            202,
            also=(200,),
            query=(WAIT,),
            errors=(403, 409, 413, 415, 422),
            description=(
                "Idempotent by txid. 202 when queued, 200 when committed; "
                "a refusal is a problem document."
            ),
        ),
    )
    def submit_one() -> Response:
        answer = submit_signed(read_body(SignedTransaction), context(), wants_commit())
        if isinstance(answer, Problem):
            return problem_response(answer)
        status, response = answer
        return reply(response, status)

    @catalogue.route(
        bp,
        Endpoint(
            "POST",
            "/v1/transactions/batch",
            "Submit up to 2,000 signed transactions",
            "transactions",
            BatchResponse,
            BatchRequest,
            query=(WAIT,),
            errors=(413, 415),
            description="Per-item results in order; one bad item never affects the others.",
        ),
    )
    def submit_batch() -> Response:
        wait = wants_commit()
        envelopes = read_body(BatchRequest).transactions
        results = [_checked_or_refused(envelope) for envelope in envelopes]
        accepted = [r for r in results if isinstance(r, Transaction)]
        outcomes = iter(context().ledger.submit(accepted, wait=wait) if accepted else [])
        final = [next(outcomes) if isinstance(r, Transaction) else r for r in results]
        tally = {
            s: sum(1 for r in final if r.status == s) for s in ("committed", "pending", "rejected")
        }
        return reply(BatchResponse(tuple(final), **tally))

    @catalogue.route(
        bp,
        Endpoint(
            "POST",
            "/v1/transactions/check",
            "Dry run: would this signed transaction be accepted now, and if not, why?",
            "transactions",
            CheckResult,
            SignedTransaction,
            query=(AT,),
            errors=(413, 415),
            description=(
                "Runs the same checks as block production against committed state "
                "without submitting; a refusal names its code and rule "
                "(e.g. policy_violation with rule=mcc, allowed and got)."
            ),
        ),
    )
    def dry_run() -> Response:
        return reply(check(read_body(SignedTransaction)))

    @catalogue.route(
        bp,
        Endpoint(
            "GET",
            "/v1/transactions/{txid}",
            "Status of a transaction",
            "transactions",
            SubmitResult,
            errors=(404,),
        ),
    )
    def status(txid: str) -> Response:
        found = context().ledger.status(txid_arg(txid))
        if found is None:
            raise NotFound(resource=request.path)
        return reply(found)

    @catalogue.route(
        bp,
        Endpoint(
            "GET",
            "/v1/transactions/{txid}/receipt",
            "Receipt: signed header and Merkle proof",
            "transactions",
            Receipt,
            errors=(404,),
            description=(
                "Verify offline with the producer key from /v1/network "
                "(docs/encoding.md, section 10)."
            ),
        ),
    )
    def receipt(txid: str) -> Response:
        found = context().ledger.receipt(txid_arg(txid))
        if found is None:
            raise NotFound(resource=request.path)
        return reply(found)

    return bp


def _checked_or_refused(envelope: SignedTransaction) -> SubmitResult | Transaction:
    """The checked transaction, or its refusal (with its txid when the body decodes)."""
    txid = ""
    try:
        ctx = context()
        tx = decode_envelope(envelope, ctx.registry)
        txid = tx.txid.hex()
        validate_transaction(tx, ctx.registry, ctx.network)
    except TengeError as error:
        return SubmitResult(txid=txid, status="rejected", problem=Problem.of(error))
    return tx
