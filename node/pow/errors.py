"""Why a proof-of-work block is refused: specific subclasses of ``InvalidBlock``.

They extend the ledger's one error tree (``ledger.errors``) from inside the
``pow`` package, so the API and logs treat them like any other invalid block,
each with its own stable ``code`` and typed fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger.errors import InvalidBlock, Rejected


@dataclass(eq=False)
class BadProofOfWork(InvalidBlock):
    code = "bad_proof_of_work"
    title = "The header's double SHA-256 is above its target"
    block_hash: str = ""
    target: str = ""


@dataclass(eq=False)
class BadTarget(InvalidBlock):
    code = "bad_target"
    title = "The header's target is not the one the retarget rule requires"
    expected: str = ""
    got: str = ""


@dataclass(eq=False)
class BadTimestamp(InvalidBlock):
    code = "bad_timestamp"
    title = "The header's time is not after the median of past blocks or is too far ahead"
    time_ms: int = 0
    minimum: int = 0
    maximum: int = 0


@dataclass(eq=False)
class BlockTooLarge(InvalidBlock):
    code = "block_too_large"
    title = "The block is larger than the block size limit"
    size: int = 0
    limit: int = 0


@dataclass(eq=False)
class BadMerkleRoot(InvalidBlock):
    code = "bad_merkle_root"
    title = "The header's Merkle root does not match the block's contents"


@dataclass(eq=False)
class UnknownParent(InvalidBlock):
    code = "unknown_parent"
    title = "The block builds on a block this node has not seen"
    prev_hash: str = ""


@dataclass(eq=False)
class RewardOverspend(InvalidBlock):
    code = "reward_overspend"
    title = "The coinbase mints more than the block reward"
    allowed: int = 0
    claimed: int = 0


@dataclass(eq=False)
class ImmatureCoinbase(InvalidBlock):
    code = "immature_coinbase"
    title = "A coinbase output is spent before it matured"
    coinbase_height: int = 0
    matures_at: int = 0


@dataclass(eq=False)
class BadRewardSpend(InvalidBlock):
    code = "bad_reward_spend"
    title = "A reward spend is unsigned, unbalanced or spends an unknown coin"
    spend_id: str = ""


@dataclass(eq=False)
class RejectedTransaction(InvalidBlock):
    code = "rejected_transaction"
    title = "A ledger transaction in the block fails the ledger's rules on this branch"
    txid: str = ""
    error: str = ""


@dataclass(eq=False)
class UnaccreditedPool(InvalidBlock):
    code = "unaccredited_pool"
    title = (
        "Under the 2023 law a block's reward goes to an accredited mining pool, not a solo miner"
    )
    miner: str = ""


@dataclass(eq=False)
class UnlicensedMiner(InvalidBlock):
    code = "unlicensed_miner"
    title = "The block names no licensed miner to whom the accredited pool gave this job"
    worker: str = ""


@dataclass(eq=False)
class RejectedShare(Rejected):
    """``reason``: ``unlicensed``, ``unknown_job``, ``not_your_job``, ``stale``,
    ``duplicate`` or ``above_target``."""

    code = "rejected_share"
    title = "The pool does not count this share"
    reason: str = ""
    worker: str = ""
