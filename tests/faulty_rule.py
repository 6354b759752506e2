"""A transaction kind whose rule fails on purpose, for tests of how the ledger contains it.

``test.faulty`` spends its inputs like any kind; its ``stage`` says where its
rule raises something outside the error tree (a ``RuntimeError``, as a bug
or an unforeseen input would): ``validate``, ``check``, ``guard``, or
``apply`` — after the core has already deleted the inputs and the rule has
written a marker. ``ok`` writes the marker and succeeds. Only tests register
it; no node runs it.
"""

from __future__ import annotations

from typing import Literal

from ledger.crypto import KeyPair
from ledger.registry import Effect, Pending, Registry, TxRule
from ledger.state import StateView
from ledger.storage import schema
from ledger.types import Body, OutPoint, Transaction
from ledger.validation import body_of

Stage = Literal["ok", "validate", "check", "guard", "apply"]
KIND = "test.faulty"


class Faulty(Body, frozen=True, tag=KIND):
    """Spend ``inputs``; fail at ``stage``."""

    stage: Stage
    inputs: tuple[OutPoint, ...] = ()
    nonce: int = 0

    def spends(self) -> tuple[OutPoint, ...]:
        return self.inputs


def marker(txid: bytes) -> bytes:
    """The consensus key the rule writes for a transaction it applies."""
    return schema.contract_key("test-faulty", txid.hex())


def _validate(body: Body) -> None:
    if isinstance(body, Faulty) and body.stage == "validate":
        raise RuntimeError("validate failed on purpose")


def _check(pending: Pending, state: StateView) -> Effect:
    if body_of(pending.tx, Faulty).stage == "check":
        raise RuntimeError("check failed on purpose")
    return Effect()


def _apply(pending: Pending, effect: Effect, state: StateView) -> None:
    state.write(marker(pending.tx.txid), b"applied")
    if body_of(pending.tx, Faulty).stage == "apply":
        raise RuntimeError("apply failed on purpose, after writing")


def _guard(pending: Pending, state: StateView) -> None:
    if isinstance(pending.body, Faulty) and pending.body.stage == "guard":
        raise RuntimeError("guard failed on purpose")


def with_faulty(registry: Registry, check_always_fails: bool = False) -> Registry:
    """``registry`` with ``test.faulty`` added (and its producer guard)."""

    def always(pending: Pending, state: StateView) -> Effect:
        raise RuntimeError("this replica's rule fails on every transaction")

    registry.add(TxRule(KIND, Faulty, always if check_always_fails else _check, _apply, _validate))
    registry.guards.append(_guard)
    return registry


def faulty(
    network: str, signer: KeyPair, stage: Stage, inputs: tuple[OutPoint, ...] = (), nonce: int = 0
) -> Transaction:
    """A signed ``test.faulty`` transaction."""
    return Transaction.create(network, Faulty(stage=stage, inputs=inputs, nonce=nonce), [signer])
