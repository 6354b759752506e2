"""The REST client of the wallet SDK (httpx, transport injectable).

``TengeClient("http://127.0.0.1:8080")`` talks to a node over the network;
``TengeClient("http://node", transport=httpx.WSGITransport(app=app))`` talks
to an app in the same process, so one test suite covers both.

Exceptions: every non-2xx answer raises :class:`ApiError`, which carries the
problem document's stable ``code``, its HTTP ``status`` and its fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, TypeVar

import httpx
import msgspec

from ledger.crypto import KeyPair
from ledger.encoding import canonical
from ledger.errors import InvalidStatement
from ledger.receipts import verify_receipt
from ledger.records import BankRecord
from ledger.statements import Report, verify_report
from ledger.types import Receipt, Transaction
from wallet.builders import Coin
from wire.bank import FeedPage
from wire.core import (
    BatchResponse,
    BlockList,
    Health,
    HistoryPage,
    NetworkInfo,
    OutputList,
    SubmitResponse,
    SubmitResult,
    SupplyInfo,
    WalletList,
    WalletView,
)
from wire.httpsig import SignedReads

T = TypeVar("T")


def _day(day: date | str) -> str:
    return day.isoformat() if isinstance(day, date) else day


class ApiError(Exception):
    """A problem document returned by the node."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        self.status = status
        self.problem = problem
        self.code: str = str(problem.get("code", "unknown"))
        super().__init__(f"{status} {self.code}: {problem.get('detail', problem.get('title', ''))}")


class TengeClient:
    """Everything a bank's back office or a phone needs from a node."""

    def __init__(
        self, base_url: str, transport: httpx.BaseTransport | None = None, timeout: float = 30.0
    ) -> None:
        self.http = httpx.Client(base_url=base_url, transport=transport, timeout=timeout)
        self._network: NetworkInfo | None = None
        self.min_height = 0
        """The highest height this client saw its own submissions commit at: every read
        asks for it (``min_height``), so a replica answers only once it applied them."""

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> TengeClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing ----------------------------------------------------------------

    def _call(self, type_: type[T], method: str, path: str, **kwargs: Any) -> T:
        if method == "GET" and self.min_height:
            kwargs["params"] = {**kwargs.get("params", {}), "min_height": self.min_height}
        response = self.http.request(method, path, **kwargs)
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"code": "unreadable", "detail": response.text[:200]}
            raise ApiError(response.status_code, problem)
        return msgspec.json.decode(response.content, type=type_)

    def _signed(self, key: KeyPair) -> SignedReads:
        return SignedReads(key, self.network().network)

    # -- public ------------------------------------------------------------------

    def network(self, refresh: bool = False) -> NetworkInfo:
        """NetworkInfo id, trusted keys, tip and limits (cached until ``refresh``)."""
        if self._network is None or refresh:
            self._network = self._call(NetworkInfo, "GET", "/v1/network")
        return self._network

    def submit(self, tx: Transaction, wait: bool = True) -> SubmitResponse:
        """Submit one transaction; with ``wait`` the answer carries its receipt."""
        params = {"wait": "commit"} if wait else {}
        answer = self._call(
            SubmitResponse,
            "POST",
            "/v1/transactions",
            content=canonical(tx.envelope()),
            params=params,
            headers={"content-type": "application/json"},
        )
        self._saw(answer.result)
        return answer

    def submit_batch(self, txs: Sequence[Transaction], wait: bool = False) -> BatchResponse:
        """Submit up to 2,000 transactions; per-item results in order."""
        body = b'{"transactions":[' + b",".join(canonical(t.envelope()) for t in txs) + b"]}"
        params = {"wait": "commit"} if wait else {}
        answer = self._call(
            BatchResponse,
            "POST",
            "/v1/transactions/batch",
            content=body,
            params=params,
            headers={"content-type": "application/json"},
        )
        for result in answer.results:
            self._saw(result)
        return answer

    def _saw(self, result: SubmitResult) -> None:
        if result.status == "committed" and result.height is not None:
            self.min_height = max(self.min_height, result.height)

    def status(self, txid: str) -> SubmitResult:
        return self._call(SubmitResult, "GET", f"/v1/transactions/{txid}")

    def receipt(self, txid: str) -> Receipt:
        return self._call(Receipt, "GET", f"/v1/transactions/{txid}/receipt")

    def verified_receipt(self, txid: str, producer_keys: Sequence[str] | None = None) -> Receipt:
        """The receipt, checked offline against trusted producer keys."""
        receipt = self.receipt(txid)
        keys = producer_keys if producer_keys is not None else self.network().producer_keys
        verify_receipt(receipt, keys, txid=txid, network=self.network().network)
        return receipt

    def blocks(self, start: int = 1, limit: int = 100) -> BlockList:
        return self._call(BlockList, "GET", "/v1/blocks", params={"from": start, "limit": limit})

    def supply(self) -> SupplyInfo:
        return self._call(SupplyInfo, "GET", "/v1/supply")

    def bank(self, bank_id: str) -> BankRecord:
        return self._call(BankRecord, "GET", f"/v1/banks/{bank_id}")

    def health(self) -> Health:
        return self._call(Health, "GET", "/v1/health")

    # -- signed reads --------------------------------------------------------------

    def wallet(self, wallet_id: str, key: KeyPair) -> WalletView:
        return self._call(WalletView, "GET", f"/v1/wallets/{wallet_id}", auth=self._signed(key))

    def outputs(self, wallet_id: str, key: KeyPair) -> OutputList:
        path = f"/v1/wallets/{wallet_id}/outputs"
        return self._call(OutputList, "GET", path, auth=self._signed(key))

    def coins(self, wallet_id: str, key: KeyPair) -> list[Coin]:
        """The wallet's unspent outputs as coins ready for the builders."""
        return [Coin(point=h.point, output=h.output) for h in self.outputs(wallet_id, key).outputs]

    def bank_coins(self, bank_id: str, key: KeyPair) -> list[Coin]:
        """The bank's reserve coins (a request signed by one of its keys)."""
        path = f"/v1/banks/{bank_id}/outputs"
        outputs = self._call(OutputList, "GET", path, auth=self._signed(key))
        return [Coin(point=h.point, output=h.output) for h in outputs.outputs]

    def history(
        self, wallet_id: str, key: KeyPair, limit: int = 50, before: str | None = None
    ) -> HistoryPage:
        params: dict[str, int | str] = {"limit": limit}
        if before is not None:
            params["before"] = before
        path = f"/v1/wallets/{wallet_id}/history"
        return self._call(HistoryPage, "GET", path, params=params, auth=self._signed(key))

    def bank_wallets(
        self, bank_id: str, key: KeyPair, limit: int = 100, after: str | None = None
    ) -> WalletList:
        params: dict[str, Any] = {"limit": limit}
        if after is not None:
            params["after"] = after
        path = f"/v1/banks/{bank_id}/wallets"
        return self._call(WalletList, "GET", path, params=params, auth=self._signed(key))

    def bank_statement(self, bank_id: str, key: KeyPair, day: date | str) -> Report:
        """The bank's report for a UTC day: its reserve, then its wallets (decision 0018)."""
        path = f"/v1/banks/{bank_id}/statements/{_day(day)}"
        return self._call(Report, "GET", path, auth=self._signed(key))

    def wallet_statement(self, wallet_id: str, key: KeyPair, day: date | str) -> Report:
        """A wallet's report for a UTC day, signed by the wallet or its bank."""
        path = f"/v1/wallets/{wallet_id}/statements/{_day(day)}"
        return self._call(Report, "GET", path, auth=self._signed(key))

    def issuance_statement(self, day: date | str) -> Report:
        """The central bank's issuance report for a UTC day (public)."""
        return self._call(Report, "GET", f"/v1/supply/statements/{_day(day)}")

    def statement_csv(self, path: str, key: KeyPair | None = None) -> str:
        """A statement path's CSV form (``/v1/.../statements/<date>``), signed when ``key``."""
        auth = self._signed(key) if key is not None else None
        response = self.http.get(path, headers={"Accept": "text/csv"}, auth=auth)
        if response.status_code >= 400:
            raise ApiError(response.status_code, response.json())
        return response.text

    def verify_statement(self, report: Report, producer_keys: Sequence[str] | None = None) -> None:
        """Raise :class:`~ledger.errors.InvalidStatement` unless the report is for this
        network, its headers are signed by trusted producers, every entry's audit path
        leads to its header and every statement adds up."""
        info = self.network()
        if report.network != info.network:
            raise InvalidStatement(statement=report.message_id, reason="another network")
        verify_report(report, producer_keys if producer_keys is not None else info.producer_keys)

    def bank_events(
        self,
        bank_id: str,
        key: KeyPair,
        after: str | None = None,
        limit: int = 100,
        wait: int = 0,
    ) -> FeedPage:
        """The bank's feed after ``after``; ``wait`` seconds (at most 30) for a first event."""
        params: dict[str, Any] = {"limit": limit, "wait": wait}
        if after is not None:
            params["after"] = after
        path = f"/v1/banks/{bank_id}/events"
        timeout = self.http.timeout.read or 30.0
        return self._call(
            FeedPage,
            "GET",
            path,
            params=params,
            auth=self._signed(key),
            timeout=max(timeout, wait + 10.0),
        )
