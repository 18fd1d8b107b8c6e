/**
 * The CLI as a child process against real local mode (DynamoDB Local, the SQS
 * emulator, the real handlers) and a loopback receiver: JSON and human output,
 * exit codes, tail, and `verify` on requests the receiver really got.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocal } from '../../lib/local/system.ts';
import { apiClient } from '../support/api-client.ts';
import { Receiver, waitFor } from '../support/receiver.ts';
import { billhook, startBillhook, type RunOptions } from './run.ts';

type Local = Awaited<ReturnType<typeof startLocal>>;

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('billhook CLI against local mode', () => {
  let local: Local;
  let receiver: Receiver;
  let api: ReturnType<typeof apiClient>;
  let dir: string;
  const timings: Record<string, number[]> = {};

  /** Run a command connected to local mode with the admin key from the environment. */
  const cli = async (args: string[], options: RunOptions = {}) => {
    const r = await billhook(args, { ...options, env: { BILLHOOK_URL: local.apiUrl, BILLHOOK_KEY: local.adminKey, ...options.env } });
    (timings[args.slice(0, args[0] === 'endpoints' || args[0] === 'events' || args[0] === 'deliveries' || args[0] === 'tenants' ? 2 : 1).join(' ')] ??= []).push(r.ms);
    return r;
  };

  beforeAll(async () => {
    receiver = await new Receiver().start();
    local = await startLocal({ port: 0, env: { BILLHOOK_RETRY_SCHEDULE: '1', BILLHOOK_LOG_LEVEL: 'error', BILLHOOK_BREAKER_THRESHOLD: '0', BILLHOOK_DISABLE_AFTER_EXHAUSTED: '0' } });
    api = apiClient(local.apiUrl, local.adminKey);
    dir = await mkdtemp(path.join(tmpdir(), 'billhook-cli-'));
  }, 90_000);

  afterAll(async () => {
    await local?.stop();
    await receiver?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    const lines = Object.entries(timings).map(([k, ms]) => `  ${k.padEnd(20)} n=${String(ms.length).padStart(2)}  median ${Math.round(ms.sort((a, b) => a - b)[ms.length >> 1]!)} ms  max ${Math.round(Math.max(...ms))} ms`);
    if (process.env.CLI_TIMINGS) console.log(`CLI wall time per command (child process, incl. node + tsx start):\n${lines.join('\n')}`);
  });

  it('tenants and keys: --json is the API JSON, human output is a table, revoking a key', async () => {
    // Act
    const created = await cli(['tenants', 'create', 'CLI Corp', '--id', 'ten_cli', '--json']);
    const [list, get, key] = await Promise.all([cli(['tenants', 'list']), cli(['tenants', 'get', 'ten_cli', '--json']), cli(['keys', 'create', 'ten_cli', '--json'])]);
    // Assert
    expect(created.code).toBe(0);
    expect(created.json()).toEqual({ id: 'ten_cli', name: 'CLI Corp', createdAt: expect.any(String) });
    expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+CREATED$/);
    expect(list.stdout).toMatch(/^ten_cli\s+CLI Corp\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
    expect(get.json()).toEqual(created.json());
    const { id: keyId, key: tenantKey } = key.json();
    expect([keyId, tenantKey]).toEqual([expect.stringMatching(/^key_/), expect.any(String)]);
    expect((await cli(['tenants', 'get', 'ten_cli', '--key', tenantKey])).code).toBe(0);
    expect((await cli(['tenants', 'list', '--key', tenantKey])).code).toBe(1); // admin only
    const revoked = await cli(['keys', 'revoke', 'ten_cli', keyId]);
    expect([revoked.code, revoked.stdout]).toEqual([0, `revoked ${keyId}\n`]);
    expect(revoked.stderr).toMatch(/within 30 s/); // API instances cache keys briefly
    const again = await cli(['keys', 'revoke', 'ten_cli', keyId]);
    expect([again.code, again.stderr]).toEqual([1, `error: Not Found (not_found): api key ${keyId} not found\n`]);
    const wrong = await cli(['tenants', 'get', 'ten_cli', '--key', 'bh_nonsense_key_0123456789']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error: Unauthorized \(unauthorized\): .*\n {2}hint: the key from --key is not accepted/);
  });

  it('endpoints: create (argument or --url), list, get, update, secret, rotate, delete', async () => {
    // Arrange
    await api.post('/v1/tenants', { name: 'Endpoints', id: 'ten_eps' });
    // Act
    const a = await cli(['endpoints', 'create', 'ten_eps', `${receiver.url}/a`, '--types', 'invoice.*, payment.failed', '--retry-schedule', '1,2', '--description', 'billing', '--json']);
    const b = await cli(['endpoints', 'create', 'ten_eps', '--url', `${receiver.url}/b`, '--scheme', 'standard-webhooks-ed25519', '--header', 'x-team:payments', '--json']);
    const epA = a.json();
    const epB = b.json();
    const [listed, human, shown] = await Promise.all([cli(['endpoints', 'list', 'ten_eps', '--json']), cli(['endpoints', 'list', 'ten_eps']), cli(['endpoints', 'get', 'ten_eps', epA.id])]);
    const disabled = await cli(['endpoints', 'update', 'ten_eps', epA.id, '--disable', '--json']);
    const enabled = await cli(['endpoints', 'update', 'ten_eps', epA.id, '--enable', '--types', 'invoice.paid', '--url', `${receiver.url}/a2`, '--json']);
    const [secret, publicKey] = await Promise.all([cli(['endpoints', 'secret', 'ten_eps', epA.id]), cli(['endpoints', 'secret', 'ten_eps', epB.id])]);
    const rotated = await cli(['endpoints', 'rotate', 'ten_eps', epA.id]);
    const deleted = await cli(['endpoints', 'delete', 'ten_eps', epB.id]);
    const gone = await cli(['endpoints', 'get', 'ten_eps', epB.id]);
    // Assert
    expect(epA).toMatchObject({ url: `${receiver.url}/a`, eventTypes: ['invoice.*', 'payment.failed'], retrySchedule: [1, 2], description: 'billing', status: 'enabled', signatureScheme: 'standard-webhooks' });
    expect(epB).toMatchObject({ url: `${receiver.url}/b`, signatureScheme: 'standard-webhooks-ed25519', headerNames: ['x-team'] });
    expect(listed.json()).toEqual({ data: expect.arrayContaining([epA, epB]), nextCursor: null });
    expect(human.stdout.split('\n')[0]).toMatch(/^ID\s+STATUS\s+URL\s+EVENT TYPES\s+SCHEME\s+DESCRIPTION$/);
    expect(human.stdout).toContain(`${epA.id}  enabled  ${receiver.url}/a `);
    expect(shown.stdout).toMatch(/^retrySchedule:\s+1s, 2s$/m);
    expect(disabled.json()).toMatchObject({ status: 'disabled' });
    expect(enabled.json()).toMatchObject({ status: 'enabled', eventTypes: ['invoice.paid'], url: `${receiver.url}/a2` });
    expect(secret.stdout).toMatch(/^whsec_[A-Za-z0-9+/=]+\n$/);
    expect(publicKey.stdout).toMatch(/^whpk_[A-Za-z0-9+/=]+\n$/);
    expect(rotated.stdout).toMatch(/^whsec_/);
    expect(rotated.stdout).not.toBe(secret.stdout);
    expect(rotated.stderr).toMatch(/keeps signing .* 24 h/);
    expect([deleted.code, deleted.stdout]).toEqual([0, `deleted ${epB.id}\n`]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^error: Not Found \(not_found\): endpoint ep_\S+ not found/);
  });

  it('events and deliveries: send (inline, file, stdin, idempotent), list with filters and pages, show the attempts', async () => {
    // Arrange
    await api.post('/v1/tenants', { name: 'Flow', id: 'ten_flow' });
    const ep = (await api.post('/v1/tenants/ten_flow/endpoints', { url: `${receiver.url}/flow`, eventTypes: ['invoice.*', 'payment.failed'] })).body;
    receiver.script('/flow', { status: 200, body: 'accepted\nsecond line' });
    const file = path.join(dir, 'payment.json');
    await writeFile(file, '{"paymentId":"pay_7"}\n');
    // Act
    const sent = await cli(['events', 'send', 'ten_flow', 'invoice.paid', '--data', '{"invoiceId":"inv_1","amount":4200}', '--idempotency-key', 'inv_1-paid', '--json']);
    const again = await cli(['events', 'send', 'ten_flow', 'invoice.paid', '--data', '{"invoiceId":"inv_1","amount":4200}', '--idempotency-key', 'inv_1-paid']);
    const fromFile = await cli(['events', 'send', 'ten_flow', 'payment.failed', '--data-file', file, '--json']);
    const fromStdin = await cli(['events', 'send', 'ten_flow', 'invoice.created', '--json'], { input: '{"invoiceId":"inv_2"}' });
    await waitFor('3 deliveries', () => receiver.on('/flow').length === 3);
    const all = await waitFor('3 logged as succeeded', async () => {
      const r = await cli(['deliveries', 'list', 'ten_flow', '--status', 'succeeded', '--json']);
      return r.json().data.length === 3 ? r.json().data : undefined;
    });
    const [events, paged, onePage, human, get] = await Promise.all([
      cli(['events', 'list', 'ten_flow', '--since', '1h', '--type', 'invoice.paid', '--json']),
      cli(['deliveries', 'list', 'ten_flow', '--limit', '1', '--all', '--json']),
      cli(['deliveries', 'list', 'ten_flow', '--limit', '1', '--endpoint', ep.id, '--json']),
      cli(['deliveries', 'list', 'ten_flow']),
      cli(['events', 'get', 'ten_flow', sent.json().id, '--json']),
    ]);
    const first = all.find((d: any) => d.eventId === sent.json().id);
    const show = await cli(['deliveries', 'show', 'ten_flow', first.id]);
    // Assert
    expect(sent.json()).toEqual({ id: expect.stringMatching(/^evt_/), type: 'invoice.paid', createdAt: expect.any(String), deliveries: 1 });
    expect(again.stdout).toBe(`accepted ${sent.json().id} (invoice.paid): routed to 1 endpoint\n`);
    expect(again.stderr).toMatch(/idempotent replay/);
    expect(fromFile.json()).toMatchObject({ type: 'payment.failed', deliveries: 1 });
    expect(fromStdin.json()).toMatchObject({ type: 'invoice.created', deliveries: 1 });
    expect(JSON.parse(receiver.on('/flow').find((r) => r.body.includes('pay_7'))!.body).data).toEqual({ paymentId: 'pay_7' });
    expect(JSON.parse(receiver.on('/flow').find((r) => r.body.includes('inv_2'))!.body).data).toEqual({ invoiceId: 'inv_2' });
    expect(events.json()).toEqual({ data: [expect.objectContaining({ id: sent.json().id, type: 'invoice.paid' })], nextCursor: null });
    expect(get.json()).toMatchObject({ id: sent.json().id, data: { invoiceId: 'inv_1', amount: 4200 } });
    expect(paged.json()).toEqual({ data: expect.any(Array), nextCursor: null });
    expect(paged.json().data.map((d: any) => d.id).sort()).toEqual(all.map((d: any) => d.id).sort());
    expect(onePage.json()).toEqual({ data: [expect.objectContaining({ endpointId: ep.id })], nextCursor: expect.any(String) });
    expect(human.stdout.split('\n')[0]).toMatch(/^ID\s+STATUS\s+CODE\s+ATTEMPTS\s+EVENT TYPE\s+ENDPOINT\s+LAST ATTEMPT\s+NEXT ATTEMPT$/);
    expect(human.stdout).toMatch(new RegExp(`^${first.id}\\s+succeeded\\s+200\\s+1\\s+invoice\\.paid\\s+${ep.id}`, 'm'));
    expect(show.stdout).toMatch(/^status:\s+succeeded$/m);
    expect(show.stdout).toMatch(/^#\s+AT\s+TRIGGER\s+CODE\s+DURATION\s+ERROR\s+RESPONSE$/m);
    expect(show.stdout).toMatch(/^1\s+\S+Z\s+scheduled\s+200\s+\d+ ms\s+accepted$/m); // first line of the response only
  });

  it('tail prints new and changed deliveries until Ctrl+C, as table lines or JSON lines', async () => {
    // Arrange
    await api.post('/v1/tenants', { name: 'Tail', id: 'ten_tail' });
    await api.post('/v1/tenants/ten_tail/endpoints', { url: `${receiver.url}/tail` });
    receiver.script('/tail', { status: 503, body: 'busy' }); // first attempt fails, the retry 1 s later succeeds
    const env = { BILLHOOK_URL: local.apiUrl, BILLHOOK_KEY: local.adminKey };
    const human = startBillhook(['tail', 'ten_tail', '--interval', '0.2'], { env });
    const json = startBillhook(['tail', 'ten_tail', '--interval', '0.2', '--json'], { env });
    let codes: (number | null)[];
    try {
      await waitFor('tail header', () => human.out.stdout.startsWith('TIME'), 20_000);
      // Act
      await api.post('/v1/tenants/ten_tail/events', { type: 'invoice.paid', data: { n: 1 } });
      await waitFor('succeeded in both', () => /succeeded/.test(human.out.stdout) && /"succeeded"/.test(json.out.stdout), 30_000);
    } finally {
      // Ctrl+C either way: a failed wait must not leave two tails running after the test.
      codes = await Promise.all([human.interrupt(), json.interrupt()]);
    }
    // Assert
    expect(codes).toEqual([0, 0]);
    expect(human.out.stdout.split('\n')[0]).toMatch(/^TIME\s+ID\s+STATUS\s+CODE\s+EVENT TYPE\s+ENDPOINT$/);
    expect(human.out.stdout).toMatch(/^\d\d:\d\d:\d\d\s+dlv_\S+\s+failed\s+503\s+invoice\.paid\s+ep_\S+$/m);
    expect(human.out.stdout).toMatch(/^\d\d:\d\d:\d\d\s+dlv_\S+\s+succeeded\s+200\s+invoice\.paid\s+ep_\S+$/m);
    const lines = json.out.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.at(-1)).toMatchObject({ id: expect.stringMatching(/^dlv_/), status: 'succeeded', lastStatusCode: 200, eventType: 'invoice.paid', attemptCount: 2 });
    expect(new Set(lines.map((l) => `${l.id}|${l.status}|${l.attemptCount}`)).size).toBe(lines.length); // each state once
  }, 60_000);

  it('verify checks captured webhooks: v1, v1a (Ed25519), hex; tampered and stale are invalid', async () => {
    // Arrange: one endpoint per scheme, each sent a real test event
    await api.post('/v1/tenants', { name: 'Verify', id: 'ten_ver' });
    const make = async (p: string, scheme: string) => (await api.post('/v1/tenants/ten_ver/endpoints', { url: `${receiver.url}${p}`, signatureScheme: scheme })).body.id as string;
    const [v1, v1a, hex] = await Promise.all([make('/v1', 'standard-webhooks'), make('/v1a', 'standard-webhooks-ed25519'), make('/hex', 'hmac-sha256-hex')]);
    const [s1, s1a, sHex] = (await Promise.all([v1, v1a, hex].map(async (ep) => (await cli(['endpoints', 'secret', 'ten_ver', ep])).stdout.trim()))) as [string, string, string];
    await Promise.all([v1, v1a, hex].map((ep) => cli(['endpoints', 'test', 'ten_ver', ep])));
    const [h1, h1a, hHex] = await waitFor('3 test webhooks', () => {
      const hits = ['/v1', '/v1a', '/hex'].map((p) => receiver.on(p)[0]);
      return hits.every(Boolean) ? hits : undefined;
    });
    const bodyFile = path.join(dir, 'body.json');
    await writeFile(bodyFile, h1!.body);
    const headersOf = (h: typeof h1) => JSON.stringify(h!.headers);
    // Act
    const valid = await cli(['verify', '--secret', s1, '--headers', headersOf(h1), '--body-file', bodyFile]);
    const validV1a = await cli(['verify', '--secret', s1a, '--header', `webhook-id:${String(h1a!.headers['webhook-id'])}`, '--header', `webhook-timestamp:${String(h1a!.headers['webhook-timestamp'])}`, '--header', `webhook-signature:${String(h1a!.headers['webhook-signature'])}`, '--body', h1a!.body]);
    const validHex = await cli(['verify', '--scheme', 'hmac-sha256-hex', '--secret', sHex, '--headers', headersOf(hHex), '--body', hHex!.body, '--json']);
    const tampered = await cli(['verify', '--secret', s1, '--headers', headersOf(h1), '--body', h1!.body.replace('"test":true', '"test":false')]);
    const replayedLater = await cli(['verify', '--secret', s1, '--headers', JSON.stringify({ ...h1!.headers, 'webhook-timestamp': String(Number(h1!.headers['webhook-timestamp']) + 3600) }), '--body-file', bodyFile]);
    await waitFor('a second to pass', () => Date.now() / 1000 - Number(h1!.headers['webhook-timestamp']) >= 1.5);
    const stale = await cli(['verify', '--secret', s1, '--headers', headersOf(h1), '--body-file', bodyFile, '--tolerance', '0']);
    const wrongKind = await cli(['verify', '--secret', s1, '--headers', headersOf(h1a), '--body', h1a!.body]);
    // Assert
    expect([valid.code, valid.stdout.split('\n')[0]]).toEqual([0, 'valid: signature 1 of 1 matched (v1, HMAC-SHA256)']);
    expect(valid.stdout).toMatch(/^timestamp: \d+ \(\S+Z, \d+ s ago; tolerance 300 s\)$/m);
    expect([validV1a.code, validV1a.stdout.split('\n')[0]]).toEqual([0, 'valid: signature 1 of 1 matched (v1a, Ed25519)']);
    expect([validHex.code, validHex.json()]).toEqual([0, expect.objectContaining({ valid: true, matched: { index: 1, of: 1, version: 'hex' } })]);
    expect([tampered.code, tampered.stdout.split('\n')[0]]).toEqual([1, expect.stringMatching(/^invalid: no v1 signature matches/)]);
    expect(replayedLater.code).toBe(1);
    expect([stale.code, stale.stdout.split('\n')[0]]).toEqual([1, expect.stringMatching(/^invalid: the signature matches, but the timestamp is \d+ s old, beyond the 0 s tolerance/)]);
    expect(wrongKind.stdout).toMatch(/only v1a \(Ed25519\) signatures/);
  });

  it('exit codes: 2 for usage errors with the help to read, 1 for API errors, 3 when nothing listens', async () => {
    // Arrange
    const port = await closedPort();
    // Act
    const [unknownCommand, unknownFlag, missingArg, notFound, invalid, unreachable] = await Promise.all([
      cli(['frobnicate']),
      cli(['deliveries', 'list', 'ten_cli', '--frob']),
      cli(['events', 'send', 'ten_cli']),
      cli(['tenants', 'get', 'ten_nobody']),
      cli(['endpoints', 'create', 'ten_cli', 'https://x.example/h', '--types', 'nope.nope']),
      cli(['tenants', 'list'], { env: { BILLHOOK_URL: `http://127.0.0.1:${port}` } }),
    ]);
    // Assert
    expect([unknownCommand.code, unknownCommand.stderr]).toEqual([2, 'error: unknown command "frobnicate"\n(see: billhook --help)\n']);
    expect([unknownFlag.code, unknownFlag.stderr]).toEqual([2, 'error: unknown option --frob for "billhook deliveries list"\n(see: billhook deliveries list --help)\n']);
    expect([missingArg.code, missingArg.stderr]).toEqual([2, expect.stringMatching(/^error: missing <type> .*\n\(see: billhook events send --help\)\n$/)]);
    expect([notFound.code, notFound.stderr]).toEqual([1, 'error: Not Found (not_found): tenant ten_nobody not found\n']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^error: .* \((unknown_event_type|validation_failed)\): .*\n {2}eventTypes\.0: .*nope\.nope/);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toContain(`cannot reach the Billhook API at http://127.0.0.1:${port} (ECONNREFUSED)`);
    expect(unreachable.stderr).toContain('npm start');
  });

  it('uses .billhook/admin-key of the current folder when no key is given, and says so once', async () => {
    // Arrange: a folder where local mode ran
    const folder = path.join(dir, 'project');
    await mkdir(path.join(folder, '.billhook'), { recursive: true });
    await writeFile(path.join(folder, '.billhook', 'admin-key'), local.adminKey + '\n');
    // Act: through the launcher npx runs, from that folder, with no BILLHOOK_KEY
    const r = await billhook(['tenants', 'get', 'ten_cli', '--json'], { cwd: folder, env: { BILLHOOK_URL: local.apiUrl } });
    const none = await billhook(['tenants', 'get', 'ten_cli'], { cwd: dir, env: { BILLHOOK_URL: local.apiUrl } });
    // Assert
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ id: 'ten_cli' });
    expect(r.stderr.match(/using the local admin key from \.billhook\/admin-key/g)).toHaveLength(1);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/hint: no API key given: pass --key or set BILLHOOK_KEY/);
  });

  it('retry, recover and the DLQ on the real routes', async () => {
    // Arrange: two exhausted deliveries (schedule '1' = two attempts each)
    await api.post('/v1/tenants', { name: 'Replay', id: 'ten_rep' });
    const ep = (await api.post('/v1/tenants/ten_rep/endpoints', { url: `${receiver.url}/rep` })).body;
    receiver.script('/rep', ...Array.from({ length: 4 }, () => ({ status: 500 })));
    await api.post('/v1/tenants/ten_rep/events', { type: 'invoice.paid', data: { n: 1 } });
    await api.post('/v1/tenants/ten_rep/events', { type: 'invoice.paid', data: { n: 2 } });
    const exhausted = await waitFor('2 exhausted', async () => {
      const r = await api.get(`/v1/tenants/ten_rep/deliveries?status=exhausted`);
      return r.body.data.length === 2 ? r.body.data : undefined;
    });
    // Act
    const retried = await cli(['retry', 'ten_rep', exhausted[0].id, '--wait']);
    const recovered = await cli(['recover', 'ten_rep', ep.id, '--since', '10m', '--interval', '0.2', '--timeout', '20']);
    const stats = await cli(['dlq', 'stats', '--json']);
    const redriven = await cli(['dlq', 'redrive', '--json']);
    // Assert
    expect(retried.code).toBe(0);
    expect(retried.stdout).toMatch(/^queued a manual attempt of dlv_\S+ \(invoice\.paid → ep_\S+; 2 attempts so far\)\nattempt 3 at \S+: succeeded, HTTP 200\n$/);
    expect(recovered.code).toBe(0);
    expect(recovered.stdout).toBe(`queued 1 delivery of ${ep.id} to send again\n`);
    expect(recovered.stderr).toMatch(/recover \[#{24}\] 1\/1 100% delivered · 0 left\nrecover: all 1 delivered/);
    expect(stats.json()).toEqual({ approximateMessages: expect.any(Number) });
    expect([redriven.code, redriven.json()]).toEqual([0, { moved: expect.any(Number), failed: 0, remaining: expect.any(Number) }]);
  });
});
