"""Every storage key prefix, in one place.

Lower-case prefixes hold *consensus state*: every replica must hold the same
bytes under them, and the state digest covers exactly them. Upper-case
prefixes hold the chain itself and derived indexes, written in the same atomic
batch but outside the digest.
"""

from __future__ import annotations

import struct

OUTPUT = b"o"  # o | txid(32) | index(1)            -> Output
TX = b"x"  # x | txid(32)                        -> TxLocation
WALLET = b"w"  # w | wallet_id                       -> WalletRecord
KEY = b"k"  # k | public key(32)                 -> KeyOwner
BANK = b"n"  # n | bank_id                         -> BankRecord
SUPPLY = b"s"  # s | token                           -> SupplyRecord
PARAM = b"p"  # p | name                            -> parameters (limits, genesis)
LOCKED = b"l"  # l | lock id                         -> Locked (value held outside outputs)
CONTRACT = b"c"  # c | family | "/" | id              -> records of contracts/ (programs, escrows)
PRIVACY = b"v"  # v | family | "/" | id              -> records of privacy/ (nullifier sets)
OFFLINE = b"f"  # f | family | "/" | id              -> records of offline/ (devices, purses)
ASSET = b"a"  # a | family | "/" | id              -> records of assets/ (platforms, classes)

BLOCK = b"B"  # B | height(8, big-endian)           -> Block
META = b"M"  # M | name                            -> ChainTip
OWNER_OUTPUTS = b"O"  # O | owner(32) | txid(32) | index(1) -> b""
HISTORY = b"H"  # H | wallet_id | 0x00 | height(8) | pos(4) -> HistoryNote
BANK_WALLETS = b"W"  # W | bank_id | 0x00 | wallet_id     -> b""
PRODUCER_LOCAL = b"V"  # V | family | "/" | id           -> the producer's own sealed records
BANK_FEED = b"E"  # E | bank_id | 0x00 | height(8) | pos(4) | sub(2) -> wallet id, or FeedNote
NONCES = b"N"  # N | claimed_ms(8) | H(key, nonce)(16)  -> b"" (signed reads seen, node-local)

CONSENSUS_PREFIXES = frozenset(
    p[0]
    for p in (
        OUTPUT,
        TX,
        WALLET,
        KEY,
        BANK,
        SUPPLY,
        PARAM,
        LOCKED,
        CONTRACT,
        OFFLINE,
        PRIVACY,
        ASSET,
    )
)

# What a block's records the chain keeps decoded across blocks (ledger.state.RecordCache):
# the state it reads back, not the chain itself, the indexes, or the node-local nonces.
CACHED_PREFIXES = CONSENSUS_PREFIXES | {PRODUCER_LOCAL[0]}

TIP = META + b"tip"
GENESIS = PARAM + b"genesis"

_BYTE = [bytes((i,)) for i in range(256)]
"""An output's index as its one key byte, built once (``bytes((i,))`` costs a tuple a key)."""
_HEIGHT = struct.Struct(">Q")
_POSITION = struct.Struct(">QI")
_FEED_POSITION = struct.Struct(">QIH")


def is_consensus(key: bytes) -> bool:
    """True for keys covered by the state digest."""
    return key[0] in CONSENSUS_PREFIXES


def output_key(txid: bytes, index: int) -> bytes:
    return OUTPUT + txid + (_BYTE[index] if 0 <= index < 256 else bytes((index,)))


def tx_key(txid: bytes) -> bytes:
    return TX + txid


def wallet_key(wallet_id: str) -> bytes:
    return WALLET + wallet_id.encode()


def key_owner_key(public: bytes) -> bytes:
    return KEY + public


def bank_key(bank_id: str) -> bytes:
    return BANK + bank_id.encode()


def supply_key(token: str) -> bytes:
    return SUPPLY + token.encode()


def locked_key(lock_id: str) -> bytes:
    """Where a feature module books value it holds outside outputs (the audit counts it)."""
    return LOCKED + lock_id.encode()


def contract_key(family: str, record_id: str) -> bytes:
    """A record of the ``contracts`` module, e.g. ``contract_key("escrow", txid_hex)``."""
    return CONTRACT + family.encode() + b"/" + record_id.encode()


def offline_key(family: str, record_id: str) -> bytes:
    """A record of the ``offline`` module, e.g. ``offline_key("purse", purse_id_hex)``."""
    return OFFLINE + family.encode() + b"/" + record_id.encode()


def asset_key(family: str, record_id: str) -> bytes:
    """A record of the ``assets`` module, e.g. ``asset_key("class", class_id_hex)``."""
    return ASSET + family.encode() + b"/" + record_id.encode()


def privacy_key(family: str, record_id: str) -> bytes:
    """A record of the ``privacy`` module, e.g. ``privacy_key("nf", nullifier_hex)``."""
    return PRIVACY + family.encode() + b"/" + record_id.encode()


def producer_local_key(family: str, record_id: str) -> bytes:
    """A record only the block producer writes and reads (outside the state digest).

    Written in the block's batch while producing, never by a replay, so it is not
    replicated; ``privacy`` keeps its sealed limit book here.
    """
    return PRODUCER_LOCAL + family.encode() + b"/" + record_id.encode()


def limits_key(tier: str) -> bytes:
    return PARAM + b"limits/" + tier.encode()


def block_key(height: int) -> bytes:
    return BLOCK + _HEIGHT.pack(height)


def owner_output_key(owner: bytes, txid: bytes, index: int) -> bytes:
    return OWNER_OUTPUTS + owner + txid + (_BYTE[index] if 0 <= index < 256 else bytes((index,)))


def history_key(wallet_id: str, height: int, position: int) -> bytes:
    return HISTORY + wallet_id.encode() + b"\x00" + _POSITION.pack(height, position)


def history_prefix(wallet_id: str) -> bytes:
    return HISTORY + wallet_id.encode() + b"\x00"


def bank_wallet_key(bank_id: str, wallet_id: str) -> bytes:
    return BANK_WALLETS + bank_id.encode() + b"\x00" + wallet_id.encode()


def bank_wallets_prefix(bank_id: str) -> bytes:
    return BANK_WALLETS + bank_id.encode() + b"\x00"


def feed_key(bank_id: str, height: int, position: int, sub: int) -> bytes:
    """One event of a bank's feed: the ``sub``-th event of block ``height``'s tx ``position``."""
    return BANK_FEED + bank_id.encode() + b"\x00" + _FEED_POSITION.pack(height, position, sub)


def feed_prefix(bank_id: str) -> bytes:
    return BANK_FEED + bank_id.encode() + b"\x00"
