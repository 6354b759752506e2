"""An accredited pool in one process on an easy chain, with licensed miners grinding in turn.

Deterministic: keys from names, the devnet's settable clock, and each miner's
nonces taken in fixed chunks sized by its power, so two runs that differ only
in one miner's behaviour (withholding, duplicating) can be compared share for
share. Nothing here is used outside tests.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import msgspec

from loadtests.pow.devnet import Devnet, devnet, miner_key
from node.pow.errors import RejectedShare
from node.pow.licence import AccreditedPool, LicensedMiner, MiningRegister
from node.pow.node import PowNode
from node.pow.params import PowParams
from node.pow.pool.pool import MiningPool
from node.pow.pool.shares import Share, grind_shares, share_hash

POWERS = {"steppe-dc": 3, "irtysh-rigs": 2, "nura-rigs": 1}
CATEGORY = {"steppe-dc": "data_centre", "irtysh-rigs": "equipment", "nura-rigs": "equipment"}
BLOCK_TARGET = 1 << 250  # about 64 hashes a block
SHARE_TARGET = 1 << 254  # about 4 hashes a share: 16 shares a block
WINDOW = 32

Policy = Callable[[str, int, bool], bool]
"""Whether a miner submits a share: (miner, its share number, whether it is a block)."""


def honest(miner: str, number: int, block: bool) -> bool:
    return True


class PoolWorld:
    """A devnet with a mining register, its pool, and the licensed miners by name."""

    def __init__(self) -> None:
        params = PowParams.local(interval_ms=1_000, coinbase_maturity=3)
        net: Devnet = devnet(params, target=BLOCK_TARGET)
        self.pool_key = miner_key("qazaq-pool")
        self.keys = {name: miner_key(name) for name in POWERS}
        self.register = MiningRegister(
            pools=(
                AccreditedPool(key=self.pool_key.public_hex, name="Qazaq", accreditation="A-1"),
            ),
            miners=tuple(
                LicensedMiner(key=k.public_hex, name=n, licence=f"L-{n}", category=CATEGORY[n])  # type: ignore[arg-type]
                for n, k in self.keys.items()
            ),
        )
        self.genesis = msgspec.structs.replace(net.genesis, register=self.register)
        self.clock = net.clock
        self.node = PowNode(self.genesis, clock=self.clock)
        self.pool = MiningPool(self.node, self.pool_key, SHARE_TARGET, WINDOW)
        self.submitted: Counter[str] = Counter()

    def key(self, name: str) -> str:
        return self.keys[name].public_hex

    def mine(self, rounds: int, policy: Policy = honest, duplicate: str | None = None) -> None:
        """Each round every miner grinds a fresh job of its own for ``4 x power`` nonces and
        submits the shares ``policy`` lets through (``duplicate`` sends each of its twice)."""
        number: Counter[str] = Counter()
        for _ in range(rounds):
            for name, power in POWERS.items():
                self.clock.now_ms += 10  # a new time: a new header, a new nonce space
                job = self.pool.job_for(self.key(name))
                for nonce in grind_shares(job.header.prefix(), SHARE_TARGET, 0, 4 * power):
                    hashed = int.from_bytes(share_hash(job.header, nonce), "big")
                    block = hashed <= job.header.target_int
                    number[name] += 1
                    if policy(name, number[name], block):
                        self.send(Share(job_id=job.job_id, worker=self.key(name), nonce=nonce))
                        if name == duplicate:
                            self.refused(
                                Share(job_id=job.job_id, worker=self.key(name), nonce=nonce)
                            )
                        if block:
                            break

    def send(self, share: Share) -> None:
        self.pool.submit(share)
        self.submitted[share.worker] += 1

    def refused(self, share: Share) -> str:
        """The reason the pool refuses ``share`` (it must)."""
        try:
            self.pool.submit(share)
        except RejectedShare as refusal:
            return refusal.reason
        raise AssertionError("the pool counted the share")

    def credited(self) -> Counter[str]:
        """Each miner's PPLNS credits over the pool's blocks on the best chain."""
        best = self.pool.best()
        total: Counter[str] = Counter()
        for block_hash, split in self.pool.credits.items():
            if block_hash in best:
                total.update(split)
        return total
