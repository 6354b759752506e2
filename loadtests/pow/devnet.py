"""A small PoW network in one process, for tests, demos and tools.

Very easy targets make blocks take a few hundred hashes, and a settable clock
makes block times (and so retargeting) exactly what the caller says.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ledger.crypto import KeyPair, sha256
from ledger.types import Transaction
from loadtests.pow.workload import Workload, build_workload
from node.pow.block import PowBlock, PowGenesis
from node.pow.coinbase import Coinbase, RewardSpend
from node.pow.mining import mine
from node.pow.node import PowNode
from node.pow.params import PowParams, target_hex
from node.pow.reward import block_reward
from node.pow.tree import TreeEntry

EASY_TARGET = 1 << 248
"""About one hash in 256 qualifies."""


@dataclass
class Clock:
    """A clock that only moves when told to."""

    now_ms: int

    def __call__(self) -> int:
        return self.now_ms


@dataclass
class Devnet:
    """One genesis, its workload, and a shared clock for every node made from it."""

    genesis: PowGenesis
    workload: Workload
    clock: Clock
    nodes: list[PowNode] = field(default_factory=list)

    def node(self) -> PowNode:
        """A fresh node on this network."""
        made = PowNode(self.genesis, clock=self.clock)
        self.nodes.append(made)
        return made

    @property
    def transfers(self) -> tuple[Transaction, ...]:
        """The workload's pre-signed payments."""
        return self.workload.transfers


def devnet(
    params: PowParams | None = None,
    transfers: int = 4,
    seed: int = 1,
    target: int = EASY_TARGET,
    genesis_ms: int = 1_800_000_000_000,
) -> Devnet:
    """A network with ``transfers`` pre-signed payments waiting to be mined."""
    workload = build_workload(transfers, seed)
    genesis = PowGenesis(
        params=params or PowParams.local(interval_ms=1_000),
        ledger=workload.genesis,
        bootstrap=tuple(tx.envelope() for tx in workload.bootstrap),
        time_ms=genesis_ms,
        target=target_hex(target),
    )
    return Devnet(genesis, workload, Clock(genesis_ms + 3_600_000))


def miner_key(name: str) -> KeyPair:
    """A deterministic miner key."""
    return KeyPair.from_seed(sha256(b"devnet-miner:" + name.encode()))


def mine_next(
    node: PowNode,
    miner: KeyPair,
    time_ms: int,
    spends: tuple[RewardSpend, ...] = (),
) -> PowBlock:
    """Mine one block from ``node``'s template at ``time_ms`` and give it to ``node``."""
    block = mine(node.template(miner.public_hex, time_ms=time_ms, spends=spends))
    node.receive(block)
    return block


def mine_on(
    node: PowNode,
    parent: TreeEntry,
    miner: KeyPair,
    time_ms: int,
    txs: tuple[Transaction, ...] = (),
    reward: int | None = None,
) -> PowBlock:
    """Mine a block exactly as given on ``parent`` (not handed to any node)."""
    height = parent.height + 1
    value = block_reward(height, node.params) if reward is None else reward
    coinbase = Coinbase(height=height, miner=miner.public_hex, value=value)
    return mine(node.assemble(parent, time_ms, coinbase, (), txs))
