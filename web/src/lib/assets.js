// Digital assets (docs/digital-assets.md) are never money: an `asset:` token counts units of
// goods, services or rights, so it is told apart by its spelling, shown as a count of its
// class's unit, and kept out of every tenge figure.

import { LOCALES, hasKazakhData } from './money.js';

const ASSET = /^asset:[0-9a-f]{64}$/;

/** Whether a token is a digital asset (`asset:` and 64 hex digits), as `assets.types.is_asset`. */
export const isAssetToken = (token) => ASSET.test(token);

/** The balances that are money: KZT and special-purpose tokens, never an asset. */
export const moneyBalances = (balances) => Object.fromEntries(Object.entries(balances ?? {}).filter(([token]) => !isAssetToken(token)));

/** The asset balances alone, `{token: units}`. */
export const assetBalances = (balances) => Object.fromEntries(Object.entries(balances ?? {}).filter(([token]) => isAssetToken(token)));

/** A whole count of units for a language ("1,200 tonne"), no currency, no fraction. */
export function formatUnits(units, unit, language = 'en') {
  const digits = String(units);
  const grouped = language === 'kk' && !hasKazakhData()
    ? digits.replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0')
    : new Intl.NumberFormat(LOCALES[language] ?? language, { maximumFractionDigits: 0 }).format(digits);
  return `${grouped} ${unit}`;
}
