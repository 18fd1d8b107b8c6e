/**
 * Stats end to end on local mode: the real sender logs attempts to the logs
 * table in DynamoDB Local, its stream feeds the real stats handler through
 * the local stream poller, and the real api serves the charts and the
 * endpoint list's totals from the counters.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocal, STREAM_CHECKPOINTS_FILE } from '../../lib/local/system.ts';
import { apiClient } from '../support/api-client.ts';
import { Receiver, waitFor } from '../support/receiver.ts';

type Local = Awaited<ReturnType<typeof startLocal>>;
interface Bucket {
  start: string;
  succeeded: number;
  failed: number;
  exhausted: number;
  p50Ms: number | null;
  p95Ms: number | null;
}
const HOUR = 3_600_000;

describe('stats (local mode, end to end)', () => {
  let local: Local;
  let receiver: Receiver;
  let api: ReturnType<typeof apiClient>;
  const tenant = 'ten_stats_e2e';
  let ok: string;
  let bad: string;
  const events = 3;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    // Three attempts per delivery (1 s apart): the failing endpoint's deliveries fail twice, then are exhausted
    // (no circuit breaker, which would defer them after five failures in a row).
    local = await startLocal({ port: 0, env: { BILLHOOK_RETRY_SCHEDULE: '1,1', BILLHOOK_BREAKER_THRESHOLD: '0', BILLHOOK_LOG_LEVEL: 'error' }, dashboard: false });
    api = apiClient(local.apiUrl, local.adminKey);
    expect((await api.post('/v1/tenants', { name: 'Stats Inc', id: tenant })).status).toBe(201);
    ok = (await api.post(`/v1/tenants/${tenant}/endpoints`, { url: `${receiver.url}/ok`, eventTypes: ['invoice.*'] })).body.id;
    bad = (await api.post(`/v1/tenants/${tenant}/endpoints`, { url: `${receiver.url}/bad`, eventTypes: ['invoice.*'] })).body.id;
    receiver.behave('/bad', () => ({ status: 503, body: 'down' }));
    for (let i = 0; i < events; i++) expect((await api.post(`/v1/tenants/${tenant}/events`, { type: 'invoice.paid', data: { invoiceId: `inv_${i}` } })).status).toBe(202);
  }, 90_000);

  afterAll(async () => {
    await local?.stop();
    await receiver?.stop();
  });

  const totals = (data: Bucket[]) => data.reduce((t, b) => ({ succeeded: t.succeeded + b.succeeded, failed: t.failed + b.failed, exhausted: t.exhausted + b.exhausted }), { succeeded: 0, failed: 0, exhausted: 0 });

  it('counts each attempt by outcome in the tenant chart, every hour of the window present', async () => {
    // Act: poll until the last attempts (two retries, 1 s apart) are counted
    const chart = await waitFor(
      'the tenant chart to count every attempt',
      async () => {
        const res = await api.get(`/v1/tenants/${tenant}/stats`);
        const t = totals(res.body.data);
        return t.succeeded === events && t.failed === 2 * events && t.exhausted === events ? res.body : undefined;
      },
      30_000,
      100,
    );
    // Assert
    expect(chart.bucket).toBe('hour');
    const span = Date.parse(chart.until) - Date.parse(chart.since);
    expect(chart.data).toHaveLength(span / HOUR);
    expect(chart.data.map((b: Bucket) => b.start)).toEqual(chart.data.map((_: Bucket, i: number) => new Date(Date.parse(chart.since) + i * HOUR).toISOString()));
    const hit = chart.data.filter((b: Bucket) => b.succeeded + b.failed + b.exhausted > 0);
    expect(hit.length).toBeGreaterThanOrEqual(1);
    for (const b of hit) expect(b.p50Ms).toEqual(expect.any(Number));
    const empty = chart.data.find((b: Bucket) => b.succeeded + b.failed + b.exhausted === 0);
    expect(empty).toMatchObject({ p50Ms: null, p95Ms: null });
    // The counts agree with the receiver: every request it saw is one attempt.
    expect(receiver.on('/ok')).toHaveLength(events);
    expect(receiver.on('/bad')).toHaveLength(3 * events);
  });

  it("charts one endpoint's attempts, by hour and by day", async () => {
    const good = await api.get(`/v1/tenants/${tenant}/stats?endpointId=${ok}`);
    expect(totals(good.body.data)).toEqual({ succeeded: events, failed: 0, exhausted: 0 });
    const failing = await api.get(`/v1/tenants/${tenant}/stats?endpointId=${bad}&bucket=day`);
    expect(failing.body.bucket).toBe('day');
    expect(failing.body.data).toHaveLength(31);
    expect(failing.body.data.at(-1)).toMatchObject({ succeeded: 0, failed: 2 * events, exhausted: events, p50Ms: expect.any(Number), p95Ms: expect.any(Number) });
  });

  it("answers the whole endpoint list's totals in one request", async () => {
    const res = await api.get(`/v1/tenants/${tenant}/stats/endpoints`);
    expect(res.status).toBe(200);
    const byId = Object.fromEntries(res.body.data.map((e: { endpointId: string }) => [e.endpointId, e]));
    expect(Object.keys(byId).sort()).toEqual([ok, bad].sort());
    expect(byId[ok]).toMatchObject({ succeeded: events, failed: 0, exhausted: 0, p50Ms: expect.any(Number) });
    expect(byId[bad]).toMatchObject({ succeeded: 0, failed: 2 * events, exhausted: events });
    expect(Date.parse(res.body.until) - Date.parse(res.body.since)).toBe(25 * HOUR);
  });

  it("keeps GET …/endpoints/{id}/stats working from the counters", async () => {
    const res = await api.get(`/v1/tenants/${tenant}/endpoints/${bad}/stats`);
    expect(res.body).toMatchObject({ endpointId: bad, deliveries: 3 * events, succeeded: 0, inFlight: 2 * events, exhausted: events, successRate: 0, truncated: false });
    expect(res.body.recentStatusCodes).toEqual(Array(events).fill(503));
  });

  it('refuses bad windows and unknown endpoints, reading nothing', async () => {
    expect((await api.get(`/v1/tenants/${tenant}/stats?bucket=week`)).body.code).toBe('invalid_query');
    expect((await api.get(`/v1/tenants/${tenant}/stats?since=yesterday`)).status).toBe(400);
    const long = await api.get(`/v1/tenants/${tenant}/stats?since=2026-01-01T00:00:00Z&until=2026-01-09T00:00:00Z`);
    expect(long.status).toBe(400);
    expect(long.body.detail).toMatch(/7 days/);
    expect((await api.get(`/v1/tenants/${tenant}/stats?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z`)).status).toBe(400);
    expect((await api.get(`/v1/tenants/${tenant}/stats?endpointId=ep_unknown`)).status).toBe(404);
    expect((await api.get(`/v1/tenants/ten_nobody/stats`)).status).toBe(404);
    expect((await api.get(`/v1/tenants/${tenant}/stats/endpoints?since=2020-01-01T00:00:00Z`)).status).toBe(400);
  });
});

describe('stats across a restart of local mode (data folder)', () => {
  it('counts what was logged before the restart once, and what follows it', { timeout: 120_000 }, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'billhook-stats-restart-'));
    const receiver = await new Receiver().start();
    const tenant = 'ten_restart';
    const succeeded = async (api: ReturnType<typeof apiClient>) => ((await api.get(`/v1/tenants/${tenant}/stats`)).body.data as Bucket[]).reduce((n, b) => n + b.succeeded, 0);
    try {
      // Arrange: one delivery counted, then a stop
      let local = await startLocal({ port: 0, dataDir: dir, env: { BILLHOOK_LOG_LEVEL: 'error' }, dashboard: false });
      let api = apiClient(local.apiUrl, local.adminKey);
      await api.post('/v1/tenants', { name: 'Restart', id: tenant });
      await api.post(`/v1/tenants/${tenant}/endpoints`, { url: `${receiver.url}/ok`, eventTypes: ['invoice.*'] });
      await api.post(`/v1/tenants/${tenant}/events`, { type: 'invoice.paid', data: { n: 1 } });
      await waitFor('the first attempt counted', async () => (await succeeded(api)) === 1, 20_000);
      await local.stop();
      expect(Object.keys(JSON.parse(await readFile(path.join(dir, STREAM_CHECKPOINTS_FILE), 'utf8')) as object)).toHaveLength(1);
      // Act: the same data folder again, and one more delivery
      local = await startLocal({ port: 0, dataDir: dir, env: { BILLHOOK_LOG_LEVEL: 'error' }, dashboard: false });
      try {
        api = apiClient(local.apiUrl, local.adminKey);
        await api.post(`/v1/tenants/${tenant}/events`, { type: 'invoice.paid', data: { n: 2 } });
        await waitFor('the second delivery', () => receiver.on('/ok').length === 2);
        await local.drainStreams();
        // Assert: the stream kept both log writes; the first is not counted again
        expect(await succeeded(api)).toBe(2);
      } finally {
        await local.stop();
      }
    } finally {
      await receiver.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
