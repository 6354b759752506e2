// The home screen (balance, tier and limits, private notes, anonymous tokens, special-purpose
// money, digital assets) and the history screen.

import { moneyBalances } from './lib/assets.js';
import * as db from './lib/db.js';
import { formatDelta } from './lib/money.js';
// Anonymous tokens' code (ristretto255, VOPRF) loads on first use, not at start-up.
const tokens = () => import('./anonymous.js');
import { attempt, money, state } from './context.js';
import { renderAssets } from './digital-assets.js';
import { explain } from './explain.js';
import { $, announce, item, mark, showScreen, text } from './ui.js';

export async function showHome() {
  showScreen('home');
  const info = await attempt(() => state.node.network()).then(async (n) => (await db.put('network-info', n), n)).catch(() => db.get('network-info'));
  const tier = state.record?.wallet?.tier;
  text('tier', tier ? `Wallet ${state.wallet.walletId} · tier ${tier} · bank ${state.record.wallet.bank_id}` : '');
  renderLimits(info?.limits?.[tier] ?? {});
  try {
    const snapshot = await attempt(() => state.wallet.refresh());
    text('balance', money(snapshot.balance));
    mark('balance-mark', snapshot.verified, snapshot.verified ? `✓ Verified: every coin proven by a signed block (tip ${snapshot.height})` : 'Not verified: a receipt did not check out');
    renderSpecial(snapshot.balances).catch(() => {});
    renderAssets(snapshot.balances).catch(() => {});
    renderPrivate().catch(() => {});
    renderAnonymous().catch(() => {});
  } catch {
    const cached = await db.get('balance');
    text('balance', cached ? money(cached.balance) : '—');
    mark('balance-mark', Boolean(cached), cached ? `Last verified at block ${cached.height}, ${new Date(cached.at).toLocaleString(state.language)}` : 'No verified balance yet');
  }
}

function renderLimits(limits) {
  const list = $('limits');
  list.replaceChildren();
  const rows = [['Per payment', limits.per_payment], ['Per day', limits.daily], ['Balance cap', limits.balance_cap]];
  for (const [name, value] of rows) {
    const dt = document.createElement('dt');
    dt.textContent = name;
    const dd = document.createElement('dd');
    dd.textContent = value === undefined ? 'no limit' : money(value);
    list.append(dt, dd);
  }
}

async function renderPrivate() {
  if (!(await state.node.privacyParams().catch(() => null))) return;
  const notes = await state.wallet.privateNotes();
  $('private-balance').hidden = notes.total === 0;
  text('private-balance', `Private notes: ${money(notes.total)} (found by trial decryption, each payment's receipt verified)`);
}

/** The levels the network allows this tier (absent members are their defaults, as on the wire). */
export function levelsOf(params, tier) {
  const levels = params?.tiers?.[tier];
  if (!levels) return {};
  const caps = (level, absent) => (levels[level] ? { ...levels[level], allowed: (levels[level].access ?? 'allowed') === 'allowed' } : absent);
  return { private: caps('private', { allowed: true }), anonymous: caps('anonymous', { allowed: false }) };
}

async function renderAnonymous() {
  const params = await state.node.privacyParams().catch(() => null);
  const allowed = levelsOf(params, state.record?.wallet?.tier).anonymous?.allowed && params.denominations?.length;
  $('anon').hidden = !allowed;
  if (!allowed) return;
  state.privacy = params;
  await (await tokens()).evaluatePending(state.wallet, params);
  const held = await (await tokens()).heldTokens(state.wallet);
  const list = Object.entries(held).map(([d, n]) => `${n} × ${money(Number(d))}`);
  text('anon-held', list.length ? `You hold ${list.join(', ')}.` : 'You hold no tokens.');
  const select = $('anon-denomination');
  if (!select.options.length) {
    for (const d of params.denominations) select.append(new Option(money(d.amount), String(d.amount)));
  }
}

export async function withdrawTokens(event) {
  event.preventDefault();
  const count = Number($('anon-count').value);
  if (!Number.isSafeInteger(count) || count < 1 || count > 64) return announce('Withdraw 1 to 64 tokens at a time.');
  try {
    announce('Withdrawing: blinding, paying, checking the issuer\'s proof…');
    await attempt(async () => (await tokens()).withdraw(state.wallet, state.privacy, Number($('anon-denomination').value), count));
    await showHome();
    announce(`${count} token(s) withdrawn; the issuer's proof verified under the published key.`);
  } catch (error) {
    announce(`Could not withdraw: ${explain(error.problem ?? { code: 'error', detail: error.message }, state.language)}`);
  }
}

/** Special-purpose money: the program tokens (KZT locked 1:1), never a digital asset. */
async function renderSpecial(balances) {
  const special = Object.entries(moneyBalances(balances)).filter(([token]) => token !== 'KZT');
  $('special').hidden = special.length === 0;
  const list = $('special-list');
  list.replaceChildren();
  for (const [token, amount] of special) {
    const program = await state.node.program(token).catch(() => null);
    const policy = program?.policy ?? {};
    const may = [policy.mcc && `shops of category ${policy.mcc.join(', ')}`, policy.recipients && `${policy.recipients.length} named merchants`, policy.regions && `in ${policy.regions.join(', ')}`].filter(Boolean).join('; ');
    list.append(item([[policy.name ?? token.slice(0, 12), ''], [money(amount), 'plus'], [may ? `May buy at: ${may}` : 'No spending restriction', 'muted']]));
  }
}

export async function showHistory() {
  showScreen('history');
  const list = $('history-list');
  try {
    const page = await attempt(() => state.wallet.read('history'));
    list.replaceChildren(...page.entries.map((e) => {
      const delta = e.delta?.KZT;
      return item([[e.kind, ''], [delta === undefined ? '' : formatDelta(delta, state.language), delta < 0 ? 'minus' : 'plus'], [`block ${e.height}`, 'muted']]);
    }));
    if (!page.entries.length) list.append(item([['Nothing yet', 'muted']]));
  } catch {
    list.replaceChildren(item([['History needs the network.', 'muted']]));
  }
}
