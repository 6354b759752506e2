"""The contracts' errors extend the one tree: family statuses, unique codes, typed fields."""

from __future__ import annotations

import inspect
from pathlib import Path

import msgspec
import pytest

from contracts import errors as contract_errors
from ledger import errors
from ledger.errors import TengeError

FAMILIES = {
    errors.InvalidTransaction: 400,
    errors.Unauthorized: 403,
    errors.Rejected: 422,
    errors.Conflict: 409,
}
CONTRACT_ERRORS = [
    value
    for value in vars(contract_errors).values()
    if inspect.isclass(value)
    and issubclass(value, TengeError)
    and value.__module__ == contract_errors.__name__
]
TESTS = Path(__file__).parent


def test_contract_errors_are_many_and_all_reachable_from_the_root() -> None:
    assert len(CONTRACT_ERRORS) >= 15
    assert set(CONTRACT_ERRORS) <= set(errors.all_error_classes())


@pytest.mark.parametrize("cls", CONTRACT_ERRORS, ids=lambda c: c.code)
def test_each_answers_with_its_familys_status(cls: type[TengeError]) -> None:
    (family,) = [f for f in FAMILIES if issubclass(cls, f)]
    assert cls.status == FAMILIES[family]
    assert cls.title and cls.code not in {"rejected", "conflict"}
    msgspec.json.encode(cls().details())


def test_codes_stay_unique_across_the_whole_tree() -> None:
    codes = [cls.code for cls in errors.all_error_classes()]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("cls", CONTRACT_ERRORS, ids=lambda c: c.code)
def test_each_error_is_provoked_by_a_contracts_test(cls: type[TengeError]) -> None:
    sources = "".join(
        p.read_text() for p in TESTS.glob("test_contracts_*.py") if p != Path(__file__)
    )
    assert cls.__name__ in sources
