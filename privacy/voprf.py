"""RFC 9497 VOPRF (mode 0x01) with the ristretto255-SHA512 suite, over libsodium.

Every group and scalar operation is libsodium's ristretto255 API, reached
through ``pysodium`` (Debian's ``libsodium23``); SHA-512 is the standard
library's. What is written here is only the RFC's own composition of them:
``expand_message_xmd`` (RFC 9380 section 5.3.1) for hashing to the group and
to scalars, DeriveKeyPair, Blind, BlindEvaluate with its batched DLEQ proof,
Finalize with proof verification, and Evaluate. The RFC's published test
vectors (Appendix A.1.2) pin all of it, domain separation tags included
(``tests/unit/test_privacy_voprf.py``).

The issuer (the validator) holds one key per denomination; a wallet blinds
random 32-byte token inputs, the issuer evaluates them and proves with one
DLEQ proof that it used the published key, so it cannot tag one user with a
key of its own; the wallet checks the proof in :func:`finalize` and unblinds.
A token is ``(input, output)``; only the key holder can check it
(:func:`verify_token`), which is how the validator accepts a spend.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

import pysodium as na

from privacy.errors import InvalidDleqProof

MODE_VOPRF = 0x01
SUITE = b"ristretto255-SHA512"
CONTEXT = b"OPRFV1-" + bytes([MODE_VOPRF]) + b"-" + SUITE
ELEMENT_BYTES = SCALAR_BYTES = 32
OUTPUT_BYTES = 64
IDENTITY = bytes(32)
ORDER = 2**252 + 27742317777372353535851937790883648493  # the order of ristretto255

_HASH_TO_GROUP = b"HashToGroup-" + CONTEXT
_HASH_TO_SCALAR = b"HashToScalar-" + CONTEXT
_DERIVE_KEY_PAIR = b"DeriveKeyPair" + CONTEXT
_SEED = b"Seed-" + CONTEXT


def _i2osp(value: int, length: int) -> bytes:
    return value.to_bytes(length, "big")


def _framed(*parts: bytes) -> bytes:
    """``I2OSP(len(part), 2) || part`` for each part, as the RFC's transcripts frame them."""
    return b"".join(_i2osp(len(p), 2) + p for p in parts)


def expand_message_xmd(message: bytes, dst: bytes, length: int) -> bytes:
    """RFC 9380 section 5.3.1 with SHA-512 (b_in_bytes 64, s_in_bytes 128)."""
    blocks = -(-length // 64)
    if blocks > 255 or len(dst) > 255 or length > 65535:
        raise ValueError("expand_message_xmd: output or DST too long")
    dst_prime = dst + _i2osp(len(dst), 1)
    b0 = hashlib.sha512(bytes(128) + message + _i2osp(length, 2) + b"\x00" + dst_prime).digest()
    out = [hashlib.sha512(b0 + b"\x01" + dst_prime).digest()]
    for i in range(2, blocks + 1):
        mixed = bytes(x ^ y for x, y in zip(b0, out[-1], strict=True))
        out.append(hashlib.sha512(mixed + _i2osp(i, 1) + dst_prime).digest())
    return b"".join(out)[:length]


def hash_to_group(message: bytes) -> bytes:
    """HashToGroup: hash_to_ristretto255 (RFC 9380) with the suite's DST."""
    uniform = expand_message_xmd(message, _HASH_TO_GROUP, 64)
    return bytes(na.crypto_core_ristretto255_from_hash(uniform))


def hash_to_scalar(message: bytes, dst: bytes = _HASH_TO_SCALAR) -> bytes:
    """HashToScalar: 64 uniform bytes read little-endian, reduced modulo the group order."""
    return bytes(na.crypto_core_ristretto255_scalar_reduce(expand_message_xmd(message, dst, 64)))


def is_element(data: bytes) -> bool:
    """DeserializeElement succeeds: a canonical ristretto255 encoding, not the identity."""
    return (
        len(data) == ELEMENT_BYTES
        and data != IDENTITY
        and na.crypto_core_ristretto255_is_valid_point(data) == 1
    )


def _is_scalar(data: bytes) -> bool:
    return len(data) == SCALAR_BYTES and int.from_bytes(data, "little") < ORDER


def _random_scalar() -> bytes:
    while True:
        scalar = bytes(na.crypto_core_ristretto255_scalar_random())
        if scalar != bytes(32):
            return scalar


def _mul(scalar: bytes, element: bytes) -> bytes:
    return bytes(na.crypto_scalarmult_ristretto255(scalar, element))


def _add(a: bytes, b: bytes) -> bytes:
    return bytes(na.crypto_core_ristretto255_add(a, b))


def derive_key_pair(seed: bytes, info: bytes) -> tuple[bytes, bytes]:
    """DeriveKeyPair(seed, info): the issuer's (private, public) key, deterministically."""
    derive_input = seed + _i2osp(len(info), 2) + info
    for counter in range(256):
        secret = hash_to_scalar(derive_input + _i2osp(counter, 1), _DERIVE_KEY_PAIR)
        if secret != bytes(32):
            return secret, bytes(na.crypto_scalarmult_ristretto255_base(secret))
    raise ValueError("DeriveKeyPair: no non-zero scalar in 256 tries")


def blind(token_input: bytes, blind_scalar: bytes | None = None) -> tuple[bytes, bytes]:
    """Blind(input): a fresh (blind, blindedElement); the blind stays on the phone."""
    element = hash_to_group(token_input)
    if element == IDENTITY:
        raise ValueError("Blind: the input hashes to the identity")
    scalar = blind_scalar if blind_scalar is not None else _random_scalar()
    return scalar, _mul(scalar, element)


def _composites(
    public: bytes, blinded: Sequence[bytes], evaluated: Sequence[bytes], secret: bytes | None
) -> tuple[bytes, bytes]:
    """ComputeComposites (or ComputeCompositesFast when the private key is given)."""
    seed = hashlib.sha512(_framed(public, _SEED)).digest()
    m = z = b""
    for i, (c, d) in enumerate(zip(blinded, evaluated, strict=True)):
        transcript = _framed(seed) + _i2osp(i, 2) + _framed(c, d) + b"Composite"
        di = hash_to_scalar(transcript)
        m = _mul(di, c) if not m else _add(_mul(di, c), m)
        if secret is None:
            z = _mul(di, d) if not z else _add(_mul(di, d), z)
    return m, (_mul(secret, m) if secret is not None else z)


def _challenge(public: bytes, m: bytes, z: bytes, t2: bytes, t3: bytes) -> bytes:
    return hash_to_scalar(_framed(public, m, z, t2, t3) + b"Challenge")


def generate_proof(
    secret: bytes,
    public: bytes,
    blinded: Sequence[bytes],
    evaluated: Sequence[bytes],
    r: bytes | None = None,
) -> bytes:
    """GenerateProof(k, G, pkS, C, D): the batched DLEQ proof ``c || s`` (64 bytes)."""
    m, z = _composites(public, blinded, evaluated, secret)
    r = r if r is not None else _random_scalar()
    t2, t3 = na.crypto_scalarmult_ristretto255_base(r), _mul(r, m)
    c = _challenge(public, m, z, t2, t3)
    ck = na.crypto_core_ristretto255_scalar_mul(c, secret)
    return c + bytes(na.crypto_core_ristretto255_scalar_sub(r, ck))


def verify_proof(
    public: bytes, blinded: Sequence[bytes], evaluated: Sequence[bytes], proof: bytes
) -> bool:
    """VerifyProof(G, pkS, C, D, proof)."""
    c, s = proof[:SCALAR_BYTES], proof[SCALAR_BYTES:]
    if len(proof) != 2 * SCALAR_BYTES or not (_is_scalar(c) and _is_scalar(s)):
        return False
    try:
        m, z = _composites(public, blinded, evaluated, None)
        t2 = _add(na.crypto_scalarmult_ristretto255_base(s), _mul(c, public))
        t3 = _add(_mul(s, m), _mul(c, z))
    except ValueError:  # libsodium refuses an identity result: not a valid proof
        return False
    return hmac.compare_digest(_challenge(public, m, z, t2, t3), c)


def blind_evaluate(
    secret: bytes, public: bytes, blinded: Sequence[bytes], r: bytes | None = None
) -> tuple[list[bytes], bytes]:
    """BlindEvaluate for a batch: the evaluated elements and one proof covering all."""
    evaluated = [_mul(secret, element) for element in blinded]
    return evaluated, generate_proof(secret, public, blinded, evaluated, r)


def _output(token_input: bytes, element: bytes) -> bytes:
    return hashlib.sha512(_framed(token_input, element) + b"Finalize").digest()


def finalize(
    inputs: Sequence[bytes],
    blinds: Sequence[bytes],
    blinded: Sequence[bytes],
    evaluated: Sequence[bytes],
    public: bytes,
    proof: bytes,
) -> list[bytes]:
    """Finalize a batch: verify the issuer's proof, unblind, hash. Raises on a bad proof."""
    if not all(is_element(e) for e in evaluated) or not verify_proof(
        public, blinded, evaluated, proof
    ):
        raise InvalidDleqProof(reason="the proof does not verify under the published key")
    outputs = []
    for token_input, scalar, element in zip(inputs, blinds, evaluated, strict=True):
        unblinded = _mul(na.crypto_core_ristretto255_scalar_invert(scalar), element)
        outputs.append(_output(token_input, unblinded))
    return outputs


def evaluate(secret: bytes, token_input: bytes) -> bytes:
    """Evaluate(skS, input): the PRF output, computed by the key holder alone."""
    element = hash_to_group(token_input)
    if element == IDENTITY:
        raise ValueError("Evaluate: the input hashes to the identity")
    return _output(token_input, _mul(secret, element))


def verify_token(secret: bytes, token_input: bytes, output: bytes) -> bool:
    """True when ``output`` is the PRF of ``token_input`` under this key (constant time)."""
    return hmac.compare_digest(evaluate(secret, token_input), output)
