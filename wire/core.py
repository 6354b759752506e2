"""Request and response bodies of the REST API.

These Structs both validate requests (through msgspec) and generate the
OpenAPI document (:mod:`api.spec`), so the two can never disagree.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from ledger.encoding import Hex32
from ledger.errors import TengeError
from ledger.queries import HistoryEntry, Holding
from ledger.records import BankRecord, ChainTip, WalletRecord
from ledger.types import BlockHeader, Receipt, SignedTransaction, TierLimits

MAX_BATCH = 2000

__all__ = [
    "MAX_BATCH",
    "BankRecord",
    "BatchRequest",
    "BatchResponse",
    "BlockList",
    "BlockResponse",
    "CheckResult",
    "Health",
    "HistoryPage",
    "NetworkInfo",
    "OutputList",
    "Problem",
    "Receipt",
    "SignedTransaction",
    "SubmitResponse",
    "SubmitResult",
    "SupplyInfo",
    "WalletList",
    "WalletView",
]


class Problem(msgspec.Struct, frozen=True):
    """A refusal as data: the error's code, status, title, detail and typed fields."""

    code: str
    status: int
    title: str
    detail: str
    fields: dict[str, Any]

    @classmethod
    def of(cls, error: TengeError) -> Problem:
        return cls(error.code, error.status, error.title, str(error), error.details())

    def document(self, instance: str = "") -> dict[str, Any]:
        """The RFC 9457 document: standard members, the stable code, then typed fields."""
        body: dict[str, Any] = {
            "type": f"/problems/{self.code}",
            "title": self.title,
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        for name, value in self.fields.items():
            body.setdefault(name, value)
        return body


class SubmitResult(msgspec.Struct, frozen=True):
    """What happened to one submitted transaction."""

    txid: str
    status: str  # "committed" | "pending" | "rejected"
    height: int | None = None
    index: int | None = None
    problem: Problem | None = None


class NetworkInfo(msgspec.Struct, frozen=True):
    network: str
    genesis_hash: str
    central_bank_keys: tuple[str, ...]
    producer_keys: tuple[str, ...]
    tip: ChainTip
    limits: dict[str, TierLimits]


class SupplyInfo(msgspec.Struct, frozen=True):
    height: int
    tokens: dict[str, int]
    banks: tuple[BankRecord, ...]


class Health(msgspec.Struct, frozen=True):
    status: str
    height: int
    queue: int
    uptime_s: Annotated[
        int, msgspec.Meta(ge=0, description="whole seconds since the writer started")
    ]
    role: str = "single"
    """``single`` (one node), or in a cluster ``producer``, ``follower`` or ``halted``."""


class SubmitResponse(msgspec.Struct, frozen=True):
    """The fate of one transaction; with ``?wait=commit`` a committed one has its receipt."""

    result: SubmitResult
    receipt: Receipt | None = None


class BatchRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Up to 2,000 signed transactions, checked and queued in order."""

    transactions: Annotated[
        tuple[SignedTransaction, ...], msgspec.Meta(min_length=1, max_length=MAX_BATCH)
    ]


class BatchResponse(msgspec.Struct, frozen=True):
    """One result per submitted transaction, in order, and the tallies."""

    results: tuple[SubmitResult, ...]
    committed: int
    pending: int
    rejected: int


class BlockList(msgspec.Struct, frozen=True):
    headers: tuple[BlockHeader, ...]
    tip: int


class BlockResponse(msgspec.Struct, frozen=True):
    """A committed block's signed header and the ids of its transactions."""

    header: BlockHeader
    signature: str
    block_hash: Hex32
    txids: tuple[Hex32, ...]


class WalletView(msgspec.Struct, frozen=True):
    """A wallet as its owner or its bank sees it, with balances per token."""

    wallet: WalletRecord
    balances: dict[str, int]


class OutputList(msgspec.Struct, frozen=True):
    outputs: tuple[Holding, ...]
    balances: dict[str, int]


class HistoryPage(msgspec.Struct, frozen=True):
    """Newest first; pass ``next_before`` as ``before`` for the next page."""

    entries: tuple[HistoryEntry, ...]
    next_before: str | None = None


class WalletList(msgspec.Struct, frozen=True):
    """Wallet ids in order; pass ``next_after`` as ``after`` for the next page."""

    wallet_ids: tuple[str, ...]
    next_after: str | None = None


class CheckResult(msgspec.Struct, frozen=True):
    """What the ledger would do with a transaction, checked now and not submitted."""

    txid: Hex32
    kind: Annotated[str, msgspec.Meta(description="the body's kind")]
    accepted: Annotated[bool, msgspec.Meta(description="true if a block now would include it")]
    time_ms: Annotated[int, msgspec.Meta(description="the block time it was checked at")]
    problem: Annotated[
        Problem | None, msgspec.Meta(description="why it would be refused: code, rule, fields")
    ] = None

    @property
    def code(self) -> str | None:
        """The refusal's stable code, if refused."""
        return None if self.problem is None else self.problem.code

    @property
    def fields(self) -> dict[str, Any]:
        """The refusal's typed fields (``rule``, ``allowed``, ``got``, ...)."""
        return {} if self.problem is None else self.problem.fields
