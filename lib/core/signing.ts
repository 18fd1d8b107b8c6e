/**
 * Webhook signatures.
 *
 * Standard Webhooks v1: `webhook-signature: v1,<base64 HMAC-SHA256>` over
 * `<webhook-id>.<webhook-timestamp>.<body>`, keyed by the base64-decoded part
 * of the `whsec_` secret. Several secrets (during rotation) give several
 * space-separated signatures.
 *
 * `hmac-sha256-hex`: `x-signature: <hex HMAC-SHA256 of the body>` keyed by the
 * secret string itself (RustBill-compatible).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SignatureScheme } from './model.ts';

export const SECRET_PREFIX = 'whsec_';

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
