/**
 * Secrets hygiene: run a full session against local mode with every log at
 * `info`, capture everything written to stdout and stderr, and search it for
 * each secret, key and portal session token (and its hash) used. None may
 * appear.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPortalToken } from '../../lib/app/portal-sessions.ts';
import { startLocal } from '../../lib/local/system.ts';
import { apiClient } from '../support/api-client.ts';
import { Receiver, waitFor } from '../support/receiver.ts';

describe('secrets hygiene (local mode, end to end)', () => {
  const captured: string[] = [];
  const originals = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  let local: Awaited<ReturnType<typeof startLocal>>;
  let receiver: Receiver;

  beforeAll(async () => {
    const tap = (original: typeof process.stdout.write) =>
      ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof process.stdout.write;
    process.stdout.write = tap(originals.out);
    process.stderr.write = tap(originals.err);
    receiver = await new Receiver().start();
    local = await startLocal({
      port: 0,
      env: { BILLHOOK_RETRY_SCHEDULE: '1', BILLHOOK_LOG_LEVEL: 'info' },
      log: (line) => captured.push(line),
      logError: (line) => captured.push(line),
    });
  }, 90_000);

  afterAll(async () => {
    await local?.stop();
    await receiver?.stop();
    process.stdout.write = originals.out;
    process.stderr.write = originals.err;
  });

  it('never writes a secret, key or credential header to any log', async () => {
    // Arrange: every kind of secret the system holds
    const admin = apiClient(local.apiUrl, local.adminKey);
    await admin.post('/v1/tenants', { name: 'Hygiene', id: 'ten_hyg' });
    const tenantKey = (await admin.post('/v1/tenants/ten_hyg/api-keys')).body.key as string;
    const tenant = apiClient(local.apiUrl, tenantKey);
    const chosenSecret = 'whsec_' + Buffer.alloc(32, 77).toString('base64');
    const headerCredential = 'Bearer receiver-credential-0b9f2c';
    const ep = (await tenant.post('/v1/tenants/ten_hyg/endpoints', { url: `${receiver.url}/h`, secret: chosenSecret, headers: { authorization: headerCredential } })).body;
    const rotated = (await tenant.post(`/v1/tenants/ten_hyg/endpoints/${ep.id}/secret/rotate`)).body.secret as string;
    const ed = (await tenant.post('/v1/tenants/ten_hyg/endpoints', { url: `${receiver.url}/ed`, signatureScheme: 'standard-webhooks-ed25519' })).body;
    receiver.script('/h', { status: 500, body: 'fail once' });

    // Act: deliveries (one failing, one retried), errors, bad keys, a revoked key
    const ev = await tenant.post('/v1/tenants/ten_hyg/events', { type: 'invoice.paid', data: { amount: 1 } });
    await waitFor('both endpoints, the first one twice', () => receiver.on('/h').length >= 2 && receiver.on('/ed').length >= 1);
    await apiClient(local.apiUrl, tenantKey + 'x').get('/v1/tenants/ten_hyg');
    await apiClient(local.apiUrl, local.adminKey.slice(0, -1)).get('/v1/tenants');
    await tenant.post('/v1/tenants/ten_hyg/endpoints', { url: 'https://10.0.0.1/', secret: chosenSecret });
    await tenant.get(`/v1/tenants/ten_hyg/deliveries?eventId=${ev.body.id}`);
    const keyId = (await admin.post('/v1/tenants/ten_hyg/api-keys')).body.id;
    await admin.delete(`/v1/tenants/ten_hyg/api-keys/${keyId}`);
    // Portal sessions: minted, used (allowed, refused for scope, other tenant), altered, revoked and used again fresh.
    await admin.post('/v1/tenants', { name: 'Other', id: 'ten_hyg2' });
    const sessions = [
      await admin.post('/v1/tenants/ten_hyg/portal-sessions', { scope: 'read' }),
      await admin.post('/v1/tenants/ten_hyg/portal-sessions', {}),
    ].map((r) => ({ id: r.body.id as string, token: new URL(r.body.url as string).hash.replace('#session=', '') }));
    for (const { token } of sessions) {
      const portal = apiClient(local.apiUrl, token);
      await portal.get('/v1/whoami');
      await portal.get('/v1/tenants/ten_hyg/endpoints');
      await portal.post('/v1/tenants/ten_hyg/api-keys');
      await portal.get(`/v1/tenants/ten_hyg/endpoints/${ep.id}/secret`);
      await portal.get('/v1/tenants/ten_hyg2/endpoints');
      await portal.post('/v1/tenants/ten_hyg/events', { type: 'invoice.paid', data: { via: 'portal' } });
      await apiClient(local.apiUrl, token.slice(0, -2)).get('/v1/whoami');
      await fetch(`${local.apiUrl}/portal/ten_hyg`);
    }
    await admin.get('/v1/tenants/ten_hyg/portal-sessions');
    await admin.delete(`/v1/tenants/ten_hyg/portal-sessions/${sessions[0]!.id}`);
    await apiClient(local.apiUrl, sessions[0]!.token).get('/v1/whoami');
    const sessionSecrets = Object.fromEntries(sessions.flatMap(({ token }, i) => [[`session${i}`, token], [`session${i}Hash`, hashPortalToken(token)]]));

    // Assert
    const text = captured.join('\n');
    expect(text.length).toBeGreaterThan(1000); // the logs were captured
    expect(text).toContain(ev.body.id); // and they do name the event
    for (const [what, secret] of Object.entries({ adminKey: local.adminKey, tenantKey, chosenSecret, rotated, headerCredential, ...sessionSecrets })) {
      expect(text.includes(secret), `${what} appears in the logs`).toBe(false);
    }
    expect(text).not.toMatch(/whsec_|whsk_|bh_tk_[A-Za-z0-9_-]{20}|bhps_[A-Za-z0-9_-]{10}/);
    // Only the tail of a session token is distinctive enough to search for on its own.
    for (const { token } of sessions) expect(text.includes(token.slice(-24)), 'a session token (its last 24 characters) appears in the logs').toBe(false);
    expect(text).toContain('/portal-sessions'); // the session requests were logged, by path
    expect(ed.id).toMatch(/^ep_/);
  });
});
