"""Canonical bytes for signing, hashing and storage.

The canonical form (specified in ``docs/encoding.md``) is JSON with object
keys sorted, no insignificant whitespace, integers only (no floats, no
exponents), byte strings as lowercase hex, and fields equal to their declared
default omitted. Strings are UTF-8 with only ``"``, ``\\`` and control
characters escaped. It is the JSON Canonicalization Scheme (RFC 8785)
restricted to integers, so any JCS library reproduces it.

Decoding from bytes is strict: the bytes must be exactly what encoding the
decoded value gives back, so there is one spelling for every value.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar

import msgspec

from ledger.errors import MalformedJson, NonCanonicalEncoding, SchemaViolation


def exact(regex: str) -> str:
    """A pattern that must match the whole string.

    Python's ``$`` also matches before a final newline, so the runtime pattern
    ends in ``\\Z``; the OpenAPI document publishes it with ``$``, which in
    ECMA-262 regular expressions already means the true end.
    """
    return f"^(?:{regex})\\Z"


# Amounts never exceed 2**53 - 1 so that every JSON implementation (JavaScript
# included) reads them exactly.
MAX_AMOUNT = 2**53 - 1

Hex32 = Annotated[
    str,
    msgspec.Meta(
        pattern=exact("[0-9a-f]{64}"),
        description="32 bytes as 64 lowercase hex digits (public key or SHA-256 digest)",
    ),
]
Hex64 = Annotated[
    str,
    msgspec.Meta(
        pattern=exact("[0-9a-f]{128}"),
        description="64 bytes as 128 lowercase hex digits (Ed25519 signature)",
    ),
]
Ident = Annotated[
    str,
    msgspec.Meta(
        pattern=exact("[a-z0-9][a-z0-9._-]{0,63}"),
        description="identifier: 1-64 of a-z 0-9 . _ -, starting with a letter or digit",
    ),
]
NetworkId = Annotated[
    str,
    msgspec.Meta(
        pattern=exact("[a-z0-9][a-z0-9-]{0,31}"),
        description="network identifier: 1-32 of a-z 0-9 -, e.g. 'kzt-devnet'",
    ),
]
Token = Annotated[
    str,
    msgspec.Meta(
        pattern=exact("KZT|[0-9a-f]{64}|asset:[0-9a-f]{64}"),
        description=(
            "'KZT' for plain digital tenge, the 64-hex id of a special-purpose token, or"
            " 'asset:' and 64 hex for a secured digital asset (never money)"
        ),
    ),
]
# Amount bounds are published in the JSON Schema but not enforced by the decoder:
# validation refuses an amount out of range as ``invalid_amount`` with its bounds
# (docs/encoding.md, section 4), not as a shapeless ``schema_violation``.
Amount = Annotated[
    int,
    msgspec.Meta(
        description="whole tiyn (1 KZT = 100 tiyn)",
        extra_json_schema={"minimum": 1, "maximum": MAX_AMOUNT},
    ),
]
Tiyn = Annotated[
    int,
    msgspec.Meta(
        description="whole tiyn, 0 included: a limit rather than money moved",
        extra_json_schema={"minimum": 0, "maximum": MAX_AMOUNT},
    ),
]
# Where a duplicate is refused by validation with its own code (``duplicate_key``,
# ``duplicate_input``), the schema says so without the decoder checking it.
DISTINCT: dict[str, Any] = {"uniqueItems": True}


class Wire(
    msgspec.Struct,
    frozen=True,
    forbid_unknown_fields=True,
    omit_defaults=True,
    kw_only=True,
    gc=False,
):
    """Base of every frozen value type that crosses a wire or goes to storage."""

    def to_bytes(self) -> bytes:
        """The canonical bytes of this value."""
        return canonical(self)


W = TypeVar("W", bound=msgspec.Struct)

encoder = msgspec.json.Encoder(order="sorted")
"""The canonical encoder itself, for loops that encode many values (:func:`canonical`)."""
_decoders: dict[Any, msgspec.json.Decoder[Any]] = {}


def canonical(value: Any) -> bytes:
    """Canonical JSON bytes of a value (Struct, list, dict, str, int, bool)."""
    return encoder.encode(value)


def decoder_for(type_: Any) -> msgspec.json.Decoder[Any]:
    """A cached strict decoder for a type."""
    found = _decoders.get(type_)
    if found is None:
        found = _decoders[type_] = msgspec.json.Decoder(type_)
    return found


def decode_json(data: bytes, type_: type[W], part: str = "message") -> W:
    """Parse JSON into a typed value; encoding problems become ledger errors.

    Whitespace and key order are free here; use :func:`decode_canonical` where
    the bytes themselves must be canonical.
    """
    try:
        return decoder_for(type_).decode(data)  # type: ignore[no-any-return]
    except msgspec.ValidationError as exc:
        raise SchemaViolation(reason=f"{part}: {exc}") from None
    except msgspec.DecodeError as exc:
        raise MalformedJson(reason=f"{part}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise MalformedJson(reason=f"{part}: invalid UTF-8 at byte {exc.start}") from None
    except RecursionError:  # a recursive type (a nested policy) nested deeper than the stack
        raise MalformedJson(reason=f"{part}: nested too deeply") from None


def decode_strict(data: bytes, type_: type[W], part: str = "message") -> W:
    """:func:`decode_json` that also refuses repeated member names (I-JSON, RFC 7493).

    Canonical bytes cannot repeat a member, so only other spellings pay for the
    extra scan.
    """
    value = decode_json(data, type_, part)
    if canonical(value) != data:
        _refuse_repeated_members(data, part)
    return value


def _refuse_repeated_members(data: bytes, part: str) -> None:
    def members(pairs: list[tuple[str, Any]]) -> None:
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise MalformedJson(reason=f"{part}: the member {name!r} appears twice")
            seen.add(name)

    try:
        json.loads(data, object_pairs_hook=members)
    except RecursionError:
        raise MalformedJson(reason=f"{part}: nested too deeply") from None
    except ValueError as exc:  # decode_json accepted it; keep its verdict
        raise MalformedJson(reason=f"{part}: {exc}") from None


def decode_canonical(data: bytes, type_: type[W], part: str = "message") -> W:
    """Parse canonical bytes; reject any other spelling of the same value."""
    value = decode_json(data, type_, part)
    if canonical(value) != data:
        raise NonCanonicalEncoding(part=part)
    return value


def to_builtins(value: Any) -> Any:
    """Plain dicts and lists for a value, as the JSON API shows it."""
    return msgspec.to_builtins(value)
