/**
 * The CLI (child process) against a scripted fake API: the exact requests
 * retry, recover and dlq send, how their answers and progress render, and how
 * server errors map to exit codes. No emulators: this file runs in seconds.
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { billhook, REPO } from './run.ts';

interface Seen {
  method: string;
  path: string;
  query: Record<string, string>;
  body: any;
  /** The body as sent. */
  text: string;
  authorization: string | undefined;
}

type Answer = { status: number; body?: unknown; type?: string; headers?: Record<string, string> };

class FakeApi {
  readonly requests: Seen[] = [];
  handle: (req: Seen) => Answer = () => ({ status: 404, body: { type: 'about:blank', title: 'Not Found', status: 404, code: 'route_not_found', detail: 'no route' } });
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const u = new URL(req.url ?? '/', 'http://x');
        const text = Buffer.concat(chunks).toString('utf8');
        const seen: Seen = { method: req.method ?? '', path: u.pathname, query: Object.fromEntries(u.searchParams), body: text ? JSON.parse(text) : undefined, text, authorization: req.headers.authorization };
        this.requests.push(seen);
        const a = this.handle(seen);
        const type = a.type ?? (a.status >= 400 ? 'application/problem+json' : 'application/json');
        res.writeHead(a.status, { 'content-type': type, ...a.headers });
        res.end(a.body === undefined ? '' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()));
  }
}

const problem = (status: number, title: string, code: string, detail: string) => ({ status, body: { type: 'about:blank', title, status, code, detail } });

describe('billhook CLI against a fake API (retry, recover, dlq, server errors)', () => {
  const fake = new FakeApi();
  const cli = (...args: string[]) => billhook(args, { env: { BILLHOOK_URL: fake.url, BILLHOOK_KEY: 'test-admin-key-0123456789' } });

  beforeAll(async () => {
    await fake.start();
  });
  afterAll(async () => {
    await fake.stop();
  });
  beforeEach(() => {
    fake.requests.length = 0;
  });

  it('events send and get keep data exactly as written: no number rounded, no escape rewritten', async () => {
    // Arrange
    const data = '{"big":12345678901234567890,"pi":3.141592653589793238462643383279,"exp":1e400,"neg0":-0,"s":"Zo\\u00eb 💶"}';
    const event = `{"id":"evt_1","type":"invoice.paid","createdAt":"2026-01-01T00:00:00.000Z","data":${data},"deliveries":1}`;
    fake.handle = (q) => (q.method === 'POST' ? { status: 202, body: { id: 'evt_1', type: 'invoice.paid', createdAt: '2026-01-01T00:00:00.000Z', deliveries: 1 } } : { status: 200, body: event });
    // Act
    const sent = await cli('events', 'send', 'ten_a', 'invoice.paid', '--data', data.replace(/,/g, ', '));
    const shown = await cli('events', 'get', 'ten_a', 'evt_1');
    const json = await cli('events', 'get', 'ten_a', 'evt_1', '--json');
    // Assert
    expect(sent.code).toBe(0);
    expect(fake.requests[0]!.text).toBe(`{"type":"invoice.paid","data":${data}}`);
    expect(shown.stdout).toContain('"big": 12345678901234567890,\n  "pi": 3.141592653589793238462643383279,\n  "exp": 1e400,\n  "neg0": -0,\n  "s": "Zo\\u00eb 💶"');
    expect(json.stdout).toContain('"exp": 1e400');
    expect(json.stdout).toContain('"big": 12345678901234567890');
  });

  it('event-types put sends the schema and example files as written, and list, get and delete read the catalogue', async () => {
    // Arrange
    const dir = await mkdtemp(path.join(tmpdir(), 'billhook-cli-'));
    const example = '{ "walletId": "wal_1", "amount": 12345678901234567890, "rate": 1.50 }';
    const schema = '{"type":"object","required":["walletId"]}';
    await writeFile(path.join(dir, 'example.json'), example);
    await writeFile(path.join(dir, 'schema.json'), schema);
    const entry = `{"type":"wallet.topped_up","description":"Credits.","schema":${schema},"example":{"walletId":"wal_1","amount":12345678901234567890,"rate":1.50},"source":"custom"}`;
    fake.handle = (q) => {
      if (q.method === 'PUT') return { status: 200, body: entry };
      if (q.method === 'DELETE') return { status: 204 };
      return { status: 200, body: `{"data":[{"type":"invoice.paid","description":"An invoice was paid in full.","example":{"invoiceId":"inv_1"},"source":"default"},${entry}]}` };
    };
    // Act
    const put = await cli('event-types', 'put', 'wallet.topped_up', '--description', 'Credits.', '--schema', path.join(dir, 'schema.json'), '--example', path.join(dir, 'example.json'));
    const list = await cli('event-types', 'list');
    const get = await cli('event-types', 'get', 'wallet.topped_up');
    const gone = await cli('event-types', 'delete', 'wallet.topped_up');
    const missing = await cli('event-types', 'put', 'acme.thing');
    // Assert
    expect(put.code).toBe(0);
    expect([fake.requests[0]!.method, fake.requests[0]!.path]).toEqual(['PUT', '/v1/event-types/wallet.topped_up']);
    expect(fake.requests[0]!.text).toBe(`{"description":"Credits.","schema":${schema},"example":{"walletId":"wal_1","amount":12345678901234567890,"rate":1.50}}`);
    expect(put.stderr).toContain('within 30 s');
    expect(list.stdout).toMatch(/^TYPE +SOURCE +SCHEMA +DESCRIPTION\ninvoice\.paid +default +An invoice was paid in full\.\nwallet\.topped_up +custom +yes +Credits\.\n$/);
    expect(get.stdout).toContain('"amount": 12345678901234567890,\n  "rate": 1.50');
    expect([fake.requests[3]!.method, fake.requests[3]!.path, gone.code]).toEqual(['DELETE', '/v1/event-types/wallet.topped_up', 0]);
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining('missing --description')]);
  });

  it('retry posts to the delivery’s retry route and says what was queued', async () => {
    // Arrange
    fake.handle = () => ({ status: 202, body: { id: 'dlv_1', tenantId: 'ten_a', eventId: 'evt_1', endpointId: 'ep_1', eventType: 'invoice.paid', status: 'exhausted', attemptCount: 4, createdAt: '2026-01-01T00:00:00.000Z' } });
    // Act
    const r = await cli('retry', 'ten_a', 'dlv_1');
    // Assert
    expect(fake.requests.map((q) => [q.method, q.path, q.authorization])).toEqual([['POST', '/v1/tenants/ten_a/deliveries/dlv_1/retry', 'Bearer test-admin-key-0123456789']]);
    expect([r.code, r.stdout]).toEqual([0, 'queued a manual attempt of dlv_1 (invoice.paid → ep_1; 4 attempts so far)\n']);
  });

  it('recover sends the window, then shows progress until the failures are delivered', async () => {
    // Arrange: 3 failing in the window (plus one older, outside it), then 2, then none
    const inWindow = new Date(Date.now() - 30 * 60_000).toISOString();
    const older = new Date(Date.now() - 5 * 3600_000).toISOString();
    const left = [3, 3, 2, 0];
    let polls = 0;
    fake.handle = (q) => {
      if (q.method === 'POST') return { status: 202, body: { queued: 3, skipped: 0, continuing: false } };
      const n = left[Math.min(Math.floor(polls++ / 2), left.length - 1)]!;
      const failing = Array.from({ length: n }, (_, i) => ({ id: `dlv_${i}`, status: i % 2 ? 'exhausted' : 'failed', createdAt: inWindow }));
      return { status: 200, body: { data: [...failing.filter((d) => d.status === q.query.status), { id: 'dlv_old', status: q.query.status, createdAt: older }], nextCursor: null } };
    };
    // Act
    const r = await cli('recover', 'ten_a', 'ep_1', '--since', '2h', '--interval', '0.05');
    // Assert: the request
    const post = fake.requests[0]!;
    expect([post.method, post.path]).toEqual(['POST', '/v1/tenants/ten_a/endpoints/ep_1/recover']);
    expect(Object.keys(post.body)).toEqual(['since']);
    expect(Math.abs(Date.parse(post.body.since) - (Date.now() - 2 * 3600_000))).toBeLessThan(30_000);
    const polled = fake.requests.slice(1).map((q) => [q.method, q.path, q.query.endpointId, q.query.status]);
    expect(polled.slice(0, 2)).toEqual([
      ['GET', '/v1/tenants/ten_a/deliveries', 'ep_1', 'failed'],
      ['GET', '/v1/tenants/ten_a/deliveries', 'ep_1', 'exhausted'],
    ]);
    // Assert: the answer and the progress (stderr is not a terminal: one line per change)
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('queued 3 deliveries of ep_1 to send again\n');
    expect(r.stderr.split('\n')).toEqual([
      'recover [........................] 0/3   0% delivered · 3 left',
      'recover [########................] 1/3  33% delivered · 2 left',
      'recover [########################] 3/3 100% delivered · 0 left',
      expect.stringMatching(/^recover: all 3 delivered in \d+ s$/),
      '',
    ]);
  });

  it('recover stops following when the count stops decreasing, and --until goes in the body', async () => {
    // Arrange
    const createdAt = new Date(Date.now() - 60_000).toISOString();
    fake.handle = (q) =>
      q.method === 'POST' ? { status: 202, body: { queued: 2, skipped: 0, continuing: true } } : { status: 200, body: { data: [{ id: 'dlv_x', status: q.query.status, createdAt }], nextCursor: null } };
    // Act
    const r = await cli('recover', 'ten_a', 'ep_1', '--since', '2026-01-01T00:00:00Z', '--until', '2099-01-01T00:00:00Z', '--interval', '0.02');
    // Assert
    expect(fake.requests[0]!.body).toEqual({ since: '2026-01-01T00:00:00.000Z', until: '2099-01-01T00:00:00.000Z' });
    expect(fake.requests.length).toBe(1 + 2 * 6); // first count, then 5 polls without progress; 2 statuses each
    expect(r.stdout).toBe('queued 2 deliveries of ep_1 to send again; more are being queued in the background\n');
    expect(r.stderr).toMatch(/^recover \[\.{24}\] 0\/2\s+0% delivered · 2 left\nrecover: 2 of 2 still failed or exhausted after \d+ s \(no progress for 5 polls: the endpoint may still be failing\)/);
  });

  it('recover --json --no-wait prints the API answer exactly and does not poll', async () => {
    // Arrange
    fake.handle = () => ({ status: 202, body: { queued: 7, skipped: 1, continuing: false } });
    // Act
    const r = await cli('recover', 'ten_a', 'ep_1', '--since', '1d', '--json', '--no-wait');
    // Assert
    expect(r.json()).toEqual({ queued: 7, skipped: 1, continuing: false });
    expect([r.code, r.stderr, fake.requests.length]).toEqual([0, '', 1]);
  });

  it('a route the server does not have yet shows its problem+json and exits 1', async () => {
    // Arrange
    fake.handle = (q) => problem(404, 'Not Found', 'route_not_found', `no route for ${q.method} ${q.path}`);
    // Act
    const r = await cli('recover', 'ten_a', 'ep_1', '--since', '1h');
    // Assert
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: Not Found (route_not_found): no route for POST /v1/tenants/ten_a/endpoints/ep_1/recover\n' +
        `  hint: ${fake.url} has no route POST /v1/tenants/ten_a/endpoints/ep_1/recover: an older Billhook, or --url is not the API's base URL\n`,
    );
  });

  it('dlq stats reads the depth; redrive calls in chunks with a progress bar until the queue is empty', async () => {
    // Arrange: 250 messages, moved 100 + 100 + 50
    let depth = 250;
    fake.handle = (q) => {
      if (q.method === 'GET') return { status: 200, body: { approximateMessages: depth } };
      const moved = Math.min(q.body.max, depth);
      depth -= moved;
      return { status: 200, body: { moved, failed: 0, remaining: depth } };
    };
    // Act
    const stats = await cli('dlq', 'stats');
    const r = await cli('dlq', 'redrive', '--rate', '10');
    // Assert
    expect(stats.stdout).toBe('APPROXIMATE MESSAGES\n                 250\n');
    const posts = fake.requests.filter((q) => q.method === 'POST');
    expect(posts.map((q) => [q.path, q.body])).toEqual([
      ['/v1/dlq/redrive', { max: 100, ratePerSecond: 10 }],
      ['/v1/dlq/redrive', { max: 100, ratePerSecond: 10 }],
      ['/v1/dlq/redrive', { max: 100, ratePerSecond: 10 }],
    ]);
    expect(r.stderr.split('\n')).toEqual([
      'redrive [........................] 0/250   0% moved',
      'redrive [##########..............] 100/250  40% moved · 150 remaining',
      'redrive [###################.....] 200/250  80% moved · 50 remaining',
      'redrive [########################] 250/250 100% moved · 0 remaining',
      '',
    ]);
    expect([r.code, r.stdout]).toEqual([0, 'moved 250 messages back to the deliveries queue; about 0 remaining\n']);
  });

  it('redrive stops at --max, keeps chunks small at a low rate, and stops when a chunk moves nothing', async () => {
    // Arrange: 500 messages, of which the server can move only 45 (the rest are not deliveries)
    let movable = 45;
    fake.handle = (q) => {
      if (q.method === 'GET') return { status: 200, body: { approximateMessages: 500 } };
      const moved = Math.min(q.body.max, movable);
      movable -= moved;
      return { status: 200, body: { moved, failed: moved ? 0 : 3, remaining: 500 - (45 - movable) } };
    };
    // Act
    const capped = await cli('dlq', 'redrive', '--max', '30', '--rate', '1', '--json');
    const drained = await cli('dlq', 'redrive', '--rate', '1', '--json');
    // Assert: --rate 1 → chunks of 20 (≈20 s per call, under the API's 30 s)
    const bodies = fake.requests.filter((q) => q.method === 'POST').map((q) => q.body);
    expect(bodies.slice(0, 2)).toEqual([
      { max: 20, ratePerSecond: 1 },
      { max: 10, ratePerSecond: 1 },
    ]);
    expect(capped.json()).toEqual({ moved: 30, failed: 0, remaining: 470 });
    expect(bodies.slice(2)).toEqual([
      { max: 20, ratePerSecond: 1 },
      { max: 20, ratePerSecond: 1 },
    ]);
    expect(drained.json()).toEqual({ moved: 15, failed: 3, remaining: 455 });
  });

  it('5xx exits 4 with the request id; a non-JSON gateway error still reads clearly', async () => {
    // Arrange
    fake.handle = (q) =>
      q.path === '/v1/tenants'
        ? { ...problem(500, 'Internal Server Error', 'internal_error', 'unexpected error'), headers: { 'x-request-id': 'req-42' } }
        : { status: 502, type: 'text/html', body: '<html>Bad Gateway</html>\n<p>upstream</p>' };
    // Act
    const [a, b] = await Promise.all([cli('tenants', 'list'), cli('tenants', 'get', 'ten_a')]);
    // Assert
    expect([a.code, a.stderr]).toEqual([4, 'error: Internal Server Error (internal_error): unexpected error\n  request id: req-42\n']);
    expect([b.code, b.stderr]).toEqual([4, 'error: Bad Gateway (http_502): <html>Bad Gateway</html>\n']);
  });

  it('a 422 prints each failing field', async () => {
    // Arrange
    fake.handle = () => ({
      status: 422,
      body: { type: 'about:blank', title: 'Unprocessable Content', status: 422, code: 'validation_failed', detail: 'request body is invalid', errors: [{ path: 'url', message: 'must be https' }, { path: 'retrySchedule.0', message: 'too big' }] },
    });
    // Act
    const r = await cli('endpoints', 'create', 'ten_a', 'http://x.example', '--retry-schedule', '9999999');
    // Assert
    expect(fake.requests[0]!.body).toEqual({ url: 'http://x.example', retrySchedule: [9999999] });
    expect([r.code, r.stderr]).toEqual([1, 'error: Unprocessable Content (validation_failed): request body is invalid\n  url: must be https\n  retrySchedule.0: too big\n']);
  });
});

describe('npx billhook', () => {
  it('runs from the repo root through the package bin', async () => {
    // Act
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = spawn('npx', ['--no-install', 'billhook', ...args], { cwd: REPO, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' }, stdio: ['ignore', 'pipe', 'ignore'] });
        let stdout = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.on('close', (code) => resolve({ code, stdout }));
      });
    const [help, wrong] = await Promise.all([run(['--help']), run(['frobnicate'])]);
    // Assert
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^billhook: the command line for the Billhook webhook-delivery API/);
    expect(wrong.code).toBe(2);
  });
});
