// Anonymous bearer tokens on the phone, as wallet/privacy/tokens.py makes them: blind random inputs,
// pay `anon.withdraw` from open coins, have the issuer evaluate them, check its DLEQ proof under
// the key the central bank *published* (never the one the answer names), unblind; spend them
// to an identified payee. Tokens are bearer value: they are kept sealed (AES-256-GCM under a
// key derived from the wallet's seed with HKDF), and a withdrawal's secrets are sealed before
// it is submitted, so a crash cannot lose paid-for tokens.

import { fromHex, toHex, utf8 } from './lib/bytes.js';
import { randomBytes } from './lib/crypto.js';
import * as db from './lib/db.js';
import { selectCoins, signTransaction } from './lib/ledger.js';
import { blind, finalize } from './lib/voprf.js';
import { ApiError, refusal } from './lib/api.js';

async function tokenKey(wallet) {
  const base = await crypto.subtle.importKey('raw', fromHex(wallet.secrets.seed), 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(), info: utf8('kzt-wallet/anonymous-tokens/v1') },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

async function load(wallet) {
  const sealed = await db.get('tokens');
  if (!sealed) return { tokens: [], pending: [] };
  const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: sealed.iv }, await tokenKey(wallet), sealed.ciphertext);
  return JSON.parse(new TextDecoder().decode(plain));
}

async function store(wallet, state) {
  const iv = randomBytes(12);
  const ciphertext = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, await tokenKey(wallet), utf8(JSON.stringify(state)));
  await db.put('tokens', { iv, ciphertext: new Uint8Array(ciphertext) });
}

/** Tokens held, counted per denomination (tiyn → count). */
export async function heldTokens(wallet) {
  const counts = {};
  for (const t of (await load(wallet)).tokens) counts[t.denomination] = (counts[t.denomination] ?? 0) + 1;
  return counts;
}

const published = (params, denomination) => params.denominations.find((d) => d.amount === denomination);

/** Buy `count` tokens of `denomination` tiyn from the wallet's open coins. */
export async function withdraw(wallet, params, denomination, count) {
  const key = published(params, denomination);
  if (!key) throw new ApiError(0, { code: 'unknown_denomination', detail: `no tokens of ${denomination} tiyn` });
  const batch = [];
  for (let i = 0; i < count; i++) {
    const input = randomBytes(32);
    const { blind: secret, blinded } = blind(input);
    batch.push({ input: toHex(input), blind: toHex(secret), blinded: toHex(blinded) });
  }
  await wallet.refresh();
  const mine = wallet.coins.filter((c) => c.output.owner === wallet.key.publicHex);
  const { chosen, total } = selectCoins(mine, denomination * count);
  const body = {
    blinded: batch.map((b) => b.blinded),
    change: total > denomination * count ? [{ amount: total - denomination * count, owner: wallet.key.publicHex }] : [],
    denomination,
    inputs: chosen.map((c) => ({ index: c.point.index, txid: c.point.txid })),
    kind: 'anon.withdraw',
  };
  const tx = await signTransaction(wallet.network, body, [wallet.key]);
  const state = await load(wallet);
  state.pending.push({ txid: tx.txid, denomination, batch });
  await store(wallet, state); // the secrets are safe before the money moves
  const refused = refusal(await wallet.node.submit(tx.envelope));
  if (refused) throw refused;
  wallet.coins = null;
  return evaluatePending(wallet, params);
}

/** Have every pending withdrawal evaluated, check the proofs, keep the tokens. */
export async function evaluatePending(wallet, params) {
  const state = await load(wallet);
  const still = [];
  for (const p of state.pending) {
    let evaluation;
    try {
      evaluation = await wallet.node.call('POST', '/v1/privacy/evaluations', { body: JSON.stringify({ txid: p.txid }) });
    } catch (error) {
      still.push(p); // not committed yet, or the node is away: try again later
      continue;
    }
    const key = fromHex(published(params, p.denomination).key);
    const outputs = finalize(
      p.batch.map((b) => fromHex(b.input)),
      p.batch.map((b) => fromHex(b.blind)),
      p.batch.map((b) => fromHex(b.blinded)),
      evaluation.evaluated.map(fromHex),
      key,
      fromHex(evaluation.proof),
    );
    p.batch.forEach((b, i) => state.tokens.push({ denomination: p.denomination, input: b.input, output: toHex(outputs[i]) }));
  }
  state.pending = still;
  await store(wallet, state);
  return state.tokens.length;
}

/** The denomination and tokens that pay exactly `amount`, or null. */
export async function tokensFor(wallet, amount) {
  const { tokens } = await load(wallet);
  const values = [...new Set(tokens.map((t) => t.denomination))].sort((a, b) => b - a);
  for (const d of values) {
    const mine = tokens.filter((t) => t.denomination === d);
    if (amount % d === 0 && amount / d <= mine.length) return { denomination: d, tokens: mine.slice(0, amount / d) };
  }
  return null;
}

/** Spend tokens to `to` for exactly `amount`; the committed transaction's receipt verified. */
export async function spend(wallet, to, amount, memo) {
  const found = await tokensFor(wallet, amount);
  if (!found) throw new ApiError(0, { code: 'no_tokens', detail: 'no tokens make up this amount exactly' });
  const request = { denomination: found.denomination, outputs: [{ amount, owner: to }], tokens: found.tokens.map((t) => ({ input: t.input, output: t.output })) };
  if (memo) request.memo = memo;
  const answer = await wallet.node.call('POST', '/v1/privacy/spends?wait=commit', { body: JSON.stringify(request), timeoutMs: 30000 });
  const refused = refusal(answer);
  if (refused) throw refused;
  const state = await load(wallet);
  const spent = new Set(found.tokens.map((t) => t.input));
  state.tokens = state.tokens.filter((t) => !spent.has(t.input));
  await store(wallet, state);
  const txid = answer.result.txid;
  return { txid, receipt: answer.receipt, verified: await wallet.verifiedPrivate(txid) };
}
