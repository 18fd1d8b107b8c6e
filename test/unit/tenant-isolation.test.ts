/**
 * Tenant isolation, route by route: tenant B's key, aimed at tenant A's
 * resources (and at its own routes with A's ids and cursors), must see no
 * data and change nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, inProcessApi } from '../support/in-process-api.ts';

const api = inProcessApi();
const ids = { epA: '', evtA: '', dlvA: '', keyA: '', keyB: '', cursorA: { endpoints: '', events: '', deliveries: '' } };
let keyB = '';

beforeAll(async () => {
  const admin = { key: ADMIN_KEY };
  await api.call('POST', '/v1/tenants', { ...admin, body: { name: 'A', id: 'ten_a' } });
  await api.call('POST', '/v1/tenants', { ...admin, body: { name: 'B', id: 'ten_b' } });
  for (let i = 0; i < 2; i++) {
    const ep = await api.call('POST', '/v1/tenants/ten_a/endpoints', { ...admin, body: { url: 'https://a.example/hook' } });
    ids.epA ||= ep.body.id;
  }
  for (let i = 0; i < 2; i++) {
    const ev = await api.call('POST', '/v1/tenants/ten_a/events', { ...admin, body: { type: 'invoice.paid', data: { secretOfA: true } } });
    ids.evtA ||= ev.body.id;
  }
  // A delivery of A's event, as the sender would have logged it.
  const m = api.deps.queue.sent[0]!.message;
  ids.dlvA = m.deliveryId;
  await api.deps.deliveries.recordAttempt({
    delivery: { id: m.deliveryId, tenantId: 'ten_a', eventId: m.event.id, endpointId: m.endpointId, eventType: m.event.type, createdAt: m.createdAt },
    attempt: { attempt: 1, at: m.createdAt, trigger: 'scheduled', statusCode: 200, durationMs: 1 },
    key: 's0.1',
    status: 'succeeded',
  });
  await api.deps.deliveries.recordAttempt({
    delivery: { id: 'dlv_second', tenantId: 'ten_a', eventId: m.event.id, endpointId: m.endpointId, eventType: m.event.type, createdAt: m.createdAt },
    attempt: { attempt: 1, at: m.createdAt, trigger: 'scheduled', statusCode: 200, durationMs: 1 },
    key: 's0.1',
    status: 'succeeded',
  });
  ids.keyA = (await api.call('POST', '/v1/tenants/ten_a/api-keys', admin)).body.id;
  const b = (await api.call('POST', '/v1/tenants/ten_b/api-keys', admin)).body;
  keyB = b.key;
  ids.keyB = b.id;
  // Cursors issued to A (page size 1 so there is a next page).
  ids.cursorA.endpoints = (await api.call('GET', '/v1/tenants/ten_a/endpoints?limit=1', admin)).body.nextCursor;
  ids.cursorA.events = (await api.call('GET', '/v1/tenants/ten_a/events?limit=1', admin)).body.nextCursor;
  ids.cursorA.deliveries = (await api.call('GET', '/v1/tenants/ten_a/deliveries?limit=1', admin)).body.nextCursor;
});

const snapshot = api.snapshot;

describe('tenant isolation', () => {
  it('precondition: the fixture has data and cursors for tenant A', () => {
    expect(ids.epA).toMatch(/^ep_/);
    expect(ids.evtA).toMatch(/^evt_/);
    expect(Object.values(ids.cursorA).every(Boolean)).toBe(true);
  });

  const aRoutes = (): [string, string, unknown?][] => [
    ['GET', '/v1/tenants/ten_a'],
    ['POST', '/v1/tenants/ten_a/api-keys'],
    ['GET', '/v1/tenants/ten_a/api-keys'],
    ['DELETE', `/v1/tenants/ten_a/api-keys/${ids.keyA}`],
    ['POST', '/v1/tenants/ten_a/endpoints', { url: 'https://evil.example/' }],
    ['GET', '/v1/tenants/ten_a/endpoints'],
    ['GET', `/v1/tenants/ten_a/endpoints/${ids.epA}`],
    ['PATCH', `/v1/tenants/ten_a/endpoints/${ids.epA}`, { url: 'https://evil.example/' }],
    ['DELETE', `/v1/tenants/ten_a/endpoints/${ids.epA}`],
    ['GET', `/v1/tenants/ten_a/endpoints/${ids.epA}/stats`],
    ['GET', `/v1/tenants/ten_a/endpoints/${ids.epA}/secret`],
    ['GET', `/v1/tenants/ten_a/endpoints/${ids.epA}/public-key`],
    ['POST', `/v1/tenants/ten_a/endpoints/${ids.epA}/secret/rotate`, {}],
    ['POST', `/v1/tenants/ten_a/endpoints/${ids.epA}/test`, {}],
    ['POST', `/v1/tenants/ten_a/endpoints/${ids.epA}/recover`, { since: '2020-01-01T00:00:00Z' }],
    ['POST', '/v1/tenants/ten_a/events', { type: 'invoice.paid', data: {} }],
    ['POST', '/v1/tenants/ten_a/events/batch', { events: [{ type: 'invoice.paid', data: {} }] }],
    ['GET', '/v1/tenants/ten_a/events'],
    ['GET', `/v1/tenants/ten_a/events/${ids.evtA}`],
    ['GET', '/v1/tenants/ten_a/deliveries'],
    ['GET', `/v1/tenants/ten_a/deliveries/${ids.dlvA}`],
    ['POST', `/v1/tenants/ten_a/deliveries/${ids.dlvA}/retry`],
    ['GET', '/v1/tenants/ten_a/stats'],
    ['GET', '/v1/tenants/ten_a/stats/endpoints'],
    // Admin routes under the tenant: 403 to any tenant key, whichever tenant (nothing to learn).
    ['PATCH', '/v1/tenants/ten_a', { name: 'Evil' }],
    ['POST', '/v1/tenants/ten_a/portal-sessions', {}],
    ['GET', '/v1/tenants/ten_a/portal-sessions'],
    ['DELETE', '/v1/tenants/ten_a/portal-sessions/ps_x'],
  ];

  it("answers 404 on every route of another tenant (403 on its admin routes), with no data and no change", async () => {
    const routes = aRoutes();
    // Every tenant-scoped route of the API is in the table.
    const tenantRoutes = api.router.routes.filter((r) => r.def.path.startsWith('/v1/tenants/{tenantId}'));
    expect(routes.length).toBe(tenantRoutes.length);
    const before = snapshot();
    for (const [method, path, body] of routes) {
      const res = await api.call(method, path, { key: keyB, ...(body === undefined ? {} : { body }) });
      const expected = api.router.match(method, path).route.def.auth === 'admin' ? 403 : 404;
      expect([method, path, res.status]).toEqual([method, path, expected]);
      expect(JSON.stringify(res.body)).not.toContain('secretOfA');
    }
    expect(snapshot()).toBe(before);
  });

  it("finds nothing of A's through B's own routes with A's ids", async () => {
    const before = snapshot();
    for (const path of [
      `/v1/tenants/ten_b/endpoints/${ids.epA}`,
      `/v1/tenants/ten_b/endpoints/${ids.epA}/secret`,
      `/v1/tenants/ten_b/events/${ids.evtA}`,
      `/v1/tenants/ten_b/deliveries/${ids.dlvA}`,
      `/v1/tenants/ten_b/stats?endpointId=${ids.epA}`,
    ]) {
      expect((await api.call('GET', path, { key: keyB })).status).toBe(404);
    }
    expect((await api.call('DELETE', `/v1/tenants/ten_b/endpoints/${ids.epA}`, { key: keyB })).status).toBe(404);
    expect((await api.call('DELETE', `/v1/tenants/ten_b/api-keys/${ids.keyA}`, { key: keyB })).status).toBe(404);
    expect((await api.call('POST', `/v1/tenants/ten_b/deliveries/${ids.dlvA}/retry`, { key: keyB })).status).toBe(404);
    expect((await api.call('POST', `/v1/tenants/ten_b/endpoints/${ids.epA}/recover`, { key: keyB, body: { since: '2020-01-01T00:00:00Z' } })).status).toBe(404);
    for (const filter of [`eventId=${ids.evtA}`, `endpointId=${ids.epA}`]) {
      const res = await api.call('GET', `/v1/tenants/ten_b/deliveries?${filter}`, { key: keyB });
      expect(res.body.data).toEqual([]);
    }
    expect(JSON.stringify((await api.call('GET', '/v1/tenants/ten_b/stats/endpoints', { key: keyB })).body.data)).not.toContain(ids.epA);
    expect(snapshot()).toBe(before);
  });

  it("rejects A's cursors on B's lists", async () => {
    for (const [list, cursor] of Object.entries(ids.cursorA)) {
      const res = await api.call('GET', `/v1/tenants/ten_b/${list}?cursor=${encodeURIComponent(cursor)}`, { key: keyB });
      expect([list, res.status, res.body.code]).toEqual([list, 400, 'invalid_cursor']);
    }
  });

  it('keeps admin-only routes from tenant keys', async () => {
    expect((await api.call('GET', '/v1/tenants', { key: keyB })).status).toBe(403);
    expect((await api.call('POST', '/v1/tenants', { key: keyB, body: { name: 'x' } })).status).toBe(403);
    expect((await api.call('GET', '/v1/dlq', { key: keyB })).status).toBe(403);
    expect((await api.call('POST', '/v1/dlq/redrive', { key: keyB, body: {} })).status).toBe(403);
  });

  it('lets a tenant key use its own tenant', async () => {
    expect((await api.call('GET', '/v1/tenants/ten_b', { key: keyB })).status).toBe(200);
    expect((await api.call('GET', '/v1/tenants/ten_b/endpoints', { key: keyB })).body.data).toEqual([]);
    expect((await api.call('GET', '/v1/event-types', { key: keyB })).status).toBe(200);
  });
});
