// Sealed envelopes as privacy/envelopes.py makes them: libsodium's crypto_box_seal (an
// ephemeral X25519 key, nonce = BLAKE2b-192(ephemeral pk || recipient pk), XSalsa20-Poly1305
// box) to the X25519 form of an Ed25519 key, padded with spaces to a bucket. Only the
// composition is written here: the box and X25519 are tweetnacl's, BLAKE2b and the
// Ed25519-to-X25519 conversions are @noble/hashes' and @noble/curves' (vendor/noble.js).

import { blake2b, ed25519 } from '../vendor/noble.js';
import { concat, fromHex, toHex } from './bytes.js';

/** crypto_box_seal's nonce: BLAKE2b with a 24-byte digest of both public keys. */
const sealNonce = (ephemeral, recipient) => blake2b(concat(ephemeral, recipient), { dkLen: 24 });

/** A key nothing can be sealed to: not an Ed25519 point, or one of small or mixed order. */
export class NotAPublicKey extends Error {}

/** The X25519 public key of an Ed25519 public key (hex); refuses what libsodium refuses. */
export function x25519Public(edPublicHex) {
  const bytes = fromHex(edPublicHex);
  let point = null;
  try {
    point = ed25519.Point.fromBytes(bytes);
  } catch {
    // not on the curve: refused below
  }
  // crypto_sign_ed25519_pk_to_curve25519 refuses the same keys, so both ends agree on them.
  if (!point || point.isSmallOrder() || !point.isTorsionFree()) {
    throw new NotAPublicKey(`${edPublicHex.slice(0, 8)}… is not a public key anything can be sealed to`);
  }
  return ed25519.utils.toMontgomery(bytes);
}

/** The X25519 secret of an Ed25519 seed: SHA-512(seed)[0..32], clamped (libsodium's rule). */
export const x25519Secret = (seed) => ed25519.utils.toMontgomerySecret(seed);

/** Spaces up to the next multiple of `bucket` (JSON ignores them). */
export function pad(bytes, bucket = 256) {
  const out = new Uint8Array(bytes.length + ((bucket - (bytes.length % bucket)) % bucket)).fill(0x20);
  out.set(bytes);
  return out;
}

/** crypto_box_seal of `message` to an X25519 public key (hex of the sealed bytes). */
export function seal(nacl, recipient, message) {
  const ephemeral = nacl.box.keyPair();
  const nonce = sealNonce(ephemeral.publicKey, recipient);
  return toHex(concat(ephemeral.publicKey, nacl.box(message, nonce, recipient, ephemeral.secretKey)));
}

/** crypto_box_seal_open with our X25519 secret: the plaintext, or null if it is not for us. */
export function open(nacl, secret, sealedHex) {
  const sealed = fromHex(sealedHex);
  if (sealed.length < 48) return null;
  const ephemeral = sealed.subarray(0, 32);
  const nonce = sealNonce(ephemeral, nacl.scalarMult.base(secret));
  return nacl.box.open(sealed.subarray(32), nonce, ephemeral, secret);
}
