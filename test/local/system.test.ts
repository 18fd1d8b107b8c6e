import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../lib/config.ts';
import { QUEUES, TABLES } from '../../lib/definitions.ts';
import { localDynamoClient } from '../../lib/local/dynamodb.ts';
import type { HttpHandler } from '../../lib/local/http-shim.ts';
import { runLocal } from '../../lib/local/main.ts';
import { localSqsClient } from '../../lib/local/sqs.ts';
import { resolveAdminKey, startLocal, type LocalHandlers, type LocalSystem } from '../../lib/local/system.ts';
import { occupyPort, until } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Fake functions that use their configuration as the real ones do. */
function fakeHandlers(seen: { config?: Config; sender: SQSEvent[]; fanout: SQSEvent[] }) {
  return async (config: Config): Promise<LocalHandlers> => {
    seen.config = config;
    const sqs = localSqsClient(config.endpoints.sqs!);
    const ingest: HttpHandler = async (event) => {
      const body = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString() : (event.body ?? '');
      // The deliveries queue is FIFO: a message names its group and deduplication id.
      await sqs.send(new SendMessageCommand({ QueueUrl: config.queues.deliveries, MessageBody: body, MessageGroupId: 'g', MessageDeduplicationId: 'd1' }));
      await sqs.send(new SendMessageCommand({ QueueUrl: config.queues.retries, MessageBody: `retry ${body}` }));
      await sqs.send(new SendMessageCommand({ QueueUrl: config.queues.fanout, MessageBody: body }));
      return { statusCode: 202, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accepted: true }) };
    };
    const api: HttpHandler = async (event, context) => ({ statusCode: 200, body: JSON.stringify({ path: event.rawPath, fn: context.functionName }) });
    return {
      ingest,
      api,
      sender: async (event) => {
        seen.sender.push(event);
        return { batchItemFailures: [] };
      },
      fanout: async (event) => {
        seen.fanout.push(event);
      },
    };
  };
}

describe('startLocal', () => {
  let local: LocalSystem;
  const seen: { config?: Config; sender: SQSEvent[]; fanout: SQSEvent[] } = { sender: [], fanout: [] };
  const envBefore = { ...process.env };

  beforeAll(async () => {
    local = await startLocal({ port: 0, env: { BILLHOOK_RETRY_SCHEDULE: '1,2' }, handlers: fakeHandlers(seen), logError: () => {} });
  });
  afterAll(async () => {
    await local?.stop();
  });

  it('builds the handlers from a configuration of the emulators, and leaves process.env alone', () => {
    const config = seen.config!;
    expect(config).toEqual(local.config);
    for (const [key, t] of Object.entries(TABLES)) expect(config.tables[key as keyof typeof TABLES]).toBe(t.localName);
    expect(config.queues).toEqual(local.queueUrls);
    expect(config).toMatchObject({
      region: 'us-east-1',
      endpoints: { dynamodb: local.dynamodbEndpoint, sqs: local.sqsEndpoint, scheduler: local.schedulerEndpoint },
      outbound: { allowHttp: true, allowLoopback: true },
      adminKey: local.adminKey,
      retrySchedule: [1, 2],
    });
    // The environment it reports is the same configuration, written by toEnvironment.
    expect(loadConfig(local.env)).toEqual(config);
    expect(local.env).toMatchObject({ BILLHOOK_RETRY_SCHEDULE: '1,2', BILLHOOK_SQS_ENDPOINT: local.sqsEndpoint });
    for (const q of Object.values(QUEUES)) expect(process.env[q.envVar]).toBe(envBefore[q.envVar]);
    expect(process.env.BILLHOOK_SQS_ENDPOINT).toBe(envBefore.BILLHOOK_SQS_ENDPOINT);
  });

  it('reports where everything is, with a fresh admin key and in-memory data', () => {
    expect(local.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(local.dashboardUrl).toBe(`${local.apiUrl}/dashboard`);
    expect(local.adminKey).toMatch(/^bh_admin_[A-Za-z0-9_-]{43}$/);
    expect(local.adminKeySource).toBe('generated');
    expect(local.dataDir).toBeUndefined();
    expect(Object.keys(local.queueUrls).sort()).toEqual(Object.keys(QUEUES).sort());
    expect(local.timings.totalMs).toBeGreaterThan(0);
  });

  it('created the tables in DynamoDB Local', async () => {
    const client = localDynamoClient(local.dynamodbEndpoint);
    const { TableNames } = await client.send(new ListTablesCommand({}));
    client.destroy();
    expect(TableNames).toEqual(expect.arrayContaining(Object.values(TABLES).map((t) => t.localName)));
  });

  it('routes HTTP to the functions and queue messages to their consumers', async () => {
    const api = await fetch(`${local.apiUrl}/v1/tenants`);
    const ingest = await fetch(`${local.apiUrl}/v1/tenants/ten_1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"n":1}' });

    expect(await api.json()).toEqual({ path: '/v1/tenants', fn: 'billhook-api' });
    expect(ingest.status).toBe(202);
    const sent = await until('the sender to get the message', () => seen.sender.flatMap((e) => e.Records).find((r) => r.body === '{"n":1}'));
    const retried = await until('the sender to get the retries message', () => seen.sender.flatMap((e) => e.Records).find((r) => r.body === 'retry {"n":1}'));
    const fanned = await until('the fanout consumer to get the message', () => seen.fanout.flatMap((e) => e.Records).find((r) => r.body === '{"n":1}'));
    expect(sent.eventSourceARN).toMatch(/:billhook-deliveries\.fifo$/);
    // Lambda's FIFO records carry their group, which is how the sender tells its two event sources apart.
    expect(sent.attributes.MessageGroupId).toBe('g');
    expect(retried.eventSourceARN).toMatch(/:billhook-retries$/);
    expect(retried.attributes.MessageGroupId).toBeUndefined();
    expect(fanned.eventSourceARN).toMatch(/:billhook-fanout$/);
  });

  it('fails fast with a clear message when the port is taken', async () => {
    const taken = await occupyPort();
    try {
      await expect(startLocal({ port: taken.port, handlers: fakeHandlers({ sender: [], fanout: [] }) })).rejects.toThrow(
        `port ${taken.port} is already in use: set PORT to another port`,
      );
    } finally {
      await taken.close();
    }
  });

  it('stop() takes everything down, and is safe twice', async () => {
    const { apiUrl, dynamodbEndpoint, sqsEndpoint } = local;

    await Promise.all([local.stop(), local.stop()]);
    await local.stop();

    const refused = async (url: string) => fetch(url).then(() => false, () => true);
    expect(await refused(`${apiUrl}/v1/health`)).toBe(true);
    expect(await refused(dynamodbEndpoint)).toBe(true);
    expect(await refused(sqsEndpoint)).toBe(true);
  });
});

describe('startLocal twice in one process', () => {
  it('runs the real handlers with each start\'s own configuration', async () => {
    const schedules: unknown[] = [];
    for (const schedule of ['1,2', '7']) {
      // Arrange
      const local = await startLocal({ port: 0, dashboard: false, env: { BILLHOOK_RETRY_SCHEDULE: schedule, BILLHOOK_LOG_LEVEL: 'error' }, logError: () => {} });
      try {
        const auth = { authorization: `Bearer ${local.adminKey}`, 'content-type': 'application/json' };
        // Act: an endpoint without a schedule of its own shows the deployment's
        expect((await fetch(`${local.apiUrl}/v1/tenants`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'Twice', id: 'ten_twice' }) })).status).toBe(201);
        const created = await fetch(`${local.apiUrl}/v1/tenants/ten_twice/endpoints`, { method: 'POST', headers: auth, body: JSON.stringify({ url: 'http://127.0.0.1:9999/hook' }) });
        expect(created.status).toBe(201);
        schedules.push(((await created.json()) as { retrySchedule: unknown }).retrySchedule);
      } finally {
        await local.stop();
      }
    }
    // Assert
    expect(schedules).toEqual([[1, 2], [7]]);
  }, 60_000);
});

describe('resolveAdminKey', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'billhook-key-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('generates a key, saves it with mode 0600, and returns the same one next time', async () => {
    const dataDir = path.join(dir, 'a');
    const first = await resolveAdminKey(undefined, dataDir);
    const second = await resolveAdminKey(undefined, dataDir);

    expect(first).toEqual({ key: expect.stringMatching(/^bh_admin_[A-Za-z0-9_-]{43}$/), source: 'generated' });
    expect(second).toEqual({ key: first.key, source: 'file' });
    expect((await readFile(path.join(dataDir, 'admin-key'), 'utf8')).trim()).toBe(first.key);
    expect((await stat(path.join(dataDir, 'admin-key'))).mode & 0o777).toBe(0o600);
  });

  it('prefers an explicit key and leaves the saved one alone', async () => {
    const dataDir = path.join(dir, 'b');
    const saved = await resolveAdminKey(undefined, dataDir);

    const explicit = await resolveAdminKey('an-explicit-admin-key-1234', dataDir);

    expect(explicit).toEqual({ key: 'an-explicit-admin-key-1234', source: 'option' });
    expect((await readFile(path.join(dataDir, 'admin-key'), 'utf8')).trim()).toBe(saved.key);
  });

  it('rejects a short explicit key and generates without saving when there is no data dir', async () => {
    await expect(resolveAdminKey('short', undefined)).rejects.toThrow(/at least 16/);
    const a = await resolveAdminKey(undefined, undefined);
    const b = await resolveAdminKey(undefined, undefined);
    expect(a.key).not.toBe(b.key);
  });
});

describe('runLocal (npm start)', () => {
  it('prints the URLs, admin key and a curl hint, persists the key, and stops with exit 0 on SIGTERM', async () => {
    // Arrange
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'billhook-run-'));
    const out: string[] = [];
    const exits: number[] = [];
    let signal: ((s: NodeJS.Signals) => void) | undefined;
    let registered: readonly NodeJS.Signals[] = [];
    try {
      // Act
      const system = await runLocal({
        env: { PORT: '0' },
        cwd,
        out: (l) => out.push(l),
        err: (l) => out.push(`ERR ${l}`),
        exit: (c) => exits.push(c),
        onSignal: (signals, handler) => {
          registered = signals;
          signal = handler;
        },
        handlers: fakeHandlers({ sender: [], fanout: [] }),
      });
      const text = out.join('\n');
      const health = await fetch(`${system!.apiUrl}/v1/health`);
      const dashboardDir = system!.env.BILLHOOK_DASHBOARD_DIR!;
      const dashboardBuilt = existsSync(path.join(dashboardDir, 'index.html'));
      signal!('SIGTERM');
      await until('exit', () => exits.length > 0);

      // Assert
      expect(registered).toEqual(['SIGINT', 'SIGTERM']);
      expect(text).toContain(`API        ${system!.apiUrl}`);
      expect(text).toContain(`Dashboard  ${system!.apiUrl}/dashboard`);
      // Built for this run, into a temporary folder that stop() removes.
      expect(dashboardBuilt).toBe(true);
      expect(existsSync(dashboardDir)).toBe(false);
      expect(text).toContain(`Admin key  ${system!.adminKey}`);
      expect(text).toContain(`curl -s -H "Authorization: Bearer ${system!.adminKey}" ${system!.apiUrl}/v1/tenants`);
      expect(text).toMatch(/ready in \d+\.\d s/);
      expect(health.status).toBe(200);
      expect(system!.dataDir).toBe(path.join(cwd, '.billhook'));
      expect((await readFile(path.join(cwd, '.billhook', 'admin-key'), 'utf8')).trim()).toBe(system!.adminKey);
      expect(exits).toEqual([0]);
      expect(out.join('\n')).toContain('billhook: stopped');
      expect(await fetch(system!.dynamodbEndpoint).then(() => 'up', () => 'down')).toBe('down');
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });

  it('bin/local.ts exits 1 with the reason when PORT is taken', async () => {
    const taken = await occupyPort();
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'billhook-bin-'));
    try {
      const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        execFile(
          path.join(ROOT, 'node_modules/.bin/tsx'),
          [path.join(ROOT, 'bin/local.ts')],
          { cwd, env: { ...process.env, PORT: String(taken.port), BILLHOOK_ADMIN_KEY: '' }, timeout: 30_000 },
          (error, _stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stderr }),
        );
      });

      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`could not start: port ${taken.port} is already in use: set PORT to another port`);
    } finally {
      await taken.close();
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
