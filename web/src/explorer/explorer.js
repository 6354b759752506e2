// The read-only explorer: network, supply and banks, the latest blocks with their producer
// signatures checked, and any transaction with its receipt verified in the browser. It uses the
// public REST API only and trusts no answer it can check.

import { Node as LedgerNode } from '../wallet/lib/api.js';
import { fromHex } from '../wallet/lib/bytes.js';
import { canonicalBytes } from '../wallet/lib/canonical.js';
import { verify } from '../wallet/lib/crypto.js';
import { DOMAIN, signingMessage } from '../wallet/lib/ledger.js';
import { formatUnits, isAssetToken } from '../wallet/lib/assets.js';
import { formatKzt } from '../wallet/lib/money.js';
import { headerOf, verifyReceipt } from '../wallet/lib/receipt.js';

const node = new LedgerNode();
const $ = (id) => document.getElementById(id);
let network = null;

function pairs(list, rows) {
  $(list).replaceChildren(...rows.flatMap(([name, value, cls]) => {
    const dt = document.createElement('dt');
    dt.textContent = name;
    const dd = document.createElement('dd');
    dd.textContent = value;
    if (cls) dd.className = cls;
    return [dt, dd];
  }));
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const cell of cells) {
    const td = document.createElement('td');
    if (cell instanceof HTMLElement) td.append(cell);
    else td.textContent = cell;
    tr.append(td);
  }
  return tr;
}

const money = (tiyn) => formatKzt(tiyn ?? 0, 'en');
const when = (ms) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

async function showNetwork() {
  network = await node.network();
  pairs('network', [
    ['Network', network.network],
    ['Genesis hash', network.genesis_hash, 'mono wrap'],
    ['Producer keys', network.producer_keys.join(', '), 'mono wrap'],
    ['Height', String(network.tip.height)],
  ]);
}

/** One supply row: tenge for KZT and program tokens; a digital asset in its class's units. */
async function figure(token, amount) {
  if (!isAssetToken(token)) return [token === 'KZT' ? 'KZT outstanding' : `token ${token.slice(0, 12)}…`, money(amount)];
  // A class of units spells its token `asset:<class id>`; an item's token names no class.
  const view = await node.assetClass(token.slice(6)).catch(() => null);
  return view ? [`${view.terms.name} (digital asset)`, formatUnits(amount, view.terms.unit)] : [`asset ${token.slice(6, 18)}…`, `${amount} units`];
}

async function showSupply() {
  const supply = await node.supply();
  // A digital asset's supply is a count of its units, never tenge.
  pairs('supply', await Promise.all(Object.entries(supply.tokens).map(([token, amount]) => figure(token, amount))));
  $('banks').tBodies[0].replaceChildren(...supply.banks.map((b) =>
    row([`${b.name} (${b.bank_id})`, money(b.issued), money(b.redeemed), money((b.issued ?? 0) - (b.redeemed ?? 0)), money(b.issuance_limit)])));
}

async function signed(block) {
  const header = headerOf(block.header);
  const message = signingMessage(DOMAIN.block, network.network, canonicalBytes(header));
  return network.producer_keys.includes(header.producer) && verify(fromHex(header.producer), fromHex(block.signature), message);
}

async function showBlocks() {
  const tip = network.tip.height;
  const from = Math.max(1, tip - 19);
  const { headers } = await node.blocks(from, 20);
  const rows = [];
  for (const header of headers.reverse()) {
    const block = await node.block(header.height);
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'link';
    button.textContent = String(header.height);
    button.addEventListener('click', () => showBlock(block));
    rows.push(row([button, when(header.time_ms), String(header.tx_count), (await signed(block)) ? '✓ verified' : '✗ not verified']));
  }
  $('blocks').tBodies[0].replaceChildren(...rows);
}

function showBlock(block) {
  $('block-detail').hidden = false;
  $('block-title').textContent = `Block ${block.header.height}: ${block.txids.length} transaction(s)`;
  $('block-txids').replaceChildren(...block.txids.map((txid) => {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = `#tx/${txid}`;
    a.textContent = txid;
    li.append(a);
    return li;
  }));
}

async function showTransaction(txid) {
  $('txid').value = txid;
  $('tx-result').hidden = false;
  const mark = $('tx-mark');
  try {
    const status = await node.status(txid);
    if (status.status !== 'committed') {
      mark.className = 'mark';
      mark.textContent = `Status: ${status.status}${status.problem ? ` (${status.problem.code})` : ''}`;
      return pairs('tx-detail', []);
    }
    const receipt = await node.receipt(txid);
    const outcome = await verifyReceipt(receipt, network.producer_keys, txid, network.network);
    mark.className = `mark ${outcome.ok ? 'ok' : 'bad'}`;
    mark.textContent = outcome.ok ? `✓ Receipt verified: in block ${receipt.header.height}, signed by a producer of this network` : `✗ Receipt not verified: ${outcome.reason}`;
    pairs('tx-detail', [
      ['Block', String(receipt.header.height)],
      ['Position', `${receipt.index} of ${receipt.header.tx_count}`],
      ['Block time', when(receipt.header.time_ms)],
      ['Merkle path', `${receipt.proof.length} hash(es)`],
      ['Transactions root', receipt.header.tx_root, 'mono wrap'],
    ]);
  } catch (error) {
    mark.className = 'mark bad';
    mark.textContent = error.code === 'not_found' ? 'No such transaction on this node.' : `Could not look it up: ${error.message}`;
    pairs('tx-detail', []);
  }
}

function route() {
  const match = /^#tx\/([0-9a-f]{64})$/.exec(location.hash);
  if (match) showTransaction(match[1]);
}

$('tx-form').addEventListener('submit', (event) => {
  event.preventDefault();
  location.hash = `#tx/${$('txid').value.trim()}`;
});
window.addEventListener('hashchange', route);

(async () => {
  try {
    await showNetwork();
    await Promise.all([showSupply(), showBlocks()]);
    route();
  } catch (error) {
    $('status').textContent = `The node cannot be reached: ${error.message}`;
  }
})();
