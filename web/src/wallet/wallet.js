// The wallet: its keys (unlocked in memory only), the pinned network, and everything it does
// through the public REST API: read its record and coins, verify receipts, pay, dry-run.

import { fromHex, toHex, utf8 } from './lib/bytes.js';
import { canonical } from './lib/canonical.js';
import { keyFromSeed, nacl, randomBytes } from './lib/crypto.js';
import * as db from './lib/db.js';
import { open, seal } from './lib/keystore.js';
import { InsufficientFunds, signTransaction, transferBody, txidOf } from './lib/ledger.js';
// Private payments' code (sealed boxes, notes) loads on first use, not at start-up.
const privateLib = () => Promise.all([import('./lib/private.js'), import('./lib/sealed.js')]);
import { verifyReceipt } from './lib/receipt.js';
import { proposedWalletId } from './lib/requests.js';
import { ApiError, Node, refusal } from './lib/api.js';

/** Pin network, genesis hash and producer keys at first start; later answers must agree. */
export async function pinnedNetwork(node) {
  const pinned = await db.get('pinned');
  if (pinned) return pinned;
  const info = await node.network();
  const record = {
    network: info.network,
    genesis_hash: info.genesis_hash,
    producer_keys: info.producer_keys,
    pinned_at: Date.now(),
  };
  await db.put('pinned', record);
  return record;
}

export class Wallet {
  constructor(node, pinned, doc, key, secrets) {
    this.node = node;
    this.pinned = pinned;
    this.doc = doc;
    this.key = key;
    this.secrets = secrets;
  }

  get network() { return this.pinned.network; }
  get walletId() { return this.doc.wallet_id; }

  /** A new wallet: fresh seed, sealed under the passphrase, stored. */
  static async create(node, passphrase, iterations) {
    const pinned = await pinnedNetwork(node);
    const seed = randomBytes(32);
    const key = await keyFromSeed(seed);
    const secrets = { seed: toHex(seed) };
    const doc = await seal(secrets, passphrase, { network: pinned.network, publicKey: key.publicHex, walletId: proposedWalletId(key.publicHex), iterations });
    await db.put('keystore', doc);
    return new Wallet(node, pinned, doc, key, secrets);
  }

  /** Open the stored (or an imported) keystore; throws WrongPassphrase. */
  static async unlock(node, doc, passphrase) {
    const pinned = await pinnedNetwork(node);
    const secrets = await open(doc, passphrase);
    const key = await keyFromSeed(fromHex(secrets.seed));
    if (key.publicHex !== doc.public_key) throw new Error('the keystore does not match its key');
    return new Wallet(node, pinned, doc, key, secrets);
  }

  /** Seal the secrets again (after a device key was added). */
  async reseal(passphrase) {
    this.doc = await seal(this.secrets, passphrase, { network: this.network, publicKey: this.key.publicHex, walletId: this.walletId, iterations: this.doc.kdf.iterations });
    await db.put('keystore', this.doc);
  }

  read(what) { return this.node[what](this.walletId, this.key, this.network); }

  /** The wallet's ledger record and tier, or null while its bank has not opened it. */
  async record() {
    try {
      return await this.read('wallet');
    } catch (error) {
      if (error.code === 'forbidden') return null; // not opened yet (or not ours)
      throw error;
    }
  }

  /** Verify a receipt against the pinned producer keys (cached per txid once verified). */
  async verified(txid, receipt = null) {
    const cache = (await db.get('receipts')) ?? {};
    if (cache[txid] && !receipt) return cache[txid];
    const found = receipt ?? (await this.node.receipt(txid));
    const outcome = await verifyReceipt(found, this.pinned.producer_keys, txid, this.network);
    if (outcome.ok) {
      cache[txid] = { ok: true, height: outcome.height, time_ms: outcome.time_ms };
      await db.put('receipts', cache);
    }
    return outcome;
  }

  /**
   * Coins and balance, each coin's transaction proven by a receipt in a block the pinned
   * producer signed; the result is kept as the last verified balance for offline starts.
   */
  async refresh() {
    const answer = await this.read('outputs');
    let height = 0;
    let verified = true;
    for (const txid of new Set(answer.outputs.map((o) => o.point.txid))) {
      const outcome = await this.verified(txid);
      verified &&= outcome.ok;
      height = Math.max(height, outcome.height ?? 0);
    }
    const tip = (await this.node.health()).height;
    const kzt = answer.balances.KZT ?? 0;
    const snapshot = { balance: kzt, balances: answer.balances, verified, height: tip, proven_to: height, at: Date.now() };
    if (verified) await db.put('balance', snapshot);
    this.coins = answer.outputs;
    return snapshot;
  }

  /** A signed payment (not yet sent). */
  async buildPayment(to, amount, memo) {
    if (!this.coins) await this.refresh();
    const mine = this.coins.filter((c) => c.output.owner === this.key.publicHex);
    let body;
    try {
      body = transferBody(mine, to, amount, this.key.publicHex, memo);
    } catch (error) {
      if (error instanceof InsufficientFunds) {
        throw new ApiError(0, { code: 'insufficient_funds', needed: error.needed, available: error.available });
      }
      throw error;
    }
    return signTransaction(this.network, body, [this.key]);
  }

  /** Dry run: `{accepted, problem}` from the node's check, nothing submitted. */
  async dryRun(tx) {
    const answer = await this.node.check(tx.envelope);
    return { accepted: answer.accepted, problem: answer.problem ? { ...answer.problem, ...answer.problem.fields } : null };
  }

  /** Submit, wait for the block, verify the receipt; throws ApiError with the refusal. */
  async send(tx) {
    const answer = await this.node.submit(tx.envelope);
    const refused = refusal(answer);
    if (refused) throw refused;
    this.coins = null;
    const receipt = answer.receipt ?? (await this.node.receipt(tx.txid));
    const outcome = await verifyReceipt(receipt, this.pinned.producer_keys, tx.txid, this.network);
    return { txid: tx.txid, receipt, verified: outcome };
  }

  /** Private notes: trial decryption of the private feed, every payment's receipt verified. */
  async privateNotes() {
    const [{ commitment, scan }, { x25519Secret }] = await privateLib();
    const known = (await db.get('notes')) ?? { next: 1, received: [], spent: [] };
    const lib = await nacl();
    const secret = x25519Secret(fromHex(this.secrets.seed));
    const tip = (await this.node.health()).height;
    while (known.next <= tip) {
      const page = await this.node.privateFeed(known.next);
      const found = await scan(lib, secret, this.key.publicHex, page.entries);
      for (const r of found.received) {
        if ((await this.verifiedPrivate(r.txid)).ok) known.received.push(r);
      }
      known.spent.push(...found.spent);
      known.next = page.next > known.next ? page.next : tip + 1;
    }
    await db.put('notes', known);
    const spent = new Set(known.spent);
    const unspent = [];
    for (const r of known.received) if (!spent.has(await commitment(r.note))) unspent.push(r.note);
    return { unspent, total: unspent.reduce((n, x) => n + x.amount, 0) };
  }

  /** A committed private transfer: its txid recomputed from the body, its receipt verified. */
  async verifiedPrivate(txid, commitments = []) {
    const found = await this.node.privateTransaction(txid);
    const body = found.tx.body;
    if ((await txidOf(this.network, utf8(canonical(body)))) !== txid) return { ok: false, reason: 'the body is not this txid' };
    if (!commitments.every((c) => (body.commitments ?? []).includes(c))) return { ok: false, reason: 'our notes are not in it' };
    return verifyReceipt(found.receipt, this.pinned.producer_keys, txid, this.network);
  }

  /** Pay privately (notes first, then open coins); the committed transfer verified. */
  async sendPrivate(to, amount, memo, params) {
    const [{ commitment, privatePayment }] = await privateLib();
    if (!this.coins) await this.refresh();
    const notes = (await this.privateNotes()).unspent;
    const mine = this.coins.filter((c) => c.output.owner === this.key.publicHex);
    let built;
    try {
      built = await privatePayment({ nacl: await nacl(), network: this.network, params, key: this.key, notes, coins: mine, to, amount, memo });
    } catch (error) {
      if (error instanceof InsufficientFunds) throw new ApiError(0, { code: 'insufficient_funds', needed: error.needed, available: error.available });
      throw error;
    }
    const answer = await this.node.submitPrivate(built.submission);
    const refused = refusal(answer);
    if (refused) throw refused;
    this.coins = null;
    const txid = answer.result.txid;
    const known = (await db.get('notes')) ?? { next: 1, received: [], spent: [] };
    for (const note of built.spent) known.spent.push(await commitment(note));
    await db.put('notes', known);
    return { txid, receipt: answer.receipt, verified: await this.verifiedPrivate(txid, built.commitments) };
  }
}

export { Node };
