"""Requests a Locust user makes, and how their answers are counted.

A write is a success when the node answers 200 "committed". An *expected*
refusal — a tier limit, or a double spend the user attempted on purpose — is
also a success, reported under its own name (``payment refused:
limit_exceeded``), so the failure count holds only what should not happen.
Signed reads carry RFC 9421 headers made by the wallet SDK for the exact URL
requested.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from locust.contrib.fasthttp import FastHttpSession, ResponseContextManager

from ledger.crypto import KeyPair
from ledger.encoding import canonical
from ledger.types import Transaction
from loadtests.acks import AckLog
from wire.httpsig import sign_request

JSON = {"content-type": "application/json"}


@dataclass(frozen=True)
class Outcome:
    """What became of one submitted transaction, as far as its sender can tell."""

    status: str  # "committed", "refused" (certainly not committed) or "unknown"
    code: str | None = None
    height: int | None = None

    @property
    def committed(self) -> bool:
        return self.status == "committed"


def _problem_code(response: ResponseContextManager) -> str:
    try:
        return str(json.loads(response.content or b"{}").get("code", "unknown"))
    except ValueError:
        return "unreadable"


def _judge_single(
    response: ResponseContextManager, tx: Transaction, expected: Collection[str], must_refuse: bool
) -> Outcome:
    """Mark the response success or failure and say what happened to ``tx``."""
    if response.status_code == 200:
        result = json.loads(response.content)["result"]
        if must_refuse:
            response.failure(f"{tx.kind} that had to be refused was committed")
        return Outcome("committed", height=result.get("height"))
    if 400 <= response.status_code < 500:
        code = _problem_code(response)
        if code in expected:
            response.request_meta["name"] = f"payment refused: {code}"
            response.success()
        else:
            response.failure(f"refused: {response.status_code} {code}")
        return Outcome("refused", code=code)
    reason = "not committed within the node's wait" if response.status_code == 202 else "error"
    response.failure(f"{response.status_code} {reason}")
    return Outcome("unknown")


def submit(
    client: FastHttpSession,
    tx: Transaction,
    name: str,
    acks: AckLog,
    expected: Collection[str] = ("limit_exceeded",),
    must_refuse: bool = False,
) -> Outcome:
    """POST one transaction with ``?wait=commit``; record it if acknowledged."""
    body = canonical(tx.envelope())
    with client.post(
        "/v1/transactions?wait=commit", data=body, headers=JSON, name=name, catch_response=True
    ) as response:
        outcome = _judge_single(response, tx, expected, must_refuse)
    if outcome.committed:
        acks.record(tx.txid.hex(), outcome.height, tx.kind)
    return outcome


def submit_batch(
    client: FastHttpSession, txs: Sequence[Transaction], name: str, acks: AckLog
) -> list[Outcome]:
    """POST a batch with ``?wait=commit``; success only if every item is committed."""
    body = b'{"transactions":[' + b",".join(canonical(t.envelope()) for t in txs) + b"]}"
    with client.post(
        "/v1/transactions/batch?wait=commit",
        data=body,
        headers=JSON,
        name=name,
        catch_response=True,
    ) as response:
        outcomes = _judge_batch(response, len(txs))
    for tx, outcome in zip(txs, outcomes, strict=True):
        if outcome.committed:
            acks.record(tx.txid.hex(), outcome.height, tx.kind)
    return outcomes


def _judge_batch(response: ResponseContextManager, count: int) -> list[Outcome]:
    if response.status_code != 200:
        response.failure(f"{response.status_code} {_problem_code(response)}")
        refused = 400 <= response.status_code < 500  # the whole batch was turned away
        return [Outcome("refused" if refused else "unknown")] * count
    outcomes = [_item_outcome(r) for r in json.loads(response.content)["results"]]
    trouble = sorted({o.code or o.status for o in outcomes if not o.committed})
    if trouble:
        response.failure(f"batch items not committed: {', '.join(trouble)}")
    return outcomes


def _item_outcome(result: dict[str, Any]) -> Outcome:
    if result["status"] == "committed":
        return Outcome("committed", height=result.get("height"))
    if result["status"] == "rejected":
        return Outcome("refused", code=(result.get("problem") or {}).get("code"))
    return Outcome("unknown")


def signed_get(
    client: FastHttpSession, base_url: str, path: str, key: KeyPair, network: str, name: str
) -> bytes | None:
    """GET a private resource signed by ``key``; the body on 200, else None (a failure)."""
    draft = httpx.Request("GET", base_url + path)
    sign_request(draft, key, network)
    headers = {h: draft.headers[h] for h in ("Signature-Input", "Signature")}
    with client.get(path, headers=headers, name=name, catch_response=True) as response:
        if response.status_code != 200:
            response.failure(f"{response.status_code} {_problem_code(response)}")
            return None
        return bytes(response.content)


def public_get(client: FastHttpSession, path: str, name: str) -> bytes | None:
    """GET a public resource; the body on 200, else None (a failure)."""
    with client.get(path, name=name, catch_response=True) as response:
        if response.status_code != 200:
            response.failure(f"{response.status_code} {_problem_code(response)}")
            return None
        return bytes(response.content)
