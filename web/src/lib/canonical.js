// Canonical JSON exactly per docs/encoding.md section 2: sorted keys, no whitespace, integers
// 0..2**53-1 only, the seven short escapes plus lowercase \u00xx for other controls, nothing else
// escaped, no null, no booleans. The same bytes as RFC 8785 for the values the ledger uses.

import { utf8 } from './bytes.js';

export class CanonicalError extends Error {}

const SHORT = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' };

function quote(text) {
  if (!text.isWellFormed()) throw new CanonicalError('lone surrogate in a string');
  // Only " \ and U+0000..U+001F are escaped; everything else is raw UTF-8.
  return `"${text.replace(/["\\\u0000-\u001f]/g, (c) => SHORT[c] ?? `\\u00${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}"`;
}

function number(value) {
  if (!Number.isSafeInteger(value) || value < 0 || Object.is(value, -0)) {
    throw new CanonicalError(`not an integer in 0..2**53-1: ${value}`);
  }
  return String(value);
}

/** The canonical JSON text of a value (members whose value is undefined are left out). */
export function canonical(value) {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number') return number(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    // Keys are ASCII, so UTF-16 order (the default sort) is code point and byte order.
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${quote(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  throw new CanonicalError(`no canonical form for ${value === null ? 'null' : typeof value}`);
}

/** The canonical bytes (UTF-8) of a value. */
export const canonicalBytes = (value) => utf8(canonical(value));

/** Parse JSON text and require it to be canonical: what the ledger's strict reader does. */
export function parseCanonical(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CanonicalError('malformed_json');
  }
  if (canonical(value) !== text) throw new CanonicalError('non_canonical');
  return value;
}
