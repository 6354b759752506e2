"""The validator's handlers in the ledger writer, installed as service extensions.

The API workers never see a private payment's plaintext: they pass the
sealed request to the writer (the one process that holds the validator's
secrets and the producer) through the service's generic ``extension`` call,
JSON in, JSON out. Handlers:

- ``privacy.pay``: prepare a private payment, submit it, optionally wait;
- ``privacy.spend``: verify anonymous tokens, submit the attested spend;
- ``privacy.evaluate``: evaluate a committed withdrawal's blinded elements;
- ``privacy.feed``: private transfers from a height on (for wallets' trial decryption);
- ``privacy.token``: whether an anonymous token is spent;
- ``privacy.disclosures``: every committed disclosure record;
- ``privacy.pools``: the pools and token counts the public audit checks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import msgspec

from ledger.chain import Chain
from ledger.encoding import decode_json
from ledger.records import Locked
from ledger.storage import schema
from ledger.types import Block, Transaction, txid_of
from privacy.prepare import evaluate, prepare_private, prepare_spend
from privacy.records import disclosure_prefix, token_key
from privacy.requests import (
    DisclosureList,
    EvaluationRequest,
    Feed,
    FeedEntry,
    Pools,
    PrivateSubmission,
    SpendRequest,
    TokenStatus,
)
from privacy.types import AnonSupply, DisclosureRecord

FEED_BLOCKS = 2000  # blocks scanned per feed call at most


class Ledger(Protocol):
    """What the handlers need from the writer's ledger service."""

    chain: Chain
    extensions: dict[str, Callable[[bytes], bytes]]

    @property
    def producer(self) -> Any: ...

    def submit(
        self, txs: Sequence[Transaction], wait: bool = False, timeout: float = 10.0
    ) -> Any: ...


class PayCall(msgspec.Struct, frozen=True):
    submission: PrivateSubmission
    wait: bool = False


class SpendCall(msgspec.Struct, frozen=True):
    request: SpendRequest
    wait: bool = False


class FeedCall(msgspec.Struct, frozen=True):
    start: int = 1
    limit: int = 100


class TokenCall(msgspec.Struct, frozen=True):
    denomination: int
    token: str


class _Kind(msgspec.Struct):
    kind: str


def install(ledger: Ledger, validator: Any) -> None:
    """Add the handlers to the writer's service."""
    handlers = PrivacyHandlers(ledger, validator)
    ledger.extensions.update(
        {
            "privacy.pay": handlers.pay,
            "privacy.spend": handlers.spend,
            "privacy.evaluate": handlers.evaluate,
            "privacy.feed": handlers.feed,
            "privacy.token": handlers.token,
            "privacy.disclosures": handlers.disclosures,
            "privacy.pools": handlers.pools,
        }
    )


class PrivacyHandlers:
    """JSON-in, JSON-out handlers over the chain, the producer and the validator."""

    def __init__(self, ledger: Ledger, validator: Any) -> None:
        self.ledger, self.validator, self.chain = ledger, validator, ledger.chain

    def pay(self, payload: bytes) -> bytes:
        call = decode_json(payload, PayCall)
        context = self.chain.context(self.ledger.producer.clock())
        tx = prepare_private(self.validator, call.submission, self.chain, context)
        return self._submit(tx, call.wait)

    def spend(self, payload: bytes) -> bytes:
        call = decode_json(payload, SpendCall)
        return self._submit(prepare_spend(self.validator, call.request, self.chain), call.wait)

    def _submit(self, tx: Transaction, wait: bool) -> bytes:
        (result,) = self.ledger.submit([tx], wait=wait)
        return msgspec.json.encode(result)

    def evaluate(self, payload: bytes) -> bytes:
        request = decode_json(payload, EvaluationRequest)
        return msgspec.json.encode(evaluate(self.validator, self.chain, request.txid))

    def feed(self, payload: bytes) -> bytes:
        return msgspec.json.encode(private_feed(self.chain, decode_json(payload, FeedCall)))

    def token(self, payload: bytes) -> bytes:
        call = decode_json(payload, TokenCall)
        spent = self.chain.store.get(token_key(call.denomination, call.token)) is not None
        return msgspec.json.encode(TokenStatus(call.denomination, call.token, spent))

    def disclosures(self, payload: bytes) -> bytes:
        found = self.chain.store.iterate(disclosure_prefix())
        records = [decode_json(raw, DisclosureRecord) for _, raw in found]
        ordered = sorted(records, key=lambda r: (r.height, r.disclosure))
        return msgspec.json.encode(DisclosureList(tuple(ordered)))

    def pools(self, payload: bytes) -> bytes:
        return msgspec.json.encode(pools(self.chain))


def private_feed(chain: Chain, call: FeedCall) -> Feed:
    """Private transfers from ``call.start`` on: whole blocks until ``call.limit`` are found."""
    entries: list[FeedEntry] = []
    height, tip = max(call.start, 1), chain.tip.height
    stop = min(tip, height + FEED_BLOCKS - 1)
    while height <= stop and len(entries) < call.limit:
        raw = chain.store.get(schema.block_key(height))
        block = decode_json(raw, Block) if raw is not None else None
        for index, tx in enumerate(block.txs if block else ()):
            if decode_json(bytes(tx.body), _Kind).kind == "private.transfer":
                txid = txid_of(chain.network, bytes(tx.body)).hex()
                entries.append(FeedEntry(txid, height, index, tx))
        height += 1
    return Feed(tuple(entries), height)


def pools(chain: Chain) -> Pools:
    """The pools as booked in state, and the token counts per denomination."""
    private: dict[str, int] = {}
    anonymous: dict[str, int] = {}
    for key, raw in chain.store.iterate(schema.LOCKED):
        lock_id = key[len(schema.LOCKED) :].decode()
        family, _, name = lock_id.partition("/")
        amount = decode_json(raw, Locked).amount
        if family == "private":
            private[name] = amount
        elif family == "anon":
            anonymous[name] = amount
    tokens = {
        key.decode().rsplit("/", 1)[1]: decode_json(raw, AnonSupply)
        for key, raw in chain.store.iterate(schema.privacy_key("anon", ""))
    }
    return Pools(private, anonymous, tokens)
