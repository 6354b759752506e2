"""The regulator's escrow key, split k-of-n with SLIP-39, and the disclosure procedure.

:func:`ceremony` makes the X25519 escrow key, splits its 32-byte private
half into one SLIP-39 group of ``n`` member shares with threshold ``k``
(``shamir-mnemonic``, the reference implementation) and forgets it: only the
public half is published (``PrivacyParams.escrow``), each named authority
keeps one mnemonic. Fewer than ``k`` shares reveal nothing about the key
(Shamir's scheme over GF(256)), and SLIP-39 refuses to combine them.

:func:`open_transfer` is the procedure's tool: it first requires a committed
``privacy.disclose`` record for the transaction — proven by the disclosure
transaction itself, its receipt from a trusted producer and at least ``k``
valid authority signatures in it — then combines the shares, checks the key
against the published one, and opens the regulator's envelope. What ``k``
colluding authorities can do outside this tool is written down in
``docs/privacy.md``: the tool is a procedure, not a cryptographic lock.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

import shamir_mnemonic
from nacl.public import PrivateKey

from ledger.crypto import DOMAIN_TX, signing_message
from ledger.encoding import decode_canonical
from ledger.receipts import verify_receipt
from ledger.types import Receipt, SignedTransaction, txid_of
from privacy.envelopes import RegulatorRecord, open_envelope
from privacy.errors import DisclosureNotRecorded, EnvelopeMismatch, NotPrivateTransaction
from privacy.notes import verify_signatures
from privacy.types import PrivacyDisclose, PrivacyParams, PrivateTransfer


def ceremony(
    authorities: Sequence[str], threshold: int, passphrase: bytes = b"", seed: bytes | None = None
) -> tuple[str, dict[str, str]]:
    """The escrow public key and one SLIP-39 mnemonic per named authority."""
    secret = seed if seed is not None else os.urandom(32)
    (mnemonics,) = shamir_mnemonic.generate_mnemonics(
        1, [(threshold, len(authorities))], secret, passphrase
    )
    public = bytes(PrivateKey(secret).public_key).hex()
    return public, dict(zip(authorities, mnemonics, strict=True))


def recover(mnemonics: Iterable[str], passphrase: bytes = b"") -> PrivateKey:
    """The escrow private key from at least k shares (SLIP-39 refuses fewer)."""
    return PrivateKey(shamir_mnemonic.combine_mnemonics(list(mnemonics), passphrase))


def require_disclosure(
    disclosure: SignedTransaction,
    receipt: Receipt,
    txid: str,
    params: PrivacyParams,
    producer_keys: Iterable[str],
    network: str,
) -> PrivacyDisclose:
    """The committed disclosure of ``txid``, signed by a quorum; else refuse."""
    body_bytes = bytes(disclosure.body)
    disclosure_id = txid_of(network, body_bytes).hex()
    verify_receipt(receipt, producer_keys, txid=disclosure_id, network=network)
    body = decode_canonical(body_bytes, PrivacyDisclose, "body")
    authorities = {a.key for a in params.authorities}
    signers = [s for s in disclosure.signatures if s.key in authorities]
    message = signing_message(DOMAIN_TX, network, body_bytes)
    valid = [s for s in signers if verify_signatures(message, (s,)) is None]
    if body.txid != txid or len({s.key for s in valid}) < params.threshold:
        raise DisclosureNotRecorded(txid=txid)
    return body


def open_transfer(
    transfer: SignedTransaction, escrow: PrivateKey, params: PrivacyParams, network: str
) -> RegulatorRecord:
    """The regulator's envelope of one private transfer, checked against its body."""
    body = decode_canonical(bytes(transfer.body), PrivateTransfer, "body")
    if bytes(escrow.public_key).hex() != params.escrow:
        raise EnvelopeMismatch(reason="the shares do not rebuild the published escrow key")
    envelope = body.envelopes[len(body.commitments) + 1]
    record = open_envelope(bytes(escrow), envelope, RegulatorRecord)
    if record is None:
        raise NotPrivateTransaction(txid=txid_of(network, bytes(transfer.body)).hex())
    if tuple(n.commitment() for n in record.request.creates) != body.commitments:
        raise EnvelopeMismatch(reason="the record's notes are not the committed ones")
    if record.nullifiers != body.nullifiers:
        raise EnvelopeMismatch(reason="the record's nullifiers are not the committed ones")
    return record
