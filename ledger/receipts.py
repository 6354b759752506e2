"""Receipts: a signed block header plus the Merkle path of one txid.

:func:`verify_receipt` is pure and needs only the producer's public key, so a
phone can check that its payment is in a committed block without trusting the
server it asked.
"""

from __future__ import annotations

from collections.abc import Iterable

from ledger.crypto import inclusion_proof, verify, verify_inclusion
from ledger.encoding import decode_json
from ledger.errors import InvalidReceipt
from ledger.records import TxLocation
from ledger.storage import KeyValueStore
from ledger.storage import schema as s
from ledger.types import Block, Receipt, txid_of


def block_txids(block: Block, network: str) -> list[bytes]:
    """The txids of a block's transactions, in order."""
    return [txid_of(network, bytes(tx.body)) for tx in block.txs]


def make_receipt(store: KeyValueStore, network: str, txid: bytes) -> Receipt | None:
    """The receipt of a committed transaction, or None if it is not committed."""
    raw_location = store.get(s.tx_key(txid))
    if raw_location is None:
        return None
    location = decode_json(raw_location, TxLocation)
    raw_block = store.get(s.block_key(location.height))
    if raw_block is None:
        return None
    block = decode_json(raw_block, Block)
    path = inclusion_proof(block_txids(block, network), location.index)
    return Receipt(
        network=network,
        header=block.header,
        signature=block.signature,
        txid=txid.hex(),
        index=location.index,
        proof=tuple(p.hex() for p in path),
    )


def verify_receipt(
    receipt: Receipt,
    producer_keys: Iterable[str],
    txid: str | None = None,
    network: str | None = None,
) -> None:
    """Raise :class:`InvalidReceipt` unless the receipt proves inclusion.

    Checks, in order: the network and txid are the ones expected, the header
    is signed by a trusted producer key, and the Merkle path leads from the
    txid to the header's ``tx_root``.
    """
    header = receipt.header
    if network is not None and receipt.network != network:
        raise InvalidReceipt(reason="receipt is for another network")
    if txid is not None and receipt.txid != txid:
        raise InvalidReceipt(reason="receipt is for another transaction")
    if header.producer not in set(producer_keys):
        raise InvalidReceipt(reason="header signed by an unknown producer")
    message = header.signing_message(receipt.network)
    if not verify(bytes.fromhex(header.producer), message, bytes.fromhex(receipt.signature)):
        raise InvalidReceipt(reason="producer signature does not verify")
    proof = [bytes.fromhex(p) for p in receipt.proof]
    if not verify_inclusion(
        bytes.fromhex(receipt.txid),
        receipt.index,
        header.tx_count,
        proof,
        bytes.fromhex(header.tx_root),
    ):
        raise InvalidReceipt(reason="Merkle path does not lead to tx_root")
