/** The CLI against local mode: commands, JSON output, exit codes, progress, and signature verification. */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, parseSince, runCli } from '../../lib/cli/main.ts';
import { startLocal } from '../../lib/local/system.ts';
import { REPO_ROOT } from '../../lib/infra/webhook-delivery.ts';
import { Receiver, waitFor } from '../support/receiver.ts';

describe('billhook CLI', () => {
  let local: Awaited<ReturnType<typeof startLocal>>;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    local = await startLocal({ port: 0, env: { BILLHOOK_RETRY_SCHEDULE: '1', BILLHOOK_LOG_LEVEL: 'error', BILLHOOK_BREAKER_THRESHOLD: '0', BILLHOOK_DISABLE_AFTER_EXHAUSTED: '0' } });
  }, 90_000);

  afterAll(async () => {
    await local?.stop();
    await receiver?.stop();
  });

  async function cli(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli([...argv, '--url', local.apiUrl, '--key', local.adminKey], { out: (s) => out.push(s), err: (s) => err.push(s), env: {}, cwd: '/nonexistent', sleep: async () => {} });
    return { code, out: out.join('\n'), err: err.join('\n'), json: () => JSON.parse(out.join('\n')) };
  }

  it('creates a tenant and an endpoint, sends an event, and shows the delivery with its attempts', async () => {
    // Act + Assert, step by step as a user would
    expect((await cli('tenants', 'create', 'CLI Corp', '--id', 'ten_cli')).code).toBe(EXIT.ok);
    const ep = await cli('endpoints', 'create', 'ten_cli', `${receiver.url}/cli`, '--types', 'invoice.*', '--json');
    expect(ep.code).toBe(EXIT.ok);
    expect(ep.json()).toMatchObject({ url: `${receiver.url}/cli`, eventTypes: ['invoice.*'], status: 'enabled' });
    const sent = await cli('events', 'send', 'ten_cli', 'invoice.paid', '--data', '{"invoiceId":"inv_9"}', '--idempotency-key', 'k9', '--json');
    expect(sent.json()).toMatchObject({ type: 'invoice.paid', deliveries: 1 });
    await waitFor('delivered', () => receiver.on('/cli').length === 1);
    const list = await waitFor('logged', async () => {
      const r = await cli('deliveries', 'list', 'ten_cli', '--json');
      return r.json().data.length === 1 ? r.json().data : undefined;
    });
    const shown = await cli('deliveries', 'show', 'ten_cli', list[0].id);
    expect(shown.out).toMatch(/^id\s+status\s+lastStatusCode/m);
    expect(shown.out).toMatch(/succeeded/);
    expect(shown.out).toMatch(/^#\s+at\s+trigger\s+status\s+ms/m);
    const human = await cli('endpoints', 'list', 'ten_cli');
    expect(human.out.split('\n')[0]).toMatch(/^id\s+status\s+url\s+eventTypes/);
  });

  it('exits 1 with the problem for an API error, 2 for a usage error, 3 when the server is unreachable', async () => {
    const notFound = await cli('tenants', 'get', 'ten_nobody');
    expect(notFound.code).toBe(EXIT.api);
    expect(notFound.err).toMatch(/^error: Not Found \(not_found\): tenant ten_nobody not found/);
    const invalid = await cli('endpoints', 'create', 'ten_cli', 'https://x.example', '--types', 'nope.nope');
    expect(invalid.code).toBe(EXIT.api);
    expect(invalid.err).toMatch(/eventTypes\.0: unknown event type/);
    expect((await cli('frobnicate')).code).toBe(EXIT.usage);
    expect((await cli('endpoints', 'create', 'ten_cli')).err).toMatch(/missing <tenant> <endpoint-url>/);
    const out: string[] = [];
    const down = await runCli(['tenants', 'list', '--url', 'http://127.0.0.1:1', '--key', 'k'], { out: () => {}, err: (s) => out.push(s), env: {}, cwd: '/' });
    expect(down).toBe(EXIT.unreachable);
    expect(out.join()).toMatch(/cannot reach http:\/\/127\.0\.0\.1:1/);
  });

  it('recovers with progress, redrives the DLQ, and tails deliveries', async () => {
    // Arrange: an exhausted delivery (schedule '1' = two attempts)
    await cli('tenants', 'create', 'Rec', '--id', 'ten_rec');
    const ep = (await cli('endpoints', 'create', 'ten_rec', `${receiver.url}/rec`, '--json')).json();
    receiver.script('/rec', { status: 500 }, { status: 500 });
    await cli('events', 'send', 'ten_rec', 'invoice.paid');
    await waitFor('exhausted', async () => (await cli('deliveries', 'list', 'ten_rec', '--status', 'exhausted', '--json')).json().data.length === 1);
    // Act
    const rec = await cli('recover', 'ten_rec', ep.id, '--since', '1h');
    const tail = await cli('tail', 'ten_rec', '--rounds', '1');
    const redrive = await cli('dlq', 'redrive', '--max', '10', '--json');
    // Assert
    expect(rec.code).toBe(EXIT.ok);
    expect(rec.err).toMatch(/recover: queued \[#+\] 1\/1/);
    expect(rec.out).toBe('queued 1 deliveries');
    expect(tail.out).toMatch(/exhausted|succeeded/);
    expect(redrive.code).toBe(EXIT.ok);
    expect(redrive.json()).toMatchObject({ moved: expect.any(Number), failed: 0 });
    await waitFor('recovered', async () => (await cli('deliveries', 'list', 'ten_rec', '--status', 'succeeded', '--json')).json().data.length === 1);
  });

  it('follows a long recover with a progress bar until every failure is delivered', async () => {
    // Arrange: 30 exhausted deliveries on one endpoint
    await cli('tenants', 'create', 'Long', '--id', 'ten_long');
    const ep = (await cli('endpoints', 'create', 'ten_long', `${receiver.url}/long`, '--json')).json();
    receiver.script('/long', ...Array.from({ length: 60 }, () => ({ status: 500 })));
    for (let i = 0; i < 30; i++) await cli('events', 'send', 'ten_long', 'invoice.paid', '--data', `{"n":${i}}`);
    await waitFor('30 exhausted', async () => (await cli('deliveries', 'list', 'ten_long', '--status', 'exhausted', '--limit', '250', '--json')).json().data.length === 30, 30_000);
    // Act
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['recover', 'ten_long', ep.id, '--since', '1h', '--wait', '--timeout', '30', '--url', local.apiUrl, '--key', local.adminKey], { out: (s) => out.push(s), err: (s) => err.push(s), env: {}, cwd: '/' });
    // Assert
    expect(code).toBe(EXIT.ok);
    expect(err[0]).toBe('recover: queued [####################] 30/30');
    expect(err.at(-1)).toBe('recover: delivered [####################] 30/30');
    expect(out.join()).toBe('queued 30; 0 still failed or exhausted');
  }, 60_000);

  it('verifies a captured webhook: valid, tampered, stale', async () => {
    // Arrange: a real signed request captured by the receiver
    await cli('tenants', 'create', 'Ver', '--id', 'ten_ver');
    const ep = (await cli('endpoints', 'create', 'ten_ver', `${receiver.url}/ver`, '--json')).json();
    const secret = (await cli('endpoints', 'secret', 'ten_ver', ep.id)).out;
    await cli('endpoints', 'test', 'ten_ver', ep.id);
    const hit = await waitFor('test webhook', () => receiver.on('/ver')[0]);
    const headers = JSON.stringify({ 'webhook-id': hit.headers['webhook-id'], 'webhook-timestamp': hit.headers['webhook-timestamp'], 'webhook-signature': hit.headers['webhook-signature'] });
    // Act + Assert
    const ok = await cli('verify', '--secret', secret, '--headers', headers, '--body', hit.body);
    expect([ok.code, ok.out]).toEqual([EXIT.ok, expect.stringMatching(/^valid: v1 \(HMAC-SHA256\)/)]);
    const tampered = await cli('verify', '--secret', secret, '--headers', headers, '--body', hit.body.replace('true', 'false'));
    expect([tampered.code, tampered.out]).toEqual([EXIT.api, 'INVALID: no v1 signature matches the secret']);
    const old = JSON.stringify({ ...JSON.parse(headers), 'webhook-timestamp': String(Number(hit.headers['webhook-timestamp']) - 600) });
    const stale = await cli('verify', '--secret', secret, '--headers', old, '--body', hit.body);
    expect([stale.code, stale.out]).toEqual([EXIT.api, expect.stringMatching(/^INVALID: timestamp is 6\d\d s away/)]);
  });

  it('runs as `npx billhook` with --help', () => {
    const r = spawnSync('npx', ['billhook', '--help'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^billhook — command line for the Billhook API/);
    expect(spawnSync('npx', ['billhook', 'frobnicate'], { cwd: REPO_ROOT, encoding: 'utf8' }).status).toBe(EXIT.usage);
  });

  it('parses relative --since values', () => {
    expect(parseSince('2h', Date.parse('2026-01-01T12:00:00Z'))).toBe('2026-01-01T10:00:00.000Z');
    expect(() => parseSince('yesterday')).toThrow(/--since/);
  });
});
