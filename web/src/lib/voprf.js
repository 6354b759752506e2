// The client side of RFC 9497 VOPRF (mode 0x01, ristretto255-SHA512), as privacy/voprf.py
// serves it. The protocol is @noble/curves' `ristretto255_oprf` (vendor/noble.js): Blind, and
// Finalize with the issuer's batched DLEQ proof checked under the key the central bank
// *published*. This module only fixes the calling convention the app stores (bytes throughout).

import { ristretto255_oprf } from '../vendor/noble.js';

const { voprf } = ristretto255_oprf;

/** The issuer's answer does not prove it used the published key (or is malformed). */
export class ProofError extends Error {}

/**
 * Blind(input): `{blind, blinded}`, both bytes (the blind is a 32-byte little-endian scalar,
 * a secret until finalized). `rng` is the library's random source; only tests pass one.
 */
export const blind = (input, rng) => voprf.blind(input, rng);

/** Finalize a batch: check the proof, unblind, hash; the 64-byte outputs, or a ProofError. */
export function finalize(inputs, blinds, blinded, evaluated, publicKey, proof) {
  if (![blinds, blinded, evaluated].every((list) => list.length === inputs.length)) {
    throw new ProofError(`the issuer answered ${evaluated.length} elements for ${inputs.length} inputs`);
  }
  const items = inputs.map((input, i) => ({ input, blind: blinds[i], blinded: blinded[i], evaluated: evaluated[i] }));
  try {
    return voprf.finalizeBatch(items, publicKey, proof);
  } catch (error) {
    throw new ProofError(`the issuer's proof does not verify under the published key (${error.message})`);
  }
}
