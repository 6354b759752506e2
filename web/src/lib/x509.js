// The offline PKI of docs/offline.md section 4.5, read with no network: a strict DER reader,
// X.509 certificates (root, bank CA, device) and CRLs, every signature Ed25519 over the
// to-be-signed bytes (RFC 8410). Only what the profile uses is read; anything else is refused.

import { equal, fromUtf8, toHex } from './bytes.js';
import { verify } from './crypto.js';

export class CertificateError extends Error {}

const fail = (reason) => {
  throw new CertificateError(reason);
};

/** The DER encoding of an OID's content (base-128 arcs), from its dotted form. */
export function oidBytes(dotted) {
  const arcs = dotted.split('.').map(BigInt);
  const out = [];
  const push = (n) => {
    const digits = [Number(n & 127n)];
    for (n >>= 7n; n > 0n; n >>= 7n) digits.unshift(Number(n & 127n) | 128);
    out.push(...digits);
  };
  push(arcs[0] * 40n + arcs[1]);
  arcs.slice(2).forEach(push);
  return new Uint8Array(out);
}

const OID = {
  ed25519: oidBytes('1.3.101.112'),
  cn: oidBytes('2.5.4.3'),
  uid: oidBytes('0.9.2342.19200300.100.1.1'),
  basicConstraints: oidBytes('2.5.29.19'),
  crlNumber: oidBytes('2.5.29.20'),
  limits: oidBytes('2.25.288208342551651961279795540134642657028.1'),
};

/** One TLV at `at`: `{tag, raw, content, end}` (raw and content are views). */
function tlv(bytes, at) {
  if (at + 2 > bytes.length) fail('truncated DER');
  const tag = bytes[at];
  let length = bytes[at + 1];
  let cursor = at + 2;
  if (length & 0x80) {
    const size = length & 0x7f;
    if (size === 0 || size > 3 || cursor + size > bytes.length) fail('bad DER length');
    length = 0;
    for (let i = 0; i < size; i++) length = length * 256 + bytes[cursor + i];
    if (length < 128 || (size > 1 && bytes[cursor] === 0)) fail('DER length not minimal');
    cursor += size;
  }
  if (cursor + length > bytes.length) fail('truncated DER value');
  return { tag, raw: bytes.subarray(at, cursor + length), content: bytes.subarray(cursor, cursor + length), end: cursor + length };
}

/** The TLVs inside a constructed value. */
function children(content) {
  const items = [];
  for (let at = 0; at < content.length; ) {
    const item = tlv(content, at);
    items.push(item);
    at = item.end;
  }
  return items;
}

function expect(item, tag, what) {
  if (!item || item.tag !== tag) fail(`expected ${what}`);
  return item;
}

function natural(content) {
  if (!content.length || content[0] & 0x80) fail('negative or empty INTEGER');
  let n = 0n;
  for (const b of content) n = n * 256n + BigInt(b);
  return n;
}

function time(item) {
  const text = fromUtf8(item.content);
  const m = (item.tag === 0x17 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/ : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/).exec(text);
  if (!m) fail('bad time');
  let year = Number(m[1]);
  if (item.tag === 0x17) year += year < 50 ? 2000 : 1900;
  return Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

/** The single value of an attribute in a Name (CN, UID). */
function nameValue(name, oid) {
  const found = [];
  for (const set of children(name.content)) {
    for (const pair of children(set.content)) {
      const [type, value] = children(pair.content);
      if (equal(type.content, oid)) found.push(fromUtf8(value.content));
    }
  }
  if (found.length !== 1) fail('the name needs exactly one attribute of its kind');
  return found[0];
}

function ed25519Algorithm(item) {
  const [oid, ...rest] = children(expect(item, 0x30, 'AlgorithmIdentifier').content);
  if (!equal(oid.content, OID.ed25519) || rest.length) fail('the algorithm is not Ed25519');
}

function bitString(item) {
  expect(item, 0x03, 'BIT STRING');
  if (item.content[0] !== 0) fail('unused bits in a BIT STRING');
  return item.content.subarray(1);
}

function extensions(item) {
  const found = new Map();
  if (!item) return found;
  const [list] = children(expect(item, 0xa3, 'extensions').content);
  for (const extension of children(list.content)) {
    const parts = children(extension.content);
    const value = parts[parts.length - 1];
    found.set(toHex(parts[0].content), expect(value, 0x04, 'extnValue').content);
  }
  return found;
}

function isCa(found) {
  const value = found.get(toHex(OID.basicConstraints));
  if (!value) return false;
  const [sequence] = children(value);
  const [flag] = children(sequence.content);
  return Boolean(flag && flag.tag === 0x01 && flag.content[0] === 0xff);
}

/** Parse a certificate: `{serial, key, issuer, subject, notBefore, notAfter, isCa, limits?, tbs, signature}`. */
export function parseCertificate(der) {
  try {
    const [outer] = children(der);
    if (outer.end !== der.length) fail('trailing bytes');
    const [tbsItem, algorithm, signatureItem] = children(expect(outer, 0x30, 'Certificate').content);
    ed25519Algorithm(algorithm);
    const fields = children(expect(tbsItem, 0x30, 'TBSCertificate').content);
    const [version, serial, innerAlgorithm, issuer, validity, subject, spki, ...rest] = fields;
    expect(version, 0xa0, 'version');
    ed25519Algorithm(innerAlgorithm);
    const [notBefore, notAfter] = children(expect(validity, 0x30, 'Validity').content);
    const [keyAlgorithm, keyBits] = children(expect(spki, 0x30, 'SubjectPublicKeyInfo').content);
    ed25519Algorithm(keyAlgorithm);
    const key = bitString(keyBits);
    if (key.length !== 32) fail('the key is not 32 bytes');
    const found = extensions(rest.find((r) => r.tag === 0xa3));
    const limits = found.get(toHex(OID.limits));
    return {
      serial: natural(expect(serial, 0x02, 'serial').content),
      key: toHex(key),
      issuer,
      subject,
      notBefore: time(notBefore),
      notAfter: time(notAfter),
      isCa: isCa(found),
      limits: limits ? parseLimits(limits) : null,
      tbs: tbsItem.raw,
      signature: bitString(signatureItem),
    };
  } catch (error) {
    throw error instanceof CertificateError ? error : new CertificateError(`cannot be parsed: ${error.message}`);
  }
}

/** OfflineLimits ::= SEQUENCE { version 1, maxPurse, maxVoucher, maxVouchers, maxOfflineHours } */
export function parseLimits(bytes) {
  const [sequence] = children(bytes);
  const values = children(expect(sequence, 0x30, 'OfflineLimits').content).map((i) => Number(natural(expect(i, 0x02, 'INTEGER').content)));
  if (values.length !== 5 || values[0] !== 1) fail('unknown limits version');
  const [, max_purse, max_voucher, max_vouchers, max_offline_hours] = values;
  return { max_purse, max_voucher, max_vouchers, max_offline_hours };
}

const signedBy = (cert, key) => verify(Uint8Array.from(key.match(/../g), (h) => parseInt(h, 16)), cert.signature, cert.tbs);

/** The self-signed root: `{name, key}`. */
export async function loadRoot(der) {
  const cert = parseCertificate(der);
  if (!cert.isCa || !equal(cert.issuer.content, cert.subject.content)) fail('the root must be a self-issued CA');
  if (!(await signedBy(cert, cert.key))) fail("the root's self-signature does not verify");
  return { name: nameValue(cert.subject, OID.cn), key: cert.key };
}

/** A bank CA issued by `root`: `{name, key}` (name = the bank id). */
export async function loadBankCa(der, root) {
  const cert = parseCertificate(der);
  if (!cert.isCa || nameValue(cert.issuer, OID.cn) !== root.name) fail('the bank CA is not issued by the root');
  if (!(await signedBy(cert, root.key))) fail("the root's signature on the bank CA does not verify");
  return { name: nameValue(cert.subject, OID.cn), key: cert.key };
}

/** A device certificate's contents (its issuer's signature is checked by `signedBy`). */
export function loadDevice(der) {
  const cert = parseCertificate(der);
  if (cert.isCa) fail('a device certificate must not be a CA');
  if (!cert.limits) fail('the offline limits extension is missing');
  return { ...cert, serialHex: cert.serial.toString(16), walletId: nameValue(cert.subject, OID.uid), bankId: nameValue(cert.issuer, OID.cn) };
}

export const deviceSignedBy = (device, ca) => signedBy(device, ca.key);

/** A CRL signed by the bank CA: `{bankId, number, thisUpdate, nextUpdate, revoked:Set<bigint>}`. */
export async function loadCrl(der, ca) {
  const [outer] = children(der);
  const [tbsItem, algorithm, signatureItem] = children(expect(outer, 0x30, 'CertificateList').content);
  ed25519Algorithm(algorithm);
  const fields = children(expect(tbsItem, 0x30, 'TBSCertList').content);
  let i = fields[0].tag === 0x02 ? 1 : 0;
  ed25519Algorithm(fields[i++]);
  const issuer = fields[i++];
  const thisUpdate = time(fields[i++]);
  const nextUpdate = fields[i] && (fields[i].tag === 0x17 || fields[i].tag === 0x18) ? time(fields[i++]) : fail('the CRL has no next update');
  const revoked = new Set();
  if (fields[i]?.tag === 0x30) for (const entry of children(fields[i++].content)) revoked.add(natural(children(entry.content)[0].content));
  const found = extensions(fields[i] ? { ...fields[i], tag: fields[i].tag === 0xa0 ? 0xa3 : fields[i].tag } : null);
  const number = found.get(toHex(OID.crlNumber));
  if (!number) fail('the CRL has no CRL number');
  if (nameValue(issuer, OID.cn) !== ca.name) fail('the CRL is issued by another bank');
  const crl = { tbs: tbsItem.raw, signature: bitString(signatureItem) };
  if (!(await signedBy(crl, ca.key))) fail("the bank's signature on the CRL does not verify");
  return { bankId: ca.name, number: Number(natural(children(number)[0].content)), thisUpdate, nextUpdate, revoked };
}
