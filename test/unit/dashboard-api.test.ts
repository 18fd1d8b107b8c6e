import { describe, expect, it } from 'vitest';
import type { AttemptRecord } from '../../lib/ports.ts';
import { ADMIN_KEY, inProcessApi } from '../support/in-process-api.ts';

/** An endpoint of ten_acme and a way to log attempts against it without a sender. */
async function setup() {
  const api = inProcessApi();
  await api.call('POST', '/v1/tenants', { key: ADMIN_KEY, body: { id: 'ten_acme', name: 'Acme' } });
  const ep = (await api.call('POST', '/v1/tenants/ten_acme/endpoints', { key: ADMIN_KEY, body: { url: 'https://hooks.example.com/in' } })).body;
  const now = api.deps.clock.now();
  const log = (id: string, minutesAgo: number, status: AttemptRecord['status'], statusCode: number | undefined, eventType = 'invoice.paid') =>
    api.deps.deliveries.recordAttempt({
      delivery: { id, tenantId: 'ten_acme', eventId: `evt_${id.slice(4)}`, endpointId: ep.id, eventType, createdAt: new Date(now - minutesAgo * 60_000).toISOString() },
      attempt: { attempt: 1, at: new Date(now - minutesAgo * 60_000).toISOString(), trigger: 'scheduled', ...(statusCode === undefined ? {} : { statusCode }), durationMs: 5 },
      key: 's0.1',
      status,
    });
  return { api, ep, log };
}

describe('API routes the dashboard needs', () => {
  it('whoami tells an admin key from a tenant key, and rejects no key', async () => {
    const { api } = await setup();
    const key = (await api.call('POST', '/v1/tenants/ten_acme/api-keys', { key: ADMIN_KEY })).body.key;
    expect((await api.call('GET', '/v1/whoami', { key: ADMIN_KEY })).body).toEqual({ kind: 'admin' });
    expect((await api.call('GET', '/v1/whoami', { key })).body).toMatchObject({ kind: 'tenant', tenantId: 'ten_acme', keyId: expect.stringMatching(/^key_/) });
    expect((await api.call('GET', '/v1/whoami')).status).toBe(401);
  });

  it('endpoint stats count the last 24 h: success rate over finished attempts and the newest status codes', async () => {
    const { api, ep, log } = await setup();
    await log('dlv_old', 25 * 60, 'exhausted', 500); // outside the window
    await log('dlv_a', 50, 'succeeded', 200);
    await log('dlv_b', 40, 'failed', 503);
    await log('dlv_c', 30, 'exhausted', undefined);
    await log('dlv_d', 20, 'succeeded', 204);
    const res = await api.call('GET', `/v1/tenants/ten_acme/endpoints/${ep.id}/stats`, { key: ADMIN_KEY });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ endpointId: ep.id, deliveries: 4, succeeded: 2, exhausted: 1, inFlight: 1, successRate: 0.5, recentStatusCodes: [204, 0, 503, 200], truncated: false });
  });

  it('endpoint stats with nothing delivered say so with a null rate', async () => {
    const { api, ep } = await setup();
    const res = await api.call('GET', `/v1/tenants/ten_acme/endpoints/${ep.id}/stats`, { key: ADMIN_KEY });
    expect(res.body).toMatchObject({ deliveries: 0, successRate: null, recentStatusCodes: [] });
  });

  it('endpoint stats of an unknown endpoint or with a bad window are problems', async () => {
    const { api } = await setup();
    expect((await api.call('GET', '/v1/tenants/ten_acme/endpoints/ep_00000000000000000000000000/stats', { key: ADMIN_KEY })).status).toBe(404);
    const { api: api2, ep } = await setup();
    const bad = await api2.call('GET', `/v1/tenants/ten_acme/endpoints/${ep.id}/stats?since=yesterday`, { key: ADMIN_KEY });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_query');
  });

  it('deliveries filter by event type and time window', async () => {
    const { api, log } = await setup();
    await log('dlv_a', 50, 'succeeded', 200, 'invoice.paid');
    await log('dlv_b', 40, 'failed', 503, 'invoice.created');
    await log('dlv_c', 10, 'succeeded', 200, 'invoice.created');
    const ids = async (q: string) => (await api.call('GET', `/v1/tenants/ten_acme/deliveries?${q}`, { key: ADMIN_KEY })).body.data.map((d: { id: string }) => d.id);
    const now = api.deps.clock.now();
    expect(await ids('eventType=invoice.created')).toEqual(['dlv_c', 'dlv_b']);
    expect(await ids(`since=${new Date(now - 45 * 60_000).toISOString()}&until=${new Date(now - 20 * 60_000).toISOString()}`)).toEqual(['dlv_b']);
    expect(await ids(`eventType=invoice.created&status=failed`)).toEqual(['dlv_b']);
    expect((await api.call('GET', '/v1/tenants/ten_acme/deliveries?until=soon', { key: ADMIN_KEY })).status).toBe(400);
  });
});
