"""Mining under Kazakhstan's 2023 Law on Digital Assets: licensed miners, accredited pools.

The law makes digital mining a licensed activity in two categories — owners
of a mining data centre (with an energy quota) and owners of mining
equipment who rent space in one — and allows it only through an accredited
digital mining pool, which shares what is mined among its miners in
proportion to the computing power each contributed (``node.pow.pool``).

A chain whose genesis carries a :class:`MiningRegister` makes that a
consensus rule (:func:`check_licensed`): every block's coinbase pays an
accredited pool's key, names the licensed miner whose work found the block
(``worker``), and carries the pool's signature over that coinbase — proof
that the pool gave this job to this miner. A solo miner's block (its reward
to its own key) and an unlicensed miner's block are refused by every node.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from ledger.crypto import KeyPair, signing_message, verify
from ledger.encoding import Hex32, Wire, canonical
from node.pow.coinbase import Coinbase
from node.pow.errors import UnaccreditedPool, UnlicensedMiner

DOMAIN_POOL_JOB = b"KZT-POW/pool-job/v1\x00"
Category = Literal["data_centre", "equipment"]
CATEGORIES: tuple[Category, ...] = ("data_centre", "equipment")
Label = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class LicensedMiner(Wire, frozen=True):
    """A miner licensed for digital mining, with its category."""

    key: Annotated[Hex32, msgspec.Meta(description="the key the pool pays")]
    name: Label
    licence: Label
    category: Annotated[
        Category,
        msgspec.Meta(description="data_centre (owns a data centre, energy quota) or equipment"),
    ]
    quota_kw: (
        Annotated[int, msgspec.Meta(ge=1, description="a data centre's energy quota, kW")] | None
    ) = None


class AccreditedPool(Wire, frozen=True):
    """A digital mining pool accredited to receive block rewards and share them."""

    key: Annotated[Hex32, msgspec.Meta(description="the key coinbases pay; signs jobs")]
    name: Label
    accreditation: Label


class MiningRegister(Wire, frozen=True):
    """Who may mine on a chain under the law: accredited pools and licensed miners."""

    pools: tuple[AccreditedPool, ...]
    miners: tuple[LicensedMiner, ...]

    def miner(self, key: str) -> LicensedMiner | None:
        """The licensed miner holding ``key``, if any."""
        return next((m for m in self.miners if m.key == key), None)

    def pool(self, key: str) -> AccreditedPool | None:
        """The accredited pool holding ``key``, if any."""
        return next((p for p in self.pools if p.key == key), None)


def job_message(network: str, coinbase: Coinbase) -> bytes:
    """What the pool signs: DOMAIN || network || canonical(the coinbase without its signature)."""
    unsigned = msgspec.structs.replace(coinbase, job_sig=None)
    return signing_message(DOMAIN_POOL_JOB, network, canonical(unsigned))


def seal(coinbase: Coinbase, pool: KeyPair, network: str, worker: str) -> Coinbase:
    """The coinbase of a job the pool gives ``worker``: the worker named, the pool's signature."""
    named = msgspec.structs.replace(coinbase, worker=worker, job_sig=None)
    return msgspec.structs.replace(named, job_sig=pool.sign(job_message(network, named)).hex())


def check_licensed(coinbase: Coinbase, register: MiningRegister, network: str) -> None:
    """The reward goes to an accredited pool, for a licensed miner's work, as the pool signed."""
    height = coinbase.height
    if register.pool(coinbase.miner) is None:
        raise UnaccreditedPool(height=height, reason="solo or unaccredited", miner=coinbase.miner)
    worker = coinbase.worker or ""
    if register.miner(worker) is None:
        raise UnlicensedMiner(height=height, reason="no licensed miner named", worker=worker)
    signature = bytes.fromhex(coinbase.job_sig or "")
    if not verify(bytes.fromhex(coinbase.miner), job_message(network, coinbase), signature):
        raise UnlicensedMiner(height=height, reason="the pool did not sign this job", worker=worker)
