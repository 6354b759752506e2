// Private payments as wallet/privacy/payments.py builds them (docs/privacy.md section 9): notes and
// their commitments, envelopes sealed to each note's owner and to the payer, the AML filler,
// the payer's authorization and shield statement, the request sealed to the validator; and
// reading what is ours by trial decryption of the private feed.

import { ascii, concat, fromHex, fromUtf8, toHex, utf8 } from './bytes.js';
import { canonical } from './canonical.js';
import { randomBytes, sha256 } from './crypto.js';
import { InsufficientFunds, selectCoins, signingMessage } from './ledger.js';
import { open, pad, seal, x25519Public } from './sealed.js';

const tag = (name) => concat(ascii(`KZT-LEDGER/${name}/v1`), new Uint8Array([0]));
export const DOMAIN_NOTE = tag('note');
export const DOMAIN_PRIVATE = tag('private');
export const DOMAIN_SHIELD = tag('shield');
const AML_BUCKET = 768;

/** A note `{owner, amount, blinding, token?}` with fresh blinding (token omitted for KZT). */
export const newNote = (owner, amount) => ({ amount, blinding: toHex(randomBytes(32)), owner });

/** The hex commitment SHA-256(DOMAIN_NOTE || canonical(note)) (no network). */
export async function commitment(note) {
  return toHex(await sha256(concat(DOMAIN_NOTE, utf8(canonical(note)))));
}

const point = (c) => ({ index: c.point.index, txid: c.point.txid });
// Members whose default is the empty list are left out, as canonical bytes require.
const listed = (object) => Object.fromEntries(Object.entries(object).filter(([, v]) => !(Array.isArray(v) && v.length === 0) && v !== ''));

/** Largest-first notes covering `amount` (the SDK's rule). */
function selectNotes(notes, amount) {
  const chosen = [];
  let total = 0;
  for (const note of [...notes].sort((a, b) => b.amount - a.amount || (a.blinding < b.blinding ? -1 : 1))) {
    if (total >= amount || note.amount === 0) continue;
    chosen.push(note);
    total += note.amount;
  }
  if (total < amount) throw new InsufficientFunds(amount, total);
  return chosen;
}

/**
 * A private payment of `amount` to key `to`: from notes if they cover it, else all notes and
 * open coins (the open edge). Returns `{submission, commitments}` for POST /v1/privacy/payments.
 */
export async function privatePayment({ nacl, network, params, key, notes, coins, to, amount, memo = '' }) {
  const available = notes.reduce((n, x) => n + x.amount, 0);
  const spends = available >= amount ? selectNotes(notes, amount) : notes.filter((n) => n.amount);
  const chosen = available >= amount ? [] : selectCoins(coins, amount - available).chosen;
  const paidIn = spends.reduce((n, x) => n + x.amount, 0) + chosen.reduce((n, c) => n + c.output.amount, 0);
  const creates = [newNote(to, amount), newNote(key.publicHex, paidIn - amount)]; // always two
  const commitments = await Promise.all(creates.map(commitment));
  const inputs = chosen.map(point);
  const sealTo = (owner, value, bucket = 256) => seal(nacl, x25519Public(owner), pad(utf8(canonical(value)), bucket));
  const envelopes = creates.map((note, index) => sealTo(note.owner, listed({ index, memo, note })));
  envelopes.push(sealTo(key.publicHex, { ...listed({ creates, inputs, memo }), spends })); // PayerRecord
  const digest = toHex(await sha256(concat(...envelopes.map(fromHex))));
  envelopes.push(seal(nacl, nacl.box.keyPair().publicKey, randomBytes(AML_BUCKET))); // the AML slot: filler
  const signatures = [];
  if (spends.length) {
    const authorization = { ...listed({ commitments, inputs, memo }), envelopes: digest, spends: await Promise.all(spends.map(commitment)) };
    const message = signingMessage(DOMAIN_PRIVATE, network, utf8(canonical(authorization)));
    signatures.push({ key: key.publicHex, sig: toHex(await key.sign(message)) });
  }
  const request = listed({ creates, memo, network, signatures, spends });
  const inputAuth = [];
  if (chosen.length) {
    const statement = { commitments, inputs, outputs: [] };
    const message = signingMessage(DOMAIN_SHIELD, network, utf8(canonical(statement)));
    inputAuth.push({ key: key.publicHex, sig: toHex(await key.sign(message)) });
  }
  const submission = listed({
    sealed: seal(nacl, fromHex(params.validator_box), pad(utf8(canonical(request)), 256)),
    envelopes,
    commitments,
    inputs,
    input_auth: inputAuth,
  });
  return { submission, commitments, spent: spends };
}

/** Trial-decrypt feed entries with our X25519 secret: `{received: [...], spent: Set}`. */
export async function scan(nacl, secret, publicHex, entries) {
  const received = [];
  const spent = new Set();
  for (const entry of entries) {
    const body = entry.tx.body;
    const count = (body.commitments ?? []).length;
    for (let i = 0; i < count; i++) {
      const found = readEnvelope(nacl, secret, body.envelopes[i]);
      if (found?.note && found.index === i && found.note.owner === publicHex && (await commitment(found.note)) === body.commitments[i]) {
        received.push({ txid: entry.txid, height: entry.height, note: found.note, memo: found.memo ?? '' });
      }
    }
    const record = readEnvelope(nacl, secret, body.envelopes[count]);
    for (const note of record?.spends ?? []) spent.add(await commitment(note));
  }
  return { received, spent };
}

function readEnvelope(nacl, secret, envelope) {
  if (!envelope) return null;
  const plain = open(nacl, secret, envelope);
  if (!plain) return null;
  try {
    return JSON.parse(fromUtf8(plain));
  } catch {
    return null;
  }
}
