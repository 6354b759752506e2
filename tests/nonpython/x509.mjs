// X.509 certificates and CRLs for the offline PKI, written from docs/offline.md 4.5 only:
// DER by hand (X.690), Ed25519 signatures (RFC 8410) with tweetnacl over the to-be-signed bytes.
import nacl from 'tweetnacl';

const cat = (...parts) => Buffer.concat(parts.map((p) => Buffer.from(p)));
function tlv(tag, body) {
  const n = body.length;
  const length = n < 128 ? [n] : n < 256 ? [0x81, n] : [0x82, n >> 8, n & 255];
  return cat([tag], length, body);
}
const seq = (...items) => tlv(0x30, cat(...items));
const set = (...items) => tlv(0x31, cat(...items));
const explicit = (n, body) => tlv(0xa0 + n, body);
function integer(value) {
  let hex = BigInt(value).toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if (bytes[0] & 0x80) bytes = cat([0], bytes);
  return tlv(0x02, bytes);
}
function oid(dotted) {
  const [a, b, ...rest] = dotted.split('.').map(BigInt);
  const out = [];
  for (const arc of [a * 40n + b, ...rest]) {
    const groups = [];
    let v = arc;
    do { groups.unshift(Number(v & 127n)); v >>= 7n; } while (v > 0n);
    groups.forEach((g, i) => out.push(i < groups.length - 1 ? g | 128 : g));
  }
  return tlv(0x06, Buffer.from(out));
}
const utf8 = (text) => tlv(0x0c, Buffer.from(text, 'utf8'));
const bool = (yes) => tlv(0x01, [yes ? 0xff : 0]);
const octets = (bytes) => tlv(0x04, bytes);
const bits = (bytes, unused = 0) => tlv(0x03, cat([unused], bytes));
function time(ms) { // RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime after
  const iso = new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return Number(iso.slice(0, 4)) < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`)) : tlv(0x18, Buffer.from(`${iso}Z`));
}

const ED25519 = seq(oid('1.3.101.112'));
const ATTRIBUTE = { CN: '2.5.4.3', O: '2.5.4.10', UID: '0.9.2342.19200300.100.1.1' };
export const name = (...pairs) => seq(...pairs.map(([type, value]) => set(seq(oid(ATTRIBUTE[type]), utf8(value)))));
const extension = (id, critical, value) => seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
export const basicConstraints = (ca, pathLength) => extension('2.5.29.19', true, ca ? seq(bool(true), integer(pathLength)) : seq());
export const keyUsageSigning = () => extension('2.5.29.15', true, bits([0x80], 7)); // digitalSignature
export const keyUsageCa = () => extension('2.5.29.15', true, bits([0x06], 1)); // keyCertSign, cRLSign
export const LIMITS_OID = '2.25.288208342551651961279795540134642657028.1';
export const limitsExtension = (l) => extension(LIMITS_OID, true, seq(integer(1), integer(l.max_purse), integer(l.max_voucher), integer(l.max_vouchers), integer(l.max_offline_hours)));

const sign = (tbs, secretKey) => nacl.sign.detached(tbs, secretKey);

/** A DER certificate: version 3, Ed25519 key and signature. */
export function certificate({ serial, issuer, subject, notBefore, notAfter, publicKey, extensions }, secretKey) {
  const spki = seq(ED25519, bits(publicKey));
  const tbs = seq(explicit(0, integer(2)), integer(serial), ED25519, issuer, seq(time(notBefore), time(notAfter)), subject, spki, explicit(3, seq(...extensions)));
  return seq(tbs, ED25519, bits(sign(tbs, secretKey)));
}

/** A DER CRL (v2): issuer, thisUpdate, nextUpdate, revoked serials, a CRL number. */
export function revocationList({ issuer, number, thisUpdate, nextUpdate, revoked = [] }, secretKey) {
  const entries = revoked.length ? [seq(...revoked.map(([serial, at]) => seq(integer(serial), time(at))))] : [];
  const crlNumber = seq(oid('2.5.29.20'), octets(integer(number)));
  const tbs = seq(integer(1), ED25519, issuer, time(thisUpdate), time(nextUpdate), ...entries, explicit(0, seq(crlNumber)));
  return seq(tbs, ED25519, bits(sign(tbs, secretKey)));
}
