// The pay screen: read a payment code (camera, picture, text), choose the privacy level the
// network allows, check before signing (the node's dry run for open payments, the phone's own
// check for private and anonymous ones), sign and send, verify the receipt.

import * as db from './lib/db.js';
import { decimal, parseAmount, AmountError } from './lib/money.js';
import { readQrFile, scanCamera } from './lib/qr.js';
import { readPaymentRequest, shortCode } from './lib/requests.js';
// Anonymous tokens' code (ristretto255, VOPRF) loads on first use, not at start-up.
const tokens = () => import('./anonymous.js');
import { attempt, money, state } from './context.js';
import { explain } from './explain.js';
import { levelsOf } from './home-screen.js';
import { $, announce, mark, showScreen, text } from './ui.js';

export function usePaymentRequest(textValue) {
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
  document.querySelector('input[name="privacy"][value="open"]').checked = true;
  privacyChoices().catch(() => {});
}

async function privacyChoices() {
  state.privacy = await state.node.privacyParams().catch(() => null);
  const levels = levelsOf(state.privacy, state.record?.wallet?.tier);
  const privateRadio = document.querySelector('input[name="privacy"][value="private"]');
  privateRadio.disabled = !levels.private?.allowed;
  const anonymousRadio = document.querySelector('input[name="privacy"][value="anonymous"]');
  anonymousRadio.disabled = !levels.anonymous?.allowed || !state.privacy?.denominations?.length;
  // The parameters arrive after the screen opens: keep a choice made meanwhile unless it is barred.
  const chosen = document.querySelector('input[name="privacy"]:checked');
  if (!chosen || chosen.disabled) document.querySelector('input[name="privacy"][value="open"]').checked = true;
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

export async function checkPayment() {
  const out = $('pay-explain');
  try {
    let answer;
    if (chosenLevel() === 'private') {
      answer = await attempt(() => checkPrivately(payAmount()));
    } else if (chosenLevel() === 'anonymous') {
      const found = await (await tokens()).tokensFor(state.wallet, payAmount());
      const held = Object.entries(await (await tokens()).heldTokens(state.wallet)).map(([d, n]) => `${n} × ${money(Number(d))}`).join(', ') || 'none';
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

export async function sendPayment(event) {
  event.preventDefault();
  if (!(await checkPayment())) return;
  $('pay-send').disabled = true;
  try {
    const level = chosenLevel();
    const sends = {
      private: () => state.wallet.sendPrivate(state.payment.to, payAmount(), state.payment.memo, state.privacy),
      anonymous: async () => (await tokens()).spend(state.wallet, state.payment.to, payAmount(), state.payment.memo),
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

export function showPay() {
  showScreen('pay');
  for (const id of ['pay-result', 'pay-receipt', 'pay-txid', 'pay-explain']) text(id, '');
  $('pay-scan').hidden = false;
  $('pay-form').hidden = true;
  $('pay-done').hidden = true;
  $('scan-text').value = '';
}

export async function scanWithCamera() {
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

export async function scanFile() {
  const file = $('scan-file').files[0];
  if (!file) return;
  const bytes = await readQrFile(file).catch(() => null);
  if (!bytes) return announce('No QR code found in that picture.');
  usePaymentRequest(new TextDecoder().decode(bytes));
}
