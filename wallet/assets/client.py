"""The SDK's digital-asset calls: classes, items, platform licences, holdings, DvP dry runs.

``Assets(client)`` wraps a :class:`wallet.client.TengeClient` (and so works in
process or over the network the same way)::

    market = Assets(client)
    wheat = market.asset(class_id)               # terms, issuer, totals
    verdict = market.check(dvp)                  # would this DvP settle now?
    if not verdict.accepted:
        print(verdict.problem.code, verdict.problem.fields)
"""

from __future__ import annotations

from assets.queries import AssetHoldings, ClassView, PlatformView, TokenView
from ledger.crypto import KeyPair
from ledger.encoding import canonical
from ledger.types import Transaction
from wallet.client import TengeClient
from wire.core import CheckResult

JSON = {"content-type": "application/json"}


class Assets:
    """Digital-asset endpoints over one client."""

    def __init__(self, client: TengeClient) -> None:
        self.client = client

    def asset(self, asset: str) -> ClassView:
        """A class's terms, issuer, operator, licence and totals (public)."""
        return self.client._call(ClassView, "GET", f"/v1/assets/{asset}")

    def item(self, asset: str, item: str) -> TokenView:
        """One item of a class of items: its token and how much of it is outstanding."""
        return self.client._call(TokenView, "GET", f"/v1/assets/{asset}/items/{item}")

    def platform(self, wallet_id: str) -> PlatformView:
        """The operator's licence, if in force (404 as :class:`ApiError` otherwise)."""
        return self.client._call(PlatformView, "GET", f"/v1/asset-platforms/{wallet_id}")

    def holdings(self, wallet_id: str, key: KeyPair) -> AssetHoldings:
        """The wallet's digital assets (a read signed by the wallet or its bank)."""
        path = f"/v1/wallets/{wallet_id}/assets"
        return self.client._call(AssetHoldings, "GET", path, auth=self.client._signed(key))

    def check(self, tx: Transaction, at: int | None = None) -> CheckResult:
        """Dry run: the verdict the next block (or a block at ``at``) would give ``tx``."""
        params = {} if at is None else {"at": at}
        body = canonical(tx.envelope())
        path = "/v1/transactions/check"
        return self.client._call(
            CheckResult, "POST", path, content=body, headers=JSON, params=params
        )
