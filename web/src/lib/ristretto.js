// ristretto255 (RFC 9496) over edwards25519 in extended coordinates, with BigInt field
// arithmetic: decode, encode, add, scalar multiplication and the one-way map from 64 bytes.
// Client-side only (blinding and checking an issuer's proof); not constant time, which is fine
// for values the phone computes about its own random inputs. Checked against RFC 9497's
// VOPRF vectors by the browser tests.

export const P = 2n ** 255n - 19n;
export const L = 2n ** 252n + 27742317777372353535851937790883648493n; // the group order

const mod = (a, m = P) => ((a % m) + m) % m;
export function pow(base, exp, m = P) {
  let result = 1n;
  for (let b = mod(base, m), e = exp; e > 0n; e >>= 1n, b = (b * b) % m) if (e & 1n) result = (result * b) % m;
  return result;
}
const inv = (a) => pow(a, P - 2n);
const isNegative = (a) => (mod(a) & 1n) === 1n;
const abs = (a) => (isNegative(a) ? mod(-a) : mod(a));

const D = mod(-121665n * inv(121666n));
const D2 = mod(2n * D);
const SQRT_M1 = pow(2n, (P - 1n) / 4n);

/** (was_square, sqrt(u/v)) with the non-negative root (RFC 9496 section 4.2). */
function sqrtRatioM1(u, v) {
  const v3 = mod(v * v * v);
  const v7 = mod(v3 * v3 * v);
  let r = mod(u * v3 * pow(u * v7, (P - 5n) / 8n));
  const check = mod(v * r * r);
  const correct = check === mod(u);
  const flipped = check === mod(-u);
  const flippedI = check === mod(-u * SQRT_M1);
  if (flipped || flippedI) r = mod(r * SQRT_M1);
  return [correct || flipped, abs(r)];
}

// RFC 9496 section 4.1 fixes which square root each constant is (SQRT_AD_MINUS_ONE is the
// odd one), so they are written out; the lines below check they are the roots they claim.
const SQRT_AD_MINUS_ONE = 25063068953384623474111414158702152701244531502492656460079210482610430750235n;
const INVSQRT_A_MINUS_D = 54469307008909316920995813868745141605393597292927456921205312896311721017578n;
if (mod(SQRT_AD_MINUS_ONE ** 2n) !== mod(-D - 1n) || mod(INVSQRT_A_MINUS_D ** 2n * (-1n - D)) !== 1n) {
  throw new Error('ristretto255 constants are wrong');
}
const ONE_MINUS_D_SQ = mod(1n - D * D);
const D_MINUS_ONE_SQ = mod((D - 1n) * (D - 1n));

const le = (bytes) => bytes.reduceRight((n, b) => (n << 8n) | BigInt(b), 0n);
const toLe = (n) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 255n));

export const IDENTITY = [0n, 1n, 1n, 0n];
const BX = 15112221349535400772501151409588531511454012693041857206046113283949847762202n;
const BY = 46316835694926478169428394003475163141307993866256225615783033603165251855960n;
export const BASE = [BX, BY, 1n, mod(BX * BY)];

/** Point addition on a = -1 twisted Edwards (add-2008-hwcd-3), complete. */
export function add([x1, y1, z1, t1], [x2, y2, z2, t2]) {
  const a = mod((y1 - x1) * (y2 - x2));
  const b = mod((y1 + x1) * (y2 + x2));
  const c = mod(t1 * D2 * t2);
  const d = mod(z1 * 2n * z2);
  const e = b - a;
  const f = d - c;
  const g = d + c;
  const h = b + a;
  return [mod(e * f), mod(g * h), mod(f * g), mod(e * h)];
}

/** n·P by double-and-add. */
export function multiply(n, point) {
  let result = IDENTITY;
  let addend = point;
  for (let k = mod(n, L); k > 0n; k >>= 1n) {
    if (k & 1n) result = add(result, addend);
    addend = add(addend, addend);
  }
  return result;
}

/** Decode 32 bytes; null unless a canonical encoding of a group element. */
export function decode(bytes) {
  const s = le(bytes);
  if (bytes.length !== 32 || s >= P || isNegative(s)) return null;
  const ss = mod(s * s);
  const u1 = mod(1n - ss);
  const u2 = mod(1n + ss);
  const u2sq = mod(u2 * u2);
  const v = mod(-(D * u1 * u1) - u2sq);
  const [wasSquare, invsqrt] = sqrtRatioM1(1n, mod(v * u2sq));
  const denX = mod(invsqrt * u2);
  const denY = mod(invsqrt * denX * v);
  const x = abs(2n * s * denX);
  const y = mod(u1 * denY);
  const t = mod(x * y);
  if (!wasSquare || isNegative(t) || y === 0n) return null;
  return [x, y, 1n, t];
}

/** The canonical 32-byte encoding of a point. */
export function encode([x0, y0, z0, t0]) {
  const u1 = mod((z0 + y0) * (z0 - y0));
  const u2 = mod(x0 * y0);
  const [, invsqrt] = sqrtRatioM1(1n, mod(u1 * u2 * u2));
  const den1 = mod(invsqrt * u1);
  const den2 = mod(invsqrt * u2);
  const zInv = mod(den1 * den2 * t0);
  const rotate = isNegative(t0 * zInv);
  const x = rotate ? mod(y0 * SQRT_M1) : x0;
  let y = rotate ? mod(x0 * SQRT_M1) : y0;
  const denInv = rotate ? mod(den1 * INVSQRT_A_MINUS_D) : den2;
  if (isNegative(x * zInv)) y = mod(-y);
  return toLe(abs(denInv * (z0 - y)));
}

function map(t) {
  const r = mod(SQRT_M1 * t * t);
  const u = mod((r + 1n) * ONE_MINUS_D_SQ);
  const v = mod((-1n - r * D) * (r + D));
  const [wasSquare, root] = sqrtRatioM1(u, v);
  const s = wasSquare ? root : mod(-abs(root * t));
  const c = wasSquare ? mod(-1n) : r;
  const n = mod(c * (r - 1n) * D_MINUS_ONE_SQ - v);
  const w0 = mod(2n * s * v);
  const w1 = mod(n * SQRT_AD_MINUS_ONE);
  const w2 = mod(1n - s * s);
  const w3 = mod(1n + s * s);
  return [mod(w0 * w3), mod(w2 * w1), mod(w1 * w3), mod(w0 * w2)];
}

/** The element of 64 uniform bytes (libsodium's crypto_core_ristretto255_from_hash). */
export function fromHash(bytes) {
  const half = (b) => le(b) & ((1n << 255n) - 1n);
  return add(map(half(bytes.subarray(0, 32))), map(half(bytes.subarray(32, 64))));
}

/** Scalars are little-endian integers modulo L. */
export const scalarFrom = (bytes) => mod(le(bytes), L);
export const scalarBytes = (n) => toLe(mod(n, L));
export const scalarInvert = (n) => pow(n, L - 2n, L);
export const equalPoints = (a, b) => encode(a).every((x, i) => x === encode(b)[i]);
