// A bank's client written from docs/ only (encoding.md, kinds.md, api-guide.md,
// programmable-money.md, digital-assets.md, privacy.md, offline.md), in Node with tweetnacl,
// @noble/hashes and @noble/curves (ristretto255 for the VOPRF blinding): opens the demo's
// keystore and central bank key file, builds, signs and submits one transaction of each
// client kind it covers against a node, verifies every receipt.
// Usage: node client.mjs NODE_URL DATA_DIR  -> one JSON line per transaction, "ok" at the end.
import { readFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import { argon2id } from '@noble/hashes/argon2.js';
import { ristretto255_hasher } from '@noble/curves/ed25519.js';
import * as x509 from './x509.mjs';

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

// api-guide.md 3.11/3.14: a key's unspent outputs of one token (token omitted = KZT), largest first.
async function coins(seed, path, token = 'KZT') {
  const { outputs } = await signedGet(seed, `${nodeUrl}${path}`);
  return outputs.filter((o) => (o.output.token ?? 'KZT') === token).sort((a, b) => b.output.amount - a.output.amount);
}
async function coin(seed, path, amount, token = 'KZT') {
  const found = (await coins(seed, path, token)).find((o) => o.output.amount >= amount) ?? fail(`no ${token} coin of ${amount} at ${path}`);
  return { point: found.point, change: found.output.amount - amount };
}
const change = (left, owner, token) => (left ? [token ? { amount: left, owner, token } : { amount: left, owner }] : []);
const sleep = (ms) => new Promise((done) => { setTimeout(done, ms); });

// A merchant wallet (MCC 5814) to be paid, funded from the bank's reserve.
const shopSeed = randomBytes(32); const shopKey = hex(keyPair(shopSeed).publicKey); const shopId = `node-shop-${tag}`;
await submit({ kind: 'wallet.open', wallet_id: shopId, bank_id: bankId, tier: 'business', keys: [shopKey], mcc: '5814' }, bankSeed);
const reserveCoin = await coin(bankSeed, `/v1/banks/${bankId}/outputs`, 60_000_00);
await submit({ kind: 'transfer', inputs: [reserveCoin.point], outputs: [{ amount: 50_000_00, owner: walletKey }, { amount: 10_000_00, owner: shopKey }, ...change(reserveCoin.change, bankKey)] }, bankSeed);
const walletPath = `/v1/wallets/${walletId}/outputs`; const shopPath = `/v1/wallets/${shopId}/outputs`;

// Programs (programmable-money.md 1): the token id is SHA-256 of the policy's canonical bytes
// under KZT-LEDGER/policy/v1\0; an onward policy gives the next level's token.
const POLICY_TAG = Buffer.from('KZT-LEDGER/policy/v1\0');
const tokenOf = (policy) => hex(sha256(POLICY_TAG, Buffer.from(canonical(policy))));
const expiresAt = Date.now() + 20_000;
const onward = { issuer: walletKey, name: `Canteen takings ${tag}`, convert: 'anyone', expires_at: expiresAt };
const policy = { issuer: walletKey, name: `School meals ${tag}`, mcc: ['5814'], per_payment: 3_000_00, expires_at: expiresAt, onward };
const meals = tokenOf(policy); const takings = tokenOf(onward);
await submit({ kind: 'program.grant', wallet_id: walletId, nonce }, centralBank);
await submit({ kind: 'program.create', policy }, walletSeed);
let c = await coin(walletSeed, walletPath, 5_000_00);
await submit({ kind: 'program.issue', token: meals, inputs: [c.point], outputs: [{ amount: 5_000_00, owner: walletKey, token: meals }, ...change(c.change, walletKey)] }, walletSeed);
c = await coin(walletSeed, walletPath, 1_500_00, meals);
await submit({ kind: 'program.pay', inputs: [c.point], outputs: [{ amount: 1_500_00, owner: shopKey, token: takings }, ...change(c.change, walletKey, meals)] }, walletSeed);
c = await coin(shopSeed, shopPath, 1_000_00, takings);
await submit({ kind: 'program.convert', inputs: [c.point], outputs: [{ amount: 1_000_00, owner: shopKey }, ...change(c.change, shopKey, takings)] }, shopSeed);

// Metering (programmable-money.md 5): the customer signs its cumulative usage off-ledger,
// KZT-LEDGER/usage/v1\0 || network || canonical(receipt) (kinds.md, UsageReceipt).
const USAGE_TAG = Buffer.from('KZT-LEDGER/usage/v1\0');
c = await coin(walletSeed, walletPath, 900_00);
const meter = await submit({ kind: 'meter.open', inputs: [c.point], customer: walletKey, provider: shopKey, budget: 900_00, expires_at: Date.now() + 3_600_000, change: change(c.change, walletKey) }, walletSeed);
const receipt = { meter, sequence: 1, cumulative: 200_00 };
const usageSig = nacl.sign.detached(Buffer.concat([USAGE_TAG, Buffer.from(network), Buffer.from(canonical(receipt))]), keyPair(walletSeed).secretKey);
await submit({ kind: 'meter.claim', meter, usage: { receipt, key: walletKey, sig: hex(usageSig) }, provider: shopKey, amount: 200_00 }, shopSeed);
await submit({ kind: 'meter.close', meter, provider: shopKey, customer: walletKey, refund: 700_00 }, shopSeed);

// Mandates: the payer's wallet signs once; the payee pulls from the payer's outputs.
const now = Date.now();
const mandate = await submit({ kind: 'mandate.create', payer: walletId, payee: shopKey, max_per_period: 500_00, period_ms: 30 * 86_400_000, starts_at: now - 60_000, ends_at: now + 365 * 86_400_000 }, walletSeed);
c = await coin(walletSeed, walletPath, 450_00);
await submit({ kind: 'mandate.pull', mandate, inputs: [c.point], outputs: [{ amount: 450_00, owner: shopKey }, ...change(c.change, walletKey)] }, shopSeed);
await submit({ kind: 'mandate.revoke', mandate }, walletSeed);

// Digital assets (digital-assets.md 1-3): the shop is licensed as a platform; the class id is
// SHA-256 of the terms under KZT-LEDGER/asset-class/v1\0; units are held as token "asset:" || id.
const CLASS_TAG = Buffer.from('KZT-LEDGER/asset-class/v1\0');
const terms = { platform: shopKey, issuer: { name: 'Kostanay Grain Elevator LLP', bin: '040140000123' }, name: `Wheat ${tag}`, rights: 'goods', rights_proof: hex(sha256(Buffer.from('certificate'))), terms: hex(sha256(Buffer.from('one tonne'))), unit: 'tonne' };
const asset = hex(sha256(CLASS_TAG, Buffer.from(canonical(terms)))); const units = `asset:${asset}`;
await submit({ kind: 'asset.license', wallet_id: shopId, licence: `NBK-${tag}`, nonce }, centralBank);
await submit({ kind: 'asset.create', terms }, shopSeed);
await submit({ kind: 'asset.issue', asset, outputs: [{ amount: 100, owner: walletKey, token: units }] }, shopSeed);
c = await coin(walletSeed, walletPath, 10, units);
await submit({ kind: 'asset.transfer', inputs: [c.point], outputs: [{ amount: 10, owner: shopKey, token: units }, ...change(c.change, walletKey, units)] }, walletSeed);
const sold = await coin(walletSeed, walletPath, 20, units); const paying = await coin(shopSeed, shopPath, 2_000_00);
await submit({ kind: 'asset.dvp', asset: units, units: 20, price: 2_000_00, seller: walletKey, buyer: shopKey, inputs: [sold.point, paying.point], change: [...change(sold.change, walletKey, units), ...change(paying.change, shopKey)] }, walletSeed, shopSeed);
c = await coin(shopSeed, shopPath, 5, units);
await submit({ kind: 'asset.retire', inputs: [c.point], units: 5, change: change(c.change, shopKey, units) }, shopSeed);

// Programs, last: from expires_at on, anyone returns what is left to the issuer as KZT.
while (Date.now() < expiresAt + 1_000) await sleep(500);
const left = (await coins(walletSeed, walletPath, meals)).concat(await coins(shopSeed, shopPath, meals));
await submit({ kind: 'program.expire', inputs: left.map((o) => o.point), issuer: walletKey, amount: left.reduce((t, o) => t + o.output.amount, 0) }, bankSeed);
// The waterfall (kinds.md): the wallet's bank links a deposit account to the wallet.
await submit({ kind: 'wallet.link_deposit', wallet_id: walletId, deposit: `${bankId}:ACC-${tag}`, nonce }, bankSeed);
// Privacy (api-guide.md 3.33, privacy.md 9). The central bank restates the parameters it set.
const params = await (await fetch(`${nodeUrl}/v1/privacy/params`)).json();
await submit({ kind: 'privacy.configure', params, nonce }, centralBank);
// An anonymous withdrawal: per token a random 32-byte input, HashToGroup with the VOPRF
// context "OPRFV1-" || 0x01 || "-ristretto255-SHA512", multiplied by a random blind.
const ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;
const scalar = () => { let r = 0n; while (r === 0n) r = BigInt(`0x${hex(randomBytes(64))}`) % ORDER; return r; };
const DST = Buffer.concat([Buffer.from('HashToGroup-OPRFV1-'), Buffer.from([1]), Buffer.from('-ristretto255-SHA512')]);
const denomination = params.denominations[0].amount;
const blinded = [0, 1].map(() => hex(ristretto255_hasher.hashToCurve(randomBytes(32), { DST }).multiply(scalar()).toBytes()));
c = await coin(walletSeed, walletPath, 2 * denomination);
await submit({ kind: 'anon.withdraw', inputs: [c.point], denomination, blinded, change: change(c.change, walletKey) }, walletSeed);
// A disclosure of a private transfer of the feed, by `threshold` of the named authorities
// (the demo's keys: api-guide.md 1.3, demo_seed).
const feed = await (await fetch(`${nodeUrl}/v1/privacy/feed?from=1&limit=1`)).json();
const privateTxid = feed.entries[0]?.txid ?? fail('no private transfer on the demo network');
const demoSeed = (name) => sha256(Buffer.from(`tenge-demo-key:${name}`));
const quorum = params.authorities.slice(0, params.threshold).map((a) => demoSeed(a.name));
quorum.forEach((seed, i) => { if (hex(keyPair(seed).publicKey) !== params.authorities[i].key) fail('authority key'); });
await submit({ kind: 'privacy.disclose', txid: privateTxid, reason: 'a Node client test', case: `NODE-${tag}` }, ...quorum);

// Offline purses (offline.md 3, 4, 2): the central bank's root and the bank's CA (offline.md 4.5),
// the bank's reserve and CRL, a device enrolled and funded, vouchers paid and deposited.
const YEAR = 365 * 86_400_000; const t0 = Date.now() - 60_000;
const rootName = x509.name(['O', 'National Bank of Kazakhstan'], ['CN', `${network} offline root`]);
const cbPublic = keyPair(centralBank).publicKey;
const root = x509.certificate({ serial: BigInt(`0x${hex(randomBytes(8))}`) >> 1n | 1n, issuer: rootName, subject: rootName, notBefore: t0, notAfter: t0 + 20 * YEAR, publicKey: cbPublic, extensions: [x509.basicConstraints(true, 1), x509.keyUsageCa()] }, keyPair(centralBank).secretKey);
const limitsOf = (maxPurse, maxVoucher, maxVouchers, hours) => ({ max_purse: maxPurse, max_voucher: maxVoucher, max_vouchers: maxVouchers, max_offline_hours: hours });
const tiers = { anonymous: limitsOf(20_000_00, 5_000_00, 50, 72), basic: limitsOf(100_000_00, 20_000_00, 100, 96), full: limitsOf(300_000_00, 50_000_00, 200, 168), business: limitsOf(300_000_00, 100_000_00, 500, 168) };
await submit({ kind: 'offline.setup', root: hex(root), params: { tiers }, nonce }, centralBank);
const bankName = x509.name(['CN', bankId]);
const ca = x509.certificate({ serial: 2n, issuer: rootName, subject: bankName, notBefore: t0, notAfter: t0 + 10 * YEAR, publicKey: keyPair(bankSeed).publicKey, extensions: [x509.basicConstraints(true, 0), x509.keyUsageCa()] }, keyPair(centralBank).secretKey);
await submit({ kind: 'offline.ca', bank_id: bankId, certificate: hex(ca) }, centralBank);
c = await coin(bankSeed, `/v1/banks/${bankId}/outputs`, 5_000_00);
await submit({ kind: 'reserve.fund', bank_id: bankId, inputs: [c.point], amount: 5_000_00, change: change(c.change, bankKey) }, bankSeed);
const publishCrl = (revoked) => submit({ kind: 'offline.crl', bank_id: bankId, crl: hex(x509.revocationList({ issuer: bankName, number: Date.now(), thisUpdate: Date.now() - 1_000, nextUpdate: Date.now() + 86_400_000, revoked }, keyPair(bankSeed).secretKey)) }, bankSeed);
await publishCrl([]);
async function enrolDevice() {
  const seed = randomBytes(32); const serial = BigInt(`0x${hex(randomBytes(8))}`) >> 1n | 1n;
  const cert = x509.certificate({ serial, issuer: bankName, subject: x509.name(['UID', walletId]), notBefore: t0, notAfter: t0 + 2 * YEAR, publicKey: keyPair(seed).publicKey, extensions: [x509.basicConstraints(false), x509.keyUsageSigning(), x509.limitsExtension(limitsOf(20_000_00, 5_000_00, 10, 24))] }, keyPair(bankSeed).secretKey);
  await submit({ kind: 'device.enrol', certificate: hex(cert) }, bankSeed);
  const at = await coin(walletSeed, walletPath, 2_000_00);
  const purse = await submit({ kind: 'purse.fund', inputs: [at.point], device: hex(keyPair(seed).publicKey), amount: 2_000_00, change: change(at.change, walletKey) }, walletSeed);
  return { seed, key: hex(keyPair(seed).publicKey), serial: serial.toString(16), purse };
}
// offline.md 4.1-4.3: deterministic CBOR voucher [1, purse, counter, prev, payee, amount, cumulative, time_ms],
// signed over KZT-LEDGER/voucher/v1\0 || network || body; its id is SHA-256 of that message.
const VOUCHER_TAG = Buffer.from('KZT-LEDGER/voucher/v1\0');
function uint(n) {
  const v = BigInt(n);
  if (v < 24n) return Buffer.from([Number(v)]);
  const [head, size] = v < 256n ? [0x18, 1] : v < 65536n ? [0x19, 2] : v < 2n ** 32n ? [0x1a, 4] : [0x1b, 8];
  return Buffer.concat([Buffer.from([head]), Buffer.from(v.toString(16).padStart(size * 2, '0'), 'hex')]);
}
const bytes32 = (h) => Buffer.concat([Buffer.from([0x58, 0x20]), unhex(h)]);
function voucher(device, counter, prev, payee, amount, cumulative) {
  const body = Buffer.concat([Buffer.from([0x88]), uint(1), bytes32(device.purse), uint(counter), bytes32(prev), bytes32(payee), uint(amount), uint(cumulative), uint(Date.now())]);
  const message = Buffer.concat([VOUCHER_TAG, Buffer.from(network), body]);
  const sig = nacl.sign.detached(message, keyPair(device.seed).secretKey);
  return { raw: hex(Buffer.concat([Buffer.from([0x82]), body, Buffer.from([0x58, 0x40]), sig])), id: hex(sha256(message)) };
}
const phone = await enrolDevice();
const paid1 = voucher(phone, 1, phone.purse, shopKey, 1_500_00, 1_500_00);
await submit({ kind: 'voucher.deposit', network, deposits: [{ purse: phone.purse, device: phone.key, vouchers: [paid1.raw] }] }, shopSeed);
// A cloned device signs counter 1 again, to the bank: the two vouchers prove the double spend.
const cloned = voucher(phone, 1, phone.purse, bankKey, 1_000_00, 1_000_00);
await submit({ kind: 'purse.fraud', network, purse: phone.purse, device: phone.key, vouchers: [paid1.raw, cloned.raw] }, shopSeed);
await submit({ kind: 'voucher.deposit', network, deposits: [{ purse: phone.purse, device: phone.key, vouchers: [cloned.raw] }] }, bankSeed);
// api-guide.md 3.30: what the payer owes for the reserve's advance is what the bank claws back.
const purseView = await signedGet(bankSeed, `${nodeUrl}/v1/offline/purses/${phone.purse}`);
const advanced = purseView.owed || fail(`nothing owed: ${JSON.stringify(purseView)}`);
c = await coin(walletSeed, walletPath, advanced);
await submit({ kind: 'purse.clawback', purse: phone.purse, inputs: [c.point], amount: advanced, change: change(c.change, walletKey) }, bankSeed);
// A second device: its unused purse returned by the device key, then the device revoked.
const spare = await enrolDevice();
await submit({ kind: 'purse.defund', purse: spare.purse, last_counter: 0, cumulative: 0, amount: 2_000_00, to: walletKey }, spare.seed);
await submit({ kind: 'device.revoke', serial: spare.serial, reason: 'closed' }, bankSeed);
// The reverse waterfall (encoding.md 5.11-5.13): the wallet signs a standing mandate, the bank
// fills its pool and takes some back, and a payment larger than the wallet's KZT names the
// shortfall the pool pays (KZT outputs = KZT inputs + shortfall, nothing back to the payer).
await submit({ kind: 'wallet.reverse_mandate', wallet_id: walletId, per_payment: 1_000_00, nonce }, walletSeed);
const bankPath = `/v1/banks/${bankId}/outputs`;
c = await coin(bankSeed, bankPath, 5_000_00);
await submit({ kind: 'waterfall.fund', bank_id: bankId, inputs: [c.point], amount: 5_000_00, change: change(c.change, bankKey) }, bankSeed);
await submit({ kind: 'waterfall.withdraw', bank_id: bankId, amount: 1_000_00, to: bankKey, nonce }, bankSeed);
const mine = await coins(walletSeed, walletPath);
if (!mine.length) fail('the wallet has no KZT left to pay with');
const held = mine.reduce((t, o) => t + o.output.amount, 0);
await submit({ kind: 'transfer', inputs: mine.map((o) => o.point), outputs: [{ amount: held + 500_00, owner: shopKey }], shortfall: 500_00 }, walletSeed);

console.log('ok');
