// Deterministic CBOR (RFC 8949 section 4.2.1) for the offline formats of docs/offline.md:
// unsigned integers, byte strings, text strings and arrays only, shortest heads, definite
// lengths. The decoder re-encodes what it read and refuses any other spelling.

import { concat, equal, fromUtf8, utf8 } from './bytes.js';

export class CborError extends Error {}

function head(major, n) {
  if (!Number.isSafeInteger(n) || n < 0) throw new CborError(`not an unsigned integer: ${n}`);
  const m = major << 5;
  if (n < 24) return new Uint8Array([m | n]);
  if (n < 0x100) return new Uint8Array([m | 24, n]);
  if (n < 0x10000) return new Uint8Array([m | 25, n >> 8, n & 255]);
  if (n < 0x100000000) return new Uint8Array([m | 26, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  const out = new Uint8Array(9);
  out[0] = m | 27;
  new DataView(out.buffer).setBigUint64(1, BigInt(n));
  return out;
}

/** The deterministic encoding of a number, Uint8Array, string or array of those. */
export function encode(value) {
  if (typeof value === 'number') return head(0, value);
  if (value instanceof Uint8Array) return concat(head(2, value.length), value);
  if (typeof value === 'string') {
    const bytes = utf8(value);
    return concat(head(3, bytes.length), bytes);
  }
  if (Array.isArray(value)) return concat(head(4, value.length), ...value.map(encode));
  throw new CborError(`cannot encode ${typeof value}`);
}

function readHead(bytes, at) {
  if (at >= bytes.length) throw new CborError('truncated');
  const major = bytes[at] >> 5;
  const info = bytes[at] & 31;
  if (info < 24) return [major, info, at + 1];
  const size = { 24: 1, 25: 2, 26: 4, 27: 8 }[info];
  if (!size || at + 1 + size > bytes.length) throw new CborError('unsupported or truncated head');
  let n = 0n;
  for (let i = 0; i < size; i++) n = (n << 8n) | BigInt(bytes[at + 1 + i]);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new CborError('integer above 2**53-1');
  return [major, Number(n), at + 1 + size];
}

function read(bytes, at, depth) {
  if (depth > 8) throw new CborError('nested too deeply');
  const [major, n, next] = readHead(bytes, at);
  if (major === 0) return [n, next];
  if (major === 2 || major === 3) {
    if (next + n > bytes.length) throw new CborError('truncated string');
    const raw = bytes.slice(next, next + n);
    return [major === 2 ? raw : fromUtf8(raw), next + n];
  }
  if (major === 4) {
    const items = [];
    let cursor = next;
    for (let i = 0; i < n; i++) {
      const [item, after] = read(bytes, cursor, depth + 1);
      items.push(item);
      cursor = after;
    }
    return [items, cursor];
  }
  throw new CborError(`unsupported major type ${major}`);
}

/** Decode exactly one value spanning all of `bytes`, canonically spelled; throws CborError. */
export function decode(bytes) {
  let value;
  let end;
  try {
    [value, end] = read(bytes, 0, 0);
  } catch (error) {
    throw error instanceof CborError ? error : new CborError(error.message);
  }
  if (end !== bytes.length) throw new CborError('trailing bytes');
  if (!equal(encode(value), bytes)) throw new CborError('not deterministic CBOR');
  return value;
}
