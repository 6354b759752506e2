// Transactions as docs/encoding.md sections 5-7 define them: domain tags, the signing message,
// the txid, envelopes written around the signed body bytes verbatim, and the transfer builder.

import { ascii, concat, fromUtf8, toHex, utf8 } from './bytes.js';
import { canonicalBytes } from './canonical.js';
import { sha256 } from './crypto.js';

const tag = (name) => concat(ascii(`KZT-LEDGER/${name}/v1`), new Uint8Array([0]));
/** Domain tags (ASCII + one zero byte), one per message family. */
export const DOMAIN = {
  tx: tag('tx'),
  block: tag('block'),
  genesis: tag('genesis'),
  http: tag('http'),
  voucher: tag('voucher'),
};

// Section 3: a field equal to its default is left out of canonical bytes (these are the
// defaults of every kind this app builds or reads).
const DEFAULTS = { nonce: 0, memo: '', token: 'KZT', add_keys: [], change: [] };

const isDefault = (key, value) =>
  key in DEFAULTS && (Array.isArray(value) ? value.length === 0 : value === DEFAULTS[key]);

/** A copy of a body with every default-valued field removed, at any depth. */
export function omitDefaults(value) {
  if (Array.isArray(value)) return value.map(omitDefaults);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k, v]) => !isDefault(k, v)).map(([k, v]) => [k, omitDefaults(v)]));
  }
  return value;
}

/** `DOMAIN || network || body`: what is signed and hashed. */
export const signingMessage = (domain, network, body) => concat(domain, ascii(network), body);

/** The txid of canonical body bytes on a network (hex). */
export async function txidOf(network, bodyBytes) {
  return toHex(await sha256(signingMessage(DOMAIN.tx, network, bodyBytes)));
}

/** Sign a body (an object) with keys; returns `{body, txid, envelope}` (envelope as bytes). */
export async function signTransaction(network, body, keys) {
  const bodyBytes = canonicalBytes(omitDefaults(body));
  const message = signingMessage(DOMAIN.tx, network, bodyBytes);
  const signatures = [];
  for (const key of keys) signatures.push({ key: key.publicHex, sig: toHex(await key.sign(message)) });
  return {
    body,
    bodyBytes,
    txid: toHex(await sha256(message)),
    envelope: envelopeBytes(bodyBytes, network, signatures),
  };
}

/** The canonical envelope around signed body bytes, by concatenation (never re-encoded). */
export function envelopeBytes(bodyBytes, network, signatures) {
  const sigs = signatures.map((s) => `{"key":"${s.key}","sig":"${s.sig}"}`).join(',');
  return concat(utf8('{"body":'), bodyBytes, utf8(`,"network":"${network}","signatures":[${sigs}]}`));
}

/** The body bytes of an envelope as text (for display and checks). */
export const envelopeText = (bytes) => fromUtf8(bytes);

export class InsufficientFunds extends Error {
  constructor(needed, available) {
    super(`needs ${needed} tiyn, has ${available}`);
    this.needed = needed;
    this.available = available;
  }
}

/** Largest-first coins of one token covering `amount` (the SDK's rule). */
export function selectCoins(coins, amount, token = 'KZT') {
  const sorted = coins
    .filter((c) => (c.output.token ?? 'KZT') === token)
    .sort((a, b) => b.output.amount - a.output.amount || (a.point.txid < b.point.txid ? -1 : 1) || a.point.index - b.point.index);
  const chosen = [];
  let total = 0;
  for (const coin of sorted) {
    if (total >= amount) break;
    chosen.push(coin);
    total += coin.output.amount;
  }
  if (total < amount) throw new InsufficientFunds(amount, total);
  return { chosen, total };
}

const output = (owner, amount, token) => (token === 'KZT' ? { amount, owner } : { amount, owner, token });

/** A transfer body paying `amount` to `to` from `coins`, change back to `changeTo`. */
export function transferBody(coins, to, amount, changeTo, memo = '', token = 'KZT') {
  const { chosen, total } = selectCoins(coins, amount, token);
  const outputs = [output(to, amount, token)];
  if (total > amount) outputs.push(output(changeTo, total - amount, token));
  const body = { inputs: chosen.map((c) => ({ index: c.point.index, txid: c.point.txid })), kind: 'transfer', outputs };
  if (memo) body.memo = memo; // the default "" is left out
  return body;
}
