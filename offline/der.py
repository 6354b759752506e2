"""DER of the device certificate's offline-limits extension, and nothing else.

The extension's value (``docs/offline.md``, OID :data:`LIMITS_OID`) is::

    OfflineLimits ::= SEQUENCE {
        version          INTEGER (1),
        maxPurse         INTEGER,   -- tiyn
        maxVoucher       INTEGER,   -- tiyn
        maxVouchers      INTEGER,
        maxOfflineHours  INTEGER }

Only non-negative INTEGERs inside one SEQUENCE occur, so this module encodes
and strictly decodes exactly that (X.690 DER: definite minimal lengths,
minimal two's-complement integers). It is encoding, not cryptography: the
certificate around it is built and verified by ``cryptography``.
"""

from __future__ import annotations

from offline.errors import MalformedVoucher
from offline.params import OfflineLimits

# The arc 2.25.<UUID> (ITU-T X.667): an OID minted from a random UUID
# (d8d2e85f-f5f0-4ced-b810-a98f018d2704) needs no registration and cannot
# collide; it is private to the digital tenge pilot, experimental, unregistered.
ARC = "2.25.288208342551651961279795540134642657028"
LIMITS_OID = ARC + ".1"
VERSION = 1
_INTEGER, _SEQUENCE = 0x02, 0x30


def _length(size: int) -> bytes:
    if size < 0x80:
        return bytes((size,))
    body = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


def _integer(value: int) -> bytes:
    body = value.to_bytes(value.bit_length() // 8 + 1, "big")  # room for the sign bit
    return bytes((_INTEGER,)) + _length(len(body)) + body


def encode_limits(limits: OfflineLimits) -> bytes:
    """The DER value of the extension."""
    fields = (VERSION, limits.max_purse, limits.max_voucher, limits.max_vouchers)
    content = b"".join(_integer(v) for v in (*fields, limits.max_offline_hours))
    return bytes((_SEQUENCE,)) + _length(len(content)) + content


def _bad(reason: str) -> MalformedVoucher:
    return MalformedVoucher(part="extension", reason=reason)


def _read(data: bytes, at: int, tag: int) -> tuple[bytes, int]:
    """The content of the element with ``tag`` at ``at``, and where the next one starts."""
    if at + 2 > len(data) or data[at] != tag:
        raise _bad(f"expected tag {tag:#04x} at byte {at}")
    size, at = data[at + 1], at + 2
    if size & 0x80:
        count = size & 0x7F
        if count == 0 or count > 2 or at + count > len(data):
            raise _bad("unsupported length")
        size = int.from_bytes(data[at : at + count], "big")
        if size < 0x80 or data[at] == 0:
            raise _bad("length is not minimal")
        at += count
    if at + size > len(data):
        raise _bad("element runs past the end")
    return data[at : at + size], at + size


def _natural(content: bytes) -> int:
    if not content or len(content) > 9:
        raise _bad("integer of unsupported size")
    if content[0] & 0x80:
        raise _bad("negative integer")
    if len(content) > 1 and content[0] == 0 and not content[1] & 0x80:
        raise _bad("integer is not minimal")
    return int.from_bytes(content, "big")


def decode_limits(data: bytes) -> OfflineLimits:
    """Parse the extension's DER value; anything else raises :class:`MalformedVoucher`."""
    content, end = _read(data, 0, _SEQUENCE)
    if end != len(data):
        raise _bad("trailing bytes")
    values, at = [], 0
    while at < len(content):
        element, at = _read(content, at, _INTEGER)
        values.append(_natural(element))
    if len(values) != 5 or values[0] != VERSION:
        raise _bad("expected version 1 and four limits")
    _, purse, voucher, count, hours = values
    if not (purse >= 1 and voucher >= 1 and 1 <= count <= 65_535 and 1 <= hours <= 24 * 366):
        raise _bad("a limit out of range")
    return OfflineLimits(
        max_purse=purse, max_voucher=voucher, max_vouchers=count, max_offline_hours=hours
    )
