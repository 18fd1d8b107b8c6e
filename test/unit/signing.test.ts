import { createHmac, createPublicKey, verify } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { ed25519PublicKey, newEd25519Key, signatureHeaders, signHex, signV1, signV1a, verifyV1 } from '../../lib/core/signing.ts';

// The Standard Webhooks specification's test vector.
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('signing', () => {
  it('matches the Standard Webhooks specification test vector', () => {
    expect(signV1(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
  });

  it('produces headers the official standardwebhooks library verifies', () => {
    // Arrange
    const secret = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
    const body = JSON.stringify({ id: 'evt_1', type: 'invoice.paid', createdAt: '2026-01-01T00:00:00.000Z', data: { amount: 4200 } });
    const now = Math.floor(Date.now() / 1000);
    // Act
    const headers = signatureHeaders('standard-webhooks', [secret], 'evt_1', now, body);
    // Assert
    expect(headers['webhook-id']).toBe('evt_1');
    expect(headers['webhook-timestamp']).toBe(String(now));
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('signs with every active secret, space-separated, and either verifies', () => {
    const a = 'whsec_' + Buffer.alloc(32, 1).toString('base64');
    const b = 'whsec_' + Buffer.alloc(32, 2).toString('base64');
    const now = Math.floor(Date.now() / 1000);
    const headers = signatureHeaders('standard-webhooks', [a, b], 'evt_2', now, '{}');
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(new Webhook(a).verify('{}', headers)).toEqual({});
    expect(new Webhook(b).verify('{}', headers)).toEqual({});
  });

  it('is rejected by the library when the body was tampered with', () => {
    const secret = 'whsec_' + Buffer.alloc(32, 3).toString('base64');
    const now = Math.floor(Date.now() / 1000);
    const headers = signatureHeaders('standard-webhooks', [secret], 'evt_3', now, '{"amount":1}');
    expect(() => new Webhook(secret).verify('{"amount":2}', headers)).toThrow();
  });

  it('hmac-sha256-hex signs the body with the secret string as key', () => {
    const secret = 'whsec_' + Buffer.alloc(32, 4).toString('base64');
    const headers = signatureHeaders('hmac-sha256-hex', [secret], 'evt_4', 1, '{"a":1}');
    const expected = createHmac('sha256', secret).update('{"a":1}').digest('hex');
    expect(headers['x-signature']).toBe(expected);
    expect(signHex(secret, '{"a":1}')).toBe(expected);
    expect(headers['webhook-signature']).toBeUndefined();
  });

  it('verifyV1 accepts the vector and rejects a wrong secret', () => {
    expect(verifyV1(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body, `v1,bogus ${VECTOR.signature}`)).toBe(true);
    expect(verifyV1('whsec_' + Buffer.alloc(24).toString('base64'), VECTOR.id, VECTOR.timestamp, VECTOR.body, VECTOR.signature)).toBe(false);
  });
});

describe('Ed25519 (v1a)', () => {
  const seed = new Uint8Array(32).fill(5);
  const key = newEd25519Key(seed);

  it('signs <id>.<timestamp>.<body> so that the public key alone verifies it', () => {
    // Arrange
    const pub = ed25519PublicKey(key);
    const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(pub.slice('whpk_'.length), 'base64')]);
    const publicKey = createPublicKey({ key: der, format: 'der', type: 'spki' });
    // Act
    const headers = signatureHeaders('standard-webhooks-ed25519', [key], 'evt_9', 1700000000, '{"a":1}');
    // Assert
    expect(pub).toMatch(/^whpk_[A-Za-z0-9+/]{43}=$/);
    const [version, sig] = headers['webhook-signature']!.split(',') as [string, string];
    expect(version).toBe('v1a');
    expect(verify(null, Buffer.from('evt_9.1700000000.{"a":1}'), publicKey, Buffer.from(sig, 'base64'))).toBe(true);
    expect(verify(null, Buffer.from('evt_9.1700000000.{"a":2}'), publicKey, Buffer.from(sig, 'base64'))).toBe(false);
  });

  it('is deterministic for a key and distinct across keys', () => {
    expect(signV1a(key, 'm', 1, 'b')).toBe(signV1a(key, 'm', 1, 'b'));
    expect(signV1a(newEd25519Key(new Uint8Array(32).fill(6)), 'm', 1, 'b')).not.toBe(signV1a(key, 'm', 1, 'b'));
  });
});

describe('timestamps', () => {
  it('the standardwebhooks library rejects a signature older than its tolerance', () => {
    const secret = 'whsec_' + Buffer.alloc(32, 8).toString('base64');
    const stale = Math.floor(Date.now() / 1000) - 10 * 60;
    const headers = signatureHeaders('standard-webhooks', [secret], 'evt_old', stale, '{}');
    expect(() => new Webhook(secret).verify('{}', headers)).toThrow(/too old/i);
  });
});
