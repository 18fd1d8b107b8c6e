import http from 'node:http';
import { connect } from 'node:net';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildEventV2, createHttpShim, HEADERS_TIMEOUT_MS, isTextContentType, MAX_REQUEST_BODY_BYTES, REQUEST_TIMEOUT_MS, PortInUseError, startHttpShim, type HttpHandler, type HttpShim } from '../../lib/local/http-shim.ts';
import { occupyPort } from './helpers.ts';

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** node:http rather than fetch, to send duplicate header lines and read set-cookie exactly. */
function request(url: string, opts: { method?: string; headers?: http.OutgoingHttpHeaders; body?: Buffer | string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('http shim (API Gateway HTTP API, payload 2.0)', () => {
  let shim: HttpShim | undefined;
  const calls: { fn: string; event: APIGatewayProxyEventV2; context: Context }[] = [];
  const recorder =
    (fn: string, answer: Awaited<ReturnType<HttpHandler>> = { statusCode: 200, body: 'ok' }): HttpHandler =>
    async (event, context) => {
      calls.push({ fn, event, context });
      return answer;
    };
  const errors: string[] = [];

  async function start(handlers: { ingest?: HttpHandler; api?: HttpHandler } = {}) {
    shim = await startHttpShim({
      handlers: { ingest: handlers.ingest ?? recorder('ingest'), api: handlers.api ?? recorder('api') },
      logError: (line) => errors.push(line),
    });
    return shim;
  }

  afterEach(async () => {
    await shim?.close();
    shim = undefined;
    calls.length = 0;
    errors.length = 0;
  });

  it('turns a request into a v2 event: method, path, query, headers, cookies, JSON body, request context', async () => {
    // Arrange
    const { url, port } = await start();

    // Act
    const res = await request(`${url}/v1/tenants/ten_1/events?type=invoice.paid&tag=a&tag=b%20c&empty=`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Multi': ['one', 'two'], Cookie: 'a=1; b=2', 'User-Agent': 'tester/1.0', 'Idempotency-Key': 'k1' },
      body: '{"type":"invoice.paid","data":{"n":"é"}}',
    });

    // Assert
    expect(res.status).toBe(200);
    expect(calls).toHaveLength(1);
    const { fn, event, context } = calls[0]!;
    expect(fn).toBe('ingest');
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/v1/tenants/ten_1/events',
      rawQueryString: 'type=invoice.paid&tag=a&tag=b%20c&empty=',
      cookies: ['a=1', 'b=2'],
      queryStringParameters: { type: 'invoice.paid', tag: 'a,b c', empty: '' },
      body: '{"type":"invoice.paid","data":{"n":"é"}}',
      isBase64Encoded: false,
    });
    expect(event.headers).toMatchObject({
      'content-type': 'application/json',
      'x-multi': 'one,two',
      'user-agent': 'tester/1.0',
      'idempotency-key': 'k1',
      host: `127.0.0.1:${port}`,
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
    });
    expect(event.headers.cookie).toBeUndefined();
    expect(Object.keys(event.headers).every((k) => k === k.toLowerCase())).toBe(true);
    expect(event.requestContext).toMatchObject({
      domainName: `127.0.0.1:${port}`,
      http: { method: 'POST', path: '/v1/tenants/ten_1/events', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'tester/1.0' },
      routeKey: '$default',
      stage: '$default',
    });
    expect(event.requestContext.requestId).toBe(res.headers['apigw-requestid']);
    expect(event.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(Math.abs(event.requestContext.timeEpoch - Date.now())).toBeLessThan(10_000);
    expect(context.functionName).toBe('billhook-ingest');
    expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(28_000);
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(29_000);
  });

  it('sends management routes to the api function and omits absent parts of the event', async () => {
    const { url } = await start();

    await request(`${url}/v1/tenants/ten_1/events`); // GET: not an ingest route

    const { fn, event } = calls[0]!;
    expect(fn).toBe('api');
    expect(event.rawQueryString).toBe('');
    expect(event).not.toHaveProperty('queryStringParameters');
    expect(event).not.toHaveProperty('cookies');
    expect(event).not.toHaveProperty('body');
    expect(event.isBase64Encoded).toBe(false);
  });

  it('base64-encodes a body whose content type is not text', async () => {
    const { url } = await start();
    const bytes = Buffer.from([0, 1, 2, 250, 251, 255, 10, 13]);

    await request(`${url}/upload`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: bytes });

    const { event } = calls[0]!;
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body!, 'base64').equals(bytes)).toBe(true);
  });

  it('passes a JSON body that is not valid UTF-8 as bytes, so the handler can refuse it (400), not see U+FFFD', async () => {
    const { url } = await start();
    const bytes = Buffer.concat([Buffer.from('{"s":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);

    await request(`${url}/v1/tenants/ten_1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bytes });

    const { event } = calls[0]!;
    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body!, 'base64').equals(bytes)).toBe(true);
  });

  it('writes status, headers, cookies and a base64 body from the handler result', async () => {
    const png = Buffer.from([137, 80, 78, 71, 0, 255]);
    const { url } = await start({
      api: async () => ({
        statusCode: 201,
        headers: { 'content-type': 'image/png', 'x-count': 3, 'x-flag': true },
        cookies: ['s=1; Path=/', 't=2; HttpOnly'],
        body: png.toString('base64'),
        isBase64Encoded: true,
      }),
    });

    const res = await request(`${url}/img`);

    expect(res.status).toBe(201);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['x-count']).toBe('3');
    expect(res.headers['x-flag']).toBe('true');
    expect(res.headers['set-cookie']).toEqual(['s=1; Path=/', 't=2; HttpOnly']);
    expect(res.body.equals(png)).toBe(true);
  });

  it('answers a result without statusCode as 200 JSON, as the gateway infers', async () => {
    const { url } = await start({ api: async () => ({ hello: 'world' }) });

    const res = await request(`${url}/anything`);

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(JSON.parse(res.body.toString())).toEqual({ hello: 'world' });
  });

  it('answers 413 problem+json above 10 MB without calling a handler', async () => {
    const { url } = await start();

    const over = await request(`${url}/v1/tenants/t/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.alloc(MAX_REQUEST_BODY_BYTES + 1, 0x20),
    });
    const atLimit = await request(`${url}/v1/tenants/t/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.alloc(MAX_REQUEST_BODY_BYTES, 0x20),
    });

    expect(over.status).toBe(413);
    expect(over.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(over.body.toString())).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(atLimit.status).toBe(200);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.event.body).toHaveLength(MAX_REQUEST_BODY_BYTES);
  });

  it('answers 413 for a chunked body one byte over the limit (no content-length)', async () => {
    const { url } = await start();
    const res = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${url}/v1/tenants/t/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, agent: false }, (r) => {
        r.resume();
        r.on('end', () => resolve(r.statusCode ?? 0));
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      for (let i = 0; i < MAX_REQUEST_BODY_BYTES / chunk.length; i++) req.write(chunk);
      req.end(' '); // one byte over the limit
    });
    expect(res).toBe(413);
    expect(calls).toHaveLength(0);
  });

  it('answers 500 problem+json when the handler throws, and logs the error', async () => {
    const { url } = await start({
      api: async () => {
        throw new Error('kaboom in handler');
      },
    });

    const res = await request(`${url}/v1/tenants`);

    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toBe('application/problem+json');
    const body = JSON.parse(res.body.toString());
    expect(body).toEqual({ type: expect.any(String), title: 'Internal Server Error', status: 500, detail: expect.any(String), code: 'internal_error' });
    expect(body.detail).not.toContain('kaboom');
    expect(errors.join('\n')).toContain('kaboom in handler');
  });

  it('answers 503 when a handler outlives its timeout', async () => {
    shim = await startHttpShim({
      handlers: { ingest: recorder('ingest'), api: () => new Promise(() => {}) },
      timeoutSeconds: { api: 0.2 },
      logError: (line) => errors.push(line),
    });

    const res = await request(`${shim.url}/slow`);

    expect(res.status).toBe(503);
    expect(JSON.parse(res.body.toString())).toMatchObject({ code: 'function_timeout' });
    expect(errors.join('\n')).toContain('timed out');
  });

  /** Send `text` on a raw connection and collect what comes back until the server closes it. */
  function slowClient(url: string, text: string): Promise<string> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => socket.write(text));
      let got = '';
      socket.on('data', (c: Buffer) => (got += c.toString('latin1')));
      socket.on('close', () => resolve(got));
      socket.on('error', reject);
    });
  }

  it('has documented header and request timeouts well below Node\'s defaults', () => {
    expect(HEADERS_TIMEOUT_MS).toBe(10_000);
    expect(REQUEST_TIMEOUT_MS).toBe(30_000);
    const s = createHttpShim();
    expect(s.server.headersTimeout).toBe(HEADERS_TIMEOUT_MS);
    expect(s.server.requestTimeout).toBe(REQUEST_TIMEOUT_MS);
  });

  it('answers 408 and closes a connection whose headers never complete', async () => {
    shim = await startHttpShim({ handlers: { ingest: recorder('ingest'), api: recorder('api') }, headersTimeoutMs: 100, requestTimeoutMs: 200, logError: (line) => errors.push(line) });
    const answer = await slowClient(shim.url, 'POST /v1/tenants HTTP/1.1\r\nHost: x\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(calls).toHaveLength(0);
  });

  it('answers 408 and closes a connection whose body never completes', async () => {
    shim = await startHttpShim({ handlers: { ingest: recorder('ingest'), api: recorder('api') }, headersTimeoutMs: 100, requestTimeoutMs: 200, logError: (line) => errors.push(line) });
    const answer = await slowClient(shim.url, 'POST /v1/tenants HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"na');
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(calls).toHaveLength(0);
    expect(errors).toEqual([]);
  });

  it('answers 503 "starting" until handlers are set', async () => {
    shim = createHttpShim({ logError: () => {} });
    await shim.listen(0);

    const before = await request(`${shim.url}/v1/health`);
    shim.setHandlers({ ingest: recorder('ingest'), api: recorder('api') });
    const after = await request(`${shim.url}/v1/health`);

    expect(before.status).toBe(503);
    expect(before.headers['retry-after']).toBe('1');
    expect(after.status).toBe(200);
  });

  it('fails with a clear message when the port is in use', async () => {
    const taken = await occupyPort();
    try {
      const attempt = startHttpShim({ port: taken.port, handlers: { ingest: recorder('ingest'), api: recorder('api') } });
      await expect(attempt).rejects.toBeInstanceOf(PortInUseError);
      await expect(attempt).rejects.toThrow(`port ${taken.port} is already in use: set PORT to another port`);
    } finally {
      await taken.close();
    }
  });

  it('close() waits for a request in flight and is safe to call twice', async () => {
    let release!: () => void;
    const entered = vi.fn();
    const { url } = await start({
      api: () =>
        new Promise((resolve) => {
          entered();
          release = () => resolve({ statusCode: 200, body: 'late' });
        }),
    });
    const pending = request(`${url}/slow`);
    await vi.waitFor(() => expect(entered).toHaveBeenCalled());

    let closed = false;
    const closing = shim!.close().then(() => (closed = true));
    await new Promise((r) => setImmediate(r));
    expect(closed).toBe(false);
    release();
    const res = await pending;
    await closing;
    await shim!.close();

    expect(res.body.toString()).toBe('late');
    expect(closed).toBe(true);
  });
});

describe('buildEventV2', () => {
  it('joins duplicate headers with commas and keeps x-forwarded-for chains', () => {
    const event = buildEventV2({
      method: 'get',
      url: '/p%20q?x=1',
      httpVersion: '1.1',
      rawHeaders: ['Accept', 'a', 'ACCEPT', 'b', 'X-Forwarded-For', '10.0.0.1', 'Host', 'example.test'],
      body: Buffer.alloc(0),
      sourceIp: '127.0.0.1',
      requestId: 'rid',
      now: new Date(Date.UTC(2020, 2, 12, 19, 3, 58)),
    });
    expect(event.headers.accept).toBe('a,b');
    expect(event.headers['x-forwarded-for']).toBe('10.0.0.1, 127.0.0.1');
    expect(event.rawPath).toBe('/p%20q');
    expect(event.requestContext.http.method).toBe('GET');
    expect(event.requestContext.time).toBe('12/Mar/2020:19:03:58 +0000');
    expect(event.requestContext.domainPrefix).toBe('example');
  });

  it.each([
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['application/problem+json', true],
    ['text/plain', true],
    ['application/xml', true],
    ['application/octet-stream', false],
    ['application/x-www-form-urlencoded', false],
    ['image/png', false],
    [undefined, false],
  ])('treats %s as text: %s', (type, text) => {
    expect(isTextContentType(type)).toBe(text);
  });
});
