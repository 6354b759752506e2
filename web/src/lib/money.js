// Money is integer tiyn (1 KZT = 100 tiyn) end to end. Input is parsed as a string, never
// through a float; display goes through Intl.NumberFormat with a decimal string built from
// the integer, so no binary fraction ever appears.

export const LOCALES = { kk: 'kk-KZ', ru: 'ru-RU', en: 'en-US' };
const MAX = 9007199254740991;

export class AmountError extends Error {}

/** Tiyn of a typed amount in tenge: "12", "12.5", "12,50", "1 200.00" (spaces as separators). */
export function parseAmount(text) {
  const cleaned = String(text).trim().replace(/[\s\u00a0\u202f]/g, '').replace(',', '.');
  const match = /^(\d{1,14})(?:\.(\d{0,2}))?$/.exec(cleaned);
  if (!match) throw new AmountError('enter an amount like 1500 or 12.50');
  const tiyn = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  if (!Number.isSafeInteger(tiyn) || tiyn <= 0 || tiyn > MAX) throw new AmountError('the amount must be above zero');
  return tiyn;
}

/** "1234.50" from 123450 tiyn: the exact decimal, as a string. */
export function decimal(tiyn) {
  const negative = tiyn < 0;
  const whole = Math.floor(Math.abs(tiyn) / 100);
  const fraction = String(Math.abs(tiyn) % 100).padStart(2, '0');
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

// CLDR's Kazakh number format ("100 000,00 ₸"), for engines whose ICU data leaves kk out:
// Chromium's reduced ICU resolves kk but formats it with the root locale ("KZT 100,000.00").
function kazakh(tiyn) {
  const [whole, fraction] = decimal(Math.abs(tiyn)).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0');
  return `${tiyn < 0 ? '-' : ''}${grouped},${fraction}\u00a0₸`;
}

let kazakhData = null;
/** Whether the engine's ICU data formats kk (Chromium's reduced ICU does not). */
export const hasKazakhData = () =>
  (kazakhData ??= new Intl.NumberFormat('kk-KZ').formatToParts('1.5').some((p) => p.type === 'decimal' && p.value === ','));

/** Tiyn formatted as tenge for a language (kk, ru, en). */
export function formatKzt(tiyn, language = 'en') {
  if (language === 'kk' && !hasKazakhData()) return kazakh(tiyn);
  const format = new Intl.NumberFormat(LOCALES[language] ?? language, {
    style: 'currency',
    currency: 'KZT',
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
  return format.format(decimal(tiyn)); // a string argument is formatted as an exact decimal
}

/** A signed amount for history ("+1,500.00 ₸" / "−250.00 ₸"). */
export function formatDelta(tiyn, language = 'en') {
  const text = formatKzt(Math.abs(tiyn), language);
  return tiyn < 0 ? `\u2212${text}` : `+${text}`;
}
