// Hashes and Ed25519 (RFC 8032, pure). Ed25519 runs on WebCrypto where the browser has it
// (Chromium does); otherwise on tweetnacl, loaded from the app's own vendor folder on first use.
// `?crypto=tweetnacl` in the page URL forces the fallback, so both paths can be tested.

import { concat, fromBase64, toHex } from './bytes.js';

const ED = { name: 'Ed25519' };
// PKCS#8 wrapping of a 32-byte Ed25519 seed (RFC 8410): a fixed 16-byte prefix.
const PKCS8_PREFIX = new Uint8Array([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

/** SHA-256 of bytes. */
export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

/** Cryptographically random bytes. */
export const randomBytes = (n) => crypto.getRandomValues(new Uint8Array(n));

let backend = null;

function forcedFallback() {
  return typeof location !== 'undefined' && new URLSearchParams(location.search).get('crypto') === 'tweetnacl';
}

async function webCryptoWorks() {
  try {
    await crypto.subtle.importKey('raw', new Uint8Array(32).fill(1), ED, false, ['verify']);
    return true;
  } catch {
    return false;
  }
}

/** tweetnacl itself (for sealed boxes: X25519 and XSalsa20-Poly1305), loaded on first use. */
export const nacl = () => loadTweetnacl();

function loadTweetnacl() {
  if (globalThis.nacl?.sign) return Promise.resolve(globalThis.nacl);
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = new URL('../vendor/nacl-fast.min.js', import.meta.url).href;
    script.onload = () => resolve(globalThis.nacl);
    script.onerror = () => reject(new Error('tweetnacl could not be loaded'));
    document.head.append(script);
  });
}

const webCrypto = {
  name: 'webcrypto',
  async keyFromSeed(seed) {
    const pkcs8 = concat(PKCS8_PREFIX, seed);
    const extractable = await crypto.subtle.importKey('pkcs8', pkcs8, ED, true, ['sign']);
    const jwk = await crypto.subtle.exportKey('jwk', extractable);
    const key = await crypto.subtle.importKey('pkcs8', pkcs8, ED, false, ['sign']);
    return {
      publicKey: fromBase64(jwk.x),
      sign: async (message) => new Uint8Array(await crypto.subtle.sign(ED, key, message)),
    };
  },
  async verify(publicKey, signature, message) {
    try {
      const key = await crypto.subtle.importKey('raw', publicKey, ED, false, ['verify']);
      return await crypto.subtle.verify(ED, key, signature, message);
    } catch {
      return false; // a malformed key or signature proves nothing
    }
  },
};

function naclBackend(nacl) {
  return {
    name: 'tweetnacl',
    async keyFromSeed(seed) {
      const pair = nacl.sign.keyPair.fromSeed(seed);
      return {
        publicKey: pair.publicKey,
        sign: async (message) => nacl.sign.detached(message, pair.secretKey),
      };
    },
    async verify(publicKey, signature, message) {
      if (publicKey.length !== 32 || signature.length !== 64) return false;
      return nacl.sign.detached.verify(message, signature, publicKey);
    },
  };
}

/** The Ed25519 implementation in use: WebCrypto, or tweetnacl where WebCrypto lacks Ed25519. */
export async function ed25519() {
  if (!backend) {
    backend = (!forcedFallback() && (await webCryptoWorks())) ? webCrypto : naclBackend(await loadTweetnacl());
  }
  return backend;
}

/** A signing key from a 32-byte seed: `{publicKey, publicHex, sign(message)}`. */
export async function keyFromSeed(seed) {
  const key = await (await ed25519()).keyFromSeed(seed);
  return { ...key, publicHex: toHex(key.publicKey) };
}

/** Whether `signature` is a valid Ed25519 signature of `message` under `publicKey`. */
export async function verify(publicKey, signature, message) {
  return (await ed25519()).verify(publicKey, signature, message);
}
