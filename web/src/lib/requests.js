// What phones show each other and their bank as QR codes (text URIs, UTF-8):
//   tenge:pay?v=1&n=<network>&to=<payee key>&a=<tiyn>&m=<memo>     a payee's payment request
//   tenge:open?v=1&n=<network>&w=<wallet id>&k=<public key>          a wallet-opening request
// Amounts are integer tiyn; `a` and `m` are optional. docs/wallet-app.md describes both.

const HEX32 = /^[0-9a-f]{64}$/;
const IDENT = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export class RequestError extends Error {}

function parse(text, kind) {
  const prefix = `tenge:${kind}?`;
  if (typeof text !== 'string' || !text.startsWith(prefix)) throw new RequestError(`not a tenge:${kind} code`);
  const params = new URLSearchParams(text.slice(prefix.length));
  if (params.get('v') !== '1') throw new RequestError('unknown version');
  return params;
}

/** The text of a payment request. */
export function paymentRequest({ network, to, amount, memo }) {
  const params = new URLSearchParams({ v: '1', n: network, to });
  if (amount) params.set('a', String(amount));
  if (memo) params.set('m', memo);
  return `tenge:pay?${params}`;
}

/** `{network, to, amount?, memo}` of a payment request; throws RequestError. */
export function readPaymentRequest(text) {
  const p = parse(text, 'pay');
  const to = p.get('to');
  if (!HEX32.test(to ?? '')) throw new RequestError('the payee key is not 64 hex digits');
  const a = p.get('a');
  if (a !== null && !/^[1-9]\d{0,15}$/.test(a)) throw new RequestError('the amount is not whole tiyn');
  const amount = a === null ? null : Number(a);
  if (amount !== null && !Number.isSafeInteger(amount)) throw new RequestError('the amount is too large');
  const memo = p.get('m') ?? '';
  if ([...memo].length > 140) throw new RequestError('the memo is longer than 140 characters');
  return { network: p.get('n'), to, amount, memo };
}

/** The text of a wallet-opening request. */
export const openingRequest = ({ network, walletId, key }) =>
  `tenge:open?${new URLSearchParams({ v: '1', n: network, w: walletId, k: key })}`;

/** `{network, walletId, key}` of a wallet-opening request; throws RequestError. */
export function readOpeningRequest(text) {
  const p = parse(text, 'open');
  const walletId = p.get('w');
  const key = p.get('k');
  if (!IDENT.test(walletId ?? '') || !HEX32.test(key ?? '')) throw new RequestError('bad wallet id or key');
  return { network: p.get('n'), walletId, key };
}

/** The wallet id a phone proposes for its key: pseudonymous, derived from nothing else. */
export const proposedWalletId = (publicHex) => `p-${publicHex.slice(0, 20)}`;

/** A short code a person can read out: the key in groups of four (first and last 8 digits). */
export const shortCode = (hex) => `${hex.slice(0, 4)} ${hex.slice(4, 8)} … ${hex.slice(-8, -4)} ${hex.slice(-4)}`;
