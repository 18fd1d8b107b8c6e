/**
 * Webhook signatures.
 *
 * Standard Webhooks v1: `webhook-signature: v1,<base64 HMAC-SHA256>` over
 * `<webhook-id>.<webhook-timestamp>.<body>`, keyed by the base64-decoded part
 * of the `whsec_` secret. Several secrets (during rotation) give several
 * space-separated signatures.
 *
 * `standard-webhooks-ed25519`: the same header with `v1a,<base64 Ed25519
 * signature>`, keyed by a `whsk_` private key; receivers need only the public
 * key (`whpk_`), so a leak on their side cannot forge webhooks.
 *
 * `hmac-sha256-hex`: `x-signature: <hex HMAC-SHA256 of the body>` keyed by the
 * secret string itself (RustBill-compatible).
 */
import { createHmac, createPrivateKey, createPublicKey, sign as signRaw, timingSafeEqual } from 'node:crypto';
import type { SignatureScheme } from './model.ts';

export const SECRET_PREFIX = 'whsec_';
/** Standard Webhooks asymmetric keys: `whsk_` (private seed) and `whpk_` (public key), base64. */
export const ED25519_SECRET_PREFIX = 'whsk_';
export const ED25519_PUBLIC_PREFIX = 'whpk_';

// PKCS#8 and SPKI prefixes of a raw 32-byte Ed25519 key (RFC 8410).
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');

function ed25519PrivateKey(secretKey: string) {
  const seed = Buffer.from(secretKey.slice(ED25519_SECRET_PREFIX.length), 'base64');
  if (seed.length !== 32) throw new Error('an Ed25519 signing key holds 32 bytes');
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
}

/** A new Ed25519 signing key from 32 random bytes. */
export const newEd25519Key = (seed: Uint8Array): string => ED25519_SECRET_PREFIX + Buffer.from(seed).toString('base64');

/** The public key (`whpk_…`) receivers verify `v1a` signatures with. */
export function ed25519PublicKey(secretKey: string): string {
  const spki = createPublicKey(ed25519PrivateKey(secretKey)).export({ format: 'der', type: 'spki' });
  return ED25519_PUBLIC_PREFIX + spki.subarray(spki.length - 32).toString('base64');
}

/** One Standard Webhooks `v1a` (Ed25519) signature over `<id>.<timestamp>.<body>`. */
export function signV1a(secretKey: string, msgId: string, timestampSec: number, body: string): string {
  return 'v1a,' + signRaw(null, Buffer.from(`${msgId}.${timestampSec}.${body}`), ed25519PrivateKey(secretKey)).toString('base64');
}

function secretKey(secret: string): Buffer {
  const raw = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Buffer.from(raw, 'base64');
}

/**
 * One Standard Webhooks v1 signature.
 *
 * @example
 * signV1('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')
 * // → 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
 */
export function signV1(secret: string, msgId: string, timestampSec: number, body: string): string {
  const mac = createHmac('sha256', secretKey(secret)).update(`${msgId}.${timestampSec}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** Hex HMAC-SHA256 of the body keyed by the secret string (`hmac-sha256-hex`). */
export function signHex(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** The signature headers for one request, for every active secret. */
export function signatureHeaders(
  scheme: SignatureScheme,
  secrets: readonly string[],
  msgId: string,
  timestampSec: number,
  body: string,
): Record<string, string> {
  if (secrets.length === 0) throw new Error('no signing secret');
  const headers: Record<string, string> = {
    'webhook-id': msgId,
    'webhook-timestamp': String(timestampSec),
  };
  if (scheme === 'hmac-sha256-hex') {
    headers['x-signature'] = signHex(secrets[0]!, body);
  } else if (scheme === 'standard-webhooks-ed25519') {
    headers['webhook-signature'] = secrets.map((s) => signV1a(s, msgId, timestampSec, body)).join(' ');
  } else {
    headers['webhook-signature'] = secrets.map((s) => signV1(s, msgId, timestampSec, body)).join(' ');
  }
  return headers;
}

/**
 * Verify a Standard Webhooks v1 header against a secret, in constant time per
 * candidate signature. Used by the CLI's `verify` and by tests; receivers
 * should use the official `standardwebhooks` library.
 */
export function verifyV1(secret: string, msgId: string, timestampSec: number, body: string, header: string): boolean {
  const expected = Buffer.from(signV1(secret, msgId, timestampSec, body));
  return header.split(' ').some((candidate) => {
    const got = Buffer.from(candidate);
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}
