"""The PoW chain's own coin: coinbase outputs, reward spends, and the coin set.

This is the mining chain's mechanism, not the ledger's: a coinbase mints the
block reward to the miner's key, and a :class:`RewardSpend` moves matured
reward coins. Ledger transactions (KZT transfers) are ordered by the same
blocks but keep their own format, rules and state (``ledger.*``).
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from ledger.crypto import KeyPair, sha256, signing_message, verify
from ledger.encoding import Hex32, Hex64, Wire, canonical
from ledger.errors import InvalidBlock
from ledger.types import OutPoint
from node.pow.errors import BadRewardSpend, ImmatureCoinbase

DOMAIN_COINBASE = b"KZT-POW/coinbase/v1\x00"
DOMAIN_REWARD_SPEND = b"KZT-POW/reward-spend/v1\x00"

Value = Annotated[int, msgspec.Meta(ge=1, le=2**53 - 1, description="base units of the PoW coin")]


class Coinbase(Wire, frozen=True):
    """The first entry of every block: the reward minted to the miner."""

    height: Annotated[int, msgspec.Meta(ge=1, description="the block's height (unique ids)")]
    miner: Annotated[Hex32, msgspec.Meta(description="Ed25519 key that may spend the reward")]
    value: Annotated[int, msgspec.Meta(ge=0, description="base units minted")]
    worker: Annotated[
        Hex32 | None,
        msgspec.Meta(description="pool mining: the licensed miner whose work found the block"),
    ] = None
    job_sig: Annotated[
        Hex64 | None,
        msgspec.Meta(description="pool mining: the pool's signature over this coinbase"),
    ] = None

    def coinbase_id(self, network: str) -> bytes:
        """SHA-256 of DOMAIN || network || canonical(coinbase)."""
        return sha256(signing_message(DOMAIN_COINBASE, network, canonical(self)))


class RewardOutput(Wire, frozen=True):
    """PoW coins held by one key."""

    owner: Hex32
    value: Value


class RewardSpendBody(Wire, frozen=True):
    """Reward coins consumed and created."""

    inputs: Annotated[tuple[OutPoint, ...], msgspec.Meta(min_length=1, max_length=64)]
    outputs: Annotated[tuple[RewardOutput, ...], msgspec.Meta(min_length=1, max_length=64)]


class RewardSpend(Wire, frozen=True):
    """A signed move of reward coins, all held by ``owner``."""

    body: RewardSpendBody
    owner: Hex32
    sig: Hex64

    @staticmethod
    def message(network: str, body: RewardSpendBody) -> bytes:
        """The signed bytes: DOMAIN || network || canonical(body)."""
        return signing_message(DOMAIN_REWARD_SPEND, network, canonical(body))

    def spend_id(self, network: str) -> bytes:
        """SHA-256 of the signed bytes (the signature is excluded)."""
        return sha256(self.message(network, self.body))

    @classmethod
    def create(cls, network: str, body: RewardSpendBody, key: KeyPair) -> RewardSpend:
        """Sign ``body`` with the key that holds every input."""
        sig = key.sign(cls.message(network, body)).hex()
        return cls(body=body, owner=key.public_hex, sig=sig)


def validate_reward_spend(spend: RewardSpend, network: str) -> None:
    """Stateless rules: a valid signature and no input listed twice."""
    spend_id = spend.spend_id(network).hex()
    ok = verify(
        bytes.fromhex(spend.owner), spend.message(network, spend.body), bytes.fromhex(spend.sig)
    )
    if not ok or len(set(spend.body.inputs)) != len(spend.body.inputs):
        raise BadRewardSpend(reason="signature or duplicate input", spend_id=spend_id)


class RewardCoin(msgspec.Struct, frozen=True):
    """An unspent PoW coin and where it came from."""

    owner: str
    value: int
    height: int
    from_coinbase: bool


class RewardUndo(msgspec.Struct, frozen=True):
    """What to restore when the block that made these changes is disconnected."""

    removed: dict[OutPoint, RewardCoin]
    added: tuple[OutPoint, ...]


class RewardCoins:
    """The unspent PoW coins of one branch, with per-block undo."""

    def __init__(self) -> None:
        self.coins: dict[OutPoint, RewardCoin] = {}

    def connect(
        self,
        coinbase: Coinbase,
        spends: tuple[RewardSpend, ...],
        network: str,
        maturity: int,
    ) -> RewardUndo:
        """Apply a block's coinbase and spends in order; on any refusal change nothing."""
        height = coinbase.height
        removed: dict[OutPoint, RewardCoin] = {}
        added: list[OutPoint] = []
        try:
            for spend in spends:
                self._check(spend, height, network, maturity)
                spend_id = spend.spend_id(network).hex()
                for point in spend.body.inputs:
                    removed[point] = self.coins.pop(point)
                for index, output in enumerate(spend.body.outputs):
                    created = OutPoint(txid=spend_id, index=index)
                    self.coins[created] = RewardCoin(output.owner, output.value, height, False)
                    added.append(created)
        except InvalidBlock:
            self.disconnect(RewardUndo(removed=removed, added=tuple(added)))
            raise
        if coinbase.value:
            point = OutPoint(txid=coinbase.coinbase_id(network).hex(), index=0)
            self.coins[point] = RewardCoin(coinbase.miner, coinbase.value, height, True)
            added.append(point)
        return RewardUndo(removed=removed, added=tuple(added))

    def disconnect(self, undo: RewardUndo) -> None:
        """Reverse one block's changes."""
        for point in undo.added:
            self.coins.pop(point, None)
        self.coins.update(undo.removed)

    def _check(self, spend: RewardSpend, height: int, network: str, maturity: int) -> None:
        spend_id = spend.spend_id(network).hex()
        total = 0
        for point in spend.body.inputs:
            coin = self.coins.get(point)
            if coin is None or coin.owner != spend.owner:
                raise BadRewardSpend(height=height, reason="unknown input", spend_id=spend_id)
            if coin.from_coinbase and height - coin.height < maturity:
                raise ImmatureCoinbase(
                    height=height,
                    reason="coinbase spent too early",
                    coinbase_height=coin.height,
                    matures_at=coin.height + maturity,
                )
            total += coin.value
        if total != sum(o.value for o in spend.body.outputs):
            raise BadRewardSpend(height=height, reason="value not conserved", spend_id=spend_id)
