"""Canonical bytes: one spelling per value, and every other spelling refused."""

from __future__ import annotations

import json
from typing import Any, Union

import msgspec
import pytest

from ledger.encoding import canonical, decode_canonical, decode_json
from ledger.errors import (
    EncodingError,
    MalformedJson,
    NonCanonicalEncoding,
    SchemaViolation,
    UnknownKind,
)
from ledger.rules import core_registry
from ledger.types import (
    BankRegister,
    BankUpdate,
    Body,
    Issue,
    LimitsSet,
    OutPoint,
    Output,
    Redeem,
    TierLimits,
    Transaction,
    Transfer,
    WalletOpen,
    WalletUpdate,
)
from ledger.validation import parse_transaction
from tests.harness import NETWORK, key

A, B = "a1" * 32, "b2" * 32
TXID = "0f" * 32
TOKEN = "ee" * 32
MEMO = 'Төлем за кофе ☕ 😀 \x00\x01\x1f\x7f \u2028\u2029 "q" \\ \b\f\n\r\t'

ANY_BODY: Any = Union[core_registry().body_types()]  # noqa: UP007 (built at runtime)

BODIES: dict[str, Body] = {
    "bank.register": BankRegister(
        bank_id="halyk", name="Халық Банк", keys=(A, B), issuance_limit=0
    ),
    "bank.update": BankUpdate(
        bank_id="halyk", nonce=7, add_keys=(B,), issuance_limit=10**12, status="suspended"
    ),
    "bank.update-minimal": BankUpdate(bank_id="halyk"),
    "issue": Issue(bank_id="halyk", outputs=(Output(owner=A, amount=2**53 - 1),), nonce=1),
    "redeem": Redeem(
        bank_id="halyk",
        inputs=(OutPoint(txid=TXID, index=255),),
        amount=5,
        change=(Output(owner=A, amount=1),),
    ),
    "wallet.open": WalletOpen(
        wallet_id="w-1", bank_id="halyk", tier="anonymous", keys=(A,), mcc="5411", region="KZ-ALA"
    ),
    "wallet.update": WalletUpdate(wallet_id="w-1", nonce=3, tier="full", status="frozen"),
    "transfer": Transfer(
        inputs=(OutPoint(txid=TXID, index=0), OutPoint(txid=TXID, index=1)),
        outputs=(Output(owner=A, amount=1), Output(owner=B, amount=2, token=TOKEN)),
        memo=MEMO,
    ),
    "limits.set": LimitsSet(tier="basic", limits=TierLimits(per_payment=1, daily=2), nonce=9),
}

TRANSFER = Transfer(inputs=(OutPoint(txid=TXID, index=0),), outputs=(Output(owner=A, amount=5),))
TRANSFER_BYTES = canonical(TRANSFER)


def python_reference(value: Any) -> bytes:
    """The canonical form spelled with the standard library."""
    builtins = msgspec.to_builtins(value)
    text = json.dumps(builtins, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode()


@pytest.mark.parametrize("name", BODIES)
def test_canonical_bytes_equal_sorted_compact_json_of_the_standard_library(name: str) -> None:
    assert canonical(BODIES[name]) == python_reference(BODIES[name])


def test_memo_keeps_non_ascii_literal_and_escapes_control_characters() -> None:
    data = canonical(Transfer(inputs=TRANSFER.inputs, outputs=TRANSFER.outputs, memo="ә\x01\n"))
    assert '"memo":"ә\\u0001\\n"'.encode() in data


@pytest.mark.parametrize("name", BODIES)
def test_every_body_kind_round_trips_through_its_canonical_bytes(name: str) -> None:
    data = canonical(BODIES[name])
    decoded = decode_canonical(data, ANY_BODY, "body")
    assert decoded == BODIES[name]
    assert canonical(decoded) == data


def test_defaults_are_omitted_from_canonical_bytes() -> None:
    assert canonical(BankUpdate(bank_id="halyk")) == b'{"bank_id":"halyk","kind":"bank.update"}'
    assert b"token" not in TRANSFER_BYTES and b"memo" not in TRANSFER_BYTES


def _respell(old: bytes, new: bytes) -> bytes:
    assert old in TRANSFER_BYTES
    return TRANSFER_BYTES.replace(old, new, 1)


# Each case: a different spelling (or a broken one) of TRANSFER_BYTES, and the
# error class that refuses it.
REFUSED: dict[str, tuple[bytes, type[EncodingError]]] = {
    "space after colon": (_respell(b'"amount":5', b'"amount": 5'), NonCanonicalEncoding),
    "space after comma": (_respell(b',"kind"', b', "kind"'), NonCanonicalEncoding),
    "trailing newline": (TRANSFER_BYTES + b"\n", NonCanonicalEncoding),
    "leading space": (b" " + TRANSFER_BYTES, NonCanonicalEncoding),
    "unsorted keys": (
        _respell(
            b'"amount":5,"owner":"' + A.encode() + b'"', b'"owner":"' + A.encode() + b'","amount":5'
        ),
        NonCanonicalEncoding,
    ),
    "duplicate key": (_respell(b'"amount":5', b'"amount":5,"amount":5'), NonCanonicalEncoding),
    "escaped letter in kind": (
        _respell(b'"kind":"transfer"', b'"kind":"tr\\u0061nsfer"'),
        NonCanonicalEncoding,
    ),
    "escaped letter in memo": (
        _respell(b',"outputs"', b',"memo":"\\u0061","outputs"'),
        NonCanonicalEncoding,
    ),
    "escaped solidus in memo": (
        _respell(b',"outputs"', b',"memo":"\\/","outputs"'),
        NonCanonicalEncoding,
    ),
    "explicit default token": (
        _respell(b'"owner":"' + A.encode() + b'"', b'"owner":"' + A.encode() + b'","token":"KZT"'),
        NonCanonicalEncoding,
    ),
    "explicit empty memo": (_respell(b',"outputs"', b',"memo":"","outputs"'), NonCanonicalEncoding),
    "negative zero index": (_respell(b'"index":0', b'"index":-0'), NonCanonicalEncoding),
    "uppercase hex": (_respell(TXID.encode(), TXID.upper().encode()), SchemaViolation),
    "float amount": (_respell(b'"amount":5', b'"amount":1.0'), SchemaViolation),
    "exponent amount": (_respell(b'"amount":5', b'"amount":1e3'), SchemaViolation),
    "string amount": (_respell(b'"amount":5', b'"amount":"5"'), SchemaViolation),
    "unknown field": (_respell(b',"outputs"', b',"note":"x","outputs"'), SchemaViolation),
    "short txid": (_respell(TXID.encode(), TXID[:-2].encode()), SchemaViolation),
    "txid and newline": (_respell(TXID.encode(), TXID.encode() + b"\\n"), SchemaViolation),
    "owner and newline": (_respell(A.encode(), A.encode() + b"\\n"), SchemaViolation),
    "leading zero": (_respell(b'"amount":5', b'"amount":05'), MalformedJson),
    "truncated": (TRANSFER_BYTES[:-1], MalformedJson),
    "not json": (b"transfer", MalformedJson),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_decode_canonical_refuses_any_other_spelling(case: str) -> None:
    data, error = REFUSED[case]
    with pytest.raises(error) as caught:
        decode_canonical(data, Transfer, "body")
    assert type(caught.value) is error
    if isinstance(caught.value, NonCanonicalEncoding):
        assert caught.value.part == "body"


def test_equal_outputs_have_equal_canonical_bytes() -> None:
    built_at_runtime = "".join(["K", "Z", "T"])  # equal to KZT, not the same object
    plain = Output(owner=A, amount=5)
    explicit = Output(owner=A, amount=5, token=built_at_runtime)
    assert plain == explicit
    assert canonical(explicit) == canonical(plain)


@pytest.mark.parametrize(
    "case", [c for c, (_, error) in REFUSED.items() if error is NonCanonicalEncoding]
)
def test_non_canonical_spellings_are_still_valid_json_of_the_same_schema(case: str) -> None:
    # They fail only for their spelling: the lenient decoder accepts them.
    data, _ = REFUSED[case]
    decode_json(data, Transfer)


def test_identifier_with_a_trailing_newline_is_a_schema_violation() -> None:
    data = canonical(BankUpdate(bank_id="halyk")).replace(b'"halyk"', b'"halyk\\n"')
    with pytest.raises(SchemaViolation):
        decode_canonical(data, BankUpdate, "body")


BAD_UTF8 = {
    "in a key": TRANSFER_BYTES.replace(b'"owner"', b'"ow\xffer"'),
    "in a value": TRANSFER_BYTES.replace(TXID.encode(), b"\xc3" + TXID.encode()[1:]),
}


@pytest.mark.parametrize("case", BAD_UTF8)
def test_invalid_utf8_is_malformed_json(case: str) -> None:
    with pytest.raises(MalformedJson):
        decode_canonical(BAD_UTF8[case], Transfer, "body")


# -- transaction envelopes -----------------------------------------------------


def _signed(body: Body) -> Transaction:
    return Transaction.create(NETWORK, body, [key("alice")])


def _envelope(body_bytes: bytes, tx: Transaction, pretty: bool = False) -> bytes:
    sigs, net = canonical(tx.envelope().signatures), NETWORK.encode()
    if pretty:  # whitespace and a different key order: fine outside the body
        parts = [
            b'{\n "signatures" : ',
            sigs,
            b',\n "body" :\t',
            body_bytes,
            b',\n "network": "',
            net,
        ]
        return b"".join([*parts, b'"\n}\n'])
    parts = [b'{"body":', body_bytes, b',"network":"', net, b'","signatures":', sigs, b"}"]
    return b"".join(parts)


def test_parse_transaction_round_trips_the_canonical_envelope() -> None:
    tx = _signed(TRANSFER)
    parsed = parse_transaction(canonical(tx.envelope()), core_registry())
    assert parsed.body == TRANSFER
    assert parsed.txid == tx.txid
    assert parsed.signatures == tx.signatures


def test_parse_transaction_accepts_whitespace_and_any_key_order_in_the_envelope() -> None:
    tx = _signed(TRANSFER)
    parsed = parse_transaction(_envelope(tx.body_bytes, tx, pretty=True), core_registry())
    assert parsed.txid == tx.txid
    assert parsed.body_bytes == TRANSFER_BYTES


@pytest.mark.parametrize(
    "case",
    ["space after colon", "unsorted keys", "duplicate key", "explicit default token"],
)
def test_parse_transaction_refuses_a_non_canonical_body(case: str) -> None:
    tx = _signed(TRANSFER)
    with pytest.raises(NonCanonicalEncoding) as caught:
        parse_transaction(_envelope(REFUSED[case][0], tx), core_registry())
    assert caught.value.part == "body"


def test_parse_transaction_refuses_an_unknown_kind() -> None:
    tx = _signed(TRANSFER)
    body = TRANSFER_BYTES.replace(b'"kind":"transfer"', b'"kind":"mint"')
    with pytest.raises(UnknownKind) as caught:
        parse_transaction(_envelope(body, tx), core_registry())
    assert caught.value.kind == "mint"


def test_parse_transaction_refuses_a_body_without_a_kind() -> None:
    tx = _signed(TRANSFER)
    body = TRANSFER_BYTES.replace(b',"kind":"transfer"', b"")
    with pytest.raises(SchemaViolation):
        parse_transaction(_envelope(body, tx), core_registry())


def test_parse_transaction_refuses_an_envelope_without_signatures() -> None:
    data = b'{"body":' + TRANSFER_BYTES + b',"network":"' + NETWORK.encode() + b'","signatures":[]}'
    with pytest.raises(SchemaViolation):
        parse_transaction(data, core_registry())


def test_parse_transaction_refuses_a_body_with_invalid_utf8() -> None:
    tx = _signed(TRANSFER)
    with pytest.raises(MalformedJson):
        parse_transaction(_envelope(BAD_UTF8["in a value"], tx), core_registry())


def test_parse_transaction_refuses_malformed_json() -> None:
    tx = _signed(TRANSFER)
    with pytest.raises(MalformedJson):
        parse_transaction(canonical(tx.envelope())[:-1], core_registry())
