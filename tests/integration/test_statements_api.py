"""End-of-day statements over the API: JSON and CSV, verified, summing to the ledger, auth."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from ledger.params import kzt
from ledger.statements import Report, Statement
from ledger.types import KZT
from tests.harness import key
from tests.integration.conftest import Api
from tests.integration.story import found_bank, open_wallet, pay
from wallet.client import ApiError
from wire.httpsig import SignedReads
from wire.statements import statements_from_csv


def tip_day(api: Api) -> date:
    """The UTC day of the chain's last block: the balances now are that day's closing."""
    tip = api.client.network(refresh=True).tip
    return datetime.fromtimestamp(tip.time_ms / 1000, UTC).date()


def closing(statement: Statement, token: str = KZT) -> int:
    return next(b.amount for b in statement.balances if b.kind == "CLBD" and b.token == token)


def by_account(report: Report) -> dict[str, Statement]:
    return {s.account.id: s for s in report.statements}


def test_bank_statement_verifies_and_closes_at_the_ledgers_balances(api: Api) -> None:
    bank_id, bank = found_bank(api)
    alice_id, alice = open_wallet(api, bank_id, bank, "basic", kzt(1_000))
    bob_id, bob = open_wallet(api, bank_id, bank)
    txid = pay(api, alice_id, alice, bob.public_hex, kzt(250))
    day = tip_day(api)
    report = api.client.bank_statement(bank_id, bank, day)
    api.client.verify_statement(report)
    statements = by_account(report)
    assert list(statements) == [f"reserve:{bank_id}", f"wallet:{alice_id}", f"wallet:{bob_id}"]
    for wallet_id in (alice_id, bob_id):
        held = api.client.wallet(wallet_id, bank).balances.get(KZT, 0)
        assert closing(statements[f"wallet:{wallet_id}"]) == held
    reserve = sum(c.output.amount for c in api.client.bank_coins(bank_id, bank))
    assert closing(statements[f"reserve:{bank_id}"]) == reserve
    (payment,) = [e for e in statements[f"wallet:{bob_id}"].entries if e.txid == txid]
    assert (payment.sign, payment.amount, payment.parties) == (
        "CRDT",
        kzt(250),
        (f"wallet:{alice_id}",),
    )


def test_wallet_reads_its_own_statement_and_nobody_elses(api: Api) -> None:
    bank_id, bank = found_bank(api)
    alice_id, alice = open_wallet(api, bank_id, bank, "basic", kzt(10))
    _, bob = open_wallet(api, bank_id, bank)
    day = tip_day(api)
    own = api.client.wallet_statement(alice_id, alice, day)
    assert [s.account.id for s in own.statements] == [f"wallet:{alice_id}"]
    assert own == api.client.wallet_statement(alice_id, bank, day)  # its bank reads the same
    with pytest.raises(ApiError) as refused:
        api.client.wallet_statement(alice_id, bob, day)
    assert refused.value.status == 403
    _, other = found_bank(api)
    with pytest.raises(ApiError) as refused:
        api.client.bank_statement(bank_id, other, day)
    assert refused.value.status == 403


def test_csv_answer_reads_back_into_the_json_statements(api: Api) -> None:
    bank_id, bank = found_bank(api)
    alice_id, alice = open_wallet(api, bank_id, bank, "basic", kzt(100))
    _, bob = open_wallet(api, bank_id, bank)
    pay(api, alice_id, alice, bob.public_hex, kzt(3))
    day = tip_day(api).isoformat()
    report = api.client.bank_statement(bank_id, bank, day)
    path = f"/v1/banks/{bank_id}/statements/{day}"
    text = api.client.statement_csv(path, bank)
    assert text.startswith("StmtId,RowTp,AcctId")
    assert statements_from_csv(text) == report.statements
    signer = SignedReads(bank, api.client.network().network)
    by_query = api.client.http.get(path, params={"format": "csv"}, auth=signer)
    assert by_query.headers["content-type"].startswith("text/csv")
    assert by_query.text == text


def test_issuance_statement_is_public_and_credits_each_issue(api: Api) -> None:
    bank_id, _ = found_bank(api, reserve=kzt(777))
    report = api.client.issuance_statement(tip_day(api))
    api.client.verify_statement(report)
    issuance = by_account(report)[f"issuance:{bank_id}"]
    assert [(e.kind, e.sign, e.amount) for e in issuance.entries] == [("issue", "CRDT", kzt(777))]
    record = api.client.bank(bank_id)
    assert closing(issuance) == record.issued - record.redeemed


@pytest.mark.parametrize("day", ["2026-13-01", "2026-1-1", "yesterday", "2026-02-30", "20260101"])
def test_a_bad_date_is_a_bad_parameter(api: Api, day: str) -> None:
    bank_id, bank = found_bank(api)
    for call in (
        lambda: api.client.bank_statement(bank_id, bank, day),
        lambda: api.client.issuance_statement(day),
    ):
        with pytest.raises(ApiError) as refused:
            call()
        assert (refused.value.status, refused.value.code) == (400, "bad_parameter")


def test_an_unknown_format_is_a_bad_parameter_and_unsigned_reads_are_refused(api: Api) -> None:
    bank_id, bank = found_bank(api)
    day = tip_day(api).isoformat()
    response = api.client.http.get(f"/v1/supply/statements/{day}", params={"format": "xml"})
    assert (response.status_code, response.json()["code"]) == (400, "bad_parameter")
    unsigned = api.client.http.get(f"/v1/banks/{bank_id}/statements/{day}")
    assert unsigned.status_code == 401
    assert unsigned.headers["content-type"] == "application/problem+json"
    assert key(bank_id) == bank
