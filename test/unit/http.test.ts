import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { AdminKeyAuthenticator } from '../../lib/http/auth.ts';
import { fromApiGateway, handleHttp } from '../../lib/http/handler.ts';
import { minifyJson } from '../../lib/core/json-text.ts';
import { route } from '../../lib/contract/define.ts';
import * as z from '../../lib/core/zod.ts';
import { implement, Router, type Route } from '../../lib/http/router.ts';
import type { HttpRequest } from '../../lib/http/types.ts';
import { silentLogger } from '../../lib/log.ts';
import { eventInputSchema, tenantIdSchema } from '../../lib/core/model.ts';

const ADMIN = 'admin-key-for-tests-0123456789';

function req(method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): HttpRequest {
  const r: HttpRequest = { method, path, query: {}, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...headers }, requestId: 'r1' };
  if (body !== undefined) r.body = Buffer.from(body);
  return r;
}

const ok = { 200: { description: 'ok', schema: z.unknown() } } as const;
const routes: Route[] = [
  implement(route({ method: 'GET', path: '/v1/health', tag: 't', summary: '', auth: 'none', responses: ok }), async () => ({ status: 'ok' })),
  implement(
    route({
      method: 'POST',
      path: '/v1/tenants/{tenantId}/events',
      tag: 't',
      summary: '',
      auth: 'tenant',
      params: z.object({ tenantId: tenantIdSchema }),
      body: eventInputSchema,
      responses: { 202: { description: 'accepted', schema: z.unknown() } },
    }),
    async ({ params, body }) => ({ tenant: params.tenantId, input: body }),
  ),
  implement(route({ method: 'GET', path: '/v1/tenants', tag: 't', summary: '', auth: 'admin', responses: ok }), async () => ({ data: [] })),
  implement(route({ method: 'GET', path: '/v1/boom', tag: 't', summary: '', auth: 'none', responses: ok }), async () => {
    throw new Error('secret internals');
  }),
];
const router = new Router(routes);
const auth = new AdminKeyAuthenticator(async () => ADMIN);
const call = (r: HttpRequest) => handleHttp(router, auth, silentLogger, r);
const problemOf = (res: { body?: string }) => JSON.parse(res.body!);

describe('handleHttp', () => {
  it('serves a public route without a key', async () => {
    const res = await call(req('GET', '/v1/health', undefined, { authorization: '' }));
    expect(res.statusCode).toBe(200);
  });

  it.each([
    ['missing key', { authorization: '' }, 401, 'unauthorized'],
    ['wrong key', { authorization: 'Bearer nope' }, 401, 'unauthorized'],
  ])('%s → %i problem+json', async (_, headers, status, code) => {
    const res = await call(req('GET', '/v1/tenants', undefined, headers));
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(problemOf(res)).toMatchObject({ status, code, title: expect.any(String), type: expect.stringContaining('https://'), detail: expect.any(String) });
  });

  it('parses a valid body and path parameters', async () => {
    const res = await call(req('POST', '/v1/tenants/ten_a/events', '{"type":"invoice.paid","data":{"x":1}}'));
    expect(res.statusCode).toBe(202);
    expect(JSON.parse(res.body!)).toEqual({ tenant: 'ten_a', input: { type: 'invoice.paid', data: { x: 1 } } });
  });

  it.each([
    ['malformed JSON', '{"type":', {}, 400, 'invalid_json'],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), {}, 400, 'invalid_json'],
    ['schema violation', '{"type":"invoice.paid","data":[]}', {}, 422, 'validation_failed'],
    ['unknown field', '{"type":"invoice.paid","data":{},"extra":1}', {}, 422, 'validation_failed'],
    ['wrong content type', '{}', { 'content-type': 'text/plain' }, 415, 'unsupported_media_type'],
    ['too large', JSON.stringify({ type: 'invoice.paid', data: { s: 'x'.repeat(256 * 1024) } }), {}, 413, 'payload_too_large'],
    ['too deep', '{"type":"invoice.paid","data":' + '{"a":'.repeat(40) + '1' + '}'.repeat(40) + '}', {}, 422, 'validation_failed'],
  ] as [string, string | Buffer, Record<string, string>, number, string][])('%s → %i %s', async (_, body, headers, status, code) => {
    const res = await call(req('POST', '/v1/tenants/ten_a/events', body, headers));
    expect(res.statusCode).toBe(status);
    expect(problemOf(res).code).toBe(code);
  });

  it('reports the failing fields of a 422', async () => {
    const res = await call(req('POST', '/v1/tenants/ten_a/events', '{"type":5,"data":{}}'));
    expect(problemOf(res).errors).toEqual([{ path: 'type', message: expect.any(String) }]);
  });

  it('answers 404 for an unknown route and 405 for a wrong method', async () => {
    expect((await call(req('GET', '/v2/nothing'))).statusCode).toBe(404);
    expect(problemOf(await call(req('GET', '/v2/nothing'))).code).toBe('route_not_found');
    expect((await call(req('DELETE', '/v1/health'))).statusCode).toBe(405);
  });

  it('hides the details of an unexpected error behind an opaque 500', async () => {
    const res = await call(req('GET', '/v1/boom'));
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('secret internals');
  });

  it('answers 404 for a malformed tenant id in the path', async () => {
    const res = await call(req('POST', '/v1/tenants/not-a-tenant/events', '{"type":"invoice.paid","data":{}}'));
    expect(res.statusCode).toBe(404);
  });
});

describe('fromApiGateway', () => {
  it('decodes a base64 body and lower-cases headers', () => {
    const event = {
      version: '2.0',
      routeKey: '$default',
      rawPath: '/v1/x',
      rawQueryString: 'a=1',
      headers: { 'Content-Type': 'application/json' },
      queryStringParameters: { a: '1' },
      requestContext: { http: { method: 'post' }, requestId: 'abc' },
      body: Buffer.from('{"k":1}').toString('base64'),
      isBase64Encoded: true,
    } as unknown as APIGatewayProxyEventV2;
    const r = fromApiGateway(event);
    expect(r).toMatchObject({ method: 'POST', path: '/v1/x', query: { a: '1' }, headers: { 'content-type': 'application/json' }, requestId: 'abc' });
    expect(r.body!.toString()).toBe('{"k":1}');
  });
});

describe('JSON depth (measured on the text)', () => {
  it.each([['1', 0], ['{}', 1], ['{"a":[1,{"b":2}]}', 3]])('%s → %i', (t, d) => expect(minifyJson(t).depth).toBe(d));
});
