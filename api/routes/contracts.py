"""Programmable money: policies, programs, contracts, per-token balances, dry runs.

Programs and contracts are created, paid and settled by signed transactions
(``POST /v1/transactions``, kinds ``program.*``, ``escrow.*``, ``meter.*``,
``mandate.*``); these routes compute token ids, show programs (public: a
merchant checks what a token may buy), show contracts to their parties
(signed reads), and explain in advance why a transaction would be refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from flask import Blueprint, Response, request

from api.auth import Signer, authenticate
from api.context import context, read_body, reply
from api.errors import BadParameter, Forbidden, NotFound
from api.routes.wallets import readable_wallet
from api.spec import Catalogue, Endpoint
from contracts import queries
from contracts.errors import MandateRevoked
from contracts.policy import Policy, validate_policy
from contracts.queries import (
    EscrowView,
    MandateView,
    MeterView,
    PolicyView,
    ProgramView,
    TokenBalances,
)
from ledger.queries import balances
from ledger.types import KZT
from wire.core import OutputList

V = TypeVar("V")
SIGNED = (401, 403, 404)


def hex_id(value: str, name: str) -> str:
    """A 64-hex-digit id from the path."""
    if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
        raise BadParameter(parameter=name, reason="expected 64 lowercase hex digits")
    return value


def read(key: bytes) -> bytes | None:
    """Committed consensus bytes, from the writer."""
    return context().ledger.consensus_record(key)


def signer() -> Signer:
    """The verified signer of this request."""
    ctx = context()
    return authenticate(request, ctx.ledger, ctx.network)


def require_party(who: Signer, keys: Iterable[str], wallets: Sequence[str] = ()) -> None:
    """Only a contract's parties (their keys, or their wallets' keys) may read it."""
    if who.key not in keys and not (who.owner.kind == "wallet" and who.owner.id in wallets):
        raise Forbidden(key=who.key, resource=request.path)


def found(value: V | None) -> V:
    """The value, or 404 for the requested path."""
    if value is None:
        raise NotFound(resource=request.path)
    return value


def blueprint(catalogue: Catalogue) -> Blueprint:
    """The programmable-money routes, declared in the catalogue."""
    bp = Blueprint("programs", __name__)
    route = catalogue.route

    @route(
        bp,
        Endpoint(
            "POST",
            "/v1/policies",
            "Validate a policy and compute its token ids (level 0 first)",
            "programs",
            PolicyView,
            Policy,
            description="Nothing is stored; create the program with a program.create transaction.",
        ),
    )
    def policy() -> Response:
        submitted = read_body(Policy)
        validate_policy(submitted)
        return reply(queries.policy_view(submitted))

    @route(
        bp,
        Endpoint(
            "GET",
            "/v1/programs/{token}",
            "A special-purpose token: its policy, its program's levels and KZT backing",
            "programs",
            ProgramView,
            errors=(404,),
        ),
    )
    def program(token: str) -> Response:
        return reply(found(queries.program_view(read, hex_id(token, "token"))))

    @route(
        bp,
        Endpoint(
            "GET",
            "/v1/wallets/{wallet_id}/tokens",
            "A wallet's balance per token, each special token with its program in brief",
            "wallets",
            TokenBalances,
            signed=True,
            errors=SIGNED,
        ),
    )
    def wallet_tokens(wallet_id: str) -> Response:
        record = readable_wallet(wallet_id)
        totals = balances(context().ledger.holdings(record.wallet_id))
        return reply(TokenBalances(record.wallet_id, queries.token_balances(read, totals)))

    @route(
        bp,
        Endpoint(
            "GET",
            "/v1/escrows/{escrow_id}",
            "An escrow's terms, status and locked amount (signed by a party)",
            "contracts",
            EscrowView,
            signed=True,
            errors=SIGNED,
        ),
    )
    def escrow(escrow_id: str) -> Response:
        who = signer()
        view = found(queries.escrow_view(read, hex_id(escrow_id, "escrow_id")))
        require_party(who, queries.party_keys(view))
        return reply(view)

    @route(
        bp,
        Endpoint(
            "GET",
            "/v1/meters/{meter_id}",
            "A meter's terms, last claimed receipt and remaining budget (signed by a party)",
            "contracts",
            MeterView,
            signed=True,
            errors=SIGNED,
        ),
    )
    def meter(meter_id: str) -> Response:
        who = signer()
        view = found(queries.meter_view(read, hex_id(meter_id, "meter_id")))
        require_party(who, queries.party_keys(view))
        return reply(view)

    @route(
        bp,
        Endpoint(
            "GET",
            "/v1/mandates/{mandate_id}",
            "A mandate's terms and what was pulled this period (payer's wallet or payee)",
            "contracts",
            MandateView,
            signed=True,
            errors=SIGNED,
        ),
    )
    def mandate(mandate_id: str) -> Response:
        return reply(_mandate(mandate_id, payee_only=False))

    @route(
        bp,
        Endpoint(
            "GET",
            "/v1/mandates/{mandate_id}/funds",
            "The payer's KZT outputs a pull may spend (signed by the payee)",
            "contracts",
            OutputList,
            signed=True,
            errors=SIGNED,
        ),
    )
    def mandate_funds(mandate_id: str) -> Response:
        view = _mandate(mandate_id, payee_only=True)
        holdings = context().ledger.holdings(view.terms.payer)
        kzt = tuple(h for h in holdings if h.output.token == KZT)
        return reply(OutputList(kzt, balances(list(kzt))))

    return bp


def _mandate(mandate_id: str, payee_only: bool) -> MandateView:
    who = signer()
    view = found(queries.mandate_view(read, hex_id(mandate_id, "mandate_id")))
    require_party(who, [view.terms.payee], [] if payee_only else [view.terms.payer])
    if payee_only and view.terms.status == "revoked":
        raise MandateRevoked(mandate=mandate_id)
    return view
