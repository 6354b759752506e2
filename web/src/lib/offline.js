// Offline payments exactly as docs/offline.md section 4 and `tenge-wallet offline` do them:
// vouchers and bundles in deterministic CBOR, the purse on the device, and the payee's
// verification with nothing but the trust store cached at the last sync.

import { concat, equal, fromHex, fromUtf8, toHex } from './bytes.js';
import { decode, encode } from './cbor.js';
import { sha256, verify } from './crypto.js';
import { DOMAIN, signingMessage, txidOf } from './ledger.js';
import { verifyReceipt } from './receipt.js';
import { deviceSignedBy, loadBankCa, loadCrl, loadDevice, loadRoot } from './x509.js';

const HOUR_MS = 3600000;
const DEFAULT_PARAMS = { crl_max_age_ms: 72 * HOUR_MS, clock_skew_ms: 15 * 60000, deposit_window_ms: 30 * 24 * HOUR_MS, reserve_ratio_bp: 1000 };

/** A refusal with the ledger's code (`offline.errors`): the payee shows it in words. */
export class OfflineError extends Error {
  constructor(code, reason) {
    super(`${code}: ${reason}`);
    this.code = code;
    this.reason = reason;
  }
}
const refuse = (code, reason) => {
  throw new OfflineError(code, reason);
};

// -- vouchers ------------------------------------------------------------------------------

/** The CBOR body `[1, purse, counter, prev, payee, amount, cumulative, time_ms]`. */
export const voucherBody = (v) => encode([1, v.purse, v.counter, v.prev, v.payee, v.amount, v.cumulative, v.time_ms]);

/** SHA-256 of the voucher's signing message: the id the next voucher chains to. */
export const voucherId = (network, body) => sha256(signingMessage(DOMAIN.voucher, network, body));

/** Sign the next voucher with the device key: `{raw, voucher, id}`. */
export async function signVoucher(network, deviceKey, v) {
  const body = voucherBody(v);
  const signature = await deviceKey.sign(signingMessage(DOMAIN.voucher, network, body));
  return { raw: concat(new Uint8Array([0x82]), body, encode(signature)), voucher: v, id: await voucherId(network, body) };
}

/** Read a signed voucher's bytes: `{raw, body, signature, voucher}`; throws OfflineError. */
export function readVoucher(raw) {
  let items;
  try {
    items = decode(raw);
  } catch (error) {
    refuse('malformed_voucher', error.message);
  }
  const [bodyItems, signature] = items;
  const [version, purse, counter, prev, payee, amount, cumulative, time_ms] = bodyItems ?? [];
  const hashes = [purse, prev, payee].every((h) => h instanceof Uint8Array && h.length === 32);
  if (items.length !== 2 || bodyItems.length !== 8 || version !== 1 || !hashes || !(signature instanceof Uint8Array) || signature.length !== 64) {
    refuse('malformed_voucher', 'not a signed voucher');
  }
  if (!(counter >= 1 && counter <= 65535) || !(amount >= 1)) refuse('malformed_voucher', 'counter or amount out of range');
  return { raw, body: encode(bodyItems), signature, voucher: { purse, counter, prev, payee, amount, cumulative, time_ms } };
}

// -- bundles -------------------------------------------------------------------------------

/** The compact funding receipt `[height, prev_hash, time_ms, tx_root, tx_count, state_digest, producer, signature, index, [proof]]`. */
export function compactReceipt(r) {
  const h = r.header;
  return encode([h.height, fromHex(h.prev_hash), h.time_ms, fromHex(h.tx_root), h.tx_count, fromHex(h.state_digest), fromHex(h.producer), fromHex(r.signature), r.index, r.proof.map(fromHex)]);
}

function expandReceipt(bytes, network, txid) {
  const [height, prev, time_ms, root, tx_count, digest, producer, signature, index, proof] = decode(bytes);
  const header = { height, prev_hash: toHex(prev), time_ms, tx_root: toHex(root), tx_count, state_digest: toHex(digest), producer: toHex(producer) };
  return { network, header, signature: toHex(signature), txid, index, proof: proof.map(toHex) };
}

/** `[1, network, voucher, certificate, funding, receipt]` as bytes (one QR code). */
export const encodeBundle = (b) => encode([1, b.network, b.voucher, b.certificate, b.funding, b.receipt]);

/** A bundle's parts; throws OfflineError (`malformed_voucher`). */
export function decodeBundle(bytes) {
  let items;
  try {
    items = decode(bytes);
  } catch (error) {
    refuse('malformed_voucher', error.message);
  }
  const [version, network, voucher, certificate, funding, receipt] = items;
  if (items.length !== 6 || version !== 1 || typeof network !== 'string' || ![voucher, certificate, funding, receipt].every((p) => p instanceof Uint8Array)) {
    refuse('malformed_voucher', 'not a payment bundle');
  }
  return { network, voucher, certificate, funding, receipt, signed: readVoucher(voucher) };
}

// -- the trust store -----------------------------------------------------------------------

/** Verify the cached `GET /v1/offline/trust` answer: root, every bank CA, every CRL. */
export async function buildTrust(view) {
  const root = await loadRoot(fromHex(view.root));
  const cas = {};
  for (const [bank, der] of Object.entries(view.cas)) cas[bank] = await loadBankCa(fromHex(der), root);
  const crls = {};
  for (const [bank, crl] of Object.entries(view.crls)) if (cas[bank]) crls[bank] = await loadCrl(fromHex(crl.crl), cas[bank]);
  return { network: view.network, producerKeys: view.producer_keys, params: { ...DEFAULT_PARAMS, ...view.params }, root, cas, crls };
}

// -- verification, as offline.verify.verify_bundle -----------------------------------------

async function checkDevice(bundle, trust, now) {
  const device = loadDevice(bundle.certificate);
  const ca = trust.cas[device.bankId] ?? refuse('unknown_device', `no CA for bank ${device.bankId}`);
  if (!(await deviceSignedBy(device, ca))) refuse('tampered_bundle', "certificate_signature: the bank's signature fails");
  if (now < device.notBefore || now > device.notAfter) refuse('certificate_expired', 'the device certificate is not valid now');
  const crl = trust.crls[device.bankId];
  if (!crl || now - crl.thisUpdate > trust.params.crl_max_age_ms) refuse('stale_crl', `the newest CRL of ${device.bankId} is too old`);
  if (crl.revoked.has(device.serial)) refuse('device_revoked', "listed in the bank's CRL");
  return device;
}

async function checkFunding(bundle, trust) {
  const purse = toHex(bundle.signed.voucher.purse);
  if ((await txidOf(bundle.network, bundle.funding)) !== purse) refuse('tampered_bundle', 'funding: the funding is not the voucher\'s purse');
  let receipt;
  try {
    receipt = expandReceipt(bundle.receipt, bundle.network, purse);
  } catch (error) {
    refuse('malformed_voucher', `receipt: ${error.message}`);
  }
  const outcome = await verifyReceipt(receipt, trust.producerKeys, purse, bundle.network);
  if (!outcome.ok) refuse('tampered_bundle', `receipt: ${outcome.reason}`);
  const body = JSON.parse(fromUtf8(bundle.funding));
  if (body.kind !== 'purse.fund') refuse('malformed_voucher', 'funding: not a purse.fund');
  return { purse, funded: body.amount, fundedAt: receipt.header.time_ms, device: body.device };
}

async function checkVoucher(signed, device, funding, trust, now) {
  const v = signed.voucher;
  const limits = device.limits;
  if (funding.device !== device.key) refuse('tampered_bundle', 'device_key: the purse belongs to another device');
  if (now > Math.min(funding.fundedAt + limits.max_offline_hours * HOUR_MS, device.notAfter)) refuse('sync_too_old', 'the purse is older than its offline window');
  const message = signingMessage(DOMAIN.voucher, trust.network, signed.body);
  if (!(await verify(fromHex(device.key), signed.signature, message))) refuse('tampered_bundle', 'voucher_signature: not signed by the device');
  if (Math.abs(v.time_ms - now) > trust.params.clock_skew_ms) refuse('voucher_time_skew', "the device's clock is too far from this phone's");
  if (v.amount > limits.max_voucher) refuse('voucher_limit_exceeded', 'above the single-voucher limit');
  if (v.counter > limits.max_vouchers) refuse('voucher_count_exceeded', 'above the vouchers a purse may sign');
  if (v.cumulative > funding.funded) refuse('purse_limit_exceeded', 'above what the purse holds');
}

async function checkChain(signed, seen, network) {
  if (!seen) return { last: signed.raw, received: signed.voucher.amount };
  const last = readVoucher(seen.last);
  const a = last.voucher;
  const b = signed.voucher;
  if (b.counter <= a.counter) refuse('counter_replay', 'the counter does not increase');
  const gap = b.counter - a.counter;
  const ok = gap === 1
    ? equal(b.prev, await voucherId(network, last.body)) && b.cumulative === a.cumulative + b.amount
    : b.cumulative - b.amount >= a.cumulative + gap - 1;
  if (!ok) refuse('broken_chain', 'the voucher does not extend the purse\'s chain');
  return { last: signed.raw, received: seen.received + b.amount };
}

/** Verify a bundle offline for `payee` (hex); returns `{bundle, device, funding, seen}`. */
export async function verifyBundle(bytes, trust, payee, now, seenByPurse = {}) {
  const bundle = decodeBundle(bytes);
  if (bundle.network !== trust.network) refuse('wrong_network', `for ${bundle.network}`);
  if (toHex(bundle.signed.voucher.payee) !== payee) refuse('wrong_payee', 'the voucher pays another key');
  const device = await checkDevice(bundle, trust, now);
  const funding = await checkFunding(bundle, trust);
  await checkVoucher(bundle.signed, device, funding, trust, now);
  const seen = await checkChain(bundle.signed, seenByPurse[funding.purse], trust.network);
  return { bundle, device, funding, seen };
}
