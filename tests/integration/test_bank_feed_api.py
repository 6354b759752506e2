"""A bank's event feed over the API: pages, replay from any cursor, long-poll, SSE, auth."""

from __future__ import annotations

import pytest

from ledger.params import kzt
from tests.harness import NETWORK, key
from tests.integration.conftest import Api
from tests.integration.story import found_bank, open_wallet, pay
from wallet.client import ApiError
from wallet.feed import FeedConsumer
from wire.bank import FeedEvent
from wire.httpsig import SignedReads


def everything(api: Api, bank_id: str, after: str | None = None) -> list[FeedEvent]:
    events: list[FeedEvent] = []
    while True:
        page = api.client.bank_events(bank_id, key(bank_id), after, limit=3)
        events += page.events
        if not page.events:
            return events
        after = page.next_after


def test_feed_lists_the_banks_events_in_chain_order_with_their_movements(api: Api) -> None:
    bank_id, bank = found_bank(api)
    alice_id, alice = open_wallet(api, bank_id, bank, "basic", kzt(1_000))
    bob_id, bob = open_wallet(api, bank_id, bank)
    txid = pay(api, alice_id, alice, bob.public_hex, kzt(250))
    events = everything(api, bank_id)
    kinds = [(e.kind, e.wallet_id) for e in events]
    assert kinds[:2] == [("bank.register", None), ("issue", None)]
    assert ("wallet.open", alice_id) in kinds and ("wallet.open", bob_id) in kinds
    payment = [e for e in events if e.txid == txid]
    assert {e.wallet_id: e.delta for e in payment} == {
        alice_id: {"KZT": -kzt(250)},
        bob_id: {"KZT": kzt(250)},
    }
    assert [e.sub for e in payment] == [0, 1]
    positions = [(e.height, e.index, e.sub) for e in events]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    issue = next(e for e in events if e.kind == "issue")
    assert issue.delta == {"KZT": kzt(1_000_000)}


def test_replay_from_any_cursor_gives_exactly_the_events_after_it(api: Api) -> None:
    bank_id, bank = found_bank(api)
    alice_id, alice = open_wallet(api, bank_id, bank, "basic", kzt(1_000))
    _, bob = open_wallet(api, bank_id, bank)
    pay(api, alice_id, alice, bob.public_hex, kzt(1))
    events = everything(api, bank_id)
    for position, event in enumerate(events):
        assert everything(api, bank_id, event.id) == events[position + 1 :]
    block_start = f"{events[-1].height}"  # a bare height is the start of that block
    assert everything(api, bank_id, block_start)[0].height == events[-1].height


def test_another_banks_feed_is_not_readable(api: Api) -> None:
    bank_id, _ = found_bank(api)
    other_id, other = found_bank(api)
    with pytest.raises(ApiError) as refused:
        api.client.bank_events(bank_id, other)
    assert refused.value.status == 403
    assert api.client.bank_events(other_id, other).events


def test_a_bad_cursor_is_a_bad_parameter(api: Api) -> None:
    bank_id, bank = found_bank(api)
    for cursor in ("x", "1.2.3.4", "99999999999999999999", "-1"):
        with pytest.raises(ApiError) as refused:
            api.client.bank_events(bank_id, bank, cursor)
        assert (refused.value.status, refused.value.code) == (400, "bad_parameter")


def test_long_poll_at_the_tip_returns_the_cursor_unchanged_when_nothing_comes(api: Api) -> None:
    bank_id, bank = found_bank(api)
    tip = everything(api, bank_id)[-1].id
    page = api.client.bank_events(bank_id, bank, tip, wait=1)
    assert page.events == () and page.next_after == tip


def test_consumer_resumes_after_its_cursor_without_repeating(api: Api) -> None:
    bank_id, bank = found_bank(api)
    consumer = FeedConsumer(api.client, bank_id, bank)
    seen: list[str] = []
    consumer.poll(lambda e: seen.append(e.id))
    open_wallet(api, bank_id, bank, "basic", kzt(10))
    consumer.poll(lambda e: seen.append(e.id))
    assert seen == [e.id for e in everything(api, bank_id)]


def test_event_stream_sends_each_event_as_one_sse_message_then_ends(api: Api) -> None:
    bank_id, bank = found_bank(api)
    events = everything(api, bank_id)
    signer = SignedReads(bank, NETWORK)
    response = api.client.http.get(
        f"/v1/banks/{bank_id}/events/stream", params={"max_s": 1}, auth=signer
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    messages = [m for m in response.text.split("\n\n") if m and not m.startswith(":")]
    ids = [line[4:] for m in messages for line in m.splitlines() if line.startswith("id: ")]
    assert ids == [e.id for e in events]
    assert messages[-1] == f"event: end\ndata: {events[-1].id}"


def test_an_unsigned_feed_request_is_refused(api: Api) -> None:
    bank_id, _ = found_bank(api)
    response = api.client.http.get(f"/v1/banks/{bank_id}/events")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


def test_a_transfer_between_two_banks_wallets_lists_in_both_feeds(api: Api) -> None:
    first_id, first = found_bank(api)
    second_id, second = found_bank(api)
    alice_id, alice = open_wallet(api, first_id, first, "basic", kzt(100))
    bob_id, bob = open_wallet(api, second_id, second)
    txid = pay(api, alice_id, alice, bob.public_hex, kzt(40))
    assert [(e.wallet_id, e.delta) for e in everything(api, first_id) if e.txid == txid] == [
        (alice_id, {"KZT": -kzt(40)})
    ]
    assert [(e.wallet_id, e.delta) for e in everything(api, second_id) if e.txid == txid] == [
        (bob_id, {"KZT": kzt(40)})
    ]
