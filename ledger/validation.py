"""Decoding and validating transactions.

``validate_*`` functions need no state and run at the edge, in parallel
(signature checks release the GIL). ``check_*`` functions read state and run
in the block producer, in order. Both raise a specific :mod:`ledger.errors`
error and never return a verdict.

A kind's own steps run through :func:`contained`: anything one raises that is
not in the error tree becomes :class:`~ledger.errors.RuleFailed` for that one
transaction (logged with its traceback), so no input can crash a request or a
block.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import msgspec

from ledger.crypto import verify
from ledger.encoding import MAX_AMOUNT, canonical, decode_json, decode_strict
from ledger.errors import (
    BadSignature,
    DoubleSpend,
    DuplicateInput,
    DuplicateKey,
    DuplicateTransaction,
    InvalidAmount,
    MissingSignature,
    NonCanonicalEncoding,
    RuleFailed,
    TengeError,
    UnexpectedSigner,
    UnknownInput,
    WrongNetwork,
)
from ledger.registry import BlockContext, Effect, Pending, Registry
from ledger.state import StateView
from ledger.storage import StorageError
from ledger.types import Body, OutPoint, Output, SignedTransaction, Transaction, txid_of

B = TypeVar("B", bound=Body)
R = TypeVar("R")
log = logging.getLogger(__name__)


class _Kind(msgspec.Struct):
    kind: str


def decode_envelope(envelope: SignedTransaction, registry: Registry) -> Transaction:
    """Turn a wire envelope into a :class:`Transaction`; the body must be canonical."""
    body_bytes = bytes(envelope.body)
    kind = decode_json(body_bytes, _Kind, "body").kind
    rule = registry.rule(kind)
    body = decode_json(body_bytes, rule.body, "body")
    if canonical(body) != body_bytes:
        raise NonCanonicalEncoding(part="body")
    return Transaction(
        network=envelope.network,
        body=body,
        signatures=tuple(envelope.signatures),
        body_bytes=body_bytes,
        txid=txid_of(envelope.network, body_bytes),
    )


def parse_transaction(data: bytes, registry: Registry) -> Transaction:
    """Decode one JSON envelope from bytes (envelope layout free, body canonical)."""
    return decode_envelope(decode_strict(data, SignedTransaction, "transaction"), registry)


def validate_amount(amount: int, minimum: int = 1) -> None:
    """Amounts are whole tiyn between ``minimum`` and 2**53 - 1."""
    if not minimum <= amount <= MAX_AMOUNT:
        raise InvalidAmount(amount=amount, minimum=minimum, maximum=MAX_AMOUNT)


def validate_body_amounts(body: Body) -> None:
    """Every amount field of a body (``Amount``, ``Tiyn``) is within its published range.

    The range is read from the field's type, the same that the OpenAPI
    document publishes, so the two cannot differ for any kind.
    """
    for name, minimum in _amount_fields(type(body)):
        value = getattr(body, name)
        if value is not None:
            validate_amount(value, minimum)


@functools.cache
def _amount_fields(cls: type[Body]) -> tuple[tuple[str, int], ...]:
    info = msgspec.inspect.type_info(cls)
    if not isinstance(info, msgspec.inspect.StructType):
        raise TypeError(f"{cls.__name__} is not a struct")
    found = ((field.name, _amount_minimum(field.type)) for field in info.fields)
    return tuple((name, minimum) for name, minimum in found if minimum is not None)


def _amount_minimum(kind: Any) -> int | None:
    """The minimum of an amount type (or of an optional one); None for anything else."""
    if isinstance(kind, msgspec.inspect.UnionType):
        found = [m for m in map(_amount_minimum, kind.types) if m is not None]
        return found[0] if found else None
    if isinstance(kind, msgspec.inspect.Metadata) and isinstance(
        kind.type, msgspec.inspect.UnionType
    ):  # an optional amount with a description of its own
        return _amount_minimum(kind.type)
    if isinstance(kind, msgspec.inspect.Metadata) and isinstance(
        kind.type, msgspec.inspect.IntType
    ):
        schema = kind.extra_json_schema or {}
        if schema.get("maximum") == MAX_AMOUNT and "minimum" in schema:
            return int(schema["minimum"])
    return None


def validate_distinct_keys(keys: Iterable[str]) -> None:
    """No key may appear twice."""
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            raise DuplicateKey(key=key)
        seen.add(key)


def validate_transaction(
    tx: Transaction, registry: Registry, network: str, signatures: bool = True
) -> None:
    """Every stateless rule: network, shape, amounts, and (unless told not to) signatures."""
    if tx.network != network:
        raise WrongNetwork(expected=network, got=tx.network)
    rule = registry.rule(tx.kind)
    seen: set[OutPoint] = set()
    for point in tx.body.spends():
        if point in seen:
            raise DuplicateInput(txid=point.txid, index=point.index)
        seen.add(point)
    for output in tx.body.creates():
        validate_amount(output.amount)
    validate_body_amounts(tx.body)
    contained(tx, "validate", rule.validate, tx.body)
    if not tx.signatures:
        raise MissingSignature(key="")
    validate_distinct_keys(s.key for s in tx.signatures)
    if signatures:
        validate_signatures(tx)


def validate_signatures(tx: Transaction) -> None:
    """Each signature verifies over the transaction's signing message."""
    message = tx.message
    for s in tx.signatures:
        if not verify(bytes.fromhex(s.key), message, bytes.fromhex(s.sig)):
            raise BadSignature(key=s.key)


# -- stateful ------------------------------------------------------------------


def require_signers(tx: Transaction, required: Iterable[str]) -> None:
    """The signers are exactly ``required``: none missing, none extra."""
    needed = frozenset(required)
    signers = tx.signers
    if needed == signers:  # the usual case: nothing to report
        return
    for key in sorted(needed - signers):
        raise MissingSignature(key=key)
    for key in sorted(signers - needed):
        raise UnexpectedSigner(key=key)


def check_inputs(points: Iterable[OutPoint], state: StateView) -> tuple[Output, ...]:
    """Resolve inputs to unspent outputs; spent ones are double spends."""
    spent: list[Output] = []
    for point in points:
        txid = bytes.fromhex(point.txid)
        output = state.output(txid, point.index)
        if output is None:
            location = state.tx_location(txid)
            if location is not None and point.index < location.outputs:
                raise DoubleSpend(txid=point.txid, index=point.index)
            raise UnknownInput(txid=point.txid, index=point.index)
        spent.append(output)
    return tuple(spent)


def check_new(tx: Transaction, state: StateView) -> None:
    """The transaction is not already on the chain (or earlier in this block)."""
    if state.tx_location(tx.txid) is not None:
        raise DuplicateTransaction(txid=tx.txid.hex())


def check_spends(tx: Transaction, state: StateView) -> tuple[Output, ...]:
    """:func:`check_new` and :func:`check_inputs`, reading the txid index only when needed.

    A committed transaction's inputs are all deleted, and an output is only ever created
    by the transaction whose txid its key holds, so a transaction whose inputs all resolve
    cannot be on the chain. Only a transaction without inputs, or one with an input
    missing, needs the txid index (one store read per transaction, which no cache answers):
    the verdict is the same as checking it first.
    """
    points = tx.body.spends()
    if points:
        try:
            return check_inputs(points, state)
        except (DoubleSpend, UnknownInput):
            check_new(tx, state)
            raise
    check_new(tx, state)
    return ()


def check_transaction(
    tx: Transaction, state: StateView, block: BlockContext, registry: Registry
) -> tuple[Pending, Effect]:
    """Every stateful rule for one transaction; returns what it would change."""
    spent = check_spends(tx, state)
    rule = registry.rule(tx.kind)
    pending = Pending(tx=tx, spent=spent, block=block)
    effect = contained(tx, "check", rule.check, pending, state)
    if block.producing:
        for guard in registry.guards:
            contained(tx, "guard", guard, pending, state)
    return pending, effect


def contained(tx: Transaction, stage: str, step: Callable[..., R], *args: object) -> R:
    """Run one step of ``tx``'s rule; what it raises outside the error tree refuses ``tx`` only.

    A :class:`~ledger.errors.TengeError` is the rule's own verdict and passes;
    so does :class:`~ledger.storage.StorageError`, the node's trouble rather
    than the transaction's. Anything else is logged with its traceback and
    becomes :class:`~ledger.errors.RuleFailed`.
    """
    try:
        return step(*args)
    except (TengeError, StorageError):
        raise
    except Exception as error:
        log.exception(
            "rule_failed kind=%s stage=%s txid=%s error=%s",
            tx.kind,
            stage,
            tx.txid.hex(),
            type(error).__name__,
        )
    # Raised outside the handler: the refusal keeps no reference to the failed frames.
    raise RuleFailed(kind=tx.kind, stage=stage)


def body_of(tx: Transaction, type_: type[B]) -> B:
    """The body as the type its rule was registered with (a bug otherwise: TypeError,
    refused as ``rule_failed``; never an assertion that ``python -O`` strips)."""
    return as_body(tx.body, type_)


def as_body(body: Body, type_: type[B]) -> B:
    """``body`` as ``type_``, for rules handed a plain :class:`Body`; TypeError otherwise."""
    if not isinstance(body, type_):
        raise TypeError(f"{type(body).__name__} body is not {type_.__name__}")
    return body
