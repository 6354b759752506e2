"""The waterfall over the API: link a deposit, pay over the cap, read the bank's instruction."""

from __future__ import annotations

import pytest

from ledger.params import kzt
from tests.harness import NETWORK
from tests.integration.conftest import Api
from tests.integration.story import found_bank, open_wallet, pay
from wallet import builders
from wallet.client import ApiError


def cap_of(api: Api, tier: str) -> int:
    limits = api.client.network().limits[tier]
    assert limits.balance_cap is not None
    return limits.balance_cap


def test_a_payment_over_a_linked_wallets_cap_commits_and_the_bank_is_told_to_credit(
    api: Api,
) -> None:
    bank_id, bank = found_bank(api, reserve=kzt(10_000_000))
    payer_id, payer = open_wallet(api, bank_id, bank, "business", kzt(5_000_000))
    cap = cap_of(api, "anonymous")
    payee_id, payee = open_wallet(api, bank_id, bank, "anonymous", cap - kzt(100))
    link = builders.link_deposit(NETWORK, bank, payee_id, "acct-42")
    assert api.client.submit(link).result.status == "committed"
    assert api.client.wallet(payee_id, payee).wallet.deposit == "acct-42"

    txid = pay(api, payer_id, payer, payee.public_hex, kzt(600))

    assert api.client.wallet(payee_id, payee).wallet.balance == cap
    events = api.client.bank_events(bank_id, bank, limit=1_000).events
    (credit,) = [e for e in events if e.instruction is not None]
    assert credit.txid == txid and credit.wallet_id == payee_id
    assert credit.instruction is not None
    assert (credit.instruction.direction, credit.instruction.amount) == ("credit", kzt(500))
    assert credit.instruction.deposit == "acct-42"
    reserve = [e for e in events if e.txid == txid and e.wallet_id is None and not e.instruction]
    assert [e.delta for e in reserve] == [{"KZT": kzt(500)}]


def test_without_a_link_the_same_payment_is_refused_with_a_limit_problem(api: Api) -> None:
    bank_id, bank = found_bank(api, reserve=kzt(10_000_000))
    payer_id, payer = open_wallet(api, bank_id, bank, "business", kzt(5_000_000))
    cap = cap_of(api, "anonymous")
    payee_id, payee = open_wallet(api, bank_id, bank, "anonymous", cap - kzt(100))
    coins = api.client.coins(payer_id, payer)
    tx = builders.pay(NETWORK, coins, [payer], payee.public_hex, kzt(600), payer.public_hex)
    with pytest.raises(ApiError) as refused:
        api.client.submit(tx)
    assert (refused.value.status, refused.value.code) == (422, "limit_exceeded")
    assert refused.value.problem["wallet_id"] == payee_id


def test_a_malformed_deposit_reference_is_a_schema_problem(api: Api) -> None:
    bank_id, bank = found_bank(api)
    payee_id, _ = open_wallet(api, bank_id, bank, "anonymous")
    link = builders.link_deposit(NETWORK, bank, payee_id, "has spaces")
    response = api.client.http.post(
        "/v1/transactions",
        content=link.envelope().to_bytes(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "schema_violation"


def test_a_payment_larger_than_the_balance_pulls_from_the_pool_under_the_mandate(
    api: Api,
) -> None:
    bank_id, bank = found_bank(api, reserve=kzt(10_000_000))
    shop_id, shop = open_wallet(api, bank_id, bank, "business")
    payer_id, payer = open_wallet(api, bank_id, bank, "basic", kzt(700))
    steps = [
        builders.link_deposit(NETWORK, bank, payer_id, "acct-7"),
        builders.reverse_mandate(NETWORK, [payer], payer_id, kzt(10_000)),
        builders.pool_fund(
            NETWORK, bank_id, api.client.bank_coins(bank_id, bank), kzt(50_000), [bank]
        ),
    ]
    for tx in steps:
        assert api.client.submit(tx).result.status == "committed"
    coins = api.client.coins(payer_id, payer)
    tx = builders.pay_with_shortfall(NETWORK, coins, [payer], shop.public_hex, kzt(2_000))
    result = api.client.submit(tx).result
    assert result.status == "committed"

    assert api.client.wallet(payer_id, payer).wallet.balance == 0
    assert api.client.wallet(shop_id, shop).balances == {"KZT": kzt(2_000)}
    events = api.client.bank_events(bank_id, bank, limit=1_000).events
    (debit,) = [e for e in events if e.instruction is not None]
    assert debit.txid == result.txid and debit.instruction is not None
    assert (debit.instruction.direction, debit.instruction.amount) == ("debit", kzt(1_300))


def test_a_shortfall_without_a_mandate_is_a_422_problem(api: Api) -> None:
    bank_id, bank = found_bank(api)
    _, shop = open_wallet(api, bank_id, bank, "business")
    payer_id, payer = open_wallet(api, bank_id, bank, "basic", kzt(700))
    coins = api.client.coins(payer_id, payer)
    tx = builders.pay_with_shortfall(NETWORK, coins, [payer], shop.public_hex, kzt(800))
    with pytest.raises(ApiError) as refused:
        api.client.submit(tx)
    assert (refused.value.status, refused.value.code) == (422, "reverse_waterfall_refused")
    assert refused.value.problem["reason"] == "not_linked"
