"""Privacy's writer calls: registered with its kinds, served in the ledger writer.

The API workers never see a private payment's plaintext: they pass the
sealed request by name to the writer (the one process that holds the
validator's secrets and the producer), which decodes it strictly as the
call's request type (:class:`ledger.registry.WriterCall`). Calls:

- ``privacy.pay``: prepare a private payment, submit it, optionally wait;
- ``privacy.spend``: verify anonymous tokens, submit the attested spend;
- ``privacy.evaluate``: evaluate a committed withdrawal's blinded elements;
- ``privacy.feed``: private transfers from a height on (for wallets' trial decryption);
- ``privacy.token``: whether an anonymous token is spent;
- ``privacy.disclosures``: every committed disclosure record;
- ``privacy.pools``: the pools and token counts the public audit checks.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

import msgspec

from ledger.chain import Chain
from ledger.encoding import decode_json
from ledger.records import Locked
from ledger.registry import Writer, WriterCall
from ledger.storage import schema
from ledger.types import Block, txid_of
from privacy.prepare import evaluate, prepare_private, prepare_spend
from privacy.records import disclosure_prefix, token_key
from privacy.requests import (
    DisclosureList,
    Evaluation,
    EvaluationRequest,
    Feed,
    FeedEntry,
    Pools,
    PrivateSubmission,
    SpendRequest,
    TokenStatus,
)
from privacy.types import AnonSupply, DisclosureRecord

if TYPE_CHECKING:
    from privacy.validator import Validator

FEED_BLOCKS = 2000  # blocks scanned per feed call at most


class PayCall(msgspec.Struct, frozen=True):
    """A sealed private payment, and whether to wait for its block."""

    submission: PrivateSubmission
    wait: bool = False


class SpendCall(msgspec.Struct, frozen=True):
    """Anonymous tokens to spend, and whether to wait for the block."""

    request: SpendRequest
    wait: bool = False


class FeedCall(msgspec.Struct, frozen=True):
    """Private transfers from height ``start`` on, at most ``limit``."""

    start: int = 1
    limit: int = 100


class TokenCall(msgspec.Struct, frozen=True):
    """One anonymous token: is it spent?"""

    denomination: int
    token: str


class NoArguments(msgspec.Struct, frozen=True):
    """A call that takes nothing."""


class _Kind(msgspec.Struct):
    kind: str


def calls(validator: Validator | None) -> list[WriterCall]:
    """The privacy calls this node serves: the public reads everywhere, the validator's
    three (pay, spend, evaluate) only where its secrets are."""
    served = [
        WriterCall("privacy.feed", FeedCall, lambda w, call: private_feed(w.chain, call)),
        WriterCall("privacy.token", TokenCall, token_status),
        WriterCall("privacy.disclosures", NoArguments, disclosures),
        WriterCall("privacy.pools", NoArguments, lambda w, _: pools(w.chain)),
    ]
    if validator is not None:
        served += [
            WriterCall("privacy.pay", PayCall, partial(pay, validator)),
            WriterCall("privacy.spend", SpendCall, partial(spend, validator)),
            WriterCall("privacy.evaluate", EvaluationRequest, partial(evaluation, validator)),
        ]
    return served


def pay(validator: Validator, writer: Writer, call: PayCall) -> msgspec.Struct:
    """Prepare a private payment from its sealed request, submit it, optionally wait."""
    context = writer.chain.context(writer.now_ms())
    tx = prepare_private(validator, call.submission, writer.chain, context)
    (result,) = writer.submit([tx], wait=call.wait)
    return cast(msgspec.Struct, result)


def spend(validator: Validator, writer: Writer, call: SpendCall) -> msgspec.Struct:
    """Verify anonymous tokens and submit the attested spend."""
    tx = prepare_spend(validator, call.request, writer.chain)
    (result,) = writer.submit([tx], wait=call.wait)
    return cast(msgspec.Struct, result)


def evaluation(validator: Validator, writer: Writer, request: EvaluationRequest) -> Evaluation:
    """Evaluate a committed withdrawal's blinded elements (with the DLEQ proof)."""
    return evaluate(validator, writer.chain, request.txid)


def token_status(writer: Writer, call: TokenCall) -> TokenStatus:
    spent = writer.chain.store.get(token_key(call.denomination, call.token)) is not None
    return TokenStatus(call.denomination, call.token, spent)


def disclosures(writer: Writer, _: NoArguments) -> DisclosureList:
    found = writer.chain.store.iterate(disclosure_prefix())
    records = [decode_json(raw, DisclosureRecord) for _, raw in found]
    return DisclosureList(tuple(sorted(records, key=lambda r: (r.height, r.disclosure))))


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
