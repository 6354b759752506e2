"""What one simulated owner may spend, kept from its own results so it never double-spends.

A Locust user owns its wallets (or bank desk) exclusively and acts on them one
request at a time. Coins it puts into a transaction are *reserved* at once;
a commit brings its change back, a refusal releases the inputs, and anything
unclear (a timeout, a 5xx, "pending") leaves them reserved so they are never
offered again. A signed read of the owner's outputs refreshes the book with
what others paid in, minus what is still reserved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ledger.crypto import KeyPair
from ledger.types import OutPoint, Transaction
from wallet.builders import Coin, coins_of

Point = tuple[str, int]


def point_of(point: OutPoint) -> Point:
    """An outpoint as a hashable pair."""
    return (point.txid, point.index)


@dataclass
class CoinBook:
    """The spendable coins of one key, and the outpoints already put into transactions."""

    owner: KeyPair
    coins: dict[Point, Coin] = field(default_factory=dict)
    reserved: set[Point] = field(default_factory=set)

    @property
    def balance(self) -> int:
        """Tiyn this book believes it can spend."""
        return sum(c.output.amount for c in self.coins.values())

    def spendable(self) -> list[Coin]:
        """Coins not yet put into any transaction."""
        return list(self.coins.values())

    def reserve(self, tx: Transaction) -> list[Coin]:
        """Take the transaction's inputs out of the spendable set; returns them."""
        taken = []
        for point in tx.body.spends():
            key = point_of(point)
            self.reserved.add(key)
            coin = self.coins.pop(key, None)
            if coin is not None:
                taken.append(coin)
        return taken

    def settle(self, tx: Transaction) -> None:
        """The transaction committed: its outputs to this key become spendable."""
        for coin in coins_of(tx, self.owner.public_hex):
            self.coins[point_of(coin.point)] = coin

    def release(self, taken: Iterable[Coin]) -> None:
        """The transaction was refused: its inputs are unspent and spendable again."""
        for coin in taken:
            key = point_of(coin.point)
            self.reserved.discard(key)
            self.coins[key] = coin

    def refresh(self, fetched: Iterable[Coin]) -> None:
        """Replace the book with what the ledger holds for this key, minus reserved coins.

        A reserved outpoint the ledger no longer lists is spent for good, so it is
        forgotten; one it still lists may belong to a transaction in flight.
        """
        mine = {point_of(c.point): c for c in fetched if c.output.owner == self.owner.public_hex}
        self.reserved &= mine.keys()
        self.coins = {k: c for k, c in mine.items() if k not in self.reserved}
