/**
 * The event catalogue through the HTTP API, in process (real routers, auth
 * and use cases over the memory adapters): PUT/GET/DELETE, every refusal
 * changing nothing, schema validation at ingest (single and batch), and
 * test sends of a type's example.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { memberTexts } from '../../lib/core/json-text.ts';
import { ADMIN_KEY, inProcessApi } from '../support/in-process-api.ts';

const admin = { key: ADMIN_KEY };

const walletSchema = {
  type: 'object',
  required: ['walletId', 'amount', 'currency'],
  properties: {
    walletId: { type: 'string', pattern: '^wal_' },
    amount: { type: 'integer', minimum: 1 },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    lines: { type: 'array', items: { type: 'object', required: ['sku'], properties: { sku: { type: 'string' } } } },
  },
};
/** Sent as text: the big number and the `1.50` must survive as written. */
const walletExampleText = '{"walletId":"wal_1","amount":12345678901234567890,"currency":"EUR","rate":1.50}';
const putBody = (example = walletExampleText, schema: unknown = walletSchema) => `{"description":"Credits were added to a wallet.","schema":${JSON.stringify(schema)},"example":${example}}`;

describe('event catalogue API', () => {
  let api: ReturnType<typeof inProcessApi>;
  let tenantKey: string;

  beforeEach(async () => {
    api = inProcessApi();
    await api.call('POST', '/v1/tenants', { ...admin, body: { name: 'Acme', id: 'ten_acme' } });
    tenantKey = (await api.call('POST', '/v1/tenants/ten_acme/api-keys', admin)).body.key;
  });

  const put = (type: string, body: string | object, key = ADMIN_KEY) => api.call('PUT', `/v1/event-types/${type}`, { key, body });
  const list = async () => (await api.call('GET', '/v1/event-types', { key: tenantKey })).body.data as { type: string; source: string; example?: unknown; schema?: unknown }[];

  describe('GET /v1/event-types', () => {
    it('lists the default billing catalogue with examples, sorted, to any key', async () => {
      const types = await list();
      expect(types.map((t) => t.type)).toEqual([...types.map((t) => t.type)].sort());
      expect(types.find((t) => t.type === 'wallet.topped_up')).toMatchObject({ source: 'default', example: { walletId: expect.any(String), amount: expect.any(Number) } });
      expect(types.every((t) => t.schema === undefined && t.example !== undefined)).toBe(true);
    });
  });

  describe('PUT /v1/event-types/{type}', () => {
    it('stores a definition; the list shows it, schema and example as sent', async () => {
      // Act
      const res = await put('wallet.topped_up', putBody());
      const listed = await api.call('GET', '/v1/event-types', { key: tenantKey });
      // Assess
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ type: 'wallet.topped_up', description: 'Credits were added to a wallet.', schema: walletSchema, source: 'custom' });
      expect(memberTexts(res.text).get('example')).toBe(walletExampleText);
      const entry = memberTexts(listed.text).get('data')!;
      expect(entry).toContain(`"example":${walletExampleText}`);
      expect(listed.body.data.find((t: { type: string }) => t.type === 'wallet.topped_up').source).toBe('custom');
    });

    it('adds a new type that endpoints may subscribe to, by name or namespace', async () => {
      expect((await put('acme.thing', { description: 'A thing happened.' })).status).toBe(200);
      const exact = await api.call('POST', '/v1/tenants/ten_acme/endpoints', { ...admin, body: { url: 'https://a.example/hook', eventTypes: ['acme.thing'] } });
      const wildcard = await api.call('POST', '/v1/tenants/ten_acme/endpoints', { ...admin, body: { url: 'https://a.example/hook', eventTypes: ['acme.*'] } });
      const sent = await api.call('POST', '/v1/tenants/ten_acme/events', { key: tenantKey, body: { type: 'acme.thing', data: { id: 1 } } });
      expect([exact.status, wildcard.status, sent.status]).toEqual([201, 201, 202]);
      expect(sent.body.deliveries).toBe(2);
    });

    it.each([
      ['a reserved namespace (endpoint.*)', 'endpoint.paused', { description: 'x' }, 422, 'validation_failed', 'type', /reserved for the operational events/],
      ['an operational type', 'delivery.exhausted', { description: 'x' }, 422, 'validation_failed', 'type', /reserved/],
      ['a malformed type', 'Acme.Thing', { description: 'x' }, 422, 'validation_failed', 'type', /lower-case dotted/],
      ['a schema that is not JSON Schema', 'acme.thing', { description: 'x', schema: { properties: { n: { type: 'integr' } } } }, 422, 'invalid_schema', 'schema.properties.n.type', /must be one of/],
      ['a schema with a remote reference', 'acme.thing', { description: 'x', schema: { $ref: 'https://example.com/s.json' } }, 422, 'invalid_schema', 'schema.$ref', /does not resolve/],
      ['an example that does not satisfy the schema', 'wallet.topped_up', { description: 'x', schema: walletSchema, example: { walletId: 'x', amount: 0, lines: [{}] } }, 422, 'schema_mismatch', 'example.walletId', /pattern/],
      ['an empty description', 'acme.thing', { description: '  ' }, 422, 'validation_failed', 'description', /./],
      ['an example that is not an object', 'acme.thing', { description: 'x', example: [1] }, 422, 'validation_failed', 'example', /./],
    ])('refuses %s, changing nothing', async (_name, type, body, status, code, path, message) => {
      // Prepare
      const before = api.snapshot();
      // Act
      const res = await put(type, body);
      // Assess
      expect(res.status).toBe(status);
      expect(res.body.code).toBe(code);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
      expect(res.body.errors.find((e: { path: string }) => e.path === path).message).toMatch(message);
      expect(api.snapshot()).toBe(before);
    });

    it('lists every failing path of an example', async () => {
      const res = await put('wallet.topped_up', { description: 'x', schema: walletSchema, example: { walletId: 'x', amount: 0, lines: [{}] } });
      expect(res.body.errors).toEqual([
        { path: 'example.currency', message: 'is required' },
        { path: 'example.walletId', message: 'String does not match pattern.' },
        { path: 'example.amount', message: '0 is less than 1.' },
        { path: 'example.lines.0.sku', message: 'is required' },
      ]);
    });

    it('is for the admin key only', async () => {
      const res = await put('acme.thing', { description: 'x' }, tenantKey);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('forbidden');
    });
  });

  describe('DELETE /v1/event-types/{type}', () => {
    it('drops a stored definition: a default returns to its default, a custom type is gone', async () => {
      await put('invoice.paid', { description: 'Ours.', schema: { required: ['invoiceId'] } });
      await put('acme.thing', { description: 'A thing.' });
      expect((await api.call('DELETE', '/v1/event-types/invoice.paid', admin)).status).toBe(204);
      expect((await api.call('DELETE', '/v1/event-types/acme.thing', admin)).status).toBe(204);
      const types = await list();
      expect(types.find((t) => t.type === 'invoice.paid')).toMatchObject({ source: 'default', example: expect.any(Object) });
      expect(types.find((t) => t.type === 'acme.thing')).toBeUndefined();
      const sent = await api.call('POST', '/v1/tenants/ten_acme/events', { key: tenantKey, body: { type: 'acme.thing', data: {} } });
      expect(sent.body.code).toBe('unknown_event_type');
    });

    it('answers 404 for a type without a stored definition, and 403 to a tenant key', async () => {
      expect((await api.call('DELETE', '/v1/event-types/invoice.paid', admin)).status).toBe(404);
      expect((await api.call('DELETE', '/v1/event-types/invoice.paid', { key: tenantKey })).status).toBe(403);
    });
  });

  describe('ingest against a schema', () => {
    beforeEach(async () => {
      expect((await put('wallet.topped_up', putBody())).status).toBe(200);
      await api.call('POST', '/v1/tenants/ten_acme/endpoints', { ...admin, body: { url: 'https://a.example/hook', eventTypes: ['wallet.*'] } });
    });

    it('refuses data that does not satisfy the schema with 422 schema_mismatch and the failing paths; nothing is stored or queued', async () => {
      // Prepare
      const before = api.snapshot();
      // Act
      const res = await api.call('POST', '/v1/tenants/ten_acme/events', { key: tenantKey, body: { type: 'wallet.topped_up', data: { walletId: 'w1', amount: '10', lines: [{ sku: 3 }] } } });
      // Assess
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'schema_mismatch', detail: 'data does not satisfy the schema of wallet.topped_up' });
      expect(res.body.errors).toEqual([
        { path: 'data.currency', message: 'is required' },
        { path: 'data.walletId', message: 'String does not match pattern.' },
        { path: 'data.amount', message: 'Instance type "string" is invalid. Expected "integer".' },
        { path: 'data.lines.0.sku', message: 'Instance type "number" is invalid. Expected "string".' },
      ]);
      expect(api.snapshot()).toBe(before);
    });

    it('accepts conforming data and queues it as sent', async () => {
      const text = '{"type":"wallet.topped_up","data":{"walletId":"wal_9","amount":99999999999999999999,"currency":"EUR"}}';
      const res = await api.call('POST', '/v1/tenants/ten_acme/events', { key: tenantKey, body: text });
      expect(res.status).toBe(202);
      expect(api.deps.queue.sent.at(-1)!.message.event.dataJson).toBe('{"walletId":"wal_9","amount":99999999999999999999,"currency":"EUR"}');
    });

    it('refuses a whole batch when one event mismatches, the paths naming its index', async () => {
      const before = api.snapshot();
      const good = { type: 'wallet.topped_up', data: { walletId: 'wal_1', amount: 5, currency: 'EUR' } };
      const res = await api.call('POST', '/v1/tenants/ten_acme/events/batch', {
        key: tenantKey,
        body: { events: [good, { type: 'invoice.paid', data: { free: 'form' } }, { type: 'wallet.topped_up', data: { walletId: 'wal_1', amount: 0, currency: 'eur' } }] },
      });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('schema_mismatch');
      expect(res.body.errors).toEqual([
        { path: 'events.2.data.amount', message: '0 is less than 1.' },
        { path: 'events.2.data.currency', message: 'String does not match pattern.' },
      ]);
      expect(api.snapshot()).toBe(before);
    });

    it('checks an unknown type before any schema', async () => {
      const res = await api.call('POST', '/v1/tenants/ten_acme/events/batch', {
        key: tenantKey,
        body: { events: [{ type: 'wallet.topped_up', data: {} }, { type: 'wallet.unheard_of', data: {} }] },
      });
      expect(res.body).toMatchObject({ code: 'unknown_event_type', errors: [{ path: 'events.1.type', message: 'unknown event type "wallet.unheard_of"' }] });
    });

    it('checks nothing once the definition is dropped (the default has no schema)', async () => {
      await api.call('DELETE', '/v1/event-types/wallet.topped_up', admin);
      const res = await api.call('POST', '/v1/tenants/ten_acme/events', { key: tenantKey, body: { type: 'wallet.topped_up', data: { anything: true } } });
      expect(res.status).toBe(202);
    });
  });

  describe('POST …/endpoints/{id}/test with a type ("send example")', () => {
    let endpointId: string;
    beforeEach(async () => {
      endpointId = (await api.call('POST', '/v1/tenants/ten_acme/endpoints', { ...admin, body: { url: 'https://a.example/hook' } })).body.id;
    });
    const test = (body: object) => api.call('POST', `/v1/tenants/ten_acme/endpoints/${endpointId}/test`, { key: tenantKey, body });

    it("sends a default type's example as its data", async () => {
      const res = await test({ type: 'dunning.started' });
      expect(res.status).toBe(202);
      const sent = api.deps.queue.sent.at(-1)!.message.event;
      expect(sent.type).toBe('dunning.started');
      expect(JSON.parse(sent.dataJson)).toMatchObject({ dunningId: expect.stringMatching(/^dun_/), invoiceId: expect.any(String) });
    });

    it("sends a stored example exactly as its text was stored, and stores the event with it", async () => {
      await put('wallet.topped_up', putBody());
      const res = await test({ type: 'wallet.topped_up' });
      const sent = api.deps.queue.sent.at(-1)!.message.event;
      expect(sent.dataJson).toBe(walletExampleText);
      const stored = await api.call('GET', `/v1/tenants/ten_acme/events/${res.body.eventId}`, { key: tenantKey });
      expect(memberTexts(stored.text).get('data')).toBe(walletExampleText);
    });

    it('refuses a test send of a type whose schema the plain test data does not satisfy, when it has no example', async () => {
      await put('acme.strict', { description: 'Strict.', schema: { required: ['orderId'] } });
      const before = api.snapshot();
      const res = await test({ type: 'acme.strict' });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'schema_mismatch', errors: [{ path: 'type', message: 'has a schema and no example' }] });
      expect(res.body.detail).toMatch(/store an example \(PUT \/v1\/event-types\/acme.strict\)/);
      expect(api.snapshot()).toBe(before);
    });

    it('sends the plain test data for a type without an example, and webhook.test by default', async () => {
      await put('acme.thing', { description: 'A thing.' });
      await test({ type: 'acme.thing' });
      expect(api.deps.queue.sent.at(-1)!.message.event.dataJson).toBe('{"test":true,"message":"This is a test event sent from Billhook."}');
      await test({});
      expect(api.deps.queue.sent.at(-1)!.message.event).toMatchObject({ type: 'webhook.test', dataJson: '{"test":true,"message":"This is a test event sent from Billhook."}' });
    });
  });
});
