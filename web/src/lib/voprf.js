// The client side of RFC 9497 VOPRF (mode 0x01, ristretto255-SHA512), as privacy/voprf.py:
// Blind, the issuer's batched DLEQ proof checked under the *published* key, Finalize.

import { ascii, concat, equal } from './bytes.js';
import * as G from './ristretto.js';

const CONTEXT = concat(ascii('OPRFV1-'), new Uint8Array([1]), ascii('-ristretto255-SHA512'));
const HASH_TO_GROUP = concat(ascii('HashToGroup-'), CONTEXT);
const HASH_TO_SCALAR = concat(ascii('HashToScalar-'), CONTEXT);
const SEED = concat(ascii('Seed-'), CONTEXT);

const sha512 = async (bytes) => new Uint8Array(await crypto.subtle.digest('SHA-512', bytes));
const i2osp = (n, length) => Uint8Array.from({ length }, (_, i) => (n >> (8 * (length - 1 - i))) & 255);
const framed = (...parts) => concat(...parts.flatMap((p) => [i2osp(p.length, 2), p]));

/** expand_message_xmd with SHA-512 (RFC 9380 section 5.3.1). */
export async function expand(message, dst, length) {
  const blocks = Math.ceil(length / 64);
  const dstPrime = concat(dst, i2osp(dst.length, 1));
  const b0 = await sha512(concat(new Uint8Array(128), message, i2osp(length, 2), new Uint8Array([0]), dstPrime));
  const out = [await sha512(concat(b0, new Uint8Array([1]), dstPrime))];
  for (let i = 2; i <= blocks; i++) {
    const mixed = b0.map((x, j) => x ^ out[out.length - 1][j]);
    out.push(await sha512(concat(mixed, i2osp(i, 1), dstPrime)));
  }
  return concat(...out).slice(0, length);
}

export const hashToGroup = async (input) => G.fromHash(await expand(input, HASH_TO_GROUP, 64));
const hashToScalar = async (message) => G.scalarFrom(await expand(message, HASH_TO_SCALAR, 64));

/** Blind(input) with a given (or random) blind: `{blind, blinded}` (blinded encoded). */
export async function blind(input, blindScalar = null) {
  const scalar = blindScalar ?? G.scalarFrom(crypto.getRandomValues(new Uint8Array(64)));
  return { blind: scalar, blinded: G.encode(G.multiply(scalar, await hashToGroup(input))) };
}

async function composites(publicKey, blinded, evaluated) {
  const seed = await sha512(framed(publicKey, SEED));
  let m = G.IDENTITY;
  let z = G.IDENTITY;
  for (let i = 0; i < blinded.length; i++) {
    const transcript = concat(framed(seed), i2osp(i, 2), framed(blinded[i], evaluated[i]), ascii('Composite'));
    const di = await hashToScalar(transcript);
    m = G.add(G.multiply(di, G.decode(blinded[i])), m);
    z = G.add(G.multiply(di, G.decode(evaluated[i])), z);
  }
  return [G.encode(m), G.encode(z)];
}

/** VerifyProof(G, pkS, C, D, proof): the issuer used the key it published. */
export async function verifyProof(publicKey, blinded, evaluated, proof) {
  if (proof.length !== 64 || ![publicKey, ...evaluated, ...blinded].every((e) => G.decode(e))) return false;
  const c = G.scalarFrom(proof.subarray(0, 32));
  const s = G.scalarFrom(proof.subarray(32));
  if (!equal(G.scalarBytes(c), proof.subarray(0, 32)) || !equal(G.scalarBytes(s), proof.subarray(32))) return false;
  const [m, z] = await composites(publicKey, blinded, evaluated);
  const t2 = G.add(G.multiply(s, G.BASE), G.multiply(c, G.decode(publicKey)));
  const t3 = G.add(G.multiply(s, G.decode(m)), G.multiply(c, G.decode(z)));
  const challenge = await hashToScalar(concat(framed(publicKey, m, z, G.encode(t2), G.encode(t3)), ascii('Challenge')));
  return challenge === c;
}

/** Finalize a batch: check the proof, unblind, hash; throws if the proof fails. */
export async function finalize(inputs, blinds, blinded, evaluated, publicKey, proof) {
  if (!(await verifyProof(publicKey, blinded, evaluated, proof))) throw new Error("the issuer's proof does not verify under the published key");
  const outputs = [];
  for (let i = 0; i < inputs.length; i++) {
    const unblinded = G.encode(G.multiply(G.scalarInvert(blinds[i]), G.decode(evaluated[i])));
    outputs.push(await sha512(concat(framed(inputs[i], unblinded), ascii('Finalize'))));
  }
  return outputs;
}
