"""The OpenAPI document publishes the bounds of docs/encoding.md, and they are the enforced ones.

Each published bound comes from the msgspec type of the field. For the
money fields the validator enforces them (``invalid_amount``, or
``invalid_policy`` for a policy cap): the value at each bound passes and the
value just outside it is refused, so the document and the ledger agree. The
stateless validation reads the amount fields of every kind from the same
types, so no kind's amount goes unchecked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from contracts.policy import Policy, validate_policy
from contracts.templates import EscrowOpen
from ledger.encoding import MAX_AMOUNT
from ledger.errors import InvalidAmount, TengeError
from ledger.rules import core_registry
from ledger.types import (
    BankRegister,
    BankUpdate,
    Body,
    LimitsSet,
    OutPoint,
    Output,
    PoolFund,
    PoolWithdraw,
    Redeem,
    ReverseMandate,
    TierLimits,
    Transaction,
    Transfer,
)
from ledger.validation import _amount_fields as amount_fields
from ledger.validation import validate_transaction
from node.composition import full_registry
from tests.harness import NETWORK, key
from tests.integration.test_schemathesis import DOCUMENT

SCHEMAS = DOCUMENT["components"]["schemas"]
OWNER = key("alice").public_hex
COIN = (OutPoint(txid="ab" * 32, index=0),)


def published(schema: str, field: str) -> dict[str, Any]:
    """The field's schema, the non-null branch of an optional field."""
    found: dict[str, Any] = SCHEMAS[schema]["properties"][field]
    for branch in found.get("anyOf", ()):
        if branch.get("type") != "null":
            return dict(branch)
    return found


def validated(body: Body) -> None:
    tx = Transaction.create(NETWORK, body, [key("alice")])
    validate_transaction(tx, core_registry(), NETWORK, signatures=False)


def policy(per_payment: int) -> None:
    validate_policy(Policy(issuer=OWNER, name="meals", per_payment=per_payment))


CASES: dict[tuple[str, str], tuple[int, Callable[[int], None]]] = {
    ("Output", "amount"): (
        1,
        lambda v: validated(Transfer(inputs=COIN, outputs=(Output(owner=OWNER, amount=v),))),
    ),
    ("Redeem", "amount"): (1, lambda v: validated(Redeem(bank_id="b", inputs=COIN, amount=v))),
    ("BankRegister", "issuance_limit"): (
        0,
        lambda v: validated(BankRegister(bank_id="b", name="B", keys=(OWNER,), issuance_limit=v)),
    ),
    ("BankUpdate", "issuance_limit"): (
        0,
        lambda v: validated(BankUpdate(bank_id="b", issuance_limit=v)),
    ),
    **{
        ("TierLimits", name): (
            1,
            lambda v, name=name: validated(
                LimitsSet(tier="basic", limits=TierLimits(**{name: v}))  # type: ignore[arg-type]
            ),
        )
        for name in ("balance_cap", "per_payment", "daily")
    },
    ("Policy", "per_payment"): (1, policy),
    ("Transfer", "shortfall"): (
        1,
        lambda v: validated(
            Transfer(inputs=COIN, outputs=(Output(owner=OWNER, amount=1),), shortfall=v)
        ),
    ),
    ("ReverseMandate", "per_payment"): (
        1,
        lambda v: validated(ReverseMandate(wallet_id="w", per_payment=v)),
    ),
    ("PoolFund", "amount"): (1, lambda v: validated(PoolFund(bank_id="b", inputs=COIN, amount=v))),
    ("PoolWithdraw", "amount"): (
        1,
        lambda v: validated(PoolWithdraw(bank_id="b", amount=v, to=OWNER)),
    ),
}


@pytest.mark.parametrize("where", CASES, ids=lambda w: ".".join(w))
def test_published_bounds_are_the_encodings(where: tuple[str, str]) -> None:
    minimum, _ = CASES[where]
    schema = published(*where)
    assert (schema["type"], schema["minimum"], schema["maximum"]) == (
        "integer",
        minimum,
        MAX_AMOUNT,
    )


@pytest.mark.parametrize("where", CASES, ids=lambda w: ".".join(w))
def test_validation_refuses_just_outside_the_published_bounds(where: tuple[str, str]) -> None:
    minimum, check = CASES[where]
    for inside in (minimum, MAX_AMOUNT):
        check(inside)
    for outside in (minimum - 1, MAX_AMOUNT + 1):
        with pytest.raises(TengeError) as refused:
            check(outside)
        assert refused.value.code in {"invalid_amount", "invalid_policy"}


@pytest.mark.parametrize(
    ("schema", "field"),
    [
        ("BankRegister", "keys"),
        ("WalletOpen", "keys"),
        ("Transfer", "inputs"),
        ("Redeem", "inputs"),
    ],
)
def test_lists_the_ledger_keeps_distinct_are_published_unique(schema: str, field: str) -> None:
    assert published(schema, field)["uniqueItems"] is True


@pytest.mark.parametrize(("field", "minimum"), [("height", 1), ("time_ms", 0), ("tx_count", 0)])
def test_header_integers_stay_exact_in_a_double(field: str, minimum: int) -> None:
    assert (
        published("BlockHeader", field)["minimum"],
        published("BlockHeader", field)["maximum"],
    ) == (
        minimum,
        MAX_AMOUNT,
    )


def unbounded_at_decoding(kind: Any) -> bool:
    """An integer type (or optional one) that the decoder does not range-check."""
    if isinstance(kind, msgspec.inspect.UnionType):
        return any(unbounded_at_decoding(k) for k in kind.types)
    if isinstance(kind, msgspec.inspect.Metadata):
        kind = kind.type
    return isinstance(kind, msgspec.inspect.IntType) and kind.ge is None and kind.le is None


BODIES = full_registry().body_types()


@pytest.mark.parametrize("body", BODIES, ids=lambda b: b.__struct_config__.tag)
def test_every_published_integer_range_is_enforced(body: type[Body]) -> None:
    """By the decoder (ge/le), or else by validation, which reads the same types."""
    checked = dict(amount_fields(body))
    info = msgspec.inspect.type_info(body)
    assert isinstance(info, msgspec.inspect.StructType)
    for field in info.fields:
        if unbounded_at_decoding(field.type) and "minimum" in published(body.__name__, field.name):
            assert checked.get(field.name) == published(body.__name__, field.name)["minimum"]


@pytest.mark.parametrize("amount", [0, -500, MAX_AMOUNT + 1])
def test_an_escrow_of_no_money_or_less_is_refused(amount: int) -> None:
    """Before, 0 was committed, and -500 with change of 500 more than the inputs reached
    the lock, which failed with an assertion instead of a refusal."""
    body = EscrowOpen(
        inputs=COIN,
        payer=OWNER,
        payee=key("cafe").public_hex,
        amount=amount,
        deadline=1,
        change=(Output(owner=OWNER, amount=1000),),
    )
    tx = Transaction.create(NETWORK, body, [key("alice")])
    with pytest.raises(InvalidAmount):
        validate_transaction(tx, full_registry(), NETWORK, signatures=False)


MONEY_FIELDS = ("amount", "issuance_limit", "budget", "claimed", "locked", "cumulative", "units")


def money_properties() -> list[tuple[str, str, dict[str, Any]]]:
    """Every integer property of every published schema whose name is a money field."""
    found = []
    for name, schema in SCHEMAS.items():
        for field in schema.get("properties", {}):
            if field in MONEY_FIELDS and published(name, field).get("type") == "integer":
                found.append((name, field, published(name, field)))
    return found


def test_every_published_money_field_is_bounded_to_an_exact_double() -> None:
    """Bodies, records and views alike: no integer of money without its 2**53-1 bound."""
    unbounded = [(n, f) for n, f, p in money_properties() if p.get("maximum") != MAX_AMOUNT]
    assert money_properties() and not unbounded


def test_amounts_are_one_or_more_and_issuance_limits_zero_or_more() -> None:
    """PurseDefund's restated ``amount`` may be 0 (nothing left), so it is not listed."""
    found = {(n, f): p["minimum"] for n, f, p in money_properties()}
    for name in ("Output", "Redeem", "EscrowOpen", "EscrowRecord", "TransferOut"):
        if (name, "amount") in found:
            assert found[name, "amount"] == 1, name
    for name in ("BankRegister", "BankUpdate", "BankRecord"):
        assert found[name, "issuance_limit"] == 0, name


def test_health_publishes_uptime_as_an_integer() -> None:
    assert published("Health", "uptime_s")["type"] == "integer"


BOOLEANS = {
    ("Policy", "transferable"),  # signed: encoding.md section 2 documents it, false omitted
    ("CheckResult", "accepted"),  # response bodies only, never signed or hashed
    ("ClassView", "licensed"),
    ("TokenStatus", "spent"),
}


def test_the_only_booleans_are_the_documented_ones() -> None:
    """Grants, licences and privacy levels carry a status string, not a boolean."""
    booleans = {
        (name, field)
        for name, schema in SCHEMAS.items()
        for field in schema.get("properties", {})
        if published(name, field).get("type") == "boolean"
    }
    assert booleans == BOOLEANS
