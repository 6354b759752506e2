"""The digital assets' errors extend the one tree: family statuses, unique codes, each provoked."""

from __future__ import annotations

import inspect
from pathlib import Path

import msgspec
import pytest

from assets import errors as asset_errors
from ledger import errors
from ledger.errors import TengeError

FAMILIES = {
    errors.InvalidTransaction: 400,
    errors.Unauthorized: 403,
    errors.Rejected: 422,
    errors.Conflict: 409,
}
ASSET_ERRORS = [
    value
    for value in vars(asset_errors).values()
    if inspect.isclass(value)
    and issubclass(value, TengeError)
    and value.__module__ == asset_errors.__name__
]
TESTS = Path(__file__).parent


def test_asset_errors_are_all_reachable_from_the_root() -> None:
    assert len(ASSET_ERRORS) == 8
    assert set(ASSET_ERRORS) <= set(errors.all_error_classes())


@pytest.mark.parametrize("cls", ASSET_ERRORS, ids=lambda c: c.code)
def test_each_answers_with_its_familys_status(cls: type[TengeError]) -> None:
    (family,) = [f for f in FAMILIES if issubclass(cls, f)]
    assert cls.status == FAMILIES[family]
    assert cls.title
    msgspec.json.encode(cls().details())


@pytest.mark.parametrize("cls", ASSET_ERRORS, ids=lambda c: c.code)
def test_each_error_is_provoked_by_an_assets_test(cls: type[TengeError]) -> None:
    sources = "".join(p.read_text() for p in TESTS.glob("test_assets_*.py") if p != Path(__file__))
    assert cls.__name__ in sources or f'"{cls.code}"' in sources
