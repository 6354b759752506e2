"""The SDK's privacy calls over the REST API, and a wallet's private side on top of them.

:class:`PrivacyClient` maps the ``/v1/privacy`` endpoints one to one;
:class:`PrivateWallet` is what an app uses: pay at a chosen level, shield
and unshield, withdraw and spend anonymous tokens, read its own private
history from the envelopes, verify a received payment like a phone would,
and list the disclosures that concern it. Phone-side: httpx and ledger types.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import msgspec

from ledger.crypto import KeyPair
from ledger.encoding import canonical, decode_canonical
from ledger.types import KZT
from privacy.envelopes import NoteEnvelope
from privacy.requests import (
    AnonToken,
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
from privacy.types import DisclosureRecord, Level, PrivacyParams, PrivateTransfer
from wallet.client import TengeClient
from wallet.privacy import payments as pw
from wallet.privacy import tokens as tk
from wire.core import SubmitResponse

T = TypeVar("T")


class PrivacyClient:
    """The ``/v1/privacy`` endpoints, through the SDK's one request helper
    (``TengeClient._call``: problems become :class:`~wallet.client.ApiError`)."""

    def __init__(self, client: TengeClient) -> None:
        self.client = client

    def _post(self, type_: type[T], path: str, body: msgspec.Struct, wait: bool) -> T:
        params = {"wait": "commit"} if wait else {}
        headers = {"content-type": "application/json"}
        return self.client._call(
            type_, "POST", path, content=canonical(body), params=params, headers=headers
        )

    def params(self) -> PrivacyParams:
        return self.client._call(PrivacyParams, "GET", "/v1/privacy/params")

    def pay(self, submission: PrivateSubmission, wait: bool = True) -> SubmitResponse:
        return self._post(SubmitResponse, "/v1/privacy/payments", submission, wait)

    def spend(self, request: SpendRequest, wait: bool = True) -> SubmitResponse:
        return self._post(SubmitResponse, "/v1/privacy/spends", request, wait)

    def evaluate(self, txid: str) -> Evaluation:
        request = EvaluationRequest(txid=txid)
        return self._post(Evaluation, "/v1/privacy/evaluations", request, False)

    def feed(self, start: int = 1, limit: int = 100) -> Feed:
        params = {"from": start, "limit": limit}
        return self.client._call(Feed, "GET", "/v1/privacy/feed", params=params)

    def transfers(self, start: int = 1) -> list[tuple[str, int, PrivateTransfer]]:
        """Every private transfer from ``start`` to the tip: (txid, height, body)."""
        found: list[tuple[str, int, PrivateTransfer]] = []
        tip = self.client.network(refresh=True).tip.height
        while start <= tip:
            page = self.feed(start)
            for entry in page.entries:
                body = decode_canonical(bytes(entry.tx.body), PrivateTransfer, "body")
                found.append((entry.txid, entry.height, body))
            start = page.next
        return found

    def transaction(self, txid: str) -> CommittedTransaction:
        path = f"/v1/privacy/transactions/{txid}"
        return self.client._call(CommittedTransaction, "GET", path)

    def token(self, denomination: int, token: str) -> TokenStatus:
        path = f"/v1/privacy/tokens/{denomination}/{token}"
        return self.client._call(TokenStatus, "GET", path)

    def disclosures(self, key: KeyPair) -> DisclosureList:
        auth = self.client._signed(key)
        return self.client._call(DisclosureList, "GET", "/v1/privacy/disclosures", auth=auth)

    def pools(self) -> Pools:
        return self.client._call(Pools, "GET", "/v1/privacy/pools")


class PrivateWallet:
    """One wallet key's open, private and anonymous sides, through one node."""

    def __init__(
        self, client: TengeClient, wallet_id: str, key: KeyPair, default: Level = "open"
    ) -> None:
        self.client, self.privacy = client, PrivacyClient(client)
        self.wallet_id, self.key = wallet_id, key
        self.default: Level = default
        """The level ``pay`` uses when none is given (the wallet's setting)."""

    @property
    def network(self) -> str:
        return self.client.network().network

    def history(self) -> pw.PrivateHistory:
        """Everything this key opens in the private transfers so far."""
        return pw.scan(self.privacy.transfers(), self.key)

    def coins(self) -> list[Any]:
        mine = self.client.coins(self.wallet_id, self.key)
        return [c for c in mine if c.output.owner == self.key.public_hex]

    def pay(
        self,
        to: str,
        amount: int,
        level: Level | None = None,
        memo: str = "",
        token: str = KZT,
    ) -> SubmitResponse:
        """Pay at ``level`` (else the default): open, or private (notes, then coins if short)."""
        chosen = level or self.default
        if chosen == "anonymous":
            raise ValueError("pay anonymously with withdraw() and spend()")
        coins = self.coins()
        if chosen == "open":
            from wallet import builders

            me = self.key.public_hex
            tx = builders.pay(self.network, coins, [self.key], to, amount, me, memo, token)
            return self.client.submit(tx, wait=True)
        notes = self.history().unspent()
        params = self.privacy.params()
        submission = pw.pay(self.network, params, self.key, notes, to, amount, memo, token, coins)
        return self.privacy.pay(submission)

    def shield(self, amount: int) -> SubmitResponse:
        submission = pw.shield(self.network, self.privacy.params(), self.key, self.coins(), amount)
        return self.privacy.pay(submission)

    def unshield(self, amount: int, to: str | None = None) -> SubmitResponse:
        notes = self.history().unspent()
        return self.privacy.pay(
            pw.unshield(self.network, self.privacy.params(), self.key, notes, amount, to)
        )

    def withdraw(self, denomination: int, count: int) -> list[AnonToken]:
        """Buy ``count`` tokens: blind, pay, have them evaluated, check the proof, unblind."""
        batch = tk.blind_batch(denomination, count)
        tx = tk.withdrawal(self.network, self.coins(), [self.key], batch, self.key.public_hex)
        self.client.submit(tx, wait=True)
        evaluation = self.privacy.evaluate(tx.txid.hex())
        return tk.unblind(batch, evaluation, self.privacy.params())

    def spend(
        self, tokens: Sequence[AnonToken], denomination: int, to: str, memo: str = ""
    ) -> SubmitResponse:
        return self.privacy.spend(tk.spend_request(tokens, denomination, to, memo))

    def verify_received(self, txid: str) -> NoteEnvelope:
        """Like a phone: envelope, commitment and Merkle proof, against the producer keys."""
        found = self.privacy.transaction(txid)
        network = self.client.network()
        return pw.verify_private_receipt(
            found.tx, found.receipt, self.key, network.producer_keys, network.network
        )

    def disclosures(self) -> list[DisclosureRecord]:
        """The disclosures that name one of this wallet's private transfers."""
        mine = {r.txid for r in self.history().received} | {s.txid for s in self.history().sent}
        return [d for d in self.privacy.disclosures(self.key).disclosures if d.txid in mine]
