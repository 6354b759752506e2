// The offline purse screen: a device key certified by the bank, a purse funded on the ledger,
// vouchers signed and read as QR codes with no network, deposits when the network is back.
// Formats and checks are those of `tenge-wallet offline` (lib/offline.js, docs/offline.md).

import { fromHex, toHex, utf8 } from './lib/bytes.js';
import { keyFromSeed, randomBytes } from './lib/crypto.js';
import * as db from './lib/db.js';
import { signTransaction, selectCoins } from './lib/ledger.js';
import { formatKzt, parseAmount } from './lib/money.js';
import { buildTrust, compactReceipt, decodeBundle, encodeBundle, signVoucher, verifyBundle } from './lib/offline.js';
import { readQrFile, showQr } from './lib/qr.js';
import { readPaymentRequest } from './lib/requests.js';
import { refusal } from './lib/api.js';
import { $, announce, item, showScreen, text } from './ui.js';

let ctx = null; // {state, attempt}
const money = (tiyn) => formatKzt(tiyn, ctx.state.language);
const wallet = () => ctx.state.wallet;
const show = (id, visible) => ($(id).hidden = !visible);

/** Open the screen: refresh what can be refreshed online, then show the purse's state. */
export async function showOffline(state, attempt) {
  ctx = { state, attempt };
  showScreen('offline');
  wire();
  await ctx.attempt(() => state.node.offlineTrust()).then((view) => db.put('trust-view', view)).catch(() => {});
  await render();
}

async function deviceKey() {
  const seed = wallet().secrets.device_seed;
  return seed ? keyFromSeed(fromHex(seed)) : null;
}

async function render() {
  const key = await deviceKey();
  const trust = await db.get('trust-view');
  show('offline-receive', Boolean(trust));
  text('offline-state', trust ? '' : 'Sync once online to receive offline payments.');
  renderInbox();
  for (const id of ['offline-setup', 'offline-enrol', 'offline-fund', 'offline-purse']) show(id, false);
  if (!key) return show('offline-setup', true);
  const device = (await db.get('device')) ?? (await ctx.attempt(() => wallet().node.deviceOfKey(key.publicHex)).then(async (d) => (await db.put('device', d), d)).catch(() => null));
  if (!device) {
    showQr($('device-qr'), utf8(key.publicHex));
    $('device-text').value = key.publicHex;
    return show('offline-enrol', true);
  }
  const purse = await db.get('purse');
  if (!purse) {
    text('device-limits', `Enrolled by ${device.bank_id}: purse up to ${money(device.limits.max_purse)}, vouchers up to ${money(device.limits.max_voucher)}, valid ${device.limits.max_offline_hours} hours offline after funding.`);
    return show('offline-fund', true);
  }
  text('purse-available', money(purse.funded - purse.spent));
  text('purse-detail', `Funded ${money(purse.funded)} at block ${purse.receipt.header.height}; ${purse.counter} voucher(s) signed.`);
  show('offline-purse', true);
}

async function renderInbox() {
  const inbox = (await db.get('inbox')) ?? { accepted: [], seen: {} };
  const list = $('inbox-list');
  list.replaceChildren(...inbox.accepted.map((hex) => {
    const v = decodeBundle(fromHex(hex)).signed.voucher;
    return item([[`voucher ${v.counter}`, ''], [money(v.amount), 'plus']]);
  }));
  if (!inbox.accepted.length) list.append(item([['Nothing waiting', 'muted']]));
}

// -- the payer's side ----------------------------------------------------------------------

async function makeDeviceKey(event) {
  event.preventDefault();
  try {
    wallet().secrets.device_seed = toHex(randomBytes(32));
    await wallet().reseal($('offline-passphrase').value);
    $('offline-passphrase').value = '';
    await render();
  } catch (error) {
    delete wallet().secrets.device_seed;
    announce(`Could not make the device key: ${error.message}`);
  }
}

async function fund(event) {
  event.preventDefault();
  try {
    const amount = parseAmount($('fund-amount').value);
    const w = wallet();
    const device = await db.get('device');
    await w.refresh();
    const { chosen, total } = selectCoins(w.coins.filter((c) => c.output.owner === w.key.publicHex), amount);
    const body = { amount, change: total > amount ? [{ amount: total - amount, owner: w.key.publicHex }] : [], device: device.key, inputs: chosen.map((c) => ({ index: c.point.index, txid: c.point.txid })), kind: 'purse.fund' };
    const tx = await signTransaction(w.network, body, [w.key]);
    const answer = await ctx.attempt(() => w.node.submit(tx.envelope));
    const refused = refusal(answer);
    if (refused) throw refused;
    const outcome = await w.verified(tx.txid, answer.receipt);
    if (!outcome.ok) throw new Error(`the funding receipt does not verify: ${outcome.reason}`);
    await db.put('purse', { purse: tx.txid, funding: toHex(tx.bodyBytes), receipt: answer.receipt, funded: amount, spent: 0, counter: 0, last: tx.txid, certificate: device.certificate });
    announce(`Purse funded with ${money(amount)}.`);
    await render();
  } catch (error) {
    announce(`Could not fund the purse: ${error.problem?.detail ?? error.message}`);
  }
}

async function payeeFromPicture() {
  const bytes = await readQrFile($('voucher-file').files[0]).catch(() => null);
  if (!bytes) return announce('No QR code found in that picture.');
  $('voucher-request').value = new TextDecoder().decode(bytes);
  const request = readPaymentRequest($('voucher-request').value);
  if (request.amount) $('voucher-amount').value = (await import('./lib/money.js')).decimal(request.amount);
}

/** Sign the next voucher (no network) and show the bundle as one QR code. */
async function signNext() {
  try {
    const request = readPaymentRequest($('voucher-request').value.trim());
    const amount = request.amount ?? parseAmount($('voucher-amount').value);
    const purse = await db.get('purse');
    if (amount > purse.funded - purse.spent) throw new Error(`the purse holds ${money(purse.funded - purse.spent)}`);
    const key = await deviceKey();
    const v = { purse: fromHex(purse.purse), counter: purse.counter + 1, prev: fromHex(purse.last), payee: fromHex(request.to), amount, cumulative: purse.spent + amount, time_ms: Date.now() };
    const signed = await signVoucher(wallet().network, key, v);
    // The counter moves before the voucher leaves the phone: never sign one counter twice.
    await db.put('purse', { ...purse, counter: v.counter, spent: v.cumulative, last: toHex(signed.id) });
    const bundle = encodeBundle({ network: wallet().network, voucher: signed.raw, certificate: fromHex(purse.certificate), funding: fromHex(purse.funding), receipt: compactReceipt(purse.receipt) });
    show('voucher-code', true);
    const qr = showQr($('voucher-qr'), bundle, 330);
    text('voucher-caption', `Voucher ${v.counter}: ${money(amount)} to ${request.to.slice(0, 8)}…, ${bundle.length} bytes (QR version ${qr.version}). Show it to the payee.`);
    show('voucher-code', true);
    await render();
  } catch (error) {
    announce(`Could not sign: ${error.message}`);
  }
}

async function defund() {
  try {
    const w = wallet();
    const purse = await db.get('purse');
    const body = { amount: purse.funded - purse.spent, cumulative: purse.spent, kind: 'purse.defund', last_counter: purse.counter, purse: purse.purse, to: w.key.publicHex };
    const tx = await signTransaction(w.network, body, [await deviceKey()]);
    const refused = refusal(await ctx.attempt(() => w.node.submit(tx.envelope)));
    if (refused) throw refused;
    await db.remove('purse');
    announce(`${money(body.amount)} returned to the wallet.`);
    await render();
  } catch (error) {
    announce(`Could not defund: ${error.problem?.detail ?? error.message}`);
  }
}

// -- the payee's side ----------------------------------------------------------------------

async function receive() {
  const out = $('bundle-result');
  try {
    const bytes = await readQrFile($('bundle-file').files[0]);
    $('bundle-file').value = ''; // the same picture again is a new reading (and a replay)
    if (!bytes) throw new Error('no QR code found in that picture');
    const trust = await buildTrust(await db.get('trust-view'));
    const inbox = (await db.get('inbox')) ?? { accepted: [], seen: {} };
    const seen = Object.fromEntries(Object.entries(inbox.seen).map(([p, s]) => [p, { last: fromHex(s.last), received: s.received }]));
    const ok = await verifyBundle(bytes, trust, wallet().key.publicHex, Date.now(), seen);
    inbox.accepted.push(toHex(bytes));
    inbox.seen[ok.funding.purse] = { last: toHex(ok.seen.last), received: ok.seen.received };
    await db.put('inbox', inbox);
    out.className = 'explain ok';
    out.textContent = `✓ Verified offline: ${money(ok.bundle.signed.voucher.amount)} from wallet ${ok.device.walletId} (bank ${ok.device.bankId}). Deposit it when online.`;
    await renderInbox();
  } catch (error) {
    out.className = 'explain bad';
    out.textContent = `✗ Refused: ${error.message}`;
  }
}

/** Deposit every accepted voucher (grouped by purse and device), then refresh the trust store. */
async function sync() {
  const w = wallet();
  const inbox = (await db.get('inbox')) ?? { accepted: [], seen: {} };
  try {
    if (inbox.accepted.length) {
      const groups = {};
      for (const hex of inbox.accepted) {
        const b = decodeBundle(fromHex(hex));
        const device = (await import('./lib/x509.js')).loadDevice(b.certificate).key;
        const purse = toHex(b.signed.voucher.purse);
        (groups[`${purse}/${device}`] ??= { device, purse, vouchers: [] }).vouchers.push(toHex(b.voucher));
      }
      const body = { deposits: Object.values(groups), kind: 'voucher.deposit', network: w.network };
      const tx = await signTransaction(w.network, body, [w.key]);
      const refused = refusal(await ctx.attempt(() => w.node.submit(tx.envelope)));
      if (refused && refused.code !== 'voucher_settled') throw refused;
    }
    const total = inbox.accepted.reduce((n, hex) => n + decodeBundle(fromHex(hex)).signed.voucher.amount, 0);
    await db.put('inbox', { accepted: [], seen: inbox.seen });
    await db.put('trust-view', await ctx.attempt(() => w.node.offlineTrust()));
    announce(`Deposited ${money(total)}; trust store and CRLs refreshed.`);
    await renderInbox();
  } catch (error) {
    announce(`Could not sync: ${error.problem?.detail ?? error.message}`);
  }
}

let wired = false;
function wire() {
  if (wired) return;
  wired = true;
  $('offline-setup').addEventListener('submit', makeDeviceKey);
  $('device-check').addEventListener('click', async () => { await db.remove('device'); await render(); });
  $('offline-fund').addEventListener('submit', fund);
  $('voucher-file').addEventListener('change', () => payeeFromPicture().catch((e) => announce(e.message)));
  $('voucher-sign').addEventListener('click', signNext);
  $('purse-defund').addEventListener('click', defund);
  $('bundle-file').addEventListener('change', receive);
  $('offline-sync').addEventListener('click', sync);
}
