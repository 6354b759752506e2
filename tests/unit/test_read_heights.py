"""``LedgerService.height_at_least``: a replica waits for an ordered height, never longer
than asked, and refuses one nobody ordered (the cluster's replicas use it; here a stub
ordering stands in for the JetStream stream, which tests/cluster runs for real)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future

import pytest

from ledger.chain import Chain
from ledger.errors import HeightNotOrdered, HeightNotReached
from ledger.params import make_genesis
from ledger.rules import core_registry
from ledger.storage.memory import MemoryStore
from ledger.types import Transaction
from node.ordering import CommitListener, Outcome
from node.producer import Producer
from node.service import LedgerService
from tests.harness import NETWORK, T0, key
from wallet import builders


class OrderedAhead:
    """An ordering whose stream holds ``ordered`` blocks; commits come from ``producer``."""

    def __init__(self, producer: Producer, ordered: int) -> None:
        self.producer, self.ordered = producer, ordered
        self.on_commit: list[CommitListener] = producer.on_commit

    def submit(self, tx: Transaction | bytes, verified: bool = False) -> Future[Outcome]:
        return self.producer.submit(tx, verified)

    def queue_size(self) -> int:
        return self.producer.queue_size()

    def clock(self) -> int:
        return self.producer.clock()

    def ordered_height(self, wanted: int) -> int:
        return self.ordered


@pytest.fixture
def replica() -> Iterator[tuple[LedgerService, Chain]]:
    genesis = make_genesis(NETWORK, [key("cb").public_hex], [key("producer").public_hex], T0)
    chain = Chain(MemoryStore(), core_registry(), genesis)
    producer = Producer(chain, key("producer"), max_wait_ms=5).start()
    yield LedgerService(chain, OrderedAhead(producer, ordered=5)), chain
    producer.stop()


def test_a_height_already_applied_answers_at_once(replica: tuple[LedgerService, Chain]) -> None:
    service, chain = replica
    assert service.height_at_least(0, wait_ms=0) == chain.tip.height == 0


def test_an_ordered_height_not_applied_in_time_is_height_not_reached(
    replica: tuple[LedgerService, Chain],
) -> None:
    service, _ = replica
    with pytest.raises(HeightNotReached) as refused:
        service.height_at_least(3, wait_ms=30)
    assert (refused.value.min_height, refused.value.height) == (3, 0)
    assert refused.value.status == 503 and refused.value.retry_after_s == 1


def test_a_height_beyond_the_stream_is_refused_without_waiting(
    replica: tuple[LedgerService, Chain],
) -> None:
    service, _ = replica
    with pytest.raises(HeightNotOrdered) as refused:
        service.height_at_least(6, wait_ms=60_000)  # would hang a minute if it waited
    assert refused.value.status == 400


def test_a_waiting_read_wakes_when_the_block_commits(
    replica: tuple[LedgerService, Chain],
) -> None:
    service, _ = replica
    answered: list[int] = []
    reader = threading.Thread(target=lambda: answered.append(service.height_at_least(1, 5_000)))
    reader.start()
    register = builders.bank_register(NETWORK, key("cb"), "b", "B", [key("b").public_hex], 1)
    service.submit([register], wait=True)
    reader.join(timeout=10)
    assert answered == [1]
