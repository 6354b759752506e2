// Sealed envelopes as privacy/envelopes.py makes them: libsodium's crypto_box_seal (an
// ephemeral X25519 key, nonce = BLAKE2b-192(ephemeral pk || recipient pk), XSalsa20-Poly1305
// box) to the X25519 form of an Ed25519 key, padded with spaces to a bucket. The box itself
// is tweetnacl's; BLAKE2b (RFC 7693) and the Ed25519-to-X25519 conversions are below.

import { concat, fromHex, toHex } from './bytes.js';

const MASK = (1n << 64n) - 1n;
const IV = [
  0x6a09e667f3bcc908n, 0xbb67ae8584caa73bn, 0x3c6ef372fe94f82bn, 0xa54ff53a5f1d36f1n,
  0x510e527fade682d1n, 0x9b05688c2b3e6c1fn, 0x1f83d9abfb41bd6bn, 0x5be0cd19137e2179n,
];
const SIGMA = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
  [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4], [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
  [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13], [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
  [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11], [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
  [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5], [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];
const rotr = (x, n) => ((x >> BigInt(n)) | (x << BigInt(64 - n))) & MASK;

function compress(h, block, counter, last) {
  const m = Array.from({ length: 16 }, (_, i) => new DataView(block.buffer, block.byteOffset + i * 8, 8).getBigUint64(0, true));
  const v = [...h, ...IV];
  v[12] ^= counter & MASK;
  if (last) v[14] ^= MASK;
  const g = (a, b, c, d, x, y) => {
    v[a] = (v[a] + v[b] + x) & MASK; v[d] = rotr(v[d] ^ v[a], 32);
    v[c] = (v[c] + v[d]) & MASK; v[b] = rotr(v[b] ^ v[c], 24);
    v[a] = (v[a] + v[b] + y) & MASK; v[d] = rotr(v[d] ^ v[a], 16);
    v[c] = (v[c] + v[d]) & MASK; v[b] = rotr(v[b] ^ v[c], 63);
  };
  for (let r = 0; r < 12; r++) {
    const s = SIGMA[r % 10];
    g(0, 4, 8, 12, m[s[0]], m[s[1]]); g(1, 5, 9, 13, m[s[2]], m[s[3]]);
    g(2, 6, 10, 14, m[s[4]], m[s[5]]); g(3, 7, 11, 15, m[s[6]], m[s[7]]);
    g(0, 5, 10, 15, m[s[8]], m[s[9]]); g(1, 6, 11, 12, m[s[10]], m[s[11]]);
    g(2, 7, 8, 13, m[s[12]], m[s[13]]); g(3, 4, 9, 14, m[s[14]], m[s[15]]);
  }
  for (let i = 0; i < 8; i++) h[i] ^= v[i] ^ v[i + 8];
}

/** BLAKE2b of `data` with an `outlen`-byte digest (no key). */
export function blake2b(data, outlen = 64) {
  const h = [...IV];
  h[0] ^= 0x01010000n ^ BigInt(outlen);
  const blocks = Math.max(1, Math.ceil(data.length / 128));
  for (let i = 0; i < blocks; i++) {
    const block = new Uint8Array(128);
    block.set(data.subarray(i * 128, (i + 1) * 128));
    const last = i === blocks - 1;
    compress(h, block, BigInt(last ? data.length : (i + 1) * 128), last);
  }
  const out = new Uint8Array(64);
  h.forEach((word, i) => new DataView(out.buffer).setBigUint64(i * 8, word, true));
  return out.slice(0, outlen);
}

const P = 2n ** 255n - 19n;
const power = (base, exp) => {
  let result = 1n;
  for (let b = base % P, e = exp; e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) result = (result * b) % P;
  return result;
};
const littleEndian = (bytes) => bytes.reduceRight((n, b) => (n << 8n) | BigInt(b), 0n);

/** The X25519 public key of an Ed25519 public key: u = (1 + y) / (1 - y) mod p. */
export function x25519Public(edPublicHex) {
  const bytes = fromHex(edPublicHex);
  bytes[31] &= 0x7f; // the sign of x is not needed
  const y = littleEndian(bytes);
  const u = ((1n + y) * power((1n - y + P) % P, P - 2n)) % P;
  return Uint8Array.from({ length: 32 }, (_, i) => Number((u >> BigInt(8 * i)) & 255n));
}

/** The X25519 secret of an Ed25519 seed: SHA-512(seed)[0..32], clamped (libsodium's rule). */
export async function x25519Secret(seed) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-512', seed)).slice(0, 32);
  digest[0] &= 248;
  digest[31] &= 127;
  digest[31] |= 64;
  return digest;
}

/** Spaces up to the next multiple of `bucket` (JSON ignores them). */
export function pad(bytes, bucket = 256) {
  const out = new Uint8Array(bytes.length + ((bucket - (bytes.length % bucket)) % bucket)).fill(0x20);
  out.set(bytes);
  return out;
}

/** crypto_box_seal of `message` to an X25519 public key (hex of the sealed bytes). */
export function seal(nacl, recipient, message) {
  const ephemeral = nacl.box.keyPair();
  const nonce = blake2b(concat(ephemeral.publicKey, recipient), 24);
  return toHex(concat(ephemeral.publicKey, nacl.box(message, nonce, recipient, ephemeral.secretKey)));
}

/** crypto_box_seal_open with our X25519 secret: the plaintext, or null if it is not for us. */
export function open(nacl, secret, sealedHex) {
  const sealed = fromHex(sealedHex);
  if (sealed.length < 48) return null;
  const ephemeral = sealed.subarray(0, 32);
  const ours = nacl.scalarMult.base(secret);
  const nonce = blake2b(concat(ephemeral, ours), 24);
  return nacl.box.open(sealed.subarray(32), nonce, ephemeral, secret);
}
