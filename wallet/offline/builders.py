"""Build and sign the offline kinds: PKI acts, purses, reserves, deposits, fraud proofs.

Phone-side and bank-side alike: only ledger types and crypto, and the pure
modules of ``offline``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ledger.crypto import KeyPair
from ledger.types import Output, Transaction
from offline.params import OfflineParams
from offline.types import (
    BankCaSet,
    CrlPublish,
    DeviceEnrol,
    DeviceRevoke,
    OfflineSetup,
    PurseClawback,
    PurseDefund,
    PurseFraud,
    PurseFund,
    PurseVouchers,
    ReserveFund,
    VoucherDeposit,
)
from offline.voucher import SignedVoucher
from wallet.builders import Coin, select_coins, signers_for


def setup(
    network: str, central_bank: KeyPair, root: bytes, params: OfflineParams, nonce: int = 0
) -> Transaction:
    """``offline.setup``: the root certificate (DER) and the offline rules."""
    body = OfflineSetup(root=root.hex(), params=params, nonce=nonce)
    return Transaction.create(network, body, [central_bank])


def bank_ca(network: str, central_bank: KeyPair, bank_id: str, certificate: bytes) -> Transaction:
    """``offline.ca``: certify a bank's key as its offline CA."""
    body = BankCaSet(bank_id=bank_id, certificate=certificate.hex())
    return Transaction.create(network, body, [central_bank])


def enrol(network: str, bank: KeyPair, certificate: bytes) -> Transaction:
    """``device.enrol``: register a device certificate the bank issued."""
    return Transaction.create(network, DeviceEnrol(certificate=certificate.hex()), [bank])


def revoke(network: str, bank: KeyPair, serial: str, reason: str = "lost") -> Transaction:
    """``device.revoke``."""
    body = DeviceRevoke(serial=serial, reason=reason)  # type: ignore[arg-type]
    return Transaction.create(network, body, [bank])


def publish_crl(network: str, bank: KeyPair, bank_id: str, crl: bytes) -> Transaction:
    """``offline.crl``: publish the bank's newest CRL (DER)."""
    return Transaction.create(network, CrlPublish(bank_id=bank_id, crl=crl.hex()), [bank])


def _change(coins: Sequence[Coin], amount: int, to: str) -> tuple[Output, ...]:
    change = sum(c.output.amount for c in coins) - amount
    return (Output(owner=to, amount=change),) if change > 0 else ()


def reserve_fund(
    network: str, bank: KeyPair, bank_id: str, coins: Iterable[Coin], amount: int
) -> Transaction:
    """``reserve.fund``: lock ``amount`` of the bank's reserve coins as its guarantee."""
    chosen = select_coins(coins, amount)
    body = ReserveFund(
        bank_id=bank_id,
        inputs=tuple(c.point for c in chosen),
        amount=amount,
        change=_change(chosen, amount, bank.public_hex),
    )
    return Transaction.create(network, body, signers_for(chosen, [bank]))


def purse_fund(
    network: str, keys: Sequence[KeyPair], coins: Iterable[Coin], device: str, amount: int
) -> Transaction:
    """``purse.fund``: move ``amount`` of the wallet's coins into a purse on ``device``."""
    chosen = select_coins(coins, amount)
    body = PurseFund(
        inputs=tuple(c.point for c in chosen),
        device=device,
        amount=amount,
        change=_change(chosen, amount, chosen[0].output.owner),
    )
    return Transaction.create(network, body, signers_for(chosen, keys))


def purse_defund(
    network: str,
    signer: KeyPair,
    purse: str,
    last_counter: int,
    cumulative: int,
    amount: int,
    to: str,
) -> Transaction:
    """``purse.defund``, signed by the device (or, after the window, a wallet key)."""
    body = PurseDefund(
        purse=purse, last_counter=last_counter, cumulative=cumulative, amount=amount, to=to
    )
    return Transaction.create(network, body, [signer])


def deposit(
    network: str, signer: KeyPair, groups: Iterable[tuple[str, str, Sequence[SignedVoucher]]]
) -> Transaction:
    """``voucher.deposit`` of ``(purse, device key, vouchers)`` groups, signed by the payee."""
    deposits = tuple(
        PurseVouchers(purse=purse, device=device, vouchers=tuple(v.raw.hex() for v in vouchers))
        for purse, device, vouchers in groups
    )
    return Transaction.create(network, VoucherDeposit(network=network, deposits=deposits), [signer])


def fraud(
    network: str, signer: KeyPair, purse: str, device: str, vouchers: Sequence[SignedVoucher]
) -> Transaction:
    """``purse.fraud``: submit device-signed vouchers that prove a double spend."""
    body = PurseFraud(
        network=network, purse=purse, device=device, vouchers=tuple(v.raw.hex() for v in vouchers)
    )
    return Transaction.create(network, body, [signer])


def clawback(
    network: str, bank: KeyPair, purse: str, coins: Iterable[Coin], amount: int
) -> Transaction:
    """``purse.clawback``: the bank takes what the reserve advanced from the payer's coins."""
    chosen = select_coins(coins, amount)
    body = PurseClawback(
        purse=purse,
        inputs=tuple(c.point for c in chosen),
        amount=amount,
        change=_change(chosen, amount, chosen[0].output.owner),
    )
    return Transaction.create(network, body, [bank])
