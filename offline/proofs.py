"""When device-signed vouchers prove cheating: the pure rules of fraud evidence.

An honest device signs one voucher per counter, each extending the previous
one's hash and cumulative amount, never above its limits or its funding, and
nothing after the counter it stated when defunding. Any two vouchers (or one)
that break this are a proof no one but the device's key could have made, so
the ledger may charge its wallet. Shared by the ledger's rules and the
payee's offline verifier. Pure module.
"""

from __future__ import annotations

from offline.params import OfflineLimits
from offline.records import FraudKind
from offline.voucher import SignedVoucher


def chain_break(lower: SignedVoucher, upper: SignedVoucher, network: str) -> str | None:
    """Why ``upper`` cannot follow ``lower`` on one honest chain: ``prev_hash``,
    ``cumulative``, or None when it can (``lower.counter < upper.counter``)."""
    a, b = lower.voucher, upper.voucher
    gap = b.counter - a.counter
    if gap <= 0:
        raise ValueError("the lower voucher must have the lower counter")
    if gap == 1:
        if b.prev != lower.voucher_id(network):
            return "prev_hash"
        return None if b.cumulative == a.cumulative + b.amount else "cumulative"
    # every voucher in between paid at least 1 tiyn
    return None if b.cumulative - b.amount >= a.cumulative + gap - 1 else "cumulative"


def pair_fraud(x: SignedVoucher, y: SignedVoucher, network: str) -> FraudKind | None:
    """The fraud two vouchers of one purse prove, if any."""
    if x.voucher.counter == y.voucher.counter:
        return "double_counter" if x.raw != y.raw else None
    lower, upper = sorted((x, y), key=lambda s: s.voucher.counter)
    return "broken_chain" if chain_break(lower, upper, network) else None


def over_limit(signed: SignedVoucher, limits: OfflineLimits, funded: int) -> bool:
    """True when an honest device would never have signed this voucher."""
    v = signed.voucher
    return v.amount > limits.max_voucher or v.counter > limits.max_vouchers or v.cumulative > funded


def after_statement(signed: SignedVoucher, last_counter: int, last_cumulative: int) -> bool:
    """True when the voucher contradicts the device's signed defund statement."""
    v = signed.voucher
    return v.counter > last_counter or v.cumulative > last_cumulative
