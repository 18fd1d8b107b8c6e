/**
 * The post-deploy smoke check (lib/smoke.ts, `npm run smoke`) against local
 * mode, which answers the same HTTP API a deployed stack does.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocal } from '../../lib/local/system.ts';
import { runSmoke } from '../../lib/smoke.ts';
import { apiClient } from '../support/api-client.ts';
import { Receiver } from '../support/receiver.ts';

type Local = Awaited<ReturnType<typeof startLocal>>;
const run = promisify(execFile);
const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

describe('smoke check (against local mode)', () => {
  let local: Local;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    local = await startLocal({ port: 0, dashboard: false, env: { BILLHOOK_LOG_LEVEL: 'error' } });
  }, 90_000);

  afterAll(async () => {
    await local?.stop();
    await receiver?.stop();
  });

  it('creates a tenant and an endpoint, sends an event, sees its attempt succeed and deletes the endpoint', async () => {
    // Act
    const result = await runSmoke({ url: `${local.apiUrl}/`, adminKey: local.adminKey, receiver: `${receiver.url}/smoke`, suffix: 'a1', pollMs: 100, timeoutMs: 20_000 });
    // Assert
    expect(result.ok, JSON.stringify(result.steps)).toBe(true);
    expect(result.steps.map((s) => s.step)).toEqual(['health', 'tenant', 'endpoint', 'event', 'attempt', 'cleanup']);
    expect(result.attempt).toMatchObject({ statusCode: 200 });
    expect(receiver.on('/smoke')).toHaveLength(1);
    expect(receiver.on('/smoke')[0]!.headers['webhook-id']).toBe(result.eventId);
    // Cleaned up: the tenant has no endpoint left.
    const api = apiClient(local.apiUrl, local.adminKey);
    expect((await api.get(`/v1/tenants/ten_smoke_a1/endpoints`)).body.data).toEqual([]);
  });

  it('fails on a receiver that does not answer 2xx, and still cleans up', async () => {
    // Arrange
    receiver.script('/broken', { status: 500, body: 'nope' });
    // Act
    const result = await runSmoke({ url: local.apiUrl, adminKey: local.adminKey, receiver: `${receiver.url}/broken`, suffix: 'b2', pollMs: 100, timeoutMs: 20_000 });
    // Assert
    expect(result.ok).toBe(false);
    expect(result.steps.find((s) => s.step === 'attempt')).toMatchObject({ ok: false, detail: expect.stringContaining('500') });
    expect(result.steps.at(-1)).toMatchObject({ step: 'cleanup', ok: true });
  });

  it('stops at the first failing step: a wrong admin key creates nothing', async () => {
    const result = await runSmoke({ url: local.apiUrl, adminKey: 'bh_admin_wrong_key_000000', receiver: `${receiver.url}/never`, suffix: 'c3' });
    expect(result.ok).toBe(false);
    expect(result.steps.map((s) => [s.step, s.ok])).toEqual([['health', true], ['tenant', false]]);
  });

  it('runs as npm run smoke and delivers one signed request', async () => {
    // Act
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bin/smoke.ts', '--url', local.apiUrl, '--admin-key', local.adminKey, '--receiver', `${receiver.url}/cli`, '--timeout', '30'], { cwd: REPO_ROOT });
    // Assert
    expect(stdout).toMatch(/smoke check passed/);
    const hit = receiver.on('/cli')[0]!;
    const api = apiClient(local.apiUrl, local.adminKey);
    const tenants = (await api.get('/v1/tenants')).body.data as { id: string }[];
    expect(tenants.some((t) => t.id.startsWith('ten_smoke_'))).toBe(true);
    expect(hit.headers['webhook-signature']).toMatch(/^v1,/);
  });

  it('refuses to run without its arguments (exit 2)', async () => {
    await expect(run(process.execPath, ['--import', 'tsx', 'bin/smoke.ts', '--url', local.apiUrl], { cwd: REPO_ROOT, env: { ...process.env, BILLHOOK_ADMIN_KEY: '' } })).rejects.toMatchObject({ code: 2 });
  });
});
