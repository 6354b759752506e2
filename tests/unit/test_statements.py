"""End-of-day statements built from the chain: entries, balances, proofs, day bounds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import msgspec
import pytest

from ledger.daybook import DayBook, bank_report, issuance_report, wallet_report
from ledger.errors import InvalidStatement
from ledger.params import kzt
from ledger.statements import Report, Statement, check_sums, verify_report
from ledger.storage import KeyValueStore
from ledger.types import KZT
from tests.harness import Harness, key
from tests.statements_cast import Economy
from wire.statements import report_csv, statements_from_csv

GENESIS_DAY = date(2026, 1, 1)  # tests.harness.T0


@pytest.fixture
def economy(store: KeyValueStore) -> Economy:
    """Founded on day 1; alice pays bob on day 1 and chen on day 2; day 3 closes day 2."""
    economy = Economy.found(Harness(store))
    assert economy.pay("alice", "bob", kzt(100))
    economy.next_day()
    assert economy.pay("alice", "chen", kzt(30))
    assert economy.pay("bob", "alice", kzt(5))
    economy.next_day()
    assert economy.pay("dana", "chen", kzt(1))
    return economy


def book(economy: Economy, day: date) -> DayBook:
    return DayBook(economy.net.store, economy.net.chain.genesis, economy.height, day)


def only(report: Report | None) -> Statement:
    assert report is not None and len(report.statements) == 1
    return report.statements[0]


def balance(statement: Statement, kind: str) -> int:
    return next(b.amount for b in statement.balances if b.kind == kind and b.token == KZT)


def test_wallet_statement_lists_the_days_movements_with_their_parties(economy: Economy) -> None:
    day2 = GENESIS_DAY + timedelta(days=1)
    statement = only(wallet_report(book(economy, day2), "alice"))
    assert [(e.sign, e.amount, e.parties) for e in statement.entries] == [
        ("DBIT", kzt(30), ("wallet:chen",)),
        ("CRDT", kzt(5), ("wallet:bob",)),
    ]
    assert balance(statement, "OPBD") == kzt(10_000 - 100)
    assert balance(statement, "CLBD") == kzt(10_000 - 100 - 30 + 5)
    (summary,) = statement.summary
    assert (summary.credits.count, summary.debits.amount, summary.net) == (1, kzt(30), -kzt(25))
    assert all(e.booked.startswith("2026-01-02T") and e.status == "BOOK" for e in statement.entries)


def test_a_closed_day_is_final_and_the_open_day_provisional(economy: Economy) -> None:
    days = economy.days()
    assert [book(economy, d).final for d in days] == [True, True, False]
    report = issuance_report(book(economy, days[1]))
    assert report.status == "final" and report.created.startswith("2026-01-03T")
    assert issuance_report(book(economy, days[2])).status == "provisional"


def test_a_day_without_blocks_has_equal_balances_and_no_entries(economy: Economy) -> None:
    before = book(economy, GENESIS_DAY - timedelta(days=1))
    statement = only(wallet_report(before, "alice"))
    assert statement.entries == () and statement.balances == ()
    assert before.first == 1 and before.last == 0
    later = book(economy, economy.days()[-1] + timedelta(days=5))
    quiet = only(wallet_report(later, "alice"))
    assert quiet.entries == () and balance(quiet, "OPBD") == balance(quiet, "CLBD") > 0
    assert wallet_report(later, "nobody") is None and bank_report(later, "nobank") is None


def test_bank_report_has_the_reserve_first_then_its_wallets(economy: Economy) -> None:
    report = bank_report(book(economy, GENESIS_DAY), "halyk")
    assert report is not None
    ids = [s.account.id for s in report.statements]
    assert ids == ["reserve:halyk", "wallet:alice", "wallet:bob"]
    reserve = report.statements[0]
    kinds = [e.kind for e in reserve.entries]
    assert kinds == ["issue", "transfer", "transfer"]  # issued, then funded alice and bob
    assert balance(reserve, "OPBD") == 0
    assert (
        balance(reserve, "CLBD") == economy.figures[report.closing.height].balances["reserve:halyk"]
    )


def test_issuance_report_credits_issues_and_debits_redemptions(economy: Economy) -> None:
    economy.issue("kaspi", kzt(7))
    economy.redeem("kaspi", kzt(3))
    report = issuance_report(book(economy, economy.days()[-1]))
    kaspi = next(s for s in report.statements if s.account.id == "issuance:kaspi")
    assert [(e.kind, e.sign, e.amount) for e in kaspi.entries] == [
        ("issue", "CRDT", kzt(7)),
        ("redeem", "DBIT", kzt(3)),
    ]
    assert balance(kaspi, "CLBD") == kzt(1_000_000 + 7 - 3)
    assert {e.parties for e in kaspi.entries} == {("bank:kaspi",)}


def test_report_verifies_against_the_producers_signed_headers(economy: Economy) -> None:
    report = bank_report(book(economy, economy.days()[1]), "kaspi")
    assert report is not None
    verify_report(report, [key("producer").public_hex])
    with pytest.raises(InvalidStatement, match="header"):
        verify_report(report, [key("stranger").public_hex])


def test_an_altered_entry_or_balance_fails_verification(economy: Economy) -> None:
    report = bank_report(book(economy, economy.days()[1]), "kaspi")
    assert report is not None
    producer = [key("producer").public_hex]
    chen = next(s for s in report.statements if s.account.id == "wallet:chen")
    entry = chen.entries[0]
    forged_txid = msgspec.structs.replace(entry, txid="ab" * 32)
    for forged in (forged_txid, msgspec.structs.replace(entry, index=entry.index + 1)):
        altered = msgspec.structs.replace(chen, entries=(forged, *chen.entries[1:]))
        with pytest.raises(InvalidStatement, match="not proven"):
            verify_report(msgspec.structs.replace(report, statements=(altered,)), producer)
    richer = msgspec.structs.replace(entry, amount=entry.amount + 1)
    with pytest.raises(InvalidStatement):
        check_sums(msgspec.structs.replace(chen, entries=(richer, *chen.entries[1:])))


def test_statement_json_uses_camt_053_names(economy: Economy) -> None:
    report = wallet_report(book(economy, GENESIS_DAY), "bob")
    document = msgspec.to_builtins(report)
    assert {"MsgId", "CreDtTm", "FrDtTm", "ToDtTm", "Stmt", "Hdrs"} <= set(document)
    (statement,) = document["Stmt"]
    assert {"Id", "Acct", "Bal", "TxsSummry", "Ntry"} == set(statement)
    assert [b["Tp"] for b in statement["Bal"]] == ["OPBD", "CLBD"]
    assert {"NtryRef", "Amt", "Ccy", "CdtDbtInd", "BookgDt", "AcctSvcrRef", "Prf"} <= set(
        statement["Ntry"][0]
    )
    assert set(statement["TxsSummry"][0]) == {"Ccy", "TtlCdtNtries", "TtlDbtNtries", "TtlNetNtry"}


def test_csv_reads_back_into_the_same_statements(economy: Economy) -> None:
    for day in economy.days():
        for report in (
            bank_report(book(economy, day), "halyk"),
            issuance_report(book(economy, day)),
        ):
            assert report is not None
            assert statements_from_csv(report_csv(report)) == report.statements


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda rows: rows.replace("StmtId,", "Statement,", 1), "header row"),
        (lambda rows: rows.replace(",CRDT,", ",UP,", 1), "row"),
        (lambda rows: rows.replace(",OPBD,", ",OPEN,", 1), "row"),
        (lambda rows: rows.replace(",STMT,", ",NTRY,", 1), "row 2"),
    ],
)
def test_a_malformed_csv_statement_is_refused(
    economy: Economy, change: Callable[[str], str], reason: str
) -> None:
    report = bank_report(book(economy, GENESIS_DAY), "halyk")
    assert report is not None
    with pytest.raises(InvalidStatement, match=reason):
        statements_from_csv(change(report_csv(report)))


def test_both_ends_of_the_day_are_proven_by_signed_headers(economy: Economy) -> None:
    report = bank_report(book(economy, economy.days()[1]), "halyk")
    assert report is not None
    heights = {h.header.height for h in report.headers}
    assert {report.opening.height, report.closing.height} <= heights
    producer = [key("producer").public_hex]
    for end in ("opening", "closing"):
        anchor = getattr(report, end)
        moved = msgspec.structs.replace(anchor, block_hash="00" * 32)
        with pytest.raises(InvalidStatement, match=f"{end} block not proven"):
            verify_report(msgspec.structs.replace(report, **{end: moved}), producer)
