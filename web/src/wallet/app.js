// The phone wallet's entry point: start-up, the screens, and the calls between them.
// Every ledger call goes through the public REST API (lib/api.js), as any bank's app would.

import { Node, ApiError } from './lib/api.js';
import * as db from './lib/db.js';
import { checkDocument, WrongPassphrase } from './lib/keystore.js';
import { decimal, formatKzt, formatDelta, parseAmount, AmountError } from './lib/money.js';
import { readQrFile, scanCamera, showQr } from './lib/qr.js';
import { openingRequest, paymentRequest, readPaymentRequest, shortCode } from './lib/requests.js';
import { utf8 } from './lib/bytes.js';
import { explain } from './explain.js';
import { $, announce, download, item, mark, showScreen, text } from './ui.js';
import { Wallet } from './wallet.js';
import { showOffline } from './purse-screen.js';
import * as anon from './anonymous.js';

const state = { node: new Node(), wallet: null, language: 'en', payment: null, tx: null };
const money = (tiyn) => formatKzt(tiyn, state.language);
const SCREENS = ['home', 'pay', 'receive', 'history', 'offline', 'backup'];

/** Note whether the node answered: the offline banner follows every call. */
function online(isOnline) {
  $('offline-banner').hidden = isOnline;
  document.body.dataset.online = String(isOnline);
}

async function attempt(action) {
  try {
    const value = await action();
    online(true);
    return value;
  } catch (error) {
    if (error instanceof ApiError && error.code === 'offline') online(false);
    throw error;
  }
}

// -- start-up ------------------------------------------------------------------------------

async function start() {
  state.language = (await db.get('language')) ?? 'en';
  $('language').value = state.language;
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('sw.js').catch(() => {});
  const doc = await db.get('keystore');
  if (!doc) {
    await attempt(() => state.node.health()).catch(() => {});
    return showScreen('welcome');
  }
  const cached = await db.get('balance');
  text('unlock-cached', cached ? `Last verified balance ${money(cached.balance)} (block ${cached.height}).` : '');
  attempt(() => state.node.health()).catch(() => {});
  showScreen('unlock');
}

async function unlocked(wallet) {
  state.wallet = wallet;
  window.tengeWallet = wallet; // for the browser tests and the benchmark: the public key and id
  document.body.dataset.wallet = wallet.walletId;
  const record = await attempt(() => wallet.record()).catch(() => undefined);
  if (record === null) return onboard();
  state.record = record ?? (await db.get('record'));
  if (record) await db.put('record', record);
  route();
}

// -- onboarding ----------------------------------------------------------------------------

async function onboard() {
  const w = state.wallet;
  const request = openingRequest({ network: w.network, walletId: w.walletId, key: w.key.publicHex });
  showQr($('open-qr'), utf8(request));
  $('open-text').value = request;
  text('open-wallet-id', w.walletId);
  text('open-key', w.key.publicHex);
  text('open-code', shortCode(w.key.publicHex));
  showScreen('onboard');
  for (;;) {
    await new Promise((r) => setTimeout(r, 1500));
    const record = await attempt(() => w.record()).catch(() => null);
    if (record) {
      await db.put('record', record);
      state.record = record;
      announce(`Your bank opened the wallet: tier ${record.wallet.tier}.`);
      location.hash = '#home';
      return route();
    }
  }
}

// -- home ----------------------------------------------------------------------------------

async function showHome() {
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

async function renderAnonymous() {
  const params = await state.node.privacyParams().catch(() => null);
  const allowed = levelsOf(params, state.record?.wallet?.tier).anonymous?.allowed && params.denominations?.length;
  $('anon').hidden = !allowed;
  if (!allowed) return;
  state.privacy = params;
  await anon.evaluatePending(state.wallet, params);
  const held = await anon.heldTokens(state.wallet);
  const list = Object.entries(held).map(([d, n]) => `${n} × ${money(Number(d))}`);
  text('anon-held', list.length ? `You hold ${list.join(', ')}.` : 'You hold no tokens.');
  const select = $('anon-denomination');
  if (!select.options.length) {
    for (const d of params.denominations) select.append(new Option(money(d.amount), String(d.amount)));
  }
}

async function withdrawTokens(event) {
  event.preventDefault();
  const count = Number($('anon-count').value);
  if (!Number.isSafeInteger(count) || count < 1 || count > 64) return announce('Withdraw 1 to 64 tokens at a time.');
  try {
    announce('Withdrawing: blinding, paying, checking the issuer\'s proof…');
    await attempt(() => anon.withdraw(state.wallet, state.privacy, Number($('anon-denomination').value), count));
    await showHome();
    announce(`${count} token(s) withdrawn; the issuer's proof verified under the published key.`);
  } catch (error) {
    announce(`Could not withdraw: ${explain(error.problem ?? { code: 'error', detail: error.message }, state.language)}`);
  }
}

async function renderSpecial(balances) {
  const special = Object.entries(balances).filter(([token]) => token !== 'KZT');
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

// -- receive -------------------------------------------------------------------------------

function showReceive(event) {
  event.preventDefault();
  const w = state.wallet;
  let amount = null;
  const typed = $('receive-amount').value.trim();
  try {
    if (typed) amount = parseAmount(typed);
  } catch (error) {
    return announce(error.message);
  }
  const memo = $('receive-memo').value;
  const request = paymentRequest({ network: w.network, to: w.key.publicHex, amount, memo });
  $('receive-code').hidden = false;
  showQr($('receive-qr'), utf8(request));
  text('receive-key', w.key.publicHex);
  text('receive-show-amount', amount ? money(amount) : 'any');
  text('receive-show-memo', memo || '—');
  $('receive-text').value = request;
  $('receive-code').hidden = false;
}

// -- pay -----------------------------------------------------------------------------------

function usePaymentRequest(textValue) {
  let request;
  try {
    request = readPaymentRequest(textValue.trim());
  } catch (error) {
    return announce(`Not a payment code: ${error.message}`);
  }
  if (request.network !== state.wallet.network) return announce(`This code is for network ${request.network}, not ${state.wallet.network}.`);
  state.payment = request;
  text('pay-to', request.to);
  text('pay-memo', request.memo || '—');
  $('pay-amount').value = request.amount ? decimal(request.amount) : '';
  $('pay-amount').readOnly = Boolean(request.amount);
  $('pay-scan').hidden = true;
  $('pay-form').hidden = false;
  $('pay-done').hidden = true;
  text('pay-explain', '');
  $('pay-amount').focus();
  privacyChoices().catch(() => {});
}

/** The levels the network allows this tier (absent members are their defaults, as on the wire). */
function levelsOf(params, tier) {
  const levels = params?.tiers?.[tier];
  if (!levels) return {};
  const caps = (level, absent) => (levels[level] ? { allowed: levels[level].allowed ?? true, ...levels[level] } : absent);
  return { private: caps('private', { allowed: true }), anonymous: caps('anonymous', { allowed: false }) };
}

async function privacyChoices() {
  state.privacy = await state.node.privacyParams().catch(() => null);
  const levels = levelsOf(state.privacy, state.record?.wallet?.tier);
  const privateRadio = document.querySelector('input[name="privacy"][value="private"]');
  privateRadio.disabled = !levels.private?.allowed;
  const anonymousRadio = document.querySelector('input[name="privacy"][value="anonymous"]');
  anonymousRadio.disabled = !levels.anonymous?.allowed || !state.privacy?.denominations?.length;
  document.querySelector('input[name="privacy"][value="open"]').checked = true;
  const notes = [];
  if (levels.private?.allowed) notes.push('Private: amounts, memo and payee are sealed; the ledger sees commitments only.');
  if (levels.anonymous?.allowed) notes.push('Anonymous: bearer tokens you withdrew pay the exact amount; nobody can link them to you.');
  if (!notes.length) notes.push('Only open payments are available for your tier on this network.');
  text('privacy-note', notes.join(' '));
}

const chosenLevel = () => document.querySelector('input[name="privacy"]:checked')?.value ?? 'open';

/** The private level's own per-payment cap, checked here (the tier's limits by the dry run). */
function privateCapProblem(amount) {
  const cap = levelsOf(state.privacy, state.record?.wallet?.tier).private?.per_payment;
  return cap !== undefined && amount > cap ? { code: 'limit_exceeded', limit: 'private_per_payment', allowed: cap, requested: amount } : null;
}

function payAmount() {
  const typed = $('pay-amount').value;
  return state.payment.amount ?? parseAmount(typed);
}

/**
 * A private payment cannot be dry-run (its plaintext is sealed to the validator), so it is
 * checked here against what the phone knows: the money it holds, the level's cap and the
 * tier's per-payment limit; the validator checks everything again when it is sent.
 */
async function checkPrivately(amount) {
  const notes = await state.wallet.privateNotes();
  const open = (await state.wallet.refresh()).balance;
  if (notes.total + open < amount) return { accepted: false, problem: { code: 'insufficient_funds', needed: amount, available: notes.total + open } };
  const limits = (await db.get('network-info'))?.limits?.[state.record.wallet.tier] ?? {};
  if (limits.per_payment !== undefined && amount > limits.per_payment) {
    return { accepted: false, problem: { code: 'limit_exceeded', limit: 'per_payment', allowed: limits.per_payment, requested: amount } };
  }
  const capped = privateCapProblem(amount);
  return capped ? { accepted: false, problem: capped } : { accepted: true };
}

async function checkPayment() {
  const out = $('pay-explain');
  try {
    let answer;
    if (chosenLevel() === 'private') {
      answer = await attempt(() => checkPrivately(payAmount()));
    } else if (chosenLevel() === 'anonymous') {
      const found = await anon.tokensFor(state.wallet, payAmount());
      const held = Object.entries(await anon.heldTokens(state.wallet)).map(([d, n]) => `${n} × ${money(Number(d))}`).join(', ') || 'none';
      answer = found ? { accepted: true } : { accepted: false, problem: { code: 'no_tokens', detail: `No anonymous tokens make up exactly ${money(payAmount())} (you hold ${held}): withdraw tokens on the home screen.` } };
    } else {
      const tx = await state.wallet.buildPayment(state.payment.to, payAmount(), state.payment.memo);
      answer = await attempt(() => state.wallet.dryRun(tx));
      state.tx = tx;
    }
    out.className = `explain ${answer.accepted ? 'ok' : 'bad'}`;
    out.textContent = answer.accepted ? `The ledger would accept this payment of ${money(payAmount())}.` : explain(answer.problem, state.language);
    return answer.accepted;
  } catch (error) {
    out.className = 'explain bad';
    out.textContent = error instanceof AmountError ? error.message : explain(error.problem ?? { code: 'error', detail: error.message }, state.language);
    return false;
  }
}

async function sendPayment(event) {
  event.preventDefault();
  if (!(await checkPayment())) return;
  $('pay-send').disabled = true;
  try {
    const level = chosenLevel();
    const sends = {
      private: () => state.wallet.sendPrivate(state.payment.to, payAmount(), state.payment.memo, state.privacy),
      anonymous: () => anon.spend(state.wallet, state.payment.to, payAmount(), state.payment.memo),
      open: () => state.wallet.send(state.tx),
    };
    const done = await attempt(sends[level]);
    $('pay-form').hidden = true;
    $('pay-done').hidden = false;
    text('pay-result', `${money(payAmount())} paid ${{ private: 'privately ', anonymous: 'anonymously ' }[level] ?? ''}to ${shortCode(state.payment.to)}, block ${done.receipt.header.height}.`);
    text('pay-txid', done.txid);
    mark('pay-receipt', done.verified.ok, done.verified.ok ? '✓ Receipt verified on this phone' : `✗ Receipt not verified: ${done.verified.reason}`);
    announce(done.verified.ok ? 'Payment committed; receipt verified.' : 'Payment answered, but its receipt did not verify.');
  } catch (error) {
    const out = $('pay-explain');
    out.className = 'explain bad';
    out.textContent = explain(error.problem ?? { code: 'error', detail: error.message }, state.language);
  } finally {
    $('pay-send').disabled = false;
  }
}

function showPay() {
  showScreen('pay');
  for (const id of ['pay-result', 'pay-receipt', 'pay-txid', 'pay-explain']) text(id, '');
  $('pay-scan').hidden = false;
  $('pay-form').hidden = true;
  $('pay-done').hidden = true;
  $('scan-text').value = '';
}

async function scanWithCamera() {
  const video = $('scan-video');
  video.hidden = false;
  const stop = new AbortController();
  window.addEventListener('hashchange', () => stop.abort(), { once: true });
  try {
    const bytes = await scanCamera(video, stop.signal);
    if (bytes) usePaymentRequest(new TextDecoder().decode(bytes));
  } catch (error) {
    announce(`The camera is not available: ${error.message}. Read a picture or paste the code instead.`);
  } finally {
    video.hidden = true;
  }
}

async function scanFile() {
  const file = $('scan-file').files[0];
  if (!file) return;
  const bytes = await readQrFile(file).catch(() => null);
  if (!bytes) return announce('No QR code found in that picture.');
  usePaymentRequest(new TextDecoder().decode(bytes));
}

// -- history and backup --------------------------------------------------------------------

async function showHistory() {
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

function exportBackup() {
  const doc = state.wallet.doc;
  download(`tenge-wallet-${doc.wallet_id}.json`, utf8(JSON.stringify(doc, null, 1)), 'application/json');
  announce('Backup downloaded. It opens only with your passphrase.');
}

// -- routing and events --------------------------------------------------------------------

function route() {
  if (!state.wallet) return;
  const name = location.hash.slice(1) || 'home';
  if (!state.record) {
    // Before the bank opens the wallet only the backup is useful (and should be made now).
    showScreen(name === 'backup' ? 'backup' : 'onboard');
    return;
  }
  announce(''); // a message belongs to the screen it was said on
  const screen = SCREENS.includes(name) ? name : 'home';
  ({ home: showHome, pay: showPay, receive: () => showScreen('receive'), history: showHistory, offline: () => showOffline(state, attempt), backup: () => showScreen('backup') })[screen]();
}

async function create(event) {
  event.preventDefault();
  const a = $('new-passphrase').value;
  if (a !== $('new-passphrase-again').value) return announce('The two passphrases differ.');
  announce('Creating your key…');
  try {
    await unlocked(await attempt(() => Wallet.create(state.node, a)));
    announce('Wallet created. Its key is sealed on this phone.');
  } catch (error) {
    announce(`Could not create the wallet: ${error.message}`);
  }
}

async function unlock(event) {
  event.preventDefault();
  try {
    const doc = await db.get('keystore');
    await unlocked(await Wallet.unlock(state.node, doc, $('passphrase').value));
    $('passphrase').value = '';
  } catch (error) {
    announce(error instanceof WrongPassphrase ? 'Wrong passphrase.' : `Could not unlock: ${error.message}`);
  }
}

async function restore(event) {
  event.preventDefault();
  try {
    const doc = checkDocument(JSON.parse(await $('import-file').files[0].text()));
    const wallet = await Wallet.unlock(state.node, doc, $('import-passphrase').value);
    await db.put('keystore', doc);
    await unlocked(wallet);
    announce('Wallet restored from the backup.');
  } catch (error) {
    announce(error instanceof WrongPassphrase ? 'Wrong passphrase for this backup.' : `Could not restore: ${error.message}`);
  }
}

function wire() {
  $('create-form').addEventListener('submit', create);
  $('unlock-form').addEventListener('submit', unlock);
  $('import-form').addEventListener('submit', restore);
  $('receive-form').addEventListener('submit', showReceive);
  $('scan-use').addEventListener('click', () => usePaymentRequest($('scan-text').value));
  $('scan-file').addEventListener('change', scanFile);
  $('scan-camera').addEventListener('click', scanWithCamera);
  $('pay-check').addEventListener('click', checkPayment);
  $('pay-form').addEventListener('submit', sendPayment);
  $('backup-export').addEventListener('click', exportBackup);
  $('refresh').addEventListener('click', showHome);
  $('anon-form').addEventListener('submit', withdrawTokens);
  $('language').addEventListener('change', async () => {
    state.language = $('language').value;
    document.documentElement.lang = state.language;
    await db.put('language', state.language);
    route();
  });
  window.addEventListener('hashchange', route);
  window.addEventListener('online', () => route());
  window.addEventListener('offline', () => online(false));
}

wire();
start().catch((error) => {
  text('loading-detail', `The wallet could not start: ${error.message}`);
});
