/**
 * Run what ships: the Lambda bundles, built with the stack's own bundling
 * settings (lib/bundles.ts, lib/infra/bundling.ts), driven by local mode's
 * API Gateway shim, SQS pollers and Scheduler emulator. The bundles are built
 * outside the repository, so any module they would resolve at run time
 * instead of carrying (as Lambda has no node_modules beside them) fails here.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLambdas, LAMBDA_FUNCTIONS, type BuiltLambda } from '../../lib/bundles.ts';
import { startLocal } from '../../lib/local/system.ts';
import { apiClient } from '../support/api-client.ts';
import { Receiver, waitFor } from '../support/receiver.ts';

type Local = Awaited<ReturnType<typeof startLocal>>;

describe('bundles (local mode on dist/<fn>/index.mjs, end to end)', () => {
  let outDir: string;
  let built: BuiltLambda[];
  let local: Local;
  let receiver: Receiver;
  let api: ReturnType<typeof apiClient>;
  const tenant = 'ten_bundles';
  const secrets = new Map<string, string>();

  beforeAll(async () => {
    outDir = await mkdtemp(path.join(tmpdir(), 'billhook-bundles-'));
    built = await buildLambdas({ outDir, dashboard: true });
    receiver = await new Receiver().start();
    local = await startLocal({
      port: 0,
      bundlesDir: outDir,
      // Retries 2 s apart, SQS delays capped at 1 s: every retry goes through the Scheduler emulator.
      // Fan-out above 2 matching endpoints.
      env: { BILLHOOK_RETRY_SCHEDULE: '2', BILLHOOK_MAX_SQS_DELAY: '1', BILLHOOK_FANOUT_THRESHOLD: '2', BILLHOOK_LOG_LEVEL: 'error' },
    });
    api = apiClient(local.apiUrl, local.adminKey);
  }, 120_000);

  afterAll(async () => {
    await local?.stop();
    await receiver?.stop();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  const endpoint = async (name: string, eventTypes: string[]) => {
    const res = await api.post(`/v1/tenants/${tenant}/endpoints`, { url: `${receiver.url}/${name}`, eventTypes });
    expect(res.status).toBe(201);
    secrets.set(`/${name}`, (await api.get(`/v1/tenants/${tenant}/endpoints/${res.body.id}/secret`)).body.secret);
    return res.body.id as string;
  };

  /** Every request to `p`, its signature verified as a receiver would, parsed. */
  const verified = (p: string) =>
    receiver.on(p).map((hit) => new Webhook(secrets.get(p)!).verify(hit.body, hit.headers as Record<string, string>) as { id: string; type: string; data: unknown });

  it('carries every module it needs: only Node built-ins are imported at run time', async () => {
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    for (const b of built) {
      const code = await readFile(b.file, 'utf8');
      // `[require("…")]` and `[import "…"]` are advice inside the SDK's error messages (optional SigV4a signers), not code.
      const specifiers = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|(?<!\[)\bimport\s+)["']([^"']+)["']/g), ...code.matchAll(/(?<!\[)\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]!);
      expect(specifiers.filter((s) => !builtins.has(s)), b.name).toEqual([]);
    }
    expect(built.map((b) => b.name)).toEqual([...LAMBDA_FUNCTIONS]);
  });

  it('checks event data against a stored JSON Schema in the shipped ingest bundle (before its first event, so its catalogue cache is fresh)', async () => {
    // Arrange: a definition through the api bundle, on a tenant of its own
    expect((await api.post('/v1/tenants', { name: 'Schemas Ltd', id: 'ten_bundles_schema' })).status).toBe(201);
    const schema = { type: 'object', required: ['walletId'], properties: { walletId: { type: 'string', pattern: '^wal_' } } };
    const put = await api.call('PUT', '/v1/event-types/bundle.checked', { description: 'Checked by the bundle.', schema, example: { walletId: 'wal_1' } });
    const invalid = await api.call('PUT', '/v1/event-types/bundle.broken', { description: 'x', schema: { type: 'strng' } });
    // Act
    const refused = await api.post('/v1/tenants/ten_bundles_schema/events', { type: 'bundle.checked', data: { walletId: 'w1' } });
    const accepted = await api.post('/v1/tenants/ten_bundles_schema/events', { type: 'bundle.checked', data: { walletId: 'wal_1' } });
    // Assert
    expect(put.status).toBe(200);
    expect([invalid.status, invalid.body.code]).toEqual([422, 'invalid_schema']);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'schema_mismatch', errors: [{ path: 'data.walletId', message: 'String does not match pattern.' }] });
    expect(accepted.status).toBe(202);
  });

  it('creates a tenant and endpoints, ingests one event and a batch, and delivers them signed', async () => {
    // Arrange
    expect((await api.post('/v1/tenants', { name: 'Bundles Ltd', id: tenant })).status).toBe(201);
    await endpoint('invoices', ['invoice.*']);
    // Act
    const one = await api.post(`/v1/tenants/${tenant}/events`, { type: 'invoice.paid', data: { invoiceId: 'inv_1', amount: 4200 } }, { 'idempotency-key': 'inv_1' });
    const batch = await api.post(`/v1/tenants/${tenant}/events/batch`, {
      events: [
        { type: 'invoice.created', data: { invoiceId: 'inv_2' } },
        { type: 'invoice.finalized', data: { invoiceId: 'inv_2' } },
      ],
    });
    // Assert
    expect(one.status).toBe(202);
    expect(batch.status).toBe(202);
    expect(batch.body.data).toHaveLength(2);
    const ids = [one.body.id, ...batch.body.data.map((e: { id: string }) => e.id)];
    await waitFor('three signed deliveries', () => receiver.on('/invoices').length >= 3);
    const got = verified('/invoices');
    expect(new Set(got.map((p) => p.id))).toEqual(new Set(ids));
    expect(got.find((p) => p.id === one.body.id)).toEqual({ id: one.body.id, type: 'invoice.paid', createdAt: one.body.createdAt, data: { invoiceId: 'inv_1', amount: 4200 } });
  });

  it('retries a failed delivery through the Scheduler emulator, with the same webhook-id', async () => {
    // Arrange
    await endpoint('flaky', ['subscription.*']);
    receiver.script('/flaky', { status: 503, body: 'down for a moment' });
    const before = { ...local.schedulerStats };
    // Act
    const sent = await api.post(`/v1/tenants/${tenant}/events`, { type: 'subscription.suspended', data: { subscriptionId: 'sub_1' } });
    // Assert
    await waitFor('the retry', () => receiver.on('/flaky').length >= 2, 30_000);
    expect(receiver.on('/flaky').map((h) => h.headers['webhook-id'])).toEqual([sent.body.id, sent.body.id]);
    expect(verified('/flaky')).toHaveLength(2);
    expect(local.schedulerStats.created).toBeGreaterThan(before.created);
    expect(local.schedulerStats.fired).toBeGreaterThan(before.fired);
    const deliveries = await waitFor('a succeeded delivery of two attempts', async () => {
      const list = (await api.get(`/v1/tenants/${tenant}/deliveries?eventId=${sent.body.id}`)).body.data as { id: string; status: string }[];
      return list.length === 1 && list[0]!.status === 'succeeded' ? list : undefined;
    });
    const detail = await api.get(`/v1/tenants/${tenant}/deliveries/${deliveries[0]!.id}`);
    expect(detail.body.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([503, 200]);
  });

  it('hands a wide event to the fan-out function, which reaches every endpoint', async () => {
    // Arrange: three endpoints match, above the threshold of 2
    for (const name of ['c1', 'c2', 'c3']) await endpoint(name, ['customer.*']);
    // Act
    const created = await api.post(`/v1/tenants/${tenant}/events`, { type: 'customer.created', data: { customerId: 'cus_1' } });
    // Assert
    expect(created.body.deliveries).toBe(3);
    await waitFor('three fanned-out deliveries', () => ['/c1', '/c2', '/c3'].every((p) => receiver.on(p).length >= 1));
    for (const p of ['/c1', '/c2', '/c3']) expect(verified(p).map((e) => e.id)).toEqual([created.body.id]);
  });

  it('counts every attempt in the stats, through the stats bundle on the logs stream', async () => {
    // The deliveries above: 3 invoices, the flaky one's 503 and its retry, 3 fanned out.
    const totals = await waitFor('every attempt counted', async () => {
      const data = (await api.get(`/v1/tenants/${tenant}/stats/endpoints`)).body.data as { succeeded: number; failed: number }[];
      const sum = data.reduce((t, e) => ({ succeeded: t.succeeded + e.succeeded, failed: t.failed + e.failed }), { succeeded: 0, failed: 0 });
      return sum.succeeded === 7 && sum.failed === 1 ? sum : undefined;
    });
    expect(totals).toEqual({ succeeded: 7, failed: 1 });
  });

  it('serves the dashboard built beside the api bundle, with its assets', async () => {
    // Act
    const page = await fetch(`${local.apiUrl}/dashboard`);
    const html = await page.text();
    // Assert
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const assets = [...html.matchAll(/(?:src|href)="(\/dashboard\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
    for (const a of assets) {
      const res = await fetch(`${local.apiUrl}${a}`);
      expect(res.status, a).toBe(200);
      expect((await res.arrayBuffer()).byteLength, a).toBeGreaterThan(100);
    }
  });
});
