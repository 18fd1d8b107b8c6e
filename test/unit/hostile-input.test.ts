/**
 * Hostile input, generated: thousands of requests across every route with
 * malformed, oversized, deeply nested, wrongly typed and prototype-polluting
 * bodies, odd ids and headers. None may produce a 5xx, and none that is
 * rejected may change any state.
 *
 * The cases go past the HTTP layer: the in-memory queue encodes every
 * message as SQS carries it and refuses, as real SQS or the emulator would,
 * a body with a character either does not allow (test/support/sqs-character-rules.ts);
 * an accepted event must reach the queue with its data text intact.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { webhookBody } from '../../lib/app/deliver.ts';
import { memberTexts } from '../../lib/core/json-text.ts';
import { ADMIN_KEY, inProcessApi } from '../support/in-process-api.ts';
import { dataText, stringText } from '../support/json-text-arbitrary.ts';
import { refuseLikeSqs } from '../support/sqs-character-rules.ts';

const api = inProcessApi();
api.deps.queue.acceptBody = refuseLikeSqs;
let tenantKey = '';

beforeAll(async () => {
  await api.call('POST', '/v1/tenants', { key: ADMIN_KEY, body: { name: 'Fuzz', id: 'ten_fuzz' } });
  await api.call('POST', '/v1/tenants/ten_fuzz/endpoints', { key: ADMIN_KEY, body: { url: 'https://fuzz.example/hook' } });
  // The queue property below counts one message per event: its tenant has exactly one endpoint, whatever the route fuzz created.
  await api.call('POST', '/v1/tenants', { key: ADMIN_KEY, body: { name: 'Queue', id: 'ten_queue' } });
  await api.call('POST', '/v1/tenants/ten_queue/endpoints', { key: ADMIN_KEY, body: { url: 'https://queue.example/hook' } });
  tenantKey = (await api.call('POST', '/v1/tenants/ten_fuzz/api-keys', { key: ADMIN_KEY })).body.key;
});

const snapshot = api.snapshot;

const segment = fc.oneof(
  fc.constantFrom('ten_fuzz', 'ten_other', 'ep_x', 'evt_x', 'dlv_x', 'key_x', '..', '%2e%2e', '%00', '%ZZ', '__proto__', 'constructor', ''),
  fc.string({ maxLength: 20 }),
);
const tenantSegment = fc.oneof({ weight: 4, arbitrary: fc.constant('ten_fuzz') }, { weight: 1, arbitrary: segment });
/** Mostly real routes with their own method, sometimes anything at all. */
const target = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom({ method: 'POST', path: '/v1/tenants/ten_fuzz/events' }, { method: 'POST', path: '/v1/tenants/ten_fuzz/events/batch' }) },
  {
    weight: 5,
    arbitrary: fc.constantFrom(...api.router.routes).chain((route) =>
      fc.tuple(...[...route.def.path.matchAll(/\{([^}]+)\}/g)].map((m) => (m[1] === 'tenantId' ? tenantSegment : segment))).map((values) => {
        let i = 0;
        return { method: route.def.method as string, path: route.def.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(values[i++] ?? '')) };
      }),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      method: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT'),
      path: fc.array(segment, { maxLength: 6 }).map((parts) => '/' + parts.join('/')),
    }),
  },
);
const query = fc.dictionary(fc.constantFrom('limit', 'cursor', 'since', 'type', 'status', 'endpointId', 'eventId', 'x'), fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('-1', '0', '1e9', 'NaN', '2026-13-45', 'eyJzIjoieCIsImsiOnt9fQ')), { maxKeys: 3 });
const json = fc.jsonValue({ maxDepth: 4 });
const evilObject = fc.constantFrom(
  '{"__proto__":{"admin":true},"type":"invoice.paid","data":{}}',
  '{"type":"invoice.paid","data":{"__proto__":{"polluted":1},"constructor":{"prototype":{"x":1}}}}',
  '{"url":"https://x.example","__proto__":{"status":"enabled"}}',
  '{"name":"x","id":"ten_fuzz"}',
  '{"url":"http://169.254.169.254/latest/meta-data/"}',
  '{"url":"https://example.com","headers":{"Host":"evil"}}',
  '{"url":"https://example.com","headers":{"x-a":"b\\r\\nInjected: 1"}}',
  '{"events":[' + '{"type":"invoice.paid","data":{}},'.repeat(100) + '{"type":"invoice.paid","data":{}}]}',
  '{"type":"invoice.paid","data":' + '['.repeat(5000) + ']'.repeat(5000) + '}',
  '{"type":"invoice.paid","data":{"s":"' + 'x'.repeat(300_000) + '"}}',
  '{"type":"' + 'a.'.repeat(200) + 'b","data":{}}',
);
/** Near-valid bodies, so the generator also exercises the paths past validation. */
const plausible = fc.oneof(
  fc.record({ type: fc.constantFrom('invoice.paid', 'customer.created', 'nope.nope', ''), data: fc.dictionary(fc.string({ maxLength: 8 }), json, { maxKeys: 4 }) }),
  fc.record({ url: fc.oneof(fc.webUrl(), fc.constantFrom('https://10.0.0.1/', 'https://[::1]/', 'javascript:alert(1)')), eventTypes: fc.array(fc.constantFrom('*', 'invoice.*', 'bad', 'invoice.paid'), { maxLength: 3 }), retrySchedule: fc.array(fc.integer({ min: -5, max: 1e9 }), { maxLength: 3 }) }, { requiredKeys: ['url'] }),
  fc.record({ name: fc.string({ maxLength: 300 }), id: fc.constantFrom('ten_x1', 'bad id', 'ten_fuzz') }, { requiredKeys: ['name'] }),
  fc.record({ events: fc.array(fc.record({ type: fc.constantFrom('invoice.paid', 'x.y'), data: fc.constant({}) }), { maxLength: 4 }) }),
  // Any Unicode, as values: what JSON.stringify writes (astral characters raw, lone surrogates escaped).
  fc.record({ type: fc.constant('invoice.paid'), data: fc.dictionary(fc.string({ unit: 'binary', maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 16 }), { maxKeys: 3 }) }),
).map((v) => JSON.stringify(v));
/** Event bodies as text: raw number texts, every escape, every plane, duplicate keys now and then. */
const eventText = fc.oneof(
  { weight: 4, arbitrary: dataText(31).map((d) => `{"type":"invoice.paid","data":${d.text}}`) },
  { weight: 1, arbitrary: fc.tuple(stringText, dataText(3)).map(([k, d]) => `{"type":"invoice.paid","data":{${k}:1,"x":${d.text},${k}:2}}`) },
  { weight: 1, arbitrary: fc.array(dataText(29), { minLength: 1, maxLength: 3 }).map((ds) => `{"events":[${ds.map((d) => `{"type":"invoice.paid","data":${d.text}}`).join(',')}]}`) },
);
const body = fc.oneof(
  { weight: 4, arbitrary: plausible },
  { weight: 2, arbitrary: eventText },
  json.map((v) => JSON.stringify(v)),
  evilObject,
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  fc.constant(undefined),
);
const headers = fc.record(
  {
    'content-type': fc.oneof(
      { weight: 3, arbitrary: fc.constant('application/json') },
      { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-8', '', 'application/merge-patch+json') },
    ),
    'idempotency-key': fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom('k1', ' ', '\u00e9')),
  },
  { requiredKeys: [] },
);
const key = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('admin', 'tenant') }, { weight: 1, arbitrary: fc.constantFrom('none', 'garbage') });

describe('hostile input (property)', () => {
  it('never answers 5xx and never changes state when it rejects a request', async () => {
    let runs = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(target, query, body, headers, key, async ({ method: m, path: p }, q, b, h, k) => {
        runs++;
        const before = snapshot();
        const qs = new URLSearchParams(q).toString();
        const res = await api.call(m, qs ? `${p}?${qs}` : p, {
          ...(k === 'admin' ? { key: ADMIN_KEY } : k === 'tenant' ? { key: tenantKey } : k === 'garbage' ? { key: 'bh_tk_garbage' } : {}),
          ...(b === undefined ? {} : Buffer.isBuffer(b) ? { rawBody: b } : { body: b }),
          headers: h,
        });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(res.status, `${m} ${p} → ${res.status} ${JSON.stringify(res.body)}`).toBeLessThan(500);
        if (res.status >= 400) {
          expect(snapshot(), `${m} ${p} rejected with ${res.status} but changed state`).toBe(before);
          expect(res.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status: res.status, detail: expect.any(String), code: expect.any(String) });
        }
        expect(({} as Record<string, unknown>).admin).toBeUndefined();
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 1500, seed: 20261123 },
    );
    expect(runs).toBe(1500);
    // The generator reaches both accepted and rejected answers.
    expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
    expect([...statuses.keys()].filter((s) => s >= 400).length).toBeGreaterThanOrEqual(6);
    expect(statuses.get(422) ?? 0).toBeGreaterThan(20);
    expect(statuses.get(202) ?? 0).toBeGreaterThan(5);
  }, 120_000);
});

describe('hostile payloads past the HTTP layer (property)', () => {
  it('are queued with their data text exactly as sent (minified), valid for SQS and the emulator, or refused with a 4xx', async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(dataText(31), fc.boolean(), async (data, batch) => {
        const before = api.deps.queue.sent.length;
        api.deps.clock.advance(1); // the fixture's ids come from a counter that wraps at 256: time keeps them apart
        const res = batch
          ? await api.call('POST', '/v1/tenants/ten_queue/events/batch', { key: ADMIN_KEY, body: `{"events":[{"type":"invoice.paid","data":${data.text}}]}` })
          : await api.call('POST', '/v1/tenants/ten_queue/events', { key: ADMIN_KEY, body: `{"type":"invoice.paid","data":${data.text}}` });
        // Batch bodies nest two levels more: data that deep is refused (422), never a 5xx.
        if (res.status === 422 && batch && res.body.detail.includes('nested deeper')) return;
        expect(res.status, JSON.stringify(res.body)).toBe(202);
        accepted++;
        const queued = api.deps.queue.sent.slice(before);
        expect(queued).toHaveLength(1);
        expect(queued[0]!.message.event.dataJson).toBe(data.min);
        expect(memberTexts(webhookBody(queued[0]!.message)).get('data')).toBe(data.min);
      }),
      { numRuns: 500, seed: 20261124 },
    );
    expect(accepted).toBeGreaterThan(400);
  }, 60_000);
});
