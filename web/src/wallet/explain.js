// Refusals in words: what a dry run or a submission answered, for a person.

import { formatKzt } from './lib/money.js';

const LIMIT_NAMES = {
  per_payment: 'per-payment limit',
  daily: 'daily limit',
  balance: 'balance cap',
  private_per_payment: 'per-payment limit for private payments',
  private_daily: 'daily limit for private payments',
  anonymous_per_payment: 'per-withdrawal limit for anonymous tokens',
  anonymous_daily: 'daily limit for anonymous tokens',
  anonymous_holding: 'holding limit for anonymous tokens',
};
const RULES = {
  mcc: 'this token may only be spent at certain kinds of shop',
  recipients: 'this token may only be paid to named merchants',
  regions: 'this token may only be spent in certain regions',
  transferable: 'this token cannot be passed on to people',
  per_payment: "this token's per-payment cap",
  valid_from: 'this token is not valid yet',
  valid_until: 'this token is no longer valid',
  expired: 'this token has expired',
};

/** A sentence explaining a problem (`{code, limit, allowed, requested, rule, ...}`). */
export function explain(problem, language = 'en') {
  const money = (tiyn) => formatKzt(tiyn, language);
  switch (problem.code) {
    case 'limit_exceeded': {
      const name = LIMIT_NAMES[problem.limit] ?? `${problem.limit} limit`;
      if (problem.limit === 'balance') {
        return `The payee's balance cap would be exceeded: it may receive at most ${money(problem.allowed)} more; this payment is ${money(problem.requested)}.`;
      }
      const left = problem.limit === 'daily' ? ' still allowed today' : '';
      return `Refused by your ${name}: at most ${money(problem.allowed)}${left}; this payment is ${money(problem.requested)}.`;
    }
    case 'policy_violation':
      return `Refused by the token's policy: ${RULES[problem.rule] ?? problem.rule} (allowed ${JSON.stringify(problem.allowed)}, got ${JSON.stringify(problem.got)}).`;
    case 'wallet_frozen':
      return 'A wallet in this payment is frozen by its bank.';
    case 'unregistered_recipient':
      return 'The payee key belongs to no wallet on this network.';
    case 'double_spend':
      return 'Some of your money was spent meanwhile; refresh and try again.';
    case 'insufficient_funds':
      return `Not enough money: ${money(problem.available)} available, ${money(problem.needed)} needed.`;
    case 'privacy_level_not_allowed':
      return `Your tier (${problem.tier}) may not pay at the ${problem.level} level.`;
    case 'offline':
      return 'The node cannot be reached: you are offline.';
    default:
      return problem.detail || problem.title || problem.code;
  }
}
