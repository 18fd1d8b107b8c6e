/**
 * Check a received webhook's signature locally, with no server: Standard
 * Webhooks `v1` (HMAC-SHA256, `whsec_` secret), `v1a` (Ed25519, `whpk_`
 * public key) and `hmac-sha256-hex` (`x-signature`, keyed by the secret
 * string). Works on the raw body bytes, the way a receiver must.
 */
import { createHmac, createPrivateKey, createPublicKey, timingSafeEqual, verify as verifySignature, type KeyObject } from 'node:crypto';
import { ED25519_PUBLIC_PREFIX, ED25519_SECRET_PREFIX, SECRET_PREFIX } from '../core/signing.ts';

export type VerifyScheme = 'standard-webhooks' | 'standard-webhooks-ed25519' | 'hmac-sha256-hex';
export const VERIFY_SCHEMES: readonly VerifyScheme[] = ['standard-webhooks', 'standard-webhooks-ed25519', 'hmac-sha256-hex'];

export interface VerifyInput {
  /** `whsec_…` (v1), `whpk_…` (v1a; a `whsk_…` private key works too), or the hex scheme's secret string. */
  secret: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** Default: from the secret's prefix. */
  scheme?: VerifyScheme;
  toleranceSeconds: number;
  nowMs?: number;
}

export interface VerifyResult {
  valid: boolean;
  scheme: VerifyScheme;
  /** The signature that matched: its place in the header (1-based) and version. */
  matched?: { index: number; of: number; version: 'v1' | 'v1a' | 'hex' };
  signatureValid: boolean;
  webhookId?: string;
  timestamp?: number;
  /** Seconds since the timestamp (negative: in the future). */
  ageSeconds?: number;
  /** Whether the timestamp is within the tolerance; absent when the scheme does not sign it. */
  timestampValid?: boolean;
  toleranceSeconds: number;
  /** Why it is invalid. */
  reason?: string;
  /** A likely cause worth checking. */
  hint?: string;
}

/** A secret or key the scheme cannot use: a usage problem, not an invalid signature. */
export class BadSecretError extends Error {}

// SPKI prefix of a raw 32-byte Ed25519 public key (RFC 8410).
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');

/** The scheme a secret implies: `whpk_`/`whsk_` → Ed25519, `whsec_` → v1; anything else needs --scheme. */
export function schemeOf(secret: string): VerifyScheme | undefined {
  if (secret.startsWith(ED25519_PUBLIC_PREFIX) || secret.startsWith(ED25519_SECRET_PREFIX)) return 'standard-webhooks-ed25519';
  if (secret.startsWith(SECRET_PREFIX)) return 'standard-webhooks';
  return undefined;
}

function ed25519Key(secret: string): KeyObject {
  if (secret.startsWith(ED25519_SECRET_PREFIX)) {
    const seed = Buffer.from(secret.slice(ED25519_SECRET_PREFIX.length), 'base64');
    if (seed.length !== 32) throw new BadSecretError('a whsk_ key holds 32 base64-encoded bytes');
    return createPublicKey(createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' }));
  }
  if (!secret.startsWith(ED25519_PUBLIC_PREFIX)) throw new BadSecretError('Ed25519 (v1a) signatures are checked with the endpoint’s public key, whpk_… (billhook endpoints secret <tenant> <endpoint>)');
  const raw = Buffer.from(secret.slice(ED25519_PUBLIC_PREFIX.length), 'base64');
  if (raw.length !== 32) throw new BadSecretError('a whpk_ key holds 32 base64-encoded bytes');
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519, raw]), format: 'der', type: 'spki' });
}

function hmacKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new BadSecretError('Standard Webhooks v1 signatures are checked with the endpoint’s whsec_… secret');
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  if (key.length === 0) throw new BadSecretError('the whsec_ secret holds no base64 bytes');
  return key;
}

const equal = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);

function header(headers: VerifyInput['headers'], name: string): string | undefined {
  const entry = Object.entries(headers).find(([k]) => k.toLowerCase() === name);
  const v = entry?.[1];
  return Array.isArray(v) ? v.join(' ') : v;
}

/** Which signature in a Standard Webhooks header matches `<id>.<timestamp>.<body>`, if any (1-based). */
function matchStandard(scheme: VerifyScheme, secret: string, id: string, ts: string, body: Buffer, signatures: string[]): number | undefined {
  const signed = Buffer.concat([Buffer.from(`${id}.${ts}.`), body]);
  if (scheme === 'standard-webhooks-ed25519') {
    const key = ed25519Key(secret);
    const i = signatures.findIndex((s) => s.startsWith('v1a,') && verifySignature(null, signed, key, Buffer.from(s.slice(4), 'base64')));
    return i < 0 ? undefined : i + 1;
  }
  const expected = createHmac('sha256', hmacKey(secret)).update(signed).digest();
  const i = signatures.findIndex((s) => s.startsWith('v1,') && equal(Buffer.from(s.slice(3), 'base64'), expected));
  return i < 0 ? undefined : i + 1;
}

function trailingNewlineHint(body: Buffer, retry: (b: Buffer) => boolean): string | undefined {
  const trimmed = Buffer.from(body.toString('latin1').replace(/(\r?\n)+$/, ''), 'latin1');
  if (trimmed.length === body.length || !retry(trimmed)) return undefined;
  return 'it matches without the trailing newline of the body: the body was saved with an extra newline at the end (receivers must verify the exact bytes)';
}

export function verifyWebhook(input: VerifyInput): VerifyResult {
  const scheme = input.scheme ?? schemeOf(input.secret);
  if (!scheme) throw new BadSecretError('the secret should start with whsec_ (v1) or whpk_ (v1a); for x-signature pass --scheme hmac-sha256-hex');
  const base = { scheme, toleranceSeconds: input.toleranceSeconds };
  const nowSec = (input.nowMs ?? Date.now()) / 1000;
  const id = header(input.headers, 'webhook-id');
  const tsText = header(input.headers, 'webhook-timestamp')?.trim();
  const ts = tsText !== undefined && /^\d+$/.test(tsText) ? Number(tsText) : undefined;
  const age = ts === undefined ? undefined : Math.round(nowSec - ts);
  const about = { ...(id ? { webhookId: id } : {}), ...(ts !== undefined ? { timestamp: ts, ageSeconds: age } : {}) };

  if (scheme === 'hmac-sha256-hex') {
    const got = header(input.headers, 'x-signature')?.trim();
    if (!got) return { ...base, ...about, valid: false, signatureValid: false, reason: 'no x-signature header' };
    const check = (b: Buffer) => equal(Buffer.from(got.toLowerCase(), 'hex'), createHmac('sha256', input.secret).update(b).digest());
    if (check(input.body)) return { ...base, ...about, valid: true, signatureValid: true, matched: { index: 1, of: 1, version: 'hex' } };
    const hint = trailingNewlineHint(input.body, check);
    return { ...base, ...about, valid: false, signatureValid: false, reason: 'x-signature does not match the body and secret', ...(hint ? { hint } : {}) };
  }

  const sigHeader = header(input.headers, 'webhook-signature');
  const missing = [!id && 'webhook-id', tsText === undefined && 'webhook-timestamp', !sigHeader && 'webhook-signature'].filter(Boolean);
  if (missing.length) return { ...base, ...about, valid: false, signatureValid: false, reason: `missing header${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}` };
  if (ts === undefined) return { ...base, ...about, valid: false, signatureValid: false, reason: `webhook-timestamp "${tsText}" is not unix seconds` };
  const signatures = sigHeader!.split(' ').filter(Boolean);
  const want = scheme === 'standard-webhooks-ed25519' ? 'v1a' : 'v1';
  const timestampValid = Math.abs(age!) <= input.toleranceSeconds;
  const withTime = { ...base, ...about, timestampValid };
  if (!signatures.some((s) => s.startsWith(`${want},`))) {
    const other = signatures.some((s) => s.startsWith('v1a,'))
      ? 'the header carries only v1a (Ed25519) signatures: verify with the endpoint’s whpk_ public key'
      : signatures.some((s) => s.startsWith('v1,'))
        ? 'the header carries only v1 (HMAC) signatures: verify with the endpoint’s whsec_ secret'
        : `the header has no ${want} signature`;
    return { ...withTime, valid: false, signatureValid: false, reason: other };
  }
  const index = matchStandard(scheme, input.secret, id!, tsText!, input.body, signatures);
  if (index === undefined) {
    const hint = trailingNewlineHint(input.body, (b) => matchStandard(scheme, input.secret, id!, tsText!, b, signatures) !== undefined);
    return {
      ...withTime,
      valid: false,
      signatureValid: false,
      reason: `no ${want} signature matches: the body, webhook-id or webhook-timestamp differ from what was signed, or the ${want === 'v1' ? 'secret' : 'key'} is another endpoint’s`,
      ...(hint ? { hint } : {}),
    };
  }
  const matched = { index, of: signatures.length, version: want } as const;
  if (!timestampValid) {
    return {
      ...withTime,
      valid: false,
      signatureValid: true,
      matched,
      reason: `the signature matches, but the timestamp is ${age! >= 0 ? `${age} s old` : `${-age!} s in the future`}, beyond the ${input.toleranceSeconds} s tolerance: a receiver must reject it (replay protection)`,
    };
  }
  return { ...withTime, valid: true, signatureValid: true, matched };
}
