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
from typing import Protocol

import shamir_mnemonic
from nacl.public import PrivateKey

from ledger.chain import Chain
from ledger.crypto import DOMAIN_TX, signing_message
from ledger.encoding import decode_canonical, decode_json
from ledger.receipts import make_receipt, verify_receipt
from ledger.types import Receipt, SignedTransaction, txid_of
from privacy.envelopes import RegulatorRecord, open_envelope
from privacy.errors import DisclosureNotRecorded, EnvelopeMismatch, NotPrivateTransaction
from privacy.notes import verify_signatures
from privacy.records import disclosure_prefix
from privacy.types import DisclosureRecord, PrivacyDisclose, PrivacyParams, PrivateTransfer


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


class Source(Protocol):
    """Where the tool reads committed transactions: a node's API, or a chain in a test."""

    def committed(self, txid: str) -> tuple[SignedTransaction, Receipt] | None:
        """The transaction as its block carries it and its receipt, or None."""
        ...


def open_disclosed(
    source: Source,
    txid: str,
    disclosure: str,
    mnemonics: Sequence[str],
    params: PrivacyParams,
    producer_keys: Sequence[str],
    network: str,
    passphrase: bytes = b"",
) -> RegulatorRecord:
    """The procedure: the committed quorum disclosure first, then the shares, then the envelope.

    ``disclosure`` is the txid of the ``privacy.disclose`` transaction (what
    ``tenge-disclose submit`` printed); the tool proves it from its receipt
    and signatures and trusts no index.
    """
    found = source.committed(disclosure)
    if found is None:
        raise DisclosureNotRecorded(txid=txid)
    require_disclosure(found[0], found[1], txid, params, producer_keys, network)
    escrow = recover(mnemonics, passphrase)
    transfer = source.committed(txid)
    if transfer is None:
        raise NotPrivateTransaction(txid=txid)
    verify_receipt(transfer[1], producer_keys, txid=txid, network=network)
    return open_transfer(transfer[0], escrow, params, network)


class ChainSource:
    """A :class:`Source` over a chain's store (tests, the demo, an auditor's replica)."""

    def __init__(self, chain: Chain) -> None:
        self.chain = chain

    def disclosure_records(self, txid: str) -> list[DisclosureRecord]:
        """The committed disclosure records of one private transfer."""
        found = self.chain.store.iterate(disclosure_prefix(txid))
        return [decode_json(raw, DisclosureRecord) for _, raw in found]

    def committed(self, txid: str) -> tuple[SignedTransaction, Receipt] | None:
        receipt = make_receipt(self.chain.store, self.chain.network, bytes.fromhex(txid))
        block = self.chain.block(receipt.header.height) if receipt is not None else None
        if receipt is None or block is None:
            return None
        return block.txs[receipt.index], receipt
