"""The producer's inbox: first in, first out, a block at a time, bounded."""

from __future__ import annotations

import threading

from node.inbox import Inbox


def test_items_come_out_in_the_order_they_went_in_at_most_a_block_at_a_time() -> None:
    inbox: Inbox[int] = Inbox(limit=100)
    for n in range(10):
        assert inbox.put(n)
    assert inbox.take(most=4, fill_s=0.0, idle_s=0.0) == [0, 1, 2, 3]
    assert inbox.take(most=100, fill_s=0.0, idle_s=0.0) == [4, 5, 6, 7, 8, 9]
    assert len(inbox) == 0


def test_a_full_inbox_refuses_the_next_item() -> None:
    inbox: Inbox[str] = Inbox(limit=2)
    assert inbox.put("a") and inbox.put("b")
    assert not inbox.put("c")
    assert inbox.take(most=10, fill_s=0.0, idle_s=0.0) == ["a", "b"]


def test_an_empty_inbox_gives_nothing_once_the_idle_wait_is_over() -> None:
    inbox: Inbox[int] = Inbox(limit=10)
    assert inbox.take(most=10, fill_s=0.0, idle_s=0.01) == []


def test_a_waiting_consumer_wakes_for_an_item_put_by_another_thread() -> None:
    inbox: Inbox[int] = Inbox(limit=10)
    taken: list[int] = []
    consumer = threading.Thread(target=lambda: taken.extend(inbox.take(10, 0.0, idle_s=30)))
    consumer.start()
    inbox.put(7)
    consumer.join(timeout=30)
    assert taken == [7]


def test_a_block_closes_a_fill_time_after_its_oldest_item_arrived() -> None:
    now = [0.0]
    inbox: Inbox[str] = Inbox(limit=10, clock=lambda: now[0])
    inbox.put("a")
    now[0] = 5.0  # the consumer comes back later than the fill time (the clock stays there)
    taken: list[str] = []
    consumer = threading.Thread(
        target=lambda: taken.extend(inbox.take(10, fill_s=1.0, idle_s=0)), daemon=True
    )
    consumer.start()
    consumer.join(timeout=30)
    assert taken == ["a"]  # the block closed at once: a wait counted from now never ends


def test_a_block_that_is_not_due_waits_for_more_items() -> None:
    now = [0.0]
    inbox: Inbox[str] = Inbox(limit=10, clock=lambda: now[0])
    inbox.put("a")
    taken: list[str] = []
    consumer = threading.Thread(target=lambda: taken.extend(inbox.take(2, 1.0, 0)), daemon=True)
    consumer.start()
    inbox.put("b")  # the block is full before its fill time: it closes with both
    consumer.join(timeout=30)
    assert taken == ["a", "b"]
