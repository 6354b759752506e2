"""docs/kinds.md documents every registered kind, and it is what the generator writes.

Kinds are discovered from the node's registry at run time, so a kind added later
without regenerating the document fails here.
"""

from __future__ import annotations

import re

import msgspec

from node.composition import full_registry
from tests.integration.nodes import ROOT
from tools.vectors.kinds import render

DOC = ROOT / "docs" / "kinds.md"


def sections() -> dict[str, str]:
    """The text of each ``### `kind` `` section of the document."""
    text = DOC.read_text(encoding="utf-8").split("\n## State records", 1)[0]
    parts = re.split(r"^### `([^`]+)`\n", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_kinds_doc_is_what_the_generator_writes() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), "run python -m tools.vectors.kinds"


def test_every_registered_kind_has_a_field_table_listing_each_field() -> None:
    found = sections()
    registry = full_registry()
    assert len(registry.rules) >= 39
    for kind, rule in registry.rules.items():
        assert kind in found, f"docs/kinds.md has no section for {kind}"
        rows = re.findall(r"^\| `([a-z_]+)` \|", found[kind], flags=re.M)
        fields = [f.encode_name for f in msgspec.structs.fields(rule.body)]
        assert rows == ["kind", *fields], kind


def test_every_default_in_the_tables_is_the_types_default() -> None:
    """A field with a default shows it; a required one says required (no silent gaps)."""
    found = sections()
    for kind, rule in full_registry().rules.items():
        for field in msgspec.structs.fields(rule.body):
            row = re.search(rf"^\| `{field.encode_name}` \|.*\| ([^|]+) \|$", found[kind], re.M)
            assert row is not None, (kind, field.name)
            required = field.required
            assert (row.group(1) == "required") is required, (kind, field.name)


def test_every_kind_section_names_its_signers_and_no_stale_kind_is_listed() -> None:
    from tools.vectors.signers import SIGNERS

    found = sections()
    registry = full_registry()
    assert set(SIGNERS) == set(registry.rules), "tools/vectors/signers.py and the registry differ"
    for kind in registry.rules:
        assert re.search(r"^Signed by: .+\.$", found[kind], flags=re.M), kind


NORMATIVE = ("encoding.md", "api-guide.md", "kinds.md")
SOURCE_FILE = re.compile(
    r"\b(?:ledger|wallet|api|node|contracts|offline|privacy|assets|wire)/[\w/]*\.py\b"
)


def test_normative_docs_point_at_no_source_file() -> None:
    """A bank reads the docs, not our Python: layouts live in the text, never in a .py file."""
    for name in NORMATIVE:
        text = (DOC.parent / name).read_text(encoding="utf-8")
        assert not SOURCE_FILE.findall(text), (name, SOURCE_FILE.findall(text))


def test_every_consensus_prefix_of_the_storage_schema_is_in_the_key_table() -> None:
    from ledger.storage import schema

    table = (DOC.parent / "encoding.md").read_text(encoding="utf-8").split("### 11.1", 1)[1]
    rows = dict(re.findall(r"^\| `(.)` \|.*\| (yes|no) \|$", table, flags=re.M))
    for prefix in schema.CONSENSUS_PREFIXES:
        assert rows.get(chr(prefix)) == "yes", chr(prefix)
