"""Where privacy keeps its state, and the effect every privacy kind returns.

All keys sit under ``schema.PRIVACY`` (consensus: every replica holds the
same bytes) except the validator's sealed limit book, which sits under
``schema.PRODUCER_LOCAL`` (see :mod:`privacy.book`). Pools are booked as
``schema.LOCKED`` value, so the core audit adds them to supply:

- ``private/<token>``: value in private notes, per token;
- ``anon/<denomination>``: value of anonymous tokens outstanding.
"""

from __future__ import annotations

from collections.abc import Iterable

from ledger.records import Locked, lock_record
from ledger.registry import Write, Writes
from ledger.state import StateView
from ledger.storage import schema
from privacy.errors import PoolExhausted, PrivacyNotConfigured
from privacy.types import PrivacyParams

PARAMS_KEY = schema.privacy_key("params", "current")


def nullifier_key(nullifier: str) -> bytes:
    """Present once a note is spent: the nullifier set."""
    return schema.privacy_key("nf", nullifier)


def commitment_key(commitment: str) -> bytes:
    """Present once a note exists: the commitment set (never removed, so spends stay unlinked)."""
    return schema.privacy_key("cm", commitment)


def private_tx_key(txid: str) -> bytes:
    """Marks a committed private transfer (what a disclosure may name)."""
    return schema.privacy_key("ptx", txid)


def token_key(denomination: int, token: str) -> bytes:
    """Present once an anonymous token is spent: the spent-token set."""
    return schema.privacy_key("token", f"{denomination}/{token}")


def anon_supply_key(denomination: int) -> bytes:
    return schema.privacy_key("anon", str(denomination))


def withdrawals_key(wallet_id: str) -> bytes:
    return schema.privacy_key("withdrawals", wallet_id)


def disclosure_key(txid: str, disclosure: str) -> bytes:
    return schema.privacy_key("disclosure", f"{txid}/{disclosure}")


def disclosure_prefix(txid: str | None = None) -> bytes:
    """All disclosure records, or those of one private transfer."""
    return schema.privacy_key("disclosure", f"{txid}/" if txid else "")


def private_pool(token: str) -> str:
    return f"private/{token}"


def anon_pool(denomination: int) -> str:
    return f"anon/{denomination}"


def params_of(state: StateView) -> PrivacyParams:
    """The parameters in force, or :class:`PrivacyNotConfigured`."""
    params = state.read(PARAMS_KEY, PrivacyParams)
    if params is None:
        raise PrivacyNotConfigured()
    return params


def locked(pool: str, state: StateView) -> int:
    record = state.read(schema.locked_key(pool), Locked)
    return record.amount if record else 0


def pool_write(pool: str, token: str, delta: int, state: StateView) -> Write:
    """Add ``delta`` to a pool; refuse to go below zero; an empty pool is deleted."""
    current = locked(pool, state)
    if current + delta < 0:
        raise PoolExhausted(pool=pool, available=current, requested=-delta)
    return lock_record(pool, token, current + delta)


def marker_writes(keys: Iterable[bytes]) -> list[Write]:
    """Set-membership entries: the key is present, the value empty."""
    return [(key, b"") for key in keys]


class PrivacyEffect(Writes, frozen=True):
    """Every record a checked privacy transaction writes, and what the validator forgets."""

    forget: str = ""
    """A txid whose plaintext the validator drops once the effect is applied."""
