"""The SDK for offline payments: the phone's offline path and its online sync.

Offline (no transport, no node, pure modules only): :func:`offline.device.pay`
signs a voucher and returns the bundle to show as a QR code;
:class:`offline.inbox.Inbox` verifies a received bundle with
:func:`offline.verify.verify_bundle` against the cached trust store and
remembers it. Neither opens a connection nor imports this module.

Online (:class:`OfflineClient`, over a :class:`~wallet.client.TengeClient`,
so in process or over the network alike): download the trust store, fetch
the device's certificate, fund and defund the purse, deposit what the inbox
holds, report fraud evidence, read purses, reserves and frauds; and, for a
bank, enrol a device (issue its certificate and register it)::

    offline = OfflineClient(client)
    trust = offline.trust()                      # at every sync
    state = offline.fund(state, wallet_id, wallet_key, device_key, 20_000_00)
    bundle, state = pay(state, device_key, payee, 1_500_00, now_ms)   # offline
    accepted, inbox = inbox.receive(bundle.encode(), trust, my_key.public, now_ms)
    offline.deposit(inbox, my_key)               # when back online
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ledger.crypto import KeyPair
from ledger.types import Transaction
from offline.bundle import decode_bundle
from offline.certs import device_certificate
from offline.device import DeviceState, Purse
from offline.inbox import Evidence, Inbox, bundle_device
from offline.params import OfflineLimits
from offline.records import DeviceRecord
from offline.trust import TrustStore
from offline.views import CrlView, FraudList, PurseView, ReserveView, SlotView, TrustView
from offline.voucher import SignedVoucher, decode_voucher
from wallet.client import ApiError, TengeClient
from wallet.offline import builders as ob
from wire.core import SubmitResponse

MAX_PER_DEPOSIT = 256


class OfflineClient:
    """The node-facing half of offline payments."""

    def __init__(self, client: TengeClient) -> None:
        self.client = client

    def _get(self, type_: type[Any], path: str, key: KeyPair | None = None) -> Any:
        auth = self.client._signed(key) if key is not None else None
        return self.client._call(type_, "GET", path, auth=auth)

    # -- reads -------------------------------------------------------------------------

    def trust_view(self) -> TrustView:
        return self._get(TrustView, "/v1/offline/trust")  # type: ignore[no-any-return]

    def trust(self) -> TrustStore:
        """Download and verify the trust store (root, bank CAs, CRLs, producer keys, rules)."""
        view = self.trust_view()
        return TrustStore.build(
            view.network,
            view.producer_keys,
            view.params,
            bytes.fromhex(view.root),
            {bank: bytes.fromhex(der) for bank, der in view.cas.items()},
            {bank: bytes.fromhex(crl.crl) for bank, crl in view.crls.items()},
        )

    def crl(self, bank_id: str) -> CrlView:
        return self._get(CrlView, f"/v1/offline/banks/{bank_id}/crl")  # type: ignore[no-any-return]

    def reserve(self, bank_id: str) -> ReserveView:
        path = f"/v1/offline/banks/{bank_id}/reserve"
        return self._get(ReserveView, path)  # type: ignore[no-any-return]

    def device(self, key: str) -> DeviceRecord:
        """The enrolment record (and certificate) of a device key."""
        path = f"/v1/offline/keys/{key}/device"
        return self._get(DeviceRecord, path)  # type: ignore[no-any-return]

    def purse(self, purse_id: str, key: KeyPair) -> PurseView:
        path = f"/v1/offline/purses/{purse_id}"
        return self._get(PurseView, path, key)  # type: ignore[no-any-return]

    def settled(self, purse_id: str, counter: int) -> SlotView:
        path = f"/v1/offline/purses/{purse_id}/vouchers/{counter}"
        return self._get(SlotView, path)  # type: ignore[no-any-return]

    def wallet_frauds(self, wallet_id: str, key: KeyPair) -> FraudList:
        path = f"/v1/offline/wallets/{wallet_id}/frauds"
        return self._get(FraudList, path, key)  # type: ignore[no-any-return]

    def bank_frauds(self, bank_id: str, key: KeyPair) -> FraudList:
        path = f"/v1/offline/banks/{bank_id}/frauds"
        return self._get(FraudList, path, key)  # type: ignore[no-any-return]

    # -- writes ------------------------------------------------------------------------

    def submit(self, tx: Transaction) -> SubmitResponse:
        """Submit and wait for the block; a refusal raises :class:`ApiError` with its code."""
        submitted = self.client.submit(tx, wait=True)
        problem = submitted.result.problem
        if problem is not None:  # the typed fields sit beside the code, as in a 4xx answer
            raise ApiError(problem.status, problem.document())
        return submitted

    def enrol(
        self,
        bank: KeyPair,
        bank_id: str,
        wallet_id: str,
        device_key: str,
        limits: OfflineLimits,
        time_ms: int,
    ) -> bytes:
        """The bank issues the device certificate and registers it; returns the DER."""
        network = self.client.network().network
        certificate = device_certificate(bank, bank_id, wallet_id, device_key, limits, time_ms)
        self.submit(ob.enrol(network, bank, certificate))
        return certificate

    def fund(
        self, state: DeviceState, wallet_id: str, wallet_key: KeyPair, device_key: str, amount: int
    ) -> DeviceState:
        """Fund a purse on the device; the state holds the funding body and its receipt."""
        network = self.client.network().network
        coins = [
            c
            for c in self.client.coins(wallet_id, wallet_key)
            if c.output.owner == wallet_key.public_hex
        ]
        tx = ob.purse_fund(network, [wallet_key], coins, device_key, amount)
        submitted = self.submit(tx)
        receipt = submitted.receipt or self.client.verified_receipt(tx.txid.hex())
        return state.funded(Purse(funding=tx.body_bytes, receipt=receipt))

    def defund(self, state: DeviceState, device: KeyPair, to: str) -> SubmitResponse:
        """Return what the purse's vouchers do not need, stating the last counter used."""
        if state.purse is None:
            raise ValueError("this device has no purse to defund")
        network = self.client.network().network
        purse = state.purse
        amount = purse.funded - state.spent
        tx = ob.purse_defund(
            network, device, purse.purse_id.hex(), state.counter, state.spent, amount, to
        )
        return self.submit(tx)

    def deposit(self, inbox: Inbox, payee: KeyPair) -> tuple[list[SubmitResponse], Inbox]:
        """Deposit every accepted bundle (already settled ones are skipped)."""
        network = self.client.network().network
        pending = list(inbox.accepted)
        done: list[SubmitResponse] = []
        while pending:
            chunk = pending[:MAX_PER_DEPOSIT]
            try:
                done.append(self.submit(ob.deposit(network, payee, deposit_groups(chunk))))
            except ApiError as error:
                if error.code != "voucher_settled":
                    raise
                settled = _bundle_of(chunk, str(error.problem.get("voucher", "")), network)
                inbox, pending = inbox.deposited([settled]), [b for b in pending if b != settled]
                continue
            inbox, pending = inbox.deposited(chunk), pending[len(chunk) :]
        return done, inbox

    def report(self, evidence: Evidence, signer: KeyPair) -> SubmitResponse:
        """Record fraud evidence on the ledger (``purse.fraud``)."""
        network = self.client.network().network
        vouchers = [decode_voucher(evidence.first), decode_voucher(evidence.second)]
        tx = ob.fraud(network, signer, evidence.purse.hex(), evidence.device, vouchers)
        return self.submit(tx)


def deposit_groups(bundles: Sequence[bytes]) -> list[tuple[str, str, list[SignedVoucher]]]:
    """Bundles' vouchers grouped by (purse, device key), as ``voucher.deposit`` takes them."""
    grouped: dict[tuple[str, str], list[SignedVoucher]] = {}
    for data in bundles:
        bundle = decode_bundle(data)
        key = (bundle.voucher.voucher.purse.hex(), bundle_device(bundle))
        grouped.setdefault(key, []).append(bundle.voucher)
    return [(purse, device, vouchers) for (purse, device), vouchers in grouped.items()]


def _bundle_of(bundles: Sequence[bytes], voucher_id: str, network: str) -> bytes:
    for data in bundles:
        if decode_bundle(data).voucher.voucher_id(network).hex() == voucher_id:
            return data
    raise LookupError(f"voucher {voucher_id} is not in this deposit")
