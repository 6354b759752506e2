"""The accredited pool's own logic: jobs for licensed miners, shares, blocks, payouts.

:class:`MiningPool` runs a full node (:class:`~node.pow.node.PowNode`) on the
real chain. It gives each licensed miner its own job (a template whose
coinbase pays the pool, names the miner and carries the pool's signature),
accepts a share only from that job's miner, for a job on the current tip,
once, at or under the share target, and logs it; a share that meets the
block target becomes the pool's block. When a block's coinbase has matured,
the pool pays its PPLNS split with a reward spend in its next template: every
payout is on the chain, and every one follows from the published log.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.crypto import KeyPair
from ledger.errors import TengeError
from ledger.types import OutPoint, txid_of
from node.pow.block import PowBlock
from node.pow.coinbase import Coinbase, RewardOutput, RewardSpend, RewardSpendBody
from node.pow.errors import RejectedShare
from node.pow.licence import seal
from node.pow.mining import with_nonce
from node.pow.node import PowNode
from node.pow.params import target_hex
from node.pow.pool.log import BlockEntry, JobEntry, ShareEntry, ShareLog
from node.pow.pool.payout import pplns
from node.pow.pool.shares import Job, Share, share_hash


@dataclass(frozen=True)
class Verdict:
    """An accepted share, and the block it made, if it made one."""

    share_seq: int
    block: PowBlock | None = None


class MiningPool:
    """One accredited pool mining on one node's best chain."""

    def __init__(self, node: PowNode, key: KeyPair, share_target: int, window: int) -> None:
        register = node.genesis.register
        if register is None or register.pool(key.public_hex) is None:
            raise ValueError("the pool's key is not accredited in the chain's mining register")
        self.node, self.key, self.register = node, key, register
        self.share_target, self.window = share_target, window
        self.log = ShareLog()
        self.jobs: dict[int, tuple[Job, PowBlock]] = {}
        self.seen: set[tuple[int, int]] = set()
        self.workers: list[str] = []
        self.credits: dict[str, dict[str, int]] = {}
        """Each pool block's PPLNS split, by block hash (paid once it matures)."""
        self.coinbases: dict[str, OutPoint] = {}
        self.heights: dict[str, int] = {}
        self.paid: set[str] = set()

    # -- jobs ------------------------------------------------------------------------

    def job_for(self, worker: str, time_ms: int | None = None) -> Job:
        """A fresh job for a licensed miner on the current tip (logged)."""
        if self.register.miner(worker) is None:
            raise RejectedShare(reason="unlicensed", worker=worker)
        network = self.node.network

        def sealed(coinbase: Coinbase) -> Coinbase:
            return seal(coinbase, self.key, network, worker)

        template = self.node.template(
            self.key.public_hex, time_ms=time_ms, spends=self.due_spends(), seal=sealed
        )
        job = Job(
            job_id=len(self.jobs) + 1,
            worker=worker,
            header=template.header,
            share_target=target_hex(self.share_target),
        )
        self.jobs[job.job_id] = (job, template)
        leaves = [s.spend_id(network).hex() for s in template.spends]
        leaves += [txid_of(network, bytes(e.body)).hex() for e in template.txs]
        self.log.add(JobEntry(len(self.log.entries), job, template.coinbase, tuple(leaves)))
        return job

    # -- shares -----------------------------------------------------------------------

    def submit(self, share: Share) -> Verdict:
        """Accept and log a share, or refuse it; publish the block it finds, if any."""
        found = self.jobs.get(share.job_id)
        if found is None:
            raise RejectedShare(reason="unknown_job", worker=share.worker)
        job, template = found
        if job.worker != share.worker:
            raise RejectedShare(reason="not_your_job", worker=share.worker)
        if job.header.prev_hash != self.node.tip.block_hash.hex():
            raise RejectedShare(reason="stale", worker=share.worker)
        if (share.job_id, share.nonce) in self.seen:
            raise RejectedShare(reason="duplicate", worker=share.worker)
        hashed = share_hash(job.header, share.nonce)
        if int.from_bytes(hashed, "big") > self.share_target:
            raise RejectedShare(reason="above_target", worker=share.worker)
        self.seen.add((share.job_id, share.nonce))
        seq = len(self.log.entries)
        self.log.add(ShareEntry(seq, share.job_id, share.worker, share.nonce))
        self.workers.append(share.worker)
        if int.from_bytes(hashed, "big") > job.header.target_int:
            return Verdict(seq)
        return Verdict(seq, self._publish(with_nonce(template, share.nonce), seq))

    def _publish(self, block: PowBlock, share_seq: int) -> PowBlock | None:
        try:
            self.node.receive(block)
        except TengeError:  # a template the node no longer accepts: the share still counts
            return None
        block_hash = block.block_hash().hex()
        reward = block.coinbase.value
        entry = BlockEntry(
            len(self.log.entries), share_seq, block.header.height, block_hash, reward
        )
        self.log.add(entry)
        self.credits[block_hash] = pplns(self.workers, reward, self.window)
        point = OutPoint(txid=block.coinbase.coinbase_id(self.node.network).hex(), index=0)
        self.coinbases[block_hash], self.heights[block_hash] = point, block.header.height
        return block

    # -- payouts ----------------------------------------------------------------------

    def best(self) -> set[str]:
        """Hashes of the blocks on the node's best chain."""
        return {entry.block_hash.hex() for entry in self.node.best_chain()}

    def due_spends(self) -> tuple[RewardSpend, ...]:
        """Reward spends paying every matured, unpaid pool block on the best chain."""
        self.paid |= self._paid_on_chain()
        height = self.node.tip.height + 1
        maturity = self.node.params.coinbase_maturity
        best, spends = self.best(), []
        for block_hash, split in self.credits.items():
            if block_hash in self.paid or block_hash not in best or not split:
                continue
            if height - self.heights[block_hash] < maturity:
                continue
            outputs = tuple(RewardOutput(owner=w, value=v) for w, v in sorted(split.items()))
            body = RewardSpendBody(inputs=(self.coinbases[block_hash],), outputs=outputs)
            spends.append(RewardSpend.create(self.node.network, body, self.key))
        return tuple(spends[:64])

    def _paid_on_chain(self) -> set[str]:
        by_point = {point: block_hash for block_hash, point in self.coinbases.items()}
        paid: set[str] = set()
        for entry in self.node.best_chain():
            if entry.block is None:
                continue
            for spend in entry.block.spends:
                paid.update(by_point[p] for p in spend.body.inputs if p in by_point)
        return paid

    def paid_on_chain(self) -> dict[str, dict[str, int]]:
        """What the chain shows the pool paid for each of its blocks."""
        by_point = {point: block_hash for block_hash, point in self.coinbases.items()}
        found: dict[str, dict[str, int]] = {}
        for entry in self.node.best_chain():
            for spend in entry.block.spends if entry.block is not None else ():
                for point in spend.body.inputs:
                    if point in by_point:
                        found[by_point[point]] = {o.owner: o.value for o in spend.body.outputs}
        return found
