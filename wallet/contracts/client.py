"""The SDK's programmable-money calls: programs, contracts, token balances, dry runs.

``Programs(client)`` wraps a :class:`wallet.client.TengeClient` (and so works
in process or over the network the same way)::

    programs = Programs(client)
    verdict = programs.check(tx)          # would it be accepted? if not, why
    if not verdict.accepted:
        print(verdict.code, verdict.fields.get("rule"))
"""

from __future__ import annotations

from contracts.policy import Policy
from contracts.queries import (
    EscrowView,
    MandateView,
    MeterView,
    PolicyView,
    ProgramView,
    TokenBalances,
)
from ledger.crypto import KeyPair
from ledger.encoding import canonical
from ledger.types import Transaction
from wallet.builders import Coin
from wallet.client import TengeClient
from wire.core import CheckResult, OutputList

JSON = {"content-type": "application/json"}


class Programs:
    """Programmable-money endpoints over one client."""

    def __init__(self, client: TengeClient) -> None:
        self.client = client

    def policy(self, policy: Policy) -> PolicyView:
        """Validate a policy and compute its token ids (nothing is stored)."""
        return self.client._call(
            PolicyView, "POST", "/v1/policies", content=canonical(policy), headers=JSON
        )

    def program(self, token: str) -> ProgramView:
        """A token's policy, its program's levels and supply, and the KZT backing."""
        return self.client._call(ProgramView, "GET", f"/v1/programs/{token}")

    def check(self, tx: Transaction, at: int | None = None) -> CheckResult:
        """Dry run: the verdict the next block (or a block at ``at``) would give ``tx``."""
        params = {} if at is None else {"at": at}
        path = "/v1/transactions/check"
        body = canonical(tx.envelope())
        return self.client._call(
            CheckResult, "POST", path, content=body, headers=JSON, params=params
        )

    def tokens(self, wallet_id: str, key: KeyPair) -> TokenBalances:
        """The wallet's balance per token, with each program in brief (signed read)."""
        path = f"/v1/wallets/{wallet_id}/tokens"
        return self.client._call(TokenBalances, "GET", path, auth=self.client._signed(key))

    def escrow(self, escrow_id: str, key: KeyPair) -> EscrowView:
        """An escrow, read by one of its parties."""
        path = f"/v1/escrows/{escrow_id}"
        return self.client._call(EscrowView, "GET", path, auth=self.client._signed(key))

    def meter(self, meter_id: str, key: KeyPair) -> MeterView:
        """A meter, read by the customer or the provider."""
        path = f"/v1/meters/{meter_id}"
        return self.client._call(MeterView, "GET", path, auth=self.client._signed(key))

    def mandate(self, mandate_id: str, key: KeyPair) -> MandateView:
        """A mandate, read by the payer's wallet or the payee."""
        path = f"/v1/mandates/{mandate_id}"
        return self.client._call(MandateView, "GET", path, auth=self.client._signed(key))

    def mandate_funds(self, mandate_id: str, payee: KeyPair) -> list[Coin]:
        """The payer's KZT coins a pull may spend (signed by the payee)."""
        path = f"/v1/mandates/{mandate_id}/funds"
        found = self.client._call(OutputList, "GET", path, auth=self.client._signed(payee))
        return [Coin(point=h.point, output=h.output) for h in found.outputs]
