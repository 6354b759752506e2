"""Offline payments: bank-certified device purses and vouchers that settle later.

A phone with no signal pays another phone with no signal: the payer's
device, certified by its bank (X.509: central bank root → bank CA → device,
Ed25519), signs a hash-chained voucher from a purse funded on the ledger;
the payee verifies the bundle (voucher, device certificate, funding
receipt) against its cached root and CRLs with no network, and deposits it
when it reconnects. Double spends are detected at deposit with the device's
own signatures as proof, the device is revoked, and every honest payee is
paid in full (purse, then the bank's reserve, repaid by claw-back from the
payer's wallet). Protocol, formats and threat model: ``docs/offline.md``.

Pure modules a phone carries (they import only ledger types, encoding,
crypto and receipts): ``params``, ``der``, ``certs``, ``pki``, ``voucher``,
``bundle``, ``proofs``, ``verify``, ``device``, ``errors``, ``types``. The
ledger's rules — ``authority`` (PKI kinds), ``purses`` (fund, defund,
reserve, claw-back), ``settlement`` and ``payout`` (deposit, fraud) — plug
into the registry through :func:`register`; ``queries`` serves the API the
records ``views`` describes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from offline import errors as errors  # the offline codes join the error tree on import

if TYPE_CHECKING:  # a phone imports this package without the ledger's rules
    from ledger.registry import Registry


def register(registry: Registry) -> None:
    """Add every offline kind to ``registry``."""
    from offline import authority, purses, settlement

    for module in (authority, purses, settlement):
        for rule in module.RULES:
            registry.add(rule)
