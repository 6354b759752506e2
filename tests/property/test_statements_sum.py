"""Statements sum to the ledger, whatever happened on which day.

Hypothesis writes a few days of payments, issues and redemptions (with quiet
days between some). For every UTC day from genesis to the tip, the wallet,
bank and central-bank reports must add up and read back from their CSV (opening + credits - debits =
closing), every closing balance must equal what the ledger held after the
day's last block, one day's closing must be the next day's opening, all
wallets and reserves together must hold the supply, and every entry must be
proven by the report's signed headers.
"""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.daybook import DayBook, bank_report, issuance_report, wallet_report
from ledger.statements import Report, Statement, check_sums, verify_report
from ledger.storage.memory import MemoryStore
from ledger.types import KZT
from tests.harness import Harness, key
from tests.statements_cast import BANKS, WALLETS, Economy
from wire.statements import report_csv, statements_from_csv

PARTIES = [*WALLETS, *BANKS]
payment = st.tuples(
    st.just("pay"), st.sampled_from(PARTIES), st.sampled_from(PARTIES), st.integers(1, 10**6)
)
issuance = st.tuples(
    st.sampled_from(["issue", "redeem"]), st.sampled_from(BANKS), st.just(""),
    st.integers(1, 10**7),
)  # fmt: skip
pause = st.tuples(st.just("days"), st.just(""), st.just(""), st.integers(0, 2))
script = st.lists(st.one_of(payment, payment, issuance, pause), min_size=1, max_size=25)


def play(steps: list[tuple[str, str, str, int]]) -> Economy:
    economy = Economy.found(Harness(MemoryStore()))
    for action, first, second, number in steps:
        if action == "pay" and first != second:
            economy.pay(first, second, number)
        elif action == "issue":
            economy.issue(first, number)
        elif action == "redeem" and economy.net.balance(key(first)) >= number:
            economy.redeem(first, number)
        elif action == "days":
            economy.next_day(number)
    return economy


def closing(statement: Statement) -> dict[str, int]:
    return {b.token: b.amount for b in statement.balances if b.kind == "CLBD" and b.amount}


def opening(statement: Statement) -> dict[str, int]:
    return {b.token: b.amount for b in statement.balances if b.kind == "OPBD" and b.amount}


def reports_of(economy: Economy, day: date) -> list[Report]:
    book = DayBook(economy.net.store, economy.net.chain.genesis, economy.height, day)
    found = [bank_report(book, b) for b in BANKS] + [wallet_report(book, w) for w in WALLETS]
    return [r for r in found if r is not None] + [issuance_report(book)]


@settings(
    max_examples=30, derandomize=True, database=None, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip
@given(script)
def test_every_days_statements_sum_to_the_ledger(steps: list[tuple[str, str, str, int]]) -> None:
    economy = play(steps)
    producer = economy.net.producer.public_hex
    previous: dict[str, dict[str, int]] = {}
    for day in economy.days():
        reports = reports_of(economy, day)
        height = reports[0].closing.height
        figures = economy.figures[height]
        held: dict[str, dict[str, int]] = {}
        for report in reports:
            verify_report(report, [producer])
            assert statements_from_csv(report_csv(report)) == report.statements
            assert report.closing.height == height
            for statement in report.statements:
                check_sums(statement)
                account = statement.account.id
                held[account] = closing(statement)
                assert opening(statement) == previous.get(account, {}), (day, account)
        for account, amount in {**figures.balances, **figures.outstanding}.items():
            assert held.get(account, {}).get(KZT, 0) == amount, (day, account)
        in_accounts = sum(v.get(KZT, 0) for a, v in held.items() if not a.startswith("iss"))
        assert in_accounts == figures.supply
        outstanding = sum(v.get(KZT, 0) for a, v in held.items() if a.startswith("issuance:"))
        assert outstanding == figures.supply
        previous = held
