import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SsrfGuard } from '../../lib/adapters/http/url-guard.ts';
import { HttpWebhookSender } from '../../lib/adapters/http/webhook-sender.ts';

describe('HttpWebhookSender (real loopback server)', () => {
  let server: Server;
  let base: string;
  const sockets = new Set<Socket>();
  let connections = 0;
  const paths: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      paths.push(req.url ?? '');
      req.resume();
      req.on('end', () => {
        switch (req.url) {
          case '/ok':
            res.writeHead(200, { 'content-type': 'text/plain' }).end('fine');
            return;
          case '/redirect':
            res.writeHead(302, { location: '/ok' }).end();
            return;
          case '/retry-after':
            res.writeHead(429, { 'retry-after': '17' }).end();
            return;
          case '/big':
            res.writeHead(200);
            res.end(Buffer.alloc(10 * 1024 * 1024, 'a'));
            return;
          case '/hang':
            return; // never answers
          case '/drip': {
            res.writeHead(200);
            const timer = setInterval(() => res.write('.'), 50);
            res.on('close', () => clearInterval(timer));
            return;
          }
          default:
            res.writeHead(404).end();
        }
      });
    });
    server.on('connection', (s) => {
      connections++;
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  });

  const clock = { now: () => Date.now() };
  const localGuard = new SsrfGuard({ allowHttp: true, allowLoopback: true, allowCidrs: [] });
  const make = (timeoutMs = 2000) => new HttpWebhookSender(localGuard, clock, { timeoutMs, connectTimeoutMs: 1000 });
  const post = (s: HttpWebhookSender, path: string) => s.post({ url: base + path, headers: { 'content-type': 'application/json' }, body: '{}' });

  it('returns status, duration and the response excerpt, reusing connections per origin', async () => {
    const sender = make();
    const before = connections;
    const results = [];
    for (let i = 0; i < 20; i++) results.push(await post(sender, '/ok'));
    expect(results.map((r) => [r.statusCode, r.responseBody])).toEqual(Array(20).fill([200, 'fine']));
    expect(results.every((r) => r.durationMs >= 0)).toBe(true);
    // Keep-alive: 20 requests share a pool of at most two sockets (one may open
    // while the first is being released), not 20.
    expect(connections - before).toBeLessThanOrEqual(2);
    await sender.close();
  });

  it('never follows a redirect', async () => {
    const r = await post(make(), '/redirect');
    expect(r.statusCode).toBe(302);
  });

  it('passes Retry-After through', async () => {
    const r = await post(make(), '/retry-after');
    expect(r).toMatchObject({ statusCode: 429, retryAfter: '17' });
  });

  it('reads at most the cap of a 10 MB response and keeps a 4 KB excerpt', async () => {
    const r = await post(make(), '/big');
    expect(r.statusCode).toBe(200);
    expect(r.responseBody!.length).toBeLessThanOrEqual(4097);
    expect(r.responseBody!.endsWith('…')).toBe(true);
  });

  it('gives up on a hanging receiver within its timeout, with a clear error', async () => {
    const r = await post(make(300), '/hang');
    expect(r.statusCode).toBeUndefined();
    expect(r.error).toMatch(/timeout/);
    expect(r.durationMs).toBeLessThan(5000);
  });

  it('gives up on a body that never completes, saying so', async () => {
    const r = await post(make(300), '/drip');
    expect(r.statusCode).toBeUndefined();
    expect(r.error).toBe('timeout: response body not complete within 300 ms');
  });

  it('reports an answer that is not HTTP', async () => {
    const raw = createNetServer((s) => s.once('data', () => s.end('SSH-2.0-OpenSSH_9.6\r\n')));
    await new Promise<void>((res) => raw.listen(0, '127.0.0.1', res));
    try {
      const r = await make().post({ url: `http://127.0.0.1:${(raw.address() as AddressInfo).port}/`, headers: {}, body: '{}' });
      expect(r.statusCode).toBeUndefined();
      expect(r.error).toBe('invalid HTTP response from the endpoint');
    } finally {
      await new Promise((res) => raw.close(res));
    }
  });

  it('reports a refused connection', async () => {
    const closed = createServer();
    await new Promise<void>((res) => closed.listen(0, '127.0.0.1', res));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((res) => closed.close(res));
    const r = await make().post({ url: `http://127.0.0.1:${port}/`, headers: {}, body: '{}' });
    expect(r.error).toBe('connection refused');
  });

  it.each([
    ['a value', { 'x-a': 'v\u0001x' }, /not sent: Invalid character in header content \["x-a"\]/],
    ['a name', { 'x a': 'v' }, /not sent: Header name must be a valid HTTP token \["x a"\]/],
  ])('answers a header Node refuses (%s) with an error instead of throwing, sending nothing', async (_, headers, error) => {
    const before = paths.length;
    const r = await make().post({ url: base + '/ok', headers, body: '{}' });
    expect(r).toMatchObject({ error: expect.stringMatching(error) });
    expect(r.statusCode).toBeUndefined();
    expect(r.blocked).toBeUndefined();
    expect(paths.length).toBe(before);
  });

  it('refuses loopback when the policy does not allow it, before connecting', async () => {
    const strict = new HttpWebhookSender(new SsrfGuard({ allowHttp: true, allowLoopback: false, allowCidrs: [] }), clock, { timeoutMs: 1000, connectTimeoutMs: 500 });
    const byIp = await post(strict, '/strict-probe');
    const byName = await strict.post({ url: base.replace('127.0.0.1', 'localhost') + '/strict-probe', headers: {}, body: '{}' });
    expect(byIp).toMatchObject({ blocked: true, error: expect.stringMatching(/loopback|reserved/) });
    expect(byName).toMatchObject({ blocked: true, error: expect.stringMatching(/blocked address/) });
    expect(paths.filter((p) => p === '/strict-probe')).toEqual([]);
  });
});
