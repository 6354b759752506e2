// What every screen shares: the node, the unlocked wallet and its record, the language, and
// the offline banner that follows every call to the node.

import { ApiError, Node } from './lib/api.js';
import { formatKzt } from './lib/money.js';
import { $ } from './ui.js';

export const state = { node: new Node(), wallet: null, language: 'en', payment: null, tx: null };

export const money = (tiyn) => formatKzt(tiyn, state.language);

/** Note whether the node answered: the offline banner follows every call. */
export function online(isOnline) {
  $('offline-banner').hidden = isOnline;
  document.body.dataset.online = String(isOnline);
}

export async function attempt(action) {
  try {
    const value = await action();
    online(true);
    return value;
  } catch (error) {
    if (error instanceof ApiError && error.code === 'offline') online(false);
    throw error;
  }
}
