"""The producer's inbox: submissions appended by any thread, taken a block at a time.

A :class:`queue.Queue` takes a lock and signals a condition for every item, in
and out; at ten thousand transactions a second that is a noticeable share of
the writer's interpreter time. Here a submission is one ``deque.append``
(atomic in CPython), and the verifier drains up to a block in one pass.

A block closes ``fill_s`` after its *oldest* item arrived, not after the consumer
came back for it: items that arrive while the previous block is being verified have
waited that long already (decision record 0020).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
POLL_S = 0.001
"""How often a block that is filling looks again (it closes at most this late)."""


class Inbox(Generic[T]):
    """A bounded first-in, first-out inbox with one consumer.

    The bound is checked before each append without a lock, so threads putting
    at the same moment may pass it by one item each: it guards memory, not a count.
    """

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.clock = limit, clock
        self._items: deque[T] = deque()
        self._arrived = threading.Event()
        # When the oldest waiting item arrived. Without a lock it can be off: by a thread
        # switch when two puts race on an empty inbox, and earlier when a put races a take
        # (the next block then only closes sooner).
        self._oldest_at = clock()

    def put(self, item: T) -> bool:
        """Append ``item``; False when the inbox is full."""
        items = self._items
        if len(items) >= self.limit:
            return False
        if not items:  # the first of the next block: its wait starts now
            self._oldest_at = self.clock()
        items.append(item)
        if not self._arrived.is_set():  # setting takes a lock: only when the consumer may sleep
            self._arrived.set()
        return True

    def take(self, most: int, fill_s: float, idle_s: float) -> list[T]:
        """Up to ``most`` items: once the first is there (waiting at most ``idle_s``), wait
        until ``most`` are there or ``fill_s`` has passed since the oldest arrived,
        whichever comes first."""
        items = self._items
        if not items:
            self._arrived.clear()
            if not items:  # looked again after clearing: a put in between set the event
                self._arrived.wait(idle_s)
            if not items:
                return []
        deadline = self._oldest_at + fill_s
        while len(items) < most:
            remaining = deadline - self.clock()
            if remaining <= 0:
                break
            time.sleep(min(remaining, POLL_S))
        take = items.popleft
        return [take() for _ in range(min(most, len(items)))]

    def __len__(self) -> int:
        return len(self._items)
