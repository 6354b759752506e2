"""docs/digital-assets.md tells the truth: its vectors, its field tables, kinds and codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import msgspec
import pytest

from assets import errors as asset_errors
from assets.types import (
    ASSET_BODIES,
    DOMAIN_ASSET_CLASS,
    AssetClass,
    Issuer,
    class_id,
    item_token,
    unit_token,
)
from ledger.crypto import DOMAIN_TX, sha256, signing_message, verify
from ledger.encoding import decode_canonical
from ledger.errors import TengeError
from node.composition import full_registry
from tools.vectors.assets import vectors

DOC = (Path(__file__).resolve().parents[2] / "docs" / "digital-assets.md").read_text("utf-8")


def documented_vectors() -> dict:  # type: ignore[type-arg]
    block = re.search(r"<!-- vectors -->\n```json\n(.+?)\n```", DOC, re.S)
    assert block, "the vector block is missing"
    return json.loads(block.group(1))  # type: ignore[no-any-return]


def table_fields(title: str) -> list[str]:
    """The field names of the table under ``**title**``."""
    section = DOC.split(f"**{title}**", 1)[1].split("\n\n", 2)[1]
    return re.findall(r"^\| `(\w+)` \|", section, re.M)


def test_the_published_vectors_are_what_the_code_computes() -> None:
    assert documented_vectors() == vectors()


def test_ids_and_tokens_follow_from_the_published_rules() -> None:
    v = documented_vectors()
    units, items = v["class_of_units"], v["class_of_items"]
    assert bytes.fromhex(v["domains"]["class"]) == DOMAIN_ASSET_CLASS
    digest = sha256(DOMAIN_ASSET_CLASS + units["terms"].encode()).hex()
    assert (
        digest == units["asset"] == class_id(decode_canonical(units["terms"].encode(), AssetClass))
    )
    assert units["token"] == "asset:" + units["asset"] == unit_token(units["asset"])
    item = sha256(
        bytes.fromhex(v["domains"]["item"]) + bytes.fromhex(items["asset"]) + items["item"].encode()
    )
    assert items["token"] == "asset:" + item.hex() == item_token(items["asset"], items["item"])


def test_every_vector_signature_verifies_over_its_body() -> None:
    v = documented_vectors()
    for name, entry in v.items():
        if not name.startswith("asset."):
            continue
        message = signing_message(DOMAIN_TX, v["network"], entry["body"].encode())
        assert sha256(message).hex() == entry["txid"]
        for signature in entry["signatures"]:
            assert verify(bytes.fromhex(signature["key"]), message, bytes.fromhex(signature["sig"]))
    dvp = v["asset.dvp"]
    assert {s["key"] for s in dvp["signatures"]} == {v["keys"]["farm"], v["keys"]["mill"]}


@pytest.mark.parametrize("struct", [Issuer, AssetClass, *ASSET_BODIES], ids=lambda s: s.__name__)
def test_each_field_table_lists_the_structs_fields(struct: type[msgspec.Struct]) -> None:
    assert table_fields(struct.__name__) == list(struct.__struct_fields__)


def test_the_kinds_table_lists_every_asset_kind() -> None:
    kinds = set(re.findall(r"^\| `(asset\.\w+)` \|", DOC, re.M))
    assert kinds == {k for k in full_registry().rules if k.startswith("asset.")}


def test_the_error_table_is_the_code() -> None:
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| (\d{3}) \|", DOC.split("## 9. Errors")[1], re.M))
    declared = [
        c
        for c in vars(asset_errors).values()
        if isinstance(c, type)
        and issubclass(c, TengeError)
        and c.__module__ == asset_errors.__name__
    ]
    assert rows == {c.code: str(c.status) for c in declared}
