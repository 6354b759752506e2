// Byte helpers: hex, UTF-8, base64, concatenation. Bytes are Uint8Array everywhere.

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lowercase hex of bytes. */
export function toHex(bytes) {
  let out = '';
  for (const b of bytes) out += HEX[b];
  return out;
}

/** Bytes of a lowercase (or uppercase) hex string; throws on odd length or a non-hex digit. */
export function fromHex(text) {
  if (typeof text !== 'string' || text.length % 2 || /[^0-9a-fA-F]/.test(text)) {
    throw new TypeError('not hex');
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16);
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 bytes of a string. */
export const utf8 = (text) => encoder.encode(text);
/** The string of UTF-8 bytes; throws on invalid UTF-8. */
export const fromUtf8 = (bytes) => decoder.decode(bytes);
/** ASCII bytes (network ids, domain tags). */
export const ascii = (text) => encoder.encode(text);

/** One Uint8Array of several. */
export function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Byte-wise equality. */
export function equal(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** Standard base64 with padding (RFC 4648 section 4). */
export function toBase64(bytes) {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}

/** Bytes of standard or URL-safe base64, padded or not. */
export function fromBase64(text) {
  const plain = text.replace(/-/g, '+').replace(/_/g, '/');
  const padded = plain + '='.repeat((4 - (plain.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

/** URL-safe base64 without padding, for QR payloads and backups. */
export const toBase64Url = (bytes) =>
  toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** A "binary string": one char per byte (what QR byte mode and jsQR exchange). */
export const toBinaryString = (bytes) => String.fromCharCode(...bytes);
