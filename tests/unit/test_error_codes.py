"""Every concrete error code can be triggered through the ledger, and codes are unique."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import msgspec
import pytest

from ledger import errors
from ledger.audit import audit
from ledger.crypto import DOMAIN_BLOCK, signing_message
from ledger.daybook import DayBook, wallet_report
from ledger.encoding import canonical, decode_canonical
from ledger.errors import TengeError
from ledger.params import kzt
from ledger.receipts import make_receipt, verify_receipt
from ledger.rules import core_registry
from ledger.statements import verify_report
from ledger.storage import schema
from ledger.types import KZT, OutPoint, Output, Signature, Transaction, Transfer
from ledger.validation import parse_transaction
from tests.faulty_rule import faulty, with_faulty
from tests.harness import NETWORK, Harness, key
from wallet import builders

ABSTRACT = {
    errors.TengeError,
    errors.EncodingError,
    errors.InvalidTransaction,
    errors.Unauthorized,
    errors.Rejected,
    errors.Conflict,
    errors.IntegrityError,
}
OTHER_LAYERS = {  # raised by the node (its writer, its cluster ordering), tested there
    errors.Unavailable,
    errors.ProducerUnavailable,
    errors.HeightNotReached,
    errors.HeightNotOrdered,
}
FAMILY_STATUS = {
    errors.EncodingError: 400,
    errors.InvalidTransaction: 400,
    errors.Unauthorized: 403,
    errors.Rejected: 422,
    errors.Conflict: 409,
    errors.IntegrityError: 500,
    errors.Unavailable: 503,
}


@pytest.fixture
def world(net: Harness) -> Harness:
    """halyk (limit 1,000,000 KZT, all issued), kaspi (suspended); alice, bob, frozen fred."""
    net.add_bank("halyk", reserve=kzt(1_000_000), limit=kzt(1_000_000))
    net.add_bank("kaspi", reserve=0)
    net.add_wallet("alice", "halyk", "anonymous", funds=kzt(100_000))
    net.add_wallet("bob", "halyk", "anonymous")
    net.add_wallet("fred", "halyk", "basic")
    net.commit(
        builders.wallet_update(NETWORK, key("halyk"), "fred", nonce=1, status="frozen"),
        builders.bank_update(NETWORK, net.cb, "kaspi", nonce=2, status="suspended"),
    )
    return net


def raised(action: Callable[[], object]) -> TengeError:
    try:
        action()
    except TengeError as error:
        return error
    raise AssertionError("nothing was raised")


def pay(w: Harness, amount: int, to: str = "bob") -> Transaction:
    return w.pay(key("alice"), key(to), amount)


def spend(w: Harness, outputs: list[Output], signers: list[str] | None = None) -> Transaction:
    points = tuple(c.point for c in w.coins(key("alice")))
    body = Transfer(inputs=points, outputs=tuple(outputs))
    return Transaction.create(NETWORK, body, [key(s) for s in signers or ["alice"]])


def out(name: str, amount: int, token: str = KZT) -> Output:
    return Output(owner=key(name).public_hex, amount=amount, token=token)


def envelope(body: bytes) -> bytes:
    """A well-formed envelope around ``body`` (the signature is never reached)."""
    sigs = canonical((Signature(key="00" * 32, sig="00" * 64),))
    return (
        b'{"body":' + body + b',"network":"' + NETWORK.encode() + b'","signatures":' + sigs + b"}"
    )


def double_spend(w: Harness) -> TengeError:
    first, second = pay(w, kzt(1)), pay(w, kzt(2))
    w.commit(first)
    return w.refusal(second)


def duplicate_transaction(w: Harness) -> TengeError:
    tx = pay(w, kzt(1))
    w.commit(tx)
    return w.refusal(tx)


def bad_signature(w: Harness) -> TengeError:
    tx = pay(w, kzt(1))
    sig = key("alice").sign(signing_message(DOMAIN_BLOCK, NETWORK, tx.body_bytes)).hex()
    forged = (Signature(key=key("alice").public_hex, sig=sig),)
    return w.refusal(msgspec.structs.replace(tx, signatures=forged))


def invalid_block(w: Harness) -> TengeError:
    block = w.chain.block(1)
    assert block is not None
    return raised(lambda: w.chain.replay(block))  # height 1 is long past the tip


def invalid_receipt(w: Harness) -> TengeError:
    tx = pay(w, kzt(1))
    w.commit(tx)
    receipt = make_receipt(w.store, NETWORK, tx.txid)
    assert receipt is not None
    return raised(lambda: verify_receipt(receipt, [key("stranger").public_hex]))


def invalid_statement(w: Harness) -> TengeError:
    w.commit(pay(w, kzt(1)))
    book = DayBook(w.store, w.chain.genesis, w.chain.tip.height, date(2026, 1, 1))
    report = wallet_report(book, "alice")
    assert report is not None
    return raised(lambda: verify_report(report, [key("stranger").public_hex]))


def rule_failed(w: Harness) -> TengeError:
    with_faulty(w.chain.registry)  # a kind whose check raises RuntimeError on purpose
    return w.refusal(faulty(NETWORK, key("alice"), "check"))


def audit_mismatch(w: Harness) -> TengeError:
    w.store.write_batch({schema.bank_key("halyk"): None})
    return audit(w.store, w.chain.registry).problems[0]


TRIGGERS: dict[type[TengeError], Callable[[Harness], TengeError]] = {
    errors.MalformedJson: lambda w: raised(lambda: parse_transaction(b"{", core_registry())),
    errors.SchemaViolation: lambda w: raised(
        lambda: parse_transaction(envelope(b'{"kind":"transfer"}'), core_registry())
    ),
    errors.NonCanonicalEncoding: lambda w: raised(
        lambda: decode_canonical(canonical(out("bob", 1)) + b" ", Output)
    ),
    errors.UnknownKind: lambda w: raised(
        lambda: parse_transaction(envelope(b'{"kind":"mint"}'), core_registry())
    ),
    errors.WrongNetwork: lambda w: w.refusal(
        Transaction.create("kzt-main", pay(w, 1).body, [key("alice")])
    ),
    errors.InvalidAmount: lambda w: w.refusal(
        spend(w, [out("bob", 0), out("alice", kzt(100_000))])
    ),
    errors.DuplicateInput: lambda w: w.refusal(
        Transaction.create(
            NETWORK,
            Transfer(inputs=pay(w, 1).body.spends() * 2, outputs=(out("bob", kzt(200_000)),)),
            [key("alice")],
        )
    ),
    errors.DuplicateKey: lambda w: w.refusal(spend(w, [out("bob", kzt(100_000))], ["alice"] * 2)),
    errors.BadSignature: bad_signature,
    errors.UnexpectedSigner: lambda w: w.refusal(
        spend(w, [out("bob", kzt(100_000))], ["alice", "bob"])
    ),
    errors.MissingSignature: lambda w: w.refusal(spend(w, [out("bob", kzt(100_000))], ["bob"])),
    errors.NotAuthorized: lambda w: w.refusal(
        builders.bank_register(NETWORK, key("halyk"), "evil", "Evil", [key("evil").public_hex], 1)
    ),
    errors.UnknownInput: lambda w: w.refusal(
        Transaction.create(
            NETWORK,
            Transfer(inputs=(OutPoint(txid="00" * 32, index=0),), outputs=(out("bob", 1),)),
            [key("alice")],
        )
    ),
    errors.UnknownBank: lambda w: w.refusal(
        builders.issue(NETWORK, w.cb, "nobank", [out("nobank", 1)], 1)
    ),
    errors.UnknownWallet: lambda w: w.refusal(
        builders.wallet_update(NETWORK, key("halyk"), "ghost", nonce=1, tier="full")
    ),
    errors.UnregisteredRecipient: lambda w: w.refusal(pay(w, kzt(1), to="stranger")),
    errors.BankInactive: lambda w: w.refusal(pay(w, kzt(1), to="kaspi")),
    errors.WalletFrozen: lambda w: w.refusal(pay(w, kzt(1), to="fred")),
    errors.TokenNotAllowed: lambda w: w.refusal(
        builders.issue(NETWORK, w.cb, "halyk", [out("halyk", 1, token="ab" * 32)], 1)
    ),
    errors.NotReserveKey: lambda w: w.refusal(
        builders.issue(NETWORK, w.cb, "halyk", [out("alice", 1)], 1)
    ),
    errors.ValueNotConserved: lambda w: w.refusal(spend(w, [out("bob", kzt(100_000) + 1)])),
    errors.IssuanceLimitExceeded: lambda w: w.refusal(
        builders.issue(NETWORK, w.cb, "halyk", [out("halyk", 1)], 1)
    ),
    errors.LimitExceeded: lambda w: w.refusal(pay(w, kzt(50_000) + 1)),
    errors.ReverseWaterfallRefused: lambda w: w.refusal(
        builders.pay_with_shortfall(
            NETWORK, w.coins(key("alice")), [key("alice")], key("bob").public_hex, kzt(100_001)
        )
    ),
    errors.PoolInsufficient: lambda w: w.refusal(
        builders.pool_withdraw(NETWORK, key("halyk"), "halyk", 1)
    ),
    errors.RuleFailed: rule_failed,
    errors.DoubleSpend: double_spend,
    errors.DuplicateTransaction: duplicate_transaction,
    errors.BankExists: lambda w: w.refusal(
        builders.bank_register(NETWORK, w.cb, "halyk", "Again", [key("x").public_hex], 1)
    ),
    errors.WalletExists: lambda w: w.refusal(
        builders.wallet_open(
            NETWORK, key("halyk"), "halyk", "alice", "basic", [key("y").public_hex]
        )
    ),
    errors.KeyInUse: lambda w: w.refusal(
        builders.wallet_open(
            NETWORK, key("halyk"), "halyk", "eve", "basic", [key("bob").public_hex]
        )
    ),
    errors.InvalidBlock: invalid_block,
    errors.InvalidReceipt: invalid_receipt,
    errors.InvalidStatement: invalid_statement,
    errors.AuditMismatch: audit_mismatch,
}


@pytest.mark.parametrize("error_class", TRIGGERS, ids=lambda c: c.code)
def test_error_is_triggered_through_the_ledger(
    world: Harness, error_class: type[TengeError]
) -> None:
    error = TRIGGERS[error_class](world)
    assert type(error) is error_class, error
    assert str(error).startswith(error.code)
    msgspec.json.encode(error.details())  # typed fields go into problem documents as JSON


def ledger_error_classes() -> set[type[TengeError]]:
    """The tree as ledger.errors declares it (other layers add subclasses when imported)."""
    return {cls for cls in errors.all_error_classes() if cls.__module__ == errors.__name__}


def test_triggers_cover_every_concrete_error_of_the_ledger() -> None:
    expected = ledger_error_classes() - ABSTRACT - OTHER_LAYERS
    assert set(TRIGGERS) == expected


def test_error_tree_reaches_every_error_class_in_the_module() -> None:
    declared = {
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, TengeError)
    }
    assert ledger_error_classes() == declared


def test_every_error_code_is_unique() -> None:
    codes = [cls.code for cls in errors.all_error_classes()]  # other layers' ones too
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("error_class", errors.all_error_classes(), ids=lambda c: c.code)
def test_every_error_has_an_http_status_from_400_to_599(error_class: type[TengeError]) -> None:
    assert 400 <= error_class.status <= 599
    assert error_class.title


@pytest.mark.parametrize("family", FAMILY_STATUS, ids=lambda c: c.code)
def test_every_error_answers_with_its_familys_status(family: type[TengeError]) -> None:
    overrides = {errors.InvalidBlock: 422, errors.InvalidReceipt: 422, errors.InvalidStatement: 422}
    for cls in ledger_error_classes():
        if issubclass(cls, family):
            assert cls.status == overrides.get(cls, FAMILY_STATUS[family]), cls
