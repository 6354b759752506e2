"""The writer's garbage-collector policy: no full collection in the middle of a block.

CPython's cyclic collector stops every thread of the process while it runs. Its
full (generation 2) collections walk every tracked object the process holds, and
in a writer under load that is hundreds of thousands of pending submissions'
futures, conditions and lists: the first round of issue 19 measured four or five
full collections of 325 to 448 ms each in a 6-second run, and they were the whole
99th percentile of submit-to-commit latency (decision record 0017).

:class:`Collector` keeps the young collections (cheap, automatic, unchanged) and
takes the full ones out of the allocator's hands:

- at start-up it collects once and *freezes* what is alive then (the registry,
  the modules, the caches' skeleton): a frozen object is never walked again;
- it raises the threshold of the oldest generation so high that the allocator
  never starts a full collection itself;
- after a block has committed (a commit listener, in the committer thread), it
  runs a full collection itself, but only when nothing is waiting to be ordered
  (``idle``) and at least ``every_s`` seconds after the previous one, or,
  whatever the load, once ``at_most_s`` seconds have passed, so cyclic garbage
  stays bounded in time even under a load that never pauses.

Reference counting frees everything else at once, as always; the policy only
moves *when* cycles are found. It changes no result: a collection decides
nothing in the ledger.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence

from node.ordering import Outcome

OLDEST_THRESHOLD = 1_000_000
"""Generation-1 collections before the allocator would start a full one (never, in practice)."""


class Collector:
    """When the writer process runs its full garbage collections."""

    def __init__(
        self,
        idle: Callable[[], bool],
        every_s: float = 10.0,
        at_most_s: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``idle`` says whether nothing waits to be ordered (the producer's queue is empty)."""
        self.idle, self.every_s, self.at_most_s, self.clock = idle, every_s, at_most_s, clock
        self.last = clock()
        self.full_collections = 0
        self._saved: tuple[int, int, int] | None = None

    def start(self) -> Collector:
        """Collect and freeze what start-up built; the allocator stops starting full collections."""
        gc.collect()
        gc.freeze()
        young, middle, _ = self._saved = gc.get_threshold()
        gc.set_threshold(young, middle, OLDEST_THRESHOLD)
        self.last = self.clock()
        return self

    def stop(self) -> None:
        """Give the allocator its thresholds back (tests, a writer that stops)."""
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None

    def due(self) -> bool:
        """Whether a full collection should run now."""
        waited = self.clock() - self.last
        return waited >= self.at_most_s or (waited >= self.every_s and self.idle())

    def after_block(self, height: int, outcomes: Sequence[Outcome]) -> None:
        """A commit listener: a full collection between blocks when one is due."""
        if self.due():
            gc.collect()
            self.full_collections += 1
            self.last = self.clock()
