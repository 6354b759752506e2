// The public REST API of a node, as any bank's app would use it: plain fetch, JSON in and out,
// signed reads per the RFC 9421 profile of docs/api-guide.md section 7, RFC 9457 problems.

import { randomBytes } from './crypto.js';
import { toBase64, toHex, utf8 } from './bytes.js';

/** A problem document from the node (or a network failure: code `offline`). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || problem.code);
    this.status = status;
    this.code = problem.code;
    this.problem = problem;
  }
}

/** The RFC 9421 headers for a GET of `url` signed by `key` on `network`. */
export async function signatureHeaders(method, url, key, network, created = Math.floor(Date.now() / 1000), nonce = toHex(randomBytes(16))) {
  const params =
    `("@method" "@target-uri");created=${created};keyid="${key.publicHex}";alg="ed25519";` +
    `nonce="${nonce}";tag="kzt-ledger/${network}"`;
  const base = `"@method": ${method}\n"@target-uri": ${url}\n"@signature-params": ${params}`;
  const signature = await key.sign(utf8(base));
  return { 'Signature-Input': `tenge=${params}`, Signature: `tenge=:${toBase64(signature)}:` };
}

export class Node {
  /** A node at `origin` (the page's own by default). */
  constructor(origin = location.origin) {
    this.origin = origin;
  }

  async call(method, path, { body, key, network, timeoutMs = 15000 } = {}) {
    const url = this.origin + path;
    const headers = { Accept: 'application/json' };
    if (body) headers['Content-Type'] = 'application/json';
    if (key) Object.assign(headers, await signatureHeaders(method, url, key, network));
    let response;
    try {
      response = await fetch(url, { method, headers, body, cache: 'no-store', signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new ApiError(0, { code: 'offline', title: 'The node cannot be reached', detail: String(error) });
    }
    const data = await response.json().catch(() => ({ code: 'bad_answer', title: `HTTP ${response.status}` }));
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  network() { return this.call('GET', '/v1/network'); }
  health() { return this.call('GET', '/v1/health', { timeoutMs: 4000 }); }
  wallet(id, key, network) { return this.call('GET', `/v1/wallets/${id}`, { key, network }); }
  outputs(id, key, network) { return this.call('GET', `/v1/wallets/${id}/outputs`, { key, network }); }
  tokens(id, key, network) { return this.call('GET', `/v1/wallets/${id}/tokens`, { key, network }); }
  history(id, key, network, limit = 20) { return this.call('GET', `/v1/wallets/${id}/history?limit=${limit}`, { key, network }); }
  assets(id, key, network) { return this.call('GET', `/v1/wallets/${id}/assets`, { key, network }); }
  assetClass(asset) { return this.call('GET', `/v1/assets/${asset}`); }
  assetPlatform(walletId) { return this.call('GET', `/v1/asset-platforms/${walletId}`); }
  program(token) { return this.call('GET', `/v1/programs/${token}`); }
  privacyParams() { return this.call('GET', '/v1/privacy/params'); }
  receipt(txid) { return this.call('GET', `/v1/transactions/${txid}/receipt`); }
  status(txid) { return this.call('GET', `/v1/transactions/${txid}`); }
  blocks(from, limit) { return this.call('GET', `/v1/blocks?from=${from}&limit=${limit}`); }
  block(height) { return this.call('GET', `/v1/blocks/${height}`); }
  supply() { return this.call('GET', '/v1/supply'); }
  /** Dry run: `{accepted, problem}`; nothing is submitted. */
  check(envelope) { return this.call('POST', '/v1/transactions/check', { body: envelope }); }
  /** Submit and wait for the block: `{result, receipt}`, or an ApiError with the refusal. */
  submit(envelope) { return this.call('POST', '/v1/transactions?wait=commit', { body: envelope, timeoutMs: 30000 }); }
  privateFeed(from, limit = 100) { return this.call('GET', `/v1/privacy/feed?from=${from}&limit=${limit}`); }
  privateTransaction(txid) { return this.call('GET', `/v1/privacy/transactions/${txid}`); }
  /** Submit a private payment and wait for the block: `{result, receipt}`. */
  submitPrivate(submission) {
    return this.call('POST', '/v1/privacy/payments?wait=commit', { body: JSON.stringify(submission), timeoutMs: 30000 });
  }
  offlineTrust() { return this.call('GET', '/v1/offline/trust'); }
  deviceOfKey(key) { return this.call('GET', `/v1/offline/keys/${key}/device`); }
}

/** The committed result or the refusal of a submission (`problem` inside a 200 answer). */
export function refusal(answer) {
  const problem = answer?.result?.problem;
  return problem ? new ApiError(problem.status, { ...problem, ...problem.fields }) : null;
}
