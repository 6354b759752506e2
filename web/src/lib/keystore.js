// Keys at rest: the wallet's secrets (its Ed25519 seed, the offline device seed) sealed with
// AES-256-GCM under a key derived from the passphrase with PBKDF2-HMAC-SHA-256, both WebCrypto.
// The same sealed document is the backup a person exports and imports (docs/wallet-app.md).

import { fromHex, toHex, utf8 } from './bytes.js';
import { canonical } from './canonical.js';
import { randomBytes } from './crypto.js';

export const FORMAT = 'kzt-wallet-backup/v1';
/** PBKDF2 iterations for new keystores (OWASP's 2023 figure for PBKDF2-HMAC-SHA-256). */
export const ITERATIONS = 600000;
const MIN_ITERATIONS = 100000;
const MAX_ITERATIONS = 10000000;

export class WrongPassphrase extends Error {}
export class BadBackup extends Error {}

async function deriveKey(passphrase, salt, iterations) {
  const base = await crypto.subtle.importKey('raw', utf8(passphrase.normalize('NFC')), 'PBKDF2', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

// The public part is bound into the ciphertext, so nobody can swap it without failing to open.
const associated = (doc) => utf8(canonical({ format: doc.format, network: doc.network, public_key: doc.public_key, wallet_id: doc.wallet_id }));

/** Seal `secrets` ({seed, device_seed?} as hex) into a keystore document. */
export async function seal(secrets, passphrase, { network, publicKey, walletId, iterations = ITERATIONS }) {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const doc = { format: FORMAT, network, public_key: publicKey, wallet_id: walletId };
  const key = await deriveKey(passphrase, salt, iterations);
  const plain = utf8(canonical(secrets));
  const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: associated(doc) }, key, plain);
  return {
    ...doc,
    kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations, salt: toHex(salt) },
    cipher: { name: 'AES-256-GCM', iv: toHex(iv) },
    ciphertext: toHex(new Uint8Array(sealed)),
  };
}

/** Check a document's shape (an imported backup); throws BadBackup. */
export function checkDocument(doc) {
  const ok =
    doc && doc.format === FORMAT && /^[0-9a-f]{64}$/.test(doc.public_key) && typeof doc.network === 'string' &&
    doc.kdf?.name === 'PBKDF2' && doc.kdf.hash === 'SHA-256' && Number.isSafeInteger(doc.kdf.iterations) &&
    doc.kdf.iterations >= MIN_ITERATIONS && doc.kdf.iterations <= MAX_ITERATIONS &&
    /^[0-9a-f]{32}$/.test(doc.kdf.salt) && doc.cipher?.name === 'AES-256-GCM' && /^[0-9a-f]{24}$/.test(doc.cipher.iv) &&
    /^([0-9a-f]{2})+$/.test(doc.ciphertext);
  if (!ok) throw new BadBackup('not a wallet backup of this app');
  return doc;
}

/** Open a keystore document with the passphrase: the secrets object; throws WrongPassphrase. */
export async function open(doc, passphrase) {
  checkDocument(doc);
  const key = await deriveKey(passphrase, fromHex(doc.kdf.salt), doc.kdf.iterations);
  try {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: fromHex(doc.cipher.iv), additionalData: associated(doc) },
      key,
      fromHex(doc.ciphertext),
    );
    return JSON.parse(new TextDecoder().decode(plain));
  } catch {
    throw new WrongPassphrase('wrong passphrase (or a damaged backup)');
  }
}
