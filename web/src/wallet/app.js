// The phone wallet's entry point: start-up, onboarding, receive, backup, routing and events.
// Every ledger call goes through the public REST API (lib/api.js), as any bank's app would.

import { utf8 } from './lib/bytes.js';
import * as db from './lib/db.js';
import { checkDocument, WrongPassphrase } from './lib/keystore.js';
import { parseAmount } from './lib/money.js';
import { showQr } from './lib/qr.js';
import { openingRequest, paymentRequest, shortCode } from './lib/requests.js';
import { attempt, money, online, state } from './context.js';
import { showHistory, showHome, withdrawTokens } from './home-screen.js';
import { checkPayment, scanFile, scanWithCamera, sendPayment, showPay, usePaymentRequest } from './pay-screen.js';
import { showOffline } from './purse-screen.js';
import { $, announce, download, showScreen, text } from './ui.js';
import { Wallet } from './wallet.js';

const SCREENS = ['home', 'pay', 'receive', 'history', 'offline', 'backup'];

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
