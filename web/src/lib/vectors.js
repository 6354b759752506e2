// Checks this app's encoder, signer and verifier against docs/encoding-vectors.json, byte for
// byte. The browser test calls runVectors(vectors) in the page; the app never loads it itself.

import { ascii, concat, fromHex, fromUtf8, toHex, utf8 } from './bytes.js';
import { canonical, parseCanonical } from './canonical.js';
import { keyFromSeed, sha256, verify } from './crypto.js';
import { DOMAIN, envelopeBytes, omitDefaults, signingMessage, txidOf } from './ledger.js';
import { blockHash, merkleRoot, rootFromPath, verifyReceipt } from './receipt.js';

const u32 = (n) => new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);

/** Run every check; returns `[{name, ok, detail?}]`. */
export async function runVectors(v) {
  const results = [];
  const check = (name, ok, detail) => results.push({ name, ok: Boolean(ok), detail });
  const keys = Object.fromEntries(await Promise.all(v.keys.map(async (k) => [k.name, await keyFromSeed(fromHex(k.seed))])));
  for (const k of v.keys) check(`key ${k.name}`, keys[k.name].publicHex === k.public);
  // the tags this app signs or verifies with; the others (asset, policy, usage) are the node's
  for (const name of Object.keys(DOMAIN)) check(`domain ${name}`, toHex(DOMAIN[name]) === v.domains[name]);
  for (const s of v.canonical_json.strings) {
    const got = toHex(utf8(canonical(String.fromCodePoint(...s.code_points))));
    check(`string ${s.name}`, got === s.json_hex, got);
  }
  for (const i of v.canonical_json.integers) check(`integer ${i.json}`, canonical(i.value) === i.json);
  for (const o of v.canonical_json.objects) check(`object ${o.name}`, canonical(JSON.parse(o.json)) === o.json);
  for (const t of v.transactions) await checkTransaction(t, v.network, keys, check);
  await checkBlock(v, check);
  for (const m of v.merkle) await checkMerkle(m, check);
  await checkReceipt(v, keys, check);
  await checkStateDigest(v.state_digest_example, check);
  for (const r of v.rejections.filter((r) => ['non_canonical', 'malformed_json'].includes(r.code))) {
    check(`rejection ${r.name}`, refuses(r.envelope), r.code);
  }
  return results;
}

async function checkTransaction(t, network, keys, check) {
  const body = JSON.parse(t.body);
  const bytes = utf8(canonical(omitDefaults(body)));
  check(`${t.name}: body`, canonical(omitDefaults(body)) === t.body);
  const message = signingMessage(DOMAIN.tx, network, bytes);
  check(`${t.name}: message`, toHex(message) === t.message_hex);
  check(`${t.name}: txid`, (await txidOf(network, bytes)) === t.txid);
  const signatures = [];
  for (const name of t.signers) {
    signatures.push({ key: keys[name].publicHex, sig: toHex(await keys[name].sign(message)) });
  }
  const expected = t.signatures.map((s) => `${s.key}:${s.sig}`).sort().join();
  check(`${t.name}: signatures`, signatures.map((s) => `${s.key}:${s.sig}`).sort().join() === expected);
  check(`${t.name}: envelope`, new TextDecoder().decode(envelopeBytes(bytes, network, t.signatures)) === t.envelope);
}

async function checkBlock(v, check) {
  const header = JSON.parse(v.block.header);
  check('block header', canonical(header) === v.block.header);
  const message = signingMessage(DOMAIN.block, v.network, utf8(v.block.header));
  check('block message', toHex(message) === v.block.signing_message_hex);
  check('block hash', (await blockHash(v.network, header)) === v.block.hash);
  check('block signature', await verify(fromHex(header.producer), fromHex(v.block.signature), message));
  check('block tx_root', toHex(await merkleRoot(v.block.txids.map(fromHex))) === v.block.tx_root);
  const genesis = utf8(v.genesis.document);
  check('genesis canonical', canonical(JSON.parse(v.genesis.document)) === v.genesis.document);
  check('genesis hash', toHex(await sha256(concat(DOMAIN.genesis, ascii(v.network), genesis))) === v.genesis.hash);
}

async function checkMerkle(m, check) {
  const leaves = m.leaves.map(fromHex);
  check(`merkle root of ${leaves.length}`, toHex(await merkleRoot(leaves)) === m.root);
  for (let i = 0; i < leaves.length; i++) {
    const root = await rootFromPath(leaves[i], i, leaves.length, m.proofs[i].map(fromHex));
    check(`merkle path ${i} of ${leaves.length}`, root && toHex(root) === m.root);
  }
}

async function checkReceipt(v, keys, check) {
  const receipt = JSON.parse(v.receipt.receipt);
  const pinned = [keys.producer.publicHex];
  const good = await verifyReceipt(receipt, pinned, receipt.txid, v.network);
  check('receipt verifies', good.ok, good.reason);
  const tampered = { ...receipt, header: { ...receipt.header, time_ms: receipt.header.time_ms + 1 } };
  check('tampered receipt refused', !(await verifyReceipt(tampered, pinned, receipt.txid, v.network)).ok);
  const moved = { ...receipt, index: receipt.index - 1 };
  check('receipt at another index refused', !(await verifyReceipt(moved, pinned, receipt.txid, v.network)).ok);
  check('unpinned producer refused', !(await verifyReceipt(receipt, [keys.alice.publicHex], receipt.txid, v.network)).ok);
}

async function checkStateDigest(example, check) {
  const consensus = new Set('oxwknspl'.split('').map((c) => c.charCodeAt(0)));
  const entries = example.changes
    .map((c) => ({ key: fromHex(c.key_hex), value: c.value === null ? null : utf8(c.value) }))
    .filter((c) => consensus.has(c.key[0]))
    .sort((a, b) => compareBytes(a.key, b.key))
    .map((c) => concat(u32(c.key.length), c.key, c.value === null ? new Uint8Array([0]) : concat(new Uint8Array([1]), u32(c.value.length), c.value)));
  check('state entries', entries.map(toHex).join() === example.entries_hex.join());
  const writes = await sha256(concat(...entries));
  check('state writes_digest', toHex(writes) === example.writes_digest);
  check('state next_digest', toHex(await sha256(concat(fromHex(example.previous), writes))) === example.next_digest);
}

function compareBytes(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function refuses(envelopeText) {
  // The body value of the envelope must be canonical; the strict reader refuses it otherwise.
  try {
    const start = envelopeText.indexOf('"body"');
    if (start < 0) return true;
    const body = extractValue(envelopeText, envelopeText.indexOf(':', start) + 1);
    const value = parseCanonical(body);
    if (canonical(omitDefaults(value)) !== body) return true; // a default written out
    JSON.parse(envelopeText);
    return false;
  } catch {
    return true;
  }
}

function extractValue(text, from) {
  let i = from;
  while (/\s/.test(text[i])) i++;
  let depth = 0;
  let inString = false;
  for (let j = i; j < text.length; j++) {
    const c = text[j];
    if (inString) {
      if (c === '\\') j++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return text.slice(i, j + 1);
    }
  }
  throw new Error('unterminated');
}

/** The offline formats against docs/offline-vectors.json: `{check name: ok}`. */
export async function runOfflineVectors(v) {
  const off = await import('./offline.js');
  const { loadDevice, deviceSignedBy } = await import('./x509.js');
  const device = await keyFromSeed(fromHex(v.device_seed));
  const out = { device_key: device.publicHex === v.device_key };
  for (const [i, w] of v.vouchers.entries()) {
    const f = w.fields;
    const fields = { ...f, purse: fromHex(f.purse), prev: fromHex(f.prev), payee: fromHex(f.payee) };
    out[`voucher ${i} body`] = toHex(off.voucherBody(fields)) === w.body;
    out[`voucher ${i} message`] = toHex(signingMessage(DOMAIN.voucher, v.network, off.voucherBody(fields))) === w.signing_message;
    const signed = await off.signVoucher(v.network, device, fields);
    out[`voucher ${i} signed`] = toHex(signed.raw) === w.signed && signed.raw.length === w.bytes;
    out[`voucher ${i} id`] = toHex(signed.id) === w.voucher_id;
    out[`voucher ${i} read`] = off.readVoucher(fromHex(w.signed)).voucher.counter === f.counter;
  }
  const bundle = off.decodeBundle(fromHex(v.bundle));
  out.bundle_roundtrip = toHex(off.encodeBundle(bundle)) === v.bundle;
  out.bundle_size = fromHex(v.bundle).length === v.bundle_bytes;
  const cert = loadDevice(fromHex(v.device_certificate));
  out.certificate_key = cert.key === v.device_key;
  out.certificate_limits = JSON.stringify(cert.limits) === JSON.stringify(v.limits);
  out.certificate_signature = await deviceSignedBy(cert, { key: v.bank_key });
  const purse = toHex(bundle.signed.voucher.purse);
  out.funding_is_purse = (await txidOf(v.network, bundle.funding)) === purse;
  out.funding_text = new TextDecoder().decode(bundle.funding) === v.funding;
  let refused = '';
  try {
    off.decodeBundle(fromHex(`${v.bundle}00`));
  } catch (error) {
    refused = error.code;
  }
  out.trailing_byte_refused = refused === 'malformed_voucher';
  return out;
}

/** Private payments' pieces against privacy/vectors.py: `{check name: ok}`. */
export async function runPrivacyVectors(v, seeds) {
  const { blake2b } = await import('../vendor/noble.js');
  const { pad, x25519Public, x25519Secret } = await import('./sealed.js');
  const { commitment, DOMAIN_PRIVATE, DOMAIN_SHIELD } = await import('./private.js');
  const out = {};
  // RFC 7693 appendix A: BLAKE2b-512("abc"), the hash whose 24-byte form is the seal's nonce.
  out.blake2b_abc = toHex(blake2b(utf8('abc'))) === BLAKE2B_ABC;
  out.x25519_public = toHex(x25519Public(v.keys.payee)) === v.envelope.payee_x25519_public;
  out.x25519_secret = toHex(x25519Secret(fromHex(seeds.payee))) === v.envelope.payee_x25519_secret;
  const padded = fromHex(v.envelope.plaintext_padded_hex);
  out.envelope_padding = toHex(pad(utf8(fromUtf8(padded).trimEnd()))) === v.envelope.plaintext_padded_hex;
  out.note_commitment = (await commitment(JSON.parse(v.note.canonical))) === v.note.commitment;
  const payer = await keyFromSeed(fromHex(seeds.payer));
  for (const [name, domain] of [['authorization', DOMAIN_PRIVATE], ['shield_statement', DOMAIN_SHIELD]]) {
    const message = signingMessage(domain, v.network, utf8(canonical(JSON.parse(v[name].canonical))));
    out[`${name} message`] = toHex(await sha256(message)) === v[name].message_sha256;
    out[`${name} signature`] = toHex(await payer.sign(message)) === v[name].signature;
  }
  return out;
}

const BLAKE2B_ABC =
  'ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1' +
  '7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923';

/**
 * A random source that makes the library's RandomScalar pick `scalar`: noble reduces 48 random
 * bytes as (little-endian mod (L - 1)) + 1, so the bytes of scalar - 1 give scalar itself.
 * The vectors' blinds then go through the app's own Blind call, not a copy of it.
 */
function pick(scalar) {
  const n = [...scalar].reduceRight((acc, b) => (acc << 8n) | BigInt(b), 0n) - 1n;
  return (length) => Uint8Array.from({ length }, (_, i) => Number((n >> BigInt(8 * i)) & 255n));
}

/** RFC 9497 Appendix A.1.2 (VOPRF, ristretto255-SHA512) through lib/voprf.js: `{check name: ok}`. */
export async function runVoprfVectors(key, vectors) {
  const voprf = await import('./voprf.js');
  const { ristretto255_oprf } = await import('../vendor/noble.js');
  const derived = ristretto255_oprf.voprf.deriveKeyPair(fromHex(key.seed), fromHex(key.info));
  const out = { 'key pair derived': toHex(derived.secretKey) === key.secret && toHex(derived.publicKey) === key.public };
  const refused = (finalize) => {
    try {
      finalize();
      return false;
    } catch (error) {
      return error instanceof voprf.ProofError;
    }
  };
  const otherKey = ristretto255_oprf.voprf.deriveKeyPair(new Uint8Array(32).fill(7), utf8('another issuer')).publicKey;
  for (const [n, v] of vectors.entries()) {
    const name = `vector ${n + 1}`;
    const inputs = v.inputs.map(fromHex);
    const blinds = inputs.map((input, i) => voprf.blind(input, pick(fromHex(v.blinds[i]))));
    out[`${name} blind`] = blinds.map((b) => toHex(b.blind)).join() === v.blinds.join();
    out[`${name} blinded`] = blinds.map((b) => toHex(b.blinded)).join() === v.blinded.join();
    const args = [inputs, blinds.map((b) => b.blind), blinds.map((b) => b.blinded), v.evaluated.map(fromHex)];
    const proof = fromHex(v.proof);
    out[`${name} outputs`] = voprf.finalize(...args, fromHex(key.public), proof).map(toHex).join() === v.outputs.join();
    const bad = Uint8Array.from(proof);
    bad[5] ^= 1;
    out[`${name} tampered proof refused`] = refused(() => voprf.finalize(...args, fromHex(key.public), bad));
    out[`${name} another key refused`] = refused(() => voprf.finalize(...args, otherKey, proof));
  }
  return out;
}
