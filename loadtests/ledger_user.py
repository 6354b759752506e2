"""The base of every simulated user: the shared cast, signed reads, offline checks.

The cast and the acknowledgement log are class attributes set once by the
locustfile's ``init`` listener, before any user starts; each user reads them
and claims its own wallets or desk from the cast.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

import msgspec
from locust import FastHttpUser

from ledger.crypto import KeyPair
from loadtests import calls
from loadtests.acks import AckLog
from loadtests.coins import CoinBook
from loadtests.scenario import Cast
from wallet.builders import Coin
from wire.core import OutputList


class LedgerUser(FastHttpUser):
    """A user of the ledger's REST API with the wallet SDK in hand."""

    abstract = True
    cast: ClassVar[Cast]
    acks: ClassVar[AckLog]

    def signed_get(self, path: str, key: KeyPair, name: str) -> bytes | None:
        """A private read signed by ``key`` (RFC 9421)."""
        return calls.signed_get(self.client, self.host or "", path, key, self.cast.network, name)

    def refresh(self, path: str, book: CoinBook, name: str) -> None:
        """Reload a coin book from an outputs endpoint (a wallet's or a bank's)."""
        body = self.signed_get(path, book.owner, name)
        if body is not None:
            held = msgspec.json.decode(body, type=OutputList).outputs
            book.refresh(Coin(point=h.point, output=h.output) for h in held)

    def check(self, name: str, step: Callable[[], None]) -> None:
        """Run an offline check and report it as its own line in the statistics."""
        started = time.perf_counter()
        error: Exception | None = None
        try:
            step()
        except Exception as problem:  # reported to Locust, which counts it as a failure
            error = problem
        self.environment.events.request.fire(
            request_type="CHECK",
            name=name,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=error,
            context={},
        )
