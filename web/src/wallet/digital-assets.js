// The home screen's "Digital assets" region: the wallet's asset tokens, each by its class's name
// and counted in its unit, with the issuer and the platform's licence. An asset is never money
// (docs/digital-assets.md section 4): nothing here is formatted as tenge or added to a balance.

import { assetBalances, formatUnits } from './lib/assets.js';
import { state } from './context.js';
import { $, item } from './ui.js';

/** Who stands behind a class: the issuer, its BIN, the platform and its licence (or its absence). */
async function provenance(asset, licences) {
  const view = await state.node.assetClass(asset).catch(() => null);
  if (!view) return '';
  const issuer = `Issued by ${view.terms.issuer.name} (BIN ${view.terms.issuer.bin}), rights to ${view.terms.rights}`;
  licences[view.platform] ??= view.licensed ? state.node.assetPlatform(view.platform).then((p) => p.licence).catch(() => null) : Promise.resolve(null);
  const licence = await licences[view.platform];
  return `${issuer}; platform ${view.platform}, ${licence ? `licence ${licence}` : 'licence not in force'}`;
}

/**
 * List the asset tokens among verified balances (units from the receipt-proven coins), named by
 * the wallet's signed holdings read; hidden when the wallet holds none.
 */
export async function renderAssets(balances) {
  const held = Object.entries(assetBalances(balances));
  $('assets').hidden = held.length === 0;
  const list = $('assets-list');
  if (!held.length) return list.replaceChildren();
  const answer = await state.wallet.read('assets').catch(() => ({ holdings: [] }));
  const named = new Map(answer.holdings.map((h) => [h.token, h]));
  const licences = {};
  const rows = [];
  for (const [token, units] of held) {
    const h = named.get(token);
    const what = h ? formatUnits(units, h.unit, state.language) : `${units} units`;
    const label = h?.item ? `${what} · item ${h.item}` : what;
    const origin = h ? await provenance(h.asset, licences) : '';
    rows.push(item([[h?.name ?? `${token.slice(0, 18)}…`, ''], [label, 'units'], [origin, 'muted']]));
  }
  list.replaceChildren(...rows);
}
