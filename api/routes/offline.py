"""Offline payments: trust store and CRLs for phones, devices, purses, reserves, frauds.

Enrolment, purse funding and defunding, deposits and fraud proofs are signed
transactions (``POST /v1/transactions``, kinds ``device.enrol``,
``purse.fund``, ``purse.defund``, ``voucher.deposit``, ``purse.fraud``...);
these routes serve what phones download to pay and verify with no network
(the trust store, each bank's CRL, their own certificate) and what wallets
and banks read about purses and frauds. Voucher verification itself never
touches the node: see ``offline.verify``.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, request

from api.auth import authenticate
from api.context import context, reply
from api.errors import BadParameter, Forbidden
from api.routes.contracts import found, hex_id, read
from api.routes.wallets import readable_wallet, signed_by_bank
from api.spec import Catalogue, Endpoint
from offline import queries
from offline.records import DeviceRecord
from offline.views import CrlView, FraudList, PurseView, ReserveView, SlotView, TrustView

SIGNED = (401, 403, 404)
_SERIAL = re.compile(r"[1-9a-f][0-9a-f]{0,39}")
_BANK = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


def serial_arg(value: str) -> str:
    """A certificate serial in lowercase hex."""
    if _SERIAL.fullmatch(value) is None:
        raise BadParameter(parameter="serial", reason="expected a serial in lowercase hex")
    return value


def bank_arg(value: str) -> str:
    if _BANK.fullmatch(value) is None:
        raise BadParameter(parameter="bank_id", reason="expected a bank id")
    return value


def blueprint(catalogue: Catalogue) -> Blueprint:
    bp = Blueprint("offline", __name__)
    route = catalogue.route

    @route(
        bp,
        Endpoint(
            "GET",
            "/v1/offline/trust",
            "What a phone caches to verify payments offline: root, bank CAs, CRLs, keys, rules",
            "offline",
            TrustView,
            errors=(404,),
        ),
    )
    def trust() -> Response:
        ledger = context().ledger
        info = ledger.network()
        banks = [b.bank_id for b in ledger.supply().banks]
        return reply(found(queries.trust_view(read, info.network, info.producer_keys, banks)))

    @route(
        bp,
        Endpoint(
            "GET",
            "/v1/offline/banks/{bank_id}/crl",
            "A bank's newest CRL (DER as hex), signed by its offline CA",
            "offline",
            CrlView,
            errors=(404,),
        ),
    )
    def crl(bank_id: str) -> Response:
        return reply(found(queries.crl_view(read, bank_arg(bank_id))))

    @route(
        bp,
        Endpoint(
            "GET",
            "/v1/offline/banks/{bank_id}/reserve",
            "A bank's offline guarantee reserve against the purse limits it granted",
            "offline",
            ReserveView,
            errors=(404,),
        ),
    )
    def reserve(bank_id: str) -> Response:
        return reply(found(queries.reserve_view(read, bank_arg(bank_id))))

    @route(
        bp,
        Endpoint(
            "GET",
            "/v1/offline/devices/{serial}",
            "An enrolled device: its certificate, limits, status and open purse",
            "offline",
            DeviceRecord,
            errors=(404,),
        ),
    )
    def device(serial: str) -> Response:
        return reply(found(queries.device(read, serial_arg(serial))))

    @route(
        bp,
        Endpoint(
            "GET",
            "/v1/offline/keys/{key}/device",
            "The device enrolled with this key (a phone fetches its certificate)",
            "offline",
            DeviceRecord,
            errors=(404,),
        ),
    )
    def device_of_key(key: str) -> Response:
        return reply(found(queries.device_of_key(read, hex_id(key, "key"))))

    @route(
        bp,
        Endpoint(
            "GET",
            "/v1/offline/purses/{purse_id}/vouchers/{counter}",
            "Ids of the vouchers paid at one counter of a purse (a payee checks its deposit)",
            "offline",
            SlotView,
            errors=(404,),
        ),
    )
    def slot(purse_id: str, counter: str) -> Response:
        if not (counter.isascii() and counter.isdigit()) or not 1 <= int(counter) <= 65_535:
            raise BadParameter(parameter="counter", reason="expected 1 to 65535")
        return reply(queries.slot_view(read, hex_id(purse_id, "purse_id"), int(counter)))

    _signed_routes(bp, catalogue)
    return bp


def _signed_routes(bp: Blueprint, catalogue: Catalogue) -> None:
    route = catalogue.route

    @route(
        bp,
        Endpoint(
            "GET",
            "/v1/offline/purses/{purse_id}",
            "A purse: funded, paid, settled counters, status (signed by its wallet or bank)",
            "offline",
            PurseView,
            signed=True,
            errors=SIGNED,
        ),
    )
    def purse(purse_id: str) -> Response:
        ctx = context()
        signer = authenticate(request, ctx.ledger, ctx.network)
        view = found(queries.purse_view(read, hex_id(purse_id, "purse_id")))
        owner = signer.owner
        record = view.purse
        allowed = (owner.kind == "wallet" and owner.id == record.wallet_id) or (
            owner.kind == "bank" and owner.id == record.bank_id
        )
        if not allowed:
            raise Forbidden(key=signer.key, resource=request.path)
        return reply(view)

    @route(
        bp,
        Endpoint(
            "GET",
            "/v1/offline/wallets/{wallet_id}/frauds",
            "Frauds attributed to a wallet's devices, with their proofs (wallet or its bank)",
            "offline",
            FraudList,
            signed=True,
            errors=SIGNED,
        ),
    )
    def wallet_frauds(wallet_id: str) -> Response:
        record = readable_wallet(wallet_id)
        return reply(queries.wallet_frauds(read, record.wallet_id))

    @route(
        bp,
        Endpoint(
            "GET",
            "/v1/offline/banks/{bank_id}/frauds",
            "Frauds on a bank's devices, with proofs and what is owed (signed by the bank)",
            "offline",
            FraudList,
            signed=True,
            errors=SIGNED,
        ),
    )
    def bank_frauds(bank_id: str) -> Response:
        signed_by_bank(bank_arg(bank_id))
        return reply(queries.bank_frauds(read, bank_id))
