// Receipts as docs/encoding.md sections 8-10 define them: the block header's canonical bytes,
// its signature by a pinned producer key, and the RFC 6962 inclusion proof of a txid.

import { concat, equal, fromHex, toHex } from './bytes.js';
import { canonicalBytes } from './canonical.js';
import { sha256, verify } from './crypto.js';
import { DOMAIN, signingMessage } from './ledger.js';

const HEADER_FIELDS = ['height', 'prev_hash', 'time_ms', 'tx_root', 'tx_count', 'state_digest', 'producer'];

/** RFC 6962 leaf hash H(0x00 || d). */
export const leafHash = (data) => sha256(concat(new Uint8Array([0]), data));
/** RFC 6962 node hash H(0x01 || left || right). */
export const nodeHash = (left, right) => sha256(concat(new Uint8Array([1]), left, right));

/** The RFC 6962 root over leaves (raw bytes each). */
export async function merkleRoot(leaves) {
  if (leaves.length === 0) return sha256(new Uint8Array());
  if (leaves.length === 1) return leafHash(leaves[0]);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(await merkleRoot(leaves.slice(0, k)), await merkleRoot(leaves.slice(k)));
}

/** Walk an audit path (RFC 9162 section 2.1.3.2); the root it leads to, or null if malformed. */
export async function rootFromPath(leaf, index, size, proof) {
  if (!(index >= 0 && index < size)) return null;
  let fn = index;
  let sn = size - 1;
  let r = await leafHash(leaf);
  for (const p of proof) {
    if (sn === 0) return null; // proof too long
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn !== 0 && fn % 2 === 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 ? r : null;
}

/** The header object with exactly its seven members (re-encoded canonically, never echoed). */
export function headerOf(header) {
  return Object.fromEntries(HEADER_FIELDS.map((f) => [f, header[f]]));
}

/** The block hash of a header on a network (hex). */
export async function blockHash(network, header) {
  return toHex(await sha256(signingMessage(DOMAIN.block, network, canonicalBytes(headerOf(header)))));
}

/**
 * Verify a receipt the five steps of encoding.md section 10: network, txid, pinned producer,
 * header signature, inclusion. Returns `{ok: true}` or `{ok: false, reason}`; never throws.
 */
export async function verifyReceipt(receipt, pinned, txid, network) {
  try {
    if (receipt.network !== network) return { ok: false, reason: 'another network' };
    if (receipt.txid !== txid) return { ok: false, reason: 'another transaction' };
    const header = headerOf(receipt.header);
    if (!pinned.includes(header.producer)) return { ok: false, reason: 'producer not pinned' };
    const message = signingMessage(DOMAIN.block, network, canonicalBytes(header));
    if (!(await verify(fromHex(header.producer), fromHex(receipt.signature), message))) {
      return { ok: false, reason: 'bad block signature' };
    }
    const root = await rootFromPath(fromHex(txid), receipt.index, header.tx_count, receipt.proof.map(fromHex));
    if (!root || !equal(root, fromHex(header.tx_root))) return { ok: false, reason: 'not in the block' };
    return { ok: true, height: header.height, time_ms: header.time_ms };
  } catch (error) {
    return { ok: false, reason: `malformed receipt (${error.message})` };
  }
}
