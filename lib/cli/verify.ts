/** Check a received webhook's signature locally: Standard Webhooks v1 (HMAC), v1a (Ed25519), or the hex scheme. */
import { createPublicKey, timingSafeEqual, verify as verifyRaw } from 'node:crypto';
import { ED25519_PUBLIC_PREFIX, signHex, signV1 } from '../core/signing.ts';

export interface VerifyInput {
  secret: string;
  headers: Record<string, string>;
  body: string;
  scheme?: string;
  toleranceSeconds: number;
  nowMs?: number;
}

export type VerifyResult = { valid: true; matched: string; ageSeconds?: number } | { valid: false; reason: string };

const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

export function verifyWebhook(input: VerifyInput): VerifyResult {
  const h = Object.fromEntries(Object.entries(input.headers).map(([k, v]) => [k.toLowerCase(), v]));
  if (input.scheme === 'hmac-sha256-hex') {
    const got = Buffer.from(h['x-signature'] ?? '', 'hex');
    const want = Buffer.from(signHex(input.secret, input.body), 'hex');
    return got.length === want.length && timingSafeEqual(got, want) ? { valid: true, matched: 'x-signature (hex HMAC-SHA256)' } : { valid: false, reason: 'x-signature does not match the body' };
  }
  const id = h['webhook-id'];
  const ts = Number(h['webhook-timestamp']);
  const sigs = (h['webhook-signature'] ?? '').split(' ').filter(Boolean);
  if (!id || !Number.isFinite(ts) || sigs.length === 0) return { valid: false, reason: 'webhook-id, webhook-timestamp and webhook-signature headers are required' };
  const age = Math.round((input.nowMs ?? Date.now()) / 1000 - ts);
  if (Math.abs(age) > input.toleranceSeconds) return { valid: false, reason: `timestamp is ${age} s away from now (tolerance ${input.toleranceSeconds} s)` };
  if (input.secret.startsWith(ED25519_PUBLIC_PREFIX)) {
    const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519, Buffer.from(input.secret.slice(ED25519_PUBLIC_PREFIX.length), 'base64')]), format: 'der', type: 'spki' });
    const signed = Buffer.from(`${id}.${ts}.${input.body}`);
    const hit = sigs.find((s) => s.startsWith('v1a,') && verifyRaw(null, signed, key, Buffer.from(s.slice(4), 'base64')));
    return hit ? { valid: true, matched: 'v1a (Ed25519)', ageSeconds: age } : { valid: false, reason: 'no v1a signature matches the public key' };
  }
  const want = Buffer.from(signV1(input.secret, id, ts, input.body));
  const hit = sigs.find((s) => Buffer.from(s).length === want.length && timingSafeEqual(Buffer.from(s), want));
  return hit ? { valid: true, matched: 'v1 (HMAC-SHA256)', ageSeconds: age } : { valid: false, reason: 'no v1 signature matches the secret' };
}
