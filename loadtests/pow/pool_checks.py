"""After the pool run: the chain replays on a fresh node, and the law's refusals hold on it.

An observer node built from the genesis receives the pool's whole best chain
(every block must be accepted by the consensus rules, the register's
included). Then two blocks are mined on its tip and offered to it: a
licensed miner mining solo (its reward to its own key) and a pool block
naming an unlicensed worker; both must be refused with the law's codes.
"""

from __future__ import annotations

from typing import Any

from ledger.crypto import KeyPair, sha256
from ledger.errors import TengeError
from node.pow.block import PowGenesis
from node.pow.coinbase import Coinbase
from node.pow.licence import seal
from node.pow.mining import mine
from node.pow.node import PowNode
from node.pow.pool.service import PoolReport


def consensus_refusals(
    genesis: PowGenesis, report: PoolReport, pool: KeyPair, licensed: KeyPair
) -> dict[str, Any]:
    """Replay the pool's chain on an observer; the codes a solo and an unlicensed block get."""
    observer = PowNode(genesis)
    for block in report.chain:
        observer.receive(block)
    stranger = KeyPair.from_seed(sha256(b"pow-pool:an unlicensed miner"))

    def unlicensed(coinbase: Coinbase) -> Coinbase:
        return seal(coinbase, pool, genesis.network, stranger.public_hex)

    attempts = {
        "solo": observer.template(licensed.public_hex),
        "unlicensed": observer.template(pool.public_hex, seal=unlicensed),
    }
    codes = {}
    for name, template in attempts.items():
        try:
            observer.receive(mine(template))
            codes[name] = "accepted"
        except TengeError as error:
            codes[name] = error.code
    return {"replayed_height": observer.tip.height, **codes}
