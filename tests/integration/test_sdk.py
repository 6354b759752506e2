"""The wallet SDK end to end; every test runs in process and against a real node."""

from __future__ import annotations

import pytest

from ledger.errors import InvalidReceipt
from ledger.params import kzt
from ledger.receipts import verify_receipt
from tests.harness import NETWORK, key
from tests.integration.conftest import Api
from tests.integration.story import found_bank, open_wallet, pay
from wallet import builders
from wallet.client import ApiError


def test_payment_is_committed_and_its_receipt_verifies_offline(api: Api) -> None:
    bank_id, bank = found_bank(api)
    alice_id, alice = open_wallet(api, bank_id, bank, "basic", kzt(10_000))
    bob_id, bob = open_wallet(api, bank_id, bank)
    txid = pay(api, alice_id, alice, bob.public_hex, kzt(1_500))
    receipt = api.client.receipt(txid)
    verify_receipt(receipt, api.client.network().producer_keys, txid=txid, network=NETWORK)
    with pytest.raises(InvalidReceipt):
        verify_receipt(receipt, [key("not-the-producer").public_hex], txid=txid)
    assert api.client.wallet(bob_id, bob).balances == {"KZT": kzt(1_500)}
    assert api.client.wallet(alice_id, alice).wallet.balance == kzt(8_500)


def test_submitting_the_same_transaction_twice_is_idempotent(api: Api) -> None:
    bank_id, bank = found_bank(api)
    _, alice = open_wallet(api, bank_id, bank)
    tx = builders.pay(
        NETWORK,
        api.client.bank_coins(bank_id, bank),
        [bank],
        alice.public_hex,
        500,
        bank.public_hex,
    )
    first = api.client.submit(tx).result
    second = api.client.submit(tx).result
    assert first.status == second.status == "committed"
    assert (first.height, first.index) == (second.height, second.index)


def test_over_limit_payment_is_refused_with_a_problem_document(api: Api) -> None:
    bank_id, bank = found_bank(api)
    anon_id, anon = open_wallet(api, bank_id, bank, "anonymous", kzt(100_000))
    _, bob = open_wallet(api, bank_id, bank)
    tx = builders.pay(
        NETWORK,
        api.client.coins(anon_id, anon),
        [anon],
        bob.public_hex,
        kzt(60_000),
        anon.public_hex,
    )
    with pytest.raises(ApiError) as refused:
        api.client.submit(tx)
    assert refused.value.status == 422
    assert refused.value.code == "limit_exceeded"
    assert refused.value.problem["limit"] == "per_payment"
    assert refused.value.problem["allowed"] == kzt(50_000)


def test_batch_reports_each_item_and_one_bad_item_spoils_nothing(api: Api) -> None:
    bank_id, bank = found_bank(api)
    wallets = [open_wallet(api, bank_id, bank) for _ in range(3)]
    coins = api.client.bank_coins(bank_id, bank)
    fan_out = builders.transfer(
        NETWORK,
        coins,
        [
            *(builders.Output(owner=w.public_hex, amount=kzt(100)) for _, w in wallets),
            builders.Output(
                owner=bank.public_hex, amount=sum(c.output.amount for c in coins) - kzt(300)
            ),
        ],
        [bank],
    )
    double = builders.transfer(
        NETWORK, coins, [builders.Output(owner=bank.public_hex, amount=1)], [bank]
    )
    batch = api.client.submit_batch([fan_out, double], wait=True)
    assert [r.status for r in batch.results] == ["committed", "rejected"]
    assert batch.results[1].problem is not None
    assert batch.results[1].problem.code in ("double_spend", "value_not_conserved")
    assert (batch.committed, batch.rejected) == (1, 1)


def test_resubmitting_a_whole_batch_is_idempotent_item_by_item(api: Api) -> None:
    """A bank that lost the answer sends the same batch again: the same txids come back
    committed at the same places, and no wallet is paid twice."""
    bank_id, bank = found_bank(api)
    wallets = [open_wallet(api, bank_id, bank) for _ in range(2)]
    coins = api.client.bank_coins(bank_id, bank)
    fan_out = builders.transfer(
        NETWORK,
        coins,
        [
            *(builders.Output(owner=w.public_hex, amount=kzt(100)) for _, w in wallets),
            builders.Output(
                owner=bank.public_hex, amount=sum(c.output.amount for c in coins) - kzt(200)
            ),
        ],
        [bank],
    )
    first = api.client.submit_batch([fan_out], wait=True)
    again = api.client.submit_batch([fan_out], wait=True)
    assert [r.status for r in again.results] == ["committed"]
    assert [(r.txid, r.height, r.index) for r in again.results] == [
        (r.txid, r.height, r.index) for r in first.results
    ]
    for wallet_id, wallet in wallets:
        assert api.client.wallet(wallet_id, wallet).balances == {"KZT": kzt(100)}


def test_history_lists_a_wallets_payments_newest_first(api: Api) -> None:
    bank_id, bank = found_bank(api)
    alice_id, alice = open_wallet(api, bank_id, bank, "full", kzt(5_000))
    bob_id, bob = open_wallet(api, bank_id, bank)
    txids = [pay(api, alice_id, alice, bob.public_hex, kzt(10) * (i + 1)) for i in range(3)]
    history = api.client.history(bob_id, bob)
    assert [e.txid for e in history.entries][:3] == list(reversed(txids))
    page = api.client.history(alice_id, alice, limit=2)
    assert len(page.entries) == 2 and page.next_before is not None


def test_bank_lists_its_own_wallets(api: Api) -> None:
    bank_id, bank = found_bank(api)
    opened = sorted(open_wallet(api, bank_id, bank)[0] for _ in range(3))
    assert list(api.client.bank_wallets(bank_id, bank).wallet_ids) == opened


def test_supply_and_network_figures_are_public(api: Api) -> None:
    bank_id, _ = found_bank(api, reserve=kzt(777))
    supply = api.client.supply()
    figures = {b.bank_id: b for b in supply.banks}
    assert figures[bank_id].issued == kzt(777)
    assert supply.tokens["KZT"] >= kzt(777)
    assert api.client.network().network == NETWORK
    assert api.client.blocks(1, 5).headers[0].height == 1


def test_history_pages_one_by_one_through_a_block_with_several_payments(api: Api) -> None:
    bank_id, bank = found_bank(api)
    bob_id, bob = open_wallet(api, bank_id, bank)
    coins = api.client.bank_coins(bank_id, bank)
    total = sum(c.output.amount for c in coins)
    fan = builders.transfer(
        NETWORK,
        coins,
        [builders.Output(owner=bank.public_hex, amount=total - 600)]
        + [builders.Output(owner=bank.public_hex, amount=200) for _ in range(3)],
        [bank],
    )
    assert api.client.submit(fan).result.status == "committed"
    pieces = [c for c in builders.coins_of(fan) if c.output.amount == 200]
    payments = [
        builders.transfer(NETWORK, [c], [builders.Output(owner=bob.public_hex, amount=200)], [bank])
        for c in pieces
    ]
    batch = api.client.submit_batch(payments, wait=True)
    assert {r.height for r in batch.results} == {batch.results[0].height}, "one block"
    seen, cursor = [], None
    while True:
        page = api.client.history(bob_id, bob, limit=1, before=cursor)
        seen += page.entries
        if page.next_before is None:
            break
        cursor = page.next_before
    paid = [e for e in seen if e.kind == "transfer"]
    assert sorted(e.txid for e in paid) == sorted(r.txid for r in batch.results)
    assert all(e.delta == {"KZT": 200} for e in paid)
