"""The hostile campaign against a real node process (``python -m loadtests.hostile --node``).

The story is written straight into a fresh data directory (LevelDB, the
genesis, the producer key, the validator's seed) at times a few minutes in
the past, so the node's wall clock finds every template still within its
windows; then ``tenge-node run`` serves it on loopback with its API worker
processes. Rounds build on each other here (one chain). Afterwards the node
is stopped and its LevelDB compared with a replay of its blocks on a copy of
the story's state, exactly as in process.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from ledger.crypto import KeyPair
from ledger.encoding import canonical
from ledger.storage.leveldb import LevelDBStore
from ledger.storage.memory import MemoryStore
from loadtests.hostile import Tally, copy_of, honest_payments, mutants, send_round, stored
from loadtests.hostile_story import Story, build, key
from loadtests.netkit import NodeProcess
from node.keyfiles import write_key
from node.producer import now_ms
from privacy.node import create_seed
from wallet.builders import Coin
from wallet.client import TengeClient

PAST_MS = 15 * 60_000
"""How long before now the story begins: its 80-odd blocks a second apart end well before."""


def write_story(data: Path) -> tuple[Story, MemoryStore]:
    """The story in ``data`` as a node reads it; a copy of its final state."""
    data.mkdir(parents=True, exist_ok=True)
    store = LevelDBStore(str(data / "ledger"))
    try:
        story = build(store, now_ms() - PAST_MS)
        snapshot = copy_of(store)
    finally:
        store.close()
    (data / "genesis.json").write_bytes(canonical(story.chain.genesis))
    write_key(data / "keys" / "producer.key", key("producer"))
    from loadtests.hostile_story import VALIDATOR_SEED

    create_seed(data, VALIDATOR_SEED)
    return story, snapshot


def run_rounds(client: TengeClient, story: Story, seed: int, rounds: int, tally: Tally) -> None:
    rng = random.Random(seed)

    def coins_of(name: str, owner: KeyPair) -> list[Coin]:
        return client.coins(name, owner)

    for number in range(rounds):
        send_round(client.http, honest_payments(coins_of, number), mutants(story, rng, 6), tally)
        tally.rounds += 1


def replayed_equal(data: Path, snapshot: MemoryStore, start: int) -> bool:
    """The stopped node's LevelDB against its own blocks replayed on the story's state."""
    from ledger.chain import Chain
    from node.composition import full_registry

    store = LevelDBStore(str(data / "ledger"))
    try:
        node = Chain(store, full_registry())
        replica = Chain(copy_of(snapshot), full_registry())
        for height in range(start + 1, node.tip.height + 1):
            block = node.block(height)
            assert block is not None
            replica.commit(replica.replay(block))
        return replica.tip == node.tip and stored(replica.store) == stored(store)
    finally:
        store.close()


def run_on_node(seed: int, rounds: int, data: Path | None = None) -> Tally:
    """``rounds`` rounds against a node process serving a fresh story; the tally."""
    tally = Tally()
    with tempfile.TemporaryDirectory(prefix="hostile-node-") as tmp:
        folder = data or Path(tmp) / "data"
        story, snapshot = write_story(folder)
        node = NodeProcess(folder, workers=2, threads=4).start()
        try:
            with TengeClient(node.url, timeout=30.0) as client:
                run_rounds(client, story, seed, rounds, tally)
        finally:
            if node.stop() != 0:
                tally.server_errors.append("the node did not stop cleanly on SIGTERM")
        if not replayed_equal(folder, snapshot, story.chain.tip.height):
            tally.server_errors.append("the node's state differs from its replayed blocks")
    return tally
