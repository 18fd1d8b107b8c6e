/**
 * The event catalogue end to end on local mode (DynamoDB Local, the SQS
 * emulator, the real handlers): definitions stored with PUT, schema checks
 * at ingest (refused events are neither stored nor delivered), conforming
 * events delivered byte for byte, new types subscribable, and test sends
 * delivering a type's example, each verified by the receiver with
 * `standardwebhooks`.
 *
 * The ingest function caches the catalogue for 30 s per instance (the api
 * function's cache is invalidated by its own PUTs): every definition is
 * stored before the first event, so ingest's first read already sees them.
 * The TTL itself is tested with an injected clock (test/unit/catalogue.test.ts).
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberTexts } from '../../lib/core/json-text.ts';
import { startLocal } from '../../lib/local/system.ts';
import { apiClient } from '../support/api-client.ts';
import { Receiver, waitFor } from '../support/receiver.ts';

type Local = Awaited<ReturnType<typeof startLocal>>;

const walletSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  required: ['walletId', 'amount', 'currency'],
  properties: {
    walletId: { type: 'string', pattern: '^wal_' },
    amount: { type: 'integer', minimum: 1 },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    lines: { type: 'array', items: { type: 'object', required: ['sku'], properties: { sku: { type: 'string' } } } },
  },
};
/** The custom type's example, as text: its big number and `1.50` must reach the receiver as written. */
const thingExample = '{"thingId":"th_1","count":12345678901234567890,"ratio":1.50,"name":"Zo\\u00eb"}';

describe('event catalogue (local mode, end to end)', () => {
  let local: Local;
  let receiver: Receiver;
  let api: ReturnType<typeof apiClient>;
  const tenant = 'ten_catalogue';
  let endpoint = { id: '', secret: '' };

  /** PUT a definition from its JSON text. */
  const putText = (type: string, body: string) => api.call('PUT', `/v1/event-types/${type}`, body);
  const post = (path: string, body: string, headers: Record<string, string> = {}) => api.call('POST', path, body, headers);
  const hits = () => receiver.on('/hooks');
  const verified = () => hits().map((h) => ({ payload: new Webhook(endpoint.secret).verify(h.body, h.headers as Record<string, string>) as { id: string; type: string }, body: h.body }));

  beforeAll(async () => {
    receiver = await new Receiver().start();
    local = await startLocal({ port: 0, dashboard: false, env: { BILLHOOK_LOG_LEVEL: 'error' } });
    api = apiClient(local.apiUrl, local.adminKey);
    expect((await api.post('/v1/tenants', { name: 'Catalogue Inc', id: tenant })).status).toBe(201);
    // Every definition before the first event (see the module comment).
    expect((await putText('wallet.topped_up', JSON.stringify({ description: 'Credits were added to a wallet.', schema: walletSchema, example: { walletId: 'wal_1', amount: 500, currency: 'EUR' } }))).status).toBe(200);
    expect((await putText('acme.thing', `{"description":"A thing happened at Acme.","example":${thingExample}}`)).status).toBe(200);
    const ep = await api.post(`/v1/tenants/${tenant}/endpoints`, { url: `${receiver.url}/hooks`, eventTypes: ['wallet.*', 'acme.thing', 'credit_note.issued'] });
    expect(ep.status).toBe(201);
    endpoint = { id: ep.body.id, secret: (await api.get(`/v1/tenants/${tenant}/endpoints/${ep.body.id}/secret`)).body.secret };
  }, 90_000);

  afterAll(async () => {
    await local?.stop();
    await receiver?.stop();
  });

  it('refuses an invalid schema (422 invalid_schema) and an example that does not satisfy its schema (422 schema_mismatch)', async () => {
    const invalid = await putText('acme.broken', '{"description":"x","schema":{"properties":{"n":{"type":"integr"}},"required":"n"}}');
    const mismatch = await putText('acme.broken', `{"description":"x","schema":${JSON.stringify(walletSchema)},"example":{"walletId":"w","amount":0}}`);
    const reserved = await putText('endpoint.paused', '{"description":"x"}');
    expect(invalid.status).toBe(422);
    expect(invalid.body.code).toBe('invalid_schema');
    expect(invalid.body.errors.map((e: { path: string }) => e.path)).toEqual(['schema.properties.n.type', 'schema.required']);
    expect(mismatch.status).toBe(422);
    expect(mismatch.body).toMatchObject({ code: 'schema_mismatch', errors: expect.arrayContaining([{ path: 'example.walletId', message: 'String does not match pattern.' }, { path: 'example.currency', message: 'is required' }]) });
    expect([reserved.status, reserved.body.code]).toEqual([422, 'validation_failed']);
    const listed = (await api.get('/v1/event-types')).body.data.map((t: { type: string }) => t.type);
    expect(listed).not.toContain('acme.broken');
    expect(listed).not.toContain('endpoint.paused');
  });

  it('lists stored definitions beside the defaults, schema and example as stored', async () => {
    const res = await api.get('/v1/event-types');
    const byType = new Map(res.body.data.map((t: { type: string }) => [t.type, t]));
    expect(byType.get('wallet.topped_up')).toMatchObject({ source: 'custom', schema: walletSchema });
    expect(byType.get('wallet.debited')).toMatchObject({ source: 'default', example: expect.objectContaining({ walletId: expect.any(String) }) });
    expect(byType.get('acme.thing')).toMatchObject({ source: 'custom', description: 'A thing happened at Acme.' });
    expect(res.text).toContain(`"example":${thingExample}`);
  });

  it('refuses an event whose data does not satisfy its schema with the failing paths, storing and delivering nothing; a conforming one arrives byte for byte', async () => {
    // Act: a mismatch (single and batch), then a conforming event with number texts JSON.parse would round
    const single = await post(`/v1/tenants/${tenant}/events`, '{"type":"wallet.topped_up","data":{"walletId":"w_9","amount":"10","lines":[{"sku":7}]}}', { 'idempotency-key': 'bad-1' });
    const batch = await post(`/v1/tenants/${tenant}/events/batch`, '{"events":[{"type":"wallet.topped_up","data":{"walletId":"wal_1","amount":5,"currency":"EUR"}},{"type":"wallet.topped_up","data":{"walletId":"wal_1","amount":0,"currency":"EUR"}}]}');
    const data = '{"walletId":"wal_42","amount":99999999999999999999,"currency":"EUR","note":"\\u00e9 1.10","lines":[{"sku":"pro","qty":1.0}]}';
    const good = await post(`/v1/tenants/${tenant}/events`, `{ "type": "wallet.topped_up", "data": ${data.replace(/,/g, ', ')} }`);
    // Assert: the refusals
    expect(single.status).toBe(422);
    expect(single.body).toMatchObject({ code: 'schema_mismatch', detail: 'data does not satisfy the schema of wallet.topped_up' });
    expect(single.body.errors).toEqual([
      { path: 'data.currency', message: 'is required' },
      { path: 'data.walletId', message: 'String does not match pattern.' },
      { path: 'data.amount', message: 'Instance type "string" is invalid. Expected "integer".' },
      { path: 'data.lines.0.sku', message: 'Instance type "number" is invalid. Expected "string".' },
    ]);
    expect(batch.status).toBe(422);
    expect(batch.body.errors).toEqual([{ path: 'events.1.data.amount', message: '0 is less than 1.' }]);
    // Assert: the conforming event, delivered and signed over its exact text
    expect(good.status).toBe(202);
    await waitFor('the conforming event', () => hits().some((h) => h.headers['webhook-id'] === good.body.id));
    const all = verified();
    expect(all.map((v) => v.payload.id)).toEqual([good.body.id]);
    expect(memberTexts(all[0]!.body).get('data')).toBe(data);
    // Nothing of the refused requests was stored: the idempotency key is still free, and only one event is listed.
    const events = await api.get(`/v1/tenants/${tenant}/events?type=wallet.topped_up`);
    expect(events.body.data.map((e: { id: string }) => e.id)).toEqual([good.body.id]);
    const retried = await post(`/v1/tenants/${tenant}/events`, '{"type":"wallet.topped_up","data":{"walletId":"wal_9","amount":10,"currency":"EUR"}}', { 'idempotency-key': 'bad-1' });
    expect([retried.status, retried.headers.get('idempotent-replayed')]).toEqual([202, null]);
    await waitFor('the corrected retry', () => hits().some((h) => h.headers['webhook-id'] === retried.body.id));
  });

  it('routes a custom type to the endpoint that subscribed to it', async () => {
    const sent = await post(`/v1/tenants/${tenant}/events`, '{"type":"acme.thing","data":{"thingId":"th_2"}}');
    expect(sent.body.deliveries).toBe(1);
    await waitFor('acme.thing', () => hits().some((h) => h.headers['webhook-id'] === sent.body.id));
    expect(verified().find((v) => v.payload.id === sent.body.id)?.payload.type).toBe('acme.thing');
  });

  it("a test send with a type delivers that type's example through the pipeline: signed, logged, exact", async () => {
    // Act
    const custom = await api.post(`/v1/tenants/${tenant}/endpoints/${endpoint.id}/test`, { type: 'acme.thing' });
    const builtIn = await api.post(`/v1/tenants/${tenant}/endpoints/${endpoint.id}/test`, { type: 'credit_note.issued' });
    // Assert
    expect([custom.status, builtIn.status]).toEqual([202, 202]);
    await waitFor('both test sends', () => [custom, builtIn].every((d) => hits().some((h) => h.headers['webhook-id'] === d.body.eventId)));
    const byId = new Map(verified().map((v) => [v.payload.id, v]));
    expect(memberTexts(byId.get(custom.body.eventId)!.body).get('data')).toBe(thingExample);
    expect(byId.get(builtIn.body.eventId)!.payload).toMatchObject({ type: 'credit_note.issued', data: { creditNoteId: expect.stringMatching(/^cn_/), status: 'issued' } });
    const logged = await waitFor('the test delivery logged', async () => {
      const d = await api.get(`/v1/tenants/${tenant}/deliveries/${custom.body.id}`);
      return d.body.status === 'succeeded' ? d.body : undefined;
    });
    expect(logged).toMatchObject({ eventType: 'acme.thing', attemptCount: 1, lastStatusCode: 200 });
  });
});
