"""The registry of transaction kinds: how new kinds plug into the ledger.

Each kind is one :class:`TxRule`: its body type, the outputs it spends and
creates, a stateless ``validate`` and a stateful ``check`` that returns an
:class:`Effect` (pure: it only reads), and an ``apply`` that writes the
effect. The core handles what every kind shares (decoding, signatures,
spending inputs, creating outputs, the txid index, history) once; a module
such as ``contracts`` or ``offline`` adds kinds with :meth:`Registry.add` and
never edits the core.

Special-purpose tokens plug in the same way through :class:`TokenPolicy`: a
transfer that moves any token other than KZT asks the registered policy. Work
that must run inside the ledger writer, next to a feature's secrets and the
producer (the privacy validator preparing a sealed payment), plugs in as a
:class:`WriterCall` through the same registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import msgspec

from ledger.errors import TokenNotAllowed, Unavailable, UnknownKind
from ledger.records import WaterfallInstruction
from ledger.state import StateView
from ledger.types import Body, Output, Transaction

if TYPE_CHECKING:
    from ledger.chain import Chain

ALMATY_UTC_OFFSET_MS = 5 * 3600 * 1000
DAY_MS = 86_400_000


def almaty_day(time_ms: int) -> int:
    """Days since 1970-01-01 in Asia/Almaty (UTC+5 since 1 March 2024)."""
    return (time_ms + ALMATY_UTC_OFFSET_MS) // DAY_MS


class BlockContext(msgspec.Struct, frozen=True):
    """What every check may know about the block being built."""

    network: str
    height: int
    time_ms: int
    central_bank_keys: frozenset[str]
    producing: bool = False
    """True while the producer builds this block; replays and audits see False.

    A rule may refuse more while producing (checks only the producer can run,
    such as the plaintext of a private payment, see ``privacy/``) but never
    less, so every block it builds replays on a node without those secrets.
    """

    @property
    def day(self) -> int:
        """The Almaty calendar day of the block, for daily limits."""
        return almaty_day(self.time_ms)


class Pending(msgspec.Struct, frozen=True):
    """A transaction on its way into a block, with its inputs resolved."""

    tx: Transaction
    spent: tuple[Output, ...]
    block: BlockContext

    @property
    def body(self) -> Body:
        return self.tx.body


class Effect(msgspec.Struct, frozen=True):
    """What a checked transaction will change; rules subclass it."""

    parties: tuple[str, ...] = ()
    """Wallet ids whose history lists this transaction (and so their banks' feeds)."""
    banks: tuple[str, ...] = ()
    """Banks whose own reserve or record this transaction touches: their feeds list it."""
    instructions: tuple[WaterfallInstruction, ...] = ()
    """Waterfall instructions for banks' feeds (``ledger.rules.waterfall``)."""
    outputs: tuple[Output, ...] | None = None
    """The outputs the transaction creates when its rule split some (the waterfall pays a
    payee's excess over its holding cap to its bank); None: the body's own."""


Write = tuple[bytes, Any]
"""A key and what a check decided to put there: a record, raw bytes, or None to delete."""


class Writes(Effect, frozen=True):
    """An effect that is every record a checked transaction writes, computed by its check.

    Feature kinds use it so a refusal leaves nothing behind and applying cannot fail.
    """

    writes: tuple[Write, ...] = ()


def apply_writes(pending: Pending, effect: Effect, state: StateView) -> None:
    """Write what the check decided (the ``apply`` of every :class:`Writes` kind)."""
    for key, value in expect(effect, Writes).writes:
        state.write(key, value)


E = TypeVar("E", bound=Effect)


def expect(effect: Effect, type_: type[E]) -> E:
    """The effect as the type its rule's check returns; TypeError (a bug, refused by the
    block as ``rule_failed``) rather than an assertion ``python -O`` would strip."""
    if not isinstance(effect, type_):
        raise TypeError(f"expected a {type_.__name__}, got a {type(effect).__name__}")
    return effect


class WalletFlow(msgspec.Struct, frozen=True):
    """Value leaving and entering one wallet in one transaction, in tiyn."""

    wallet_id: str
    sent: int = 0
    received: int = 0
    kept: int = 0
    """Of ``sent``, the part that stays the wallet's, held outside its outputs
    (funding its offline purse): outflow for the per-payment and daily limits,
    still part of the balance the cap applies to."""
    drawn: int = 0
    """Of ``sent``, the part drawn from outside the wallet's outputs (its bank's waterfall
    pool under its mandate, the reverse waterfall): outflow for the per-payment and daily
    limits, never part of the balance."""


class TokenPolicy(Protocol):
    """Rules for special-purpose tokens, supplied by the ``contracts`` module."""

    def check_transfer(
        self,
        pending: Pending,
        tokens: Iterable[str],
        flows: Mapping[str, WalletFlow],
        state: StateView,
    ) -> None:
        """Raise a specific error if moving these tokens breaks their policy."""
        ...


def _no_validate(body: Body) -> None:
    return None


Guard = Callable[[Pending, StateView], None]
"""A producer-side admission check: raises a specific error to keep a transaction out."""

Shortcut = Callable[[Transaction, StateView, BlockContext, int, Sequence[Guard]], bool]
"""A kind's fast path for its common case (decision record 0021): checks a transaction,
runs the guards it is given and writes it at its position exactly as the general path
would (check, guards, the core's writes, apply); or returns False having written nothing,
and the general path decides it."""


@dataclass(frozen=True)
class TxRule:
    """Everything the ledger needs to know about one transaction kind."""

    kind: str
    body: type[Body]
    check: Callable[[Pending, StateView], Effect]
    apply: Callable[[Pending, Effect, StateView], None]
    validate: Callable[[Body], None] = _no_validate
    fast: Shortcut | None = None
    """The kind's fast path for its common case, if it has one (:data:`Shortcut`)."""


class Writer(Protocol):
    """What a writer call may use: the committed chain, submission, and the producer's clock."""

    @property
    def chain(self) -> Chain: ...

    def submit(
        self, txs: Sequence[Transaction], wait: bool = False, timeout: float = 10.0
    ) -> Sequence[Any]: ...

    def now_ms(self) -> int: ...


@dataclass(frozen=True)
class WriterCall:
    """A named call a feature serves in the ledger writer (where its secrets are).

    API workers reach it by name through the node's service; the service decodes
    the request strictly as ``request`` before ``handle`` sees it and encodes
    what ``handle`` returns as the answer.
    """

    name: str
    request: type[msgspec.Struct]
    handle: Callable[[Writer, Any], msgspec.Struct]


class _RejectOtherTokens:
    def check_transfer(
        self,
        pending: Pending,
        tokens: Iterable[str],
        flows: Mapping[str, WalletFlow],
        state: StateView,
    ) -> None:
        raise TokenNotAllowed(token=sorted(tokens)[0])


@dataclass
class Registry:
    """The set of transaction kinds and token policies a network runs."""

    rules: dict[str, TxRule] = field(default_factory=dict)
    token_policy: TokenPolicy = field(default_factory=_RejectOtherTokens)
    guards: list[Guard] = field(default_factory=list)
    """Checks run after every kind's own check, only while a block is being produced
    (``BlockContext.producing``); a feature module whose state only the producer can
    read (the private-payment limit book of ``privacy/``) adds one. Replays skip them."""
    calls: dict[str, WriterCall] = field(default_factory=dict)
    """Writer calls by name (:class:`WriterCall`)."""

    def add(self, rule: TxRule) -> None:
        """Register a kind; its ``kind`` must match its body's tag."""
        tag = rule.body.__struct_config__.tag
        if tag != rule.kind:
            raise ValueError(f"rule {rule.kind!r} has a body tagged {tag!r}")
        if rule.kind in self.rules:
            raise ValueError(f"kind {rule.kind!r} is already registered")
        self.rules[rule.kind] = rule

    def rule(self, kind: str) -> TxRule:
        """The rule for a kind, or :class:`UnknownKind`."""
        found = self.rules.get(kind)
        if found is None:
            raise UnknownKind(kind=kind)
        return found

    def add_call(self, call: WriterCall) -> None:
        """Register a writer call; names are unique."""
        if call.name in self.calls:
            raise ValueError(f"writer call {call.name!r} is already registered")
        self.calls[call.name] = call

    def call(self, name: str) -> WriterCall:
        """The writer call of that name, or :class:`Unavailable` on a node that has none."""
        found = self.calls.get(name)
        if found is None:
            raise Unavailable(reason=f"this node does not serve {name}")
        return found

    def body_types(self) -> tuple[type[Body], ...]:
        """All registered body types, for decoding and the OpenAPI document."""
        return tuple(r.body for r in self.rules.values())
