// A bank's client written from docs/ only (encoding.md, api-guide.md), in Node with
// tweetnacl and @noble/hashes: opens the demo's keystore and central bank key file,
// builds, signs and submits the core kinds against a node, verifies every receipt.
// Usage: node client.mjs NODE_URL DATA_DIR  -> one JSON line per transaction, "ok" at the end.
import { readFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import { argon2id } from '@noble/hashes/argon2.js';

const [nodeUrl, dataDir] = process.argv.slice(2);
const hex = (b) => Buffer.from(b).toString('hex');
const unhex = (h) => new Uint8Array(Buffer.from(h, 'hex'));
const sha256 = (...parts) => createHash('sha256').update(Buffer.concat(parts.map((p) => Buffer.from(p)))).digest();
const fail = (why) => { throw new Error(why); };

// encoding.md section 2: sorted keys, no whitespace, integers only; defaults left out by the caller.
function canonical(v) {
  if (typeof v === 'number') { if (!Number.isSafeInteger(v) || v < 0) fail(`not a ledger integer: ${v}`); return String(v); }
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const keys = Object.keys(v).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
}

const keyPair = (seed) => nacl.sign.keyPair.fromSeed(seed);
const TX_TAG = unhex('4b5a542d4c45444745522f74782f763100');
const BLOCK_TAG = unhex('4b5a542d4c45444745522f626c6f636b2f763100');

// api-guide.md 1.1: the keystore (Argon2id + XSalsa20-Poly1305 secretbox).
function openKeystore(path, password) {
  const ks = JSON.parse(readFileSync(path, 'utf8'));
  if (ks.format !== 'tenge-keystore' || ks.version !== 1) fail('not a keystore');
  const key = argon2id(password, unhex(ks.kdf.salt), { t: ks.kdf.opslimit, m: ks.kdf.memlimit / 1024, p: 1, dkLen: 32 });
  const seed = nacl.secretbox.open(unhex(ks.cipher.ciphertext), unhex(ks.cipher.nonce), key) ?? fail('wrong password');
  if (hex(keyPair(seed).publicKey) !== ks.public_key) fail('keystore public key mismatch');
  return seed;
}

// api-guide.md 7: RFC 9421 signed read.
async function signedGet(seed, url) {
  const params = `("@method" "@target-uri");created=${Math.floor(Date.now() / 1000)};keyid="${hex(keyPair(seed).publicKey)}";alg="ed25519";nonce="${hex(randomBytes(16))}";tag="kzt-ledger/${network}"`;
  const base = `"@method": GET\n"@target-uri": ${url}\n"@signature-params": ${params}`;
  const sig = nacl.sign.detached(Buffer.from(base), keyPair(seed).secretKey);
  const answer = await fetch(url, { headers: { 'Signature-Input': `tenge=${params}`, Signature: `tenge=:${Buffer.from(sig).toString('base64')}:` } });
  if (answer.status !== 200) fail(`${url}: ${answer.status} ${await answer.text()}`);
  return answer.json();
}

// encoding.md 10: receipt verification with the producer keys of /v1/network.
function verifyReceipt(receipt, txid) {
  if (receipt.network !== network || receipt.txid !== txid) fail('receipt for something else');
  const h = receipt.header;
  if (!producerKeys.includes(h.producer)) fail('unknown producer');
  const message = Buffer.concat([BLOCK_TAG, Buffer.from(network), Buffer.from(canonical(h))]);
  if (!nacl.sign.detached.verify(message, unhex(receipt.signature), unhex(h.producer))) fail('bad block signature');
  let fn = receipt.index; let sn = h.tx_count - 1; let r = sha256([0], unhex(txid));
  if (!(fn >= 0 && fn <= sn)) fail('index out of range');
  for (const p of receipt.proof) {
    if (sn === 0) fail('proof too long');
    if (fn % 2 === 1 || fn === sn) {
      r = sha256([1], unhex(p), r);
      if (fn % 2 === 0) while (fn !== 0 && fn % 2 === 0) { fn >>= 1; sn >>= 1; }
    } else r = sha256([1], r, unhex(p));
    fn >>= 1; sn >>= 1;
  }
  if (sn !== 0 || hex(r) !== h.tx_root) fail('proof does not reach tx_root');
}

// encoding.md 6 and 7: message, txid, envelope; api-guide 3.1: submit and wait.
async function submit(body, ...seeds) {
  const text = canonical(body);
  const message = Buffer.concat([TX_TAG, Buffer.from(network), Buffer.from(text)]);
  const txid = hex(sha256(message));
  const signatures = seeds.map((s) => `{"key":"${hex(keyPair(s).publicKey)}","sig":"${hex(nacl.sign.detached(message, keyPair(s).secretKey))}"}`);
  const envelope = `{"body":${text},"network":"${network}","signatures":[${signatures.join(',')}]}`;
  const answer = await fetch(`${nodeUrl}/v1/transactions?wait=commit`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: envelope });
  const reply = await answer.json();
  if (answer.status !== 200 || reply.result?.status !== 'committed') fail(`${body.kind}: ${answer.status} ${JSON.stringify(reply)}`);
  if (reply.result.txid !== txid) fail(`${body.kind}: the node computed another txid`);
  verifyReceipt(reply.receipt, txid);
  console.log(JSON.stringify({ kind: body.kind, txid, height: reply.result.height, receipt: 'verified' }));
  return txid;
}

const info = await (await fetch(`${nodeUrl}/v1/network`)).json();
const network = info.network;
const producerKeys = info.producer_keys;
const centralBank = unhex(readFileSync(`${dataDir}/keys/central-bank.key`, 'utf8').trim());
const halyk = openKeystore(`${dataDir}/keys/halyk.keystore`, 'demo');
const reserve = await signedGet(halyk, `${nodeUrl}/v1/banks/halyk/outputs`);
if (!Array.isArray(reserve.outputs)) fail('halyk keystore did not open a signed read');

const tag = hex(randomBytes(4));
const nonce = Date.now();
const bankSeed = randomBytes(32); const bankKey = hex(keyPair(bankSeed).publicKey);
const walletSeed = randomBytes(32); const walletKey = hex(keyPair(walletSeed).publicKey);
const bankId = `node-bank-${tag}`; const walletId = `node-wallet-${tag}`;

await submit({ kind: 'limits.set', tier: 'business', limits: {}, nonce }, centralBank);
await submit({ kind: 'bank.register', bank_id: bankId, name: 'Node Bank', keys: [bankKey], issuance_limit: 10_000_000_00 }, centralBank);
await submit({ kind: 'bank.update', bank_id: bankId, issuance_limit: 20_000_000_00, nonce }, centralBank);
const issued = await submit({ kind: 'issue', bank_id: bankId, outputs: [{ amount: 500_000_00, owner: bankKey }], nonce }, centralBank);
await submit({ kind: 'wallet.open', wallet_id: walletId, bank_id: bankId, tier: 'basic', keys: [walletKey] }, bankSeed);
const paid = await submit({ kind: 'transfer', inputs: [{ index: 0, txid: issued }], outputs: [{ amount: 1_000_00, owner: walletKey }, { amount: 499_000_00, owner: bankKey }], memo: 'from Node ☕' }, bankSeed);
await submit({ kind: 'wallet.update', wallet_id: walletId, tier: 'full', nonce }, bankSeed);
await submit({ kind: 'redeem', bank_id: bankId, inputs: [{ index: 1, txid: paid }], amount: 400_000_00, change: [{ amount: 99_000_00, owner: bankKey }] }, bankSeed);
// Contracts (docs/kinds.md): an escrow released by its delivery code, signed by the payee
// alone (hashlock = hex SHA-256 of the code's UTF-8 bytes); a second one refunded early by the payee.
const code = `delivery-${tag}`;
const hashlock = hex(sha256(Buffer.from(code, 'utf8')));
const deadline = Date.now() + 3_600_000;
const opened = await submit({ kind: 'escrow.open', inputs: [{ index: 0, txid: paid }], payer: walletKey, payee: bankKey, amount: 300_00, deadline, hashlock, change: [{ amount: 700_00, owner: walletKey }] }, walletSeed);
await submit({ kind: 'escrow.release', escrow: opened, payee: bankKey, amount: 300_00, code }, bankSeed);
const second = await submit({ kind: 'escrow.open', inputs: [{ index: 0, txid: opened }], payer: walletKey, payee: bankKey, amount: 200_00, deadline, change: [{ amount: 500_00, owner: walletKey }] }, walletSeed);
await submit({ kind: 'escrow.refund', escrow: second, payer: walletKey, amount: 200_00 }, bankSeed);
const wallet = await signedGet(walletSeed, `${nodeUrl}/v1/wallets/${walletId}`);
if (wallet.balances.KZT !== 700_00) fail(`wallet balance ${JSON.stringify(wallet.balances)}`);
console.log('ok');
