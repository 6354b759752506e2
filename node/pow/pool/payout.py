"""Pay-per-last-N-shares: each block's reward split over the last N accepted shares.

Every share carries the same expected work (one share target for all), so a
miner's shares in the window measure the computing power it contributed, as
the law asks. Splits are exact integers: floors first, then the remainder one
base unit each to the largest fractional parts (ties to the lower key), so a
block's payouts always add up to its reward.

:func:`recompute` is what anyone can run on the published log: it checks
every job (the pool's signature, a licensed miner, the Merkle root), every
share (its own miner's job, once, at or under the share target) and every
block (the share that found it), and returns each block's payouts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from ledger.crypto import merkle_root
from ledger.errors import TengeError
from node.pow.licence import MiningRegister, check_licensed
from node.pow.pool.log import BlockEntry, Entry, JobEntry, ShareEntry
from node.pow.pool.shares import share_hash


class ShareLogError(ValueError):
    """The published log is not what an honest pool writes (raised by :func:`recompute`)."""

    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(f"share log entry {seq}: {reason}")
        self.seq, self.reason = seq, reason


def split(reward: int, weights: Mapping[str, int]) -> dict[str, int]:
    """``reward`` base units in proportion to ``weights``, exactly."""
    total = sum(weights.values())
    if total <= 0:
        return {}
    paid = {key: reward * weight // total for key, weight in weights.items()}
    remainder = reward - sum(paid.values())
    by_fraction = sorted(weights, key=lambda k: (-(reward * weights[k] % total), k))
    for key in by_fraction[:remainder]:
        paid[key] += 1
    return {key: amount for key, amount in sorted(paid.items()) if amount}


def pplns(workers: Sequence[str], reward: int, window: int) -> dict[str, int]:
    """The payouts of a block found by the last of ``workers`` (every accepted share's
    miner so far, in order): the reward split over the last ``window`` shares."""
    return split(reward, Counter(workers[-window:]))


def recompute(
    entries: Iterable[Entry],
    network: str,
    register: MiningRegister,
    pool: str,
    window: int,
) -> dict[str, dict[str, int]]:
    """Each block's payouts by block hash, from the published log alone; a dishonest log
    raises :class:`ShareLogError`."""
    jobs: dict[int, JobEntry] = {}
    seen: set[tuple[int, int]] = set()
    workers: list[str] = []
    last_share: ShareEntry | None = None
    payouts: dict[str, dict[str, int]] = {}
    for entry in entries:
        if isinstance(entry, JobEntry):
            _check_job(entry, network, register, pool)
            jobs[entry.job.job_id] = entry
        elif isinstance(entry, ShareEntry):
            _check_share(entry, jobs, seen)
            workers.append(entry.worker)
            last_share = entry
        else:
            _check_block(entry, last_share, jobs)
            payouts[entry.block_hash] = pplns(workers, entry.reward, window)
    return payouts


def _check_job(entry: JobEntry, network: str, register: MiningRegister, pool: str) -> None:
    coinbase, job = entry.coinbase, entry.job
    if coinbase.miner != pool or coinbase.worker != job.worker:
        raise ShareLogError(entry.seq, "the job's coinbase is not the pool's for its worker")
    try:
        check_licensed(coinbase, register, network)
    except TengeError as error:
        raise ShareLogError(entry.seq, error.code) from error
    leaves = [coinbase.coinbase_id(network), *(bytes.fromhex(h) for h in entry.leaves)]
    if merkle_root(leaves).hex() != job.header.merkle_root or coinbase.height != job.header.height:
        raise ShareLogError(entry.seq, "the header does not commit to the job's coinbase")


def _check_share(entry: ShareEntry, jobs: dict[int, JobEntry], seen: set[tuple[int, int]]) -> None:
    found = jobs.get(entry.job_id)
    if found is None or found.job.worker != entry.worker:
        raise ShareLogError(entry.seq, "a share for no job of its miner")
    if (entry.job_id, entry.nonce) in seen:
        raise ShareLogError(entry.seq, "a share counted twice")
    seen.add((entry.job_id, entry.nonce))
    hashed = int.from_bytes(share_hash(found.job.header, entry.nonce), "big")
    if hashed > found.job.share_target_int:
        raise ShareLogError(entry.seq, "a share above the share target")


def _check_block(entry: BlockEntry, share: ShareEntry | None, jobs: dict[int, JobEntry]) -> None:
    if share is None or share.seq != entry.share_seq:
        raise ShareLogError(entry.seq, "a block not found by the share before it")
    job = jobs[share.job_id]
    header = job.job.header
    if entry.reward != job.coinbase.value or entry.height != header.height:
        raise ShareLogError(entry.seq, "the block's reward or height is not its job's")
    found = share_hash(header, share.nonce)
    if found.hex() != entry.block_hash or int.from_bytes(found, "big") > header.target_int:
        raise ShareLogError(entry.seq, "the share does not make this block")
