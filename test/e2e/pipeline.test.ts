/**
 * End to end, with no mocks in the path: local mode (DynamoDB Local, the SQS
 * emulator, the real Lambda handlers behind the API Gateway shim and the SQS
 * pollers) delivering to a loopback receiver that verifies every signature
 * with the official `standardwebhooks` library.
 */
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocal } from '../../lib/local/system.ts';
import { apiClient } from '../support/api-client.ts';
import { Receiver, waitFor } from '../support/receiver.ts';

type Local = Awaited<ReturnType<typeof startLocal>>;

describe('pipeline (local mode, end to end)', () => {
  let local: Local;
  let receiver: Receiver;
  let api: ReturnType<typeof apiClient>;
  const tenant = 'ten_e2e';
  const endpoints: Record<'invoices' | 'subscriptions' | 'everything', { id: string; secret: string; path: string }> = {} as never;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    local = await startLocal({ port: 0, env: { BILLHOOK_RETRY_SCHEDULE: '1,1', BILLHOOK_LOG_LEVEL: 'error', BILLHOOK_FANOUT_THRESHOLD: '4' } });
    api = apiClient(local.apiUrl, local.adminKey);

    expect((await api.post('/v1/tenants', { name: 'E2E Inc', id: tenant })).status).toBe(201);
    const make = async (name: keyof typeof endpoints, eventTypes: string[]) => {
      const path = `/${name}`;
      const res = await api.post(`/v1/tenants/${tenant}/endpoints`, { url: receiver.url + path, eventTypes, description: name });
      expect(res.status).toBe(201);
      const secret = await api.get(`/v1/tenants/${tenant}/endpoints/${res.body.id}/secret`);
      endpoints[name] = { id: res.body.id, secret: secret.body.secret, path };
    };
    await make('invoices', ['invoice.*']);
    await make('subscriptions', ['subscription.suspended', 'subscription.resumed']);
    await make('everything', ['*']);
    // The catch-all endpoint fails its first request, so one delivery needs a retry.
    receiver.script('/everything', { status: 500, body: 'temporarily broken' });
  }, 90_000);

  afterAll(async () => {
    await local?.stop();
    await receiver?.stop();
  });

  function verifyAll(path: string, secret: string) {
    const hits = receiver.on(path);
    for (const hit of hits) {
      const payload = new Webhook(secret).verify(hit.body, hit.headers as Record<string, string>) as { id: string };
      expect(hit.headers['webhook-id']).toBe(payload.id);
    }
    return hits.map((h) => JSON.parse(h.body) as { id: string; type: string; data: unknown });
  }

  it('delivers each event, signed, to exactly the subscribed endpoints, retrying a failure', async () => {
    // Act
    const paid = await api.post(`/v1/tenants/${tenant}/events`, { type: 'invoice.paid', data: { invoiceId: 'inv_1', amount: 4200, currency: 'EUR' } }, { 'idempotency-key': 'inv_1-paid' });
    const suspended = await api.post(`/v1/tenants/${tenant}/events`, { type: 'subscription.suspended', data: { subscriptionId: 'sub_9' } });

    // Assert: accepted and routed
    expect(paid.status).toBe(202);
    expect(paid.body).toMatchObject({ id: expect.stringMatching(/^evt_/), type: 'invoice.paid', deliveries: 2 });
    expect(suspended.body.deliveries).toBe(2);

    // The catch-all endpoint gets 3 requests: a failure, its retry, and the other event.
    await waitFor('all deliveries', () => receiver.on('/invoices').length >= 1 && receiver.on('/subscriptions').length >= 1 && receiver.on('/everything').length >= 3);

    const invoices = verifyAll('/invoices', endpoints.invoices.secret);
    const subs = verifyAll('/subscriptions', endpoints.subscriptions.secret);
    const all = verifyAll('/everything', endpoints.everything.secret);
    expect(invoices.map((b) => b.type)).toEqual(['invoice.paid']);
    expect(invoices[0]).toEqual({ id: paid.body.id, type: 'invoice.paid', createdAt: paid.body.createdAt, data: { invoiceId: 'inv_1', amount: 4200, currency: 'EUR' } });
    expect(subs.map((b) => b.type)).toEqual(['subscription.suspended']);
    expect(all).toHaveLength(3);
    // Two events, one of them sent twice (the 500, then its retry) with the same webhook-id.
    const ids = receiver.on('/everything').map((r) => r.headers['webhook-id'] as string);
    expect(new Set(ids)).toEqual(new Set([paid.body.id, suspended.body.id]));
    const firstFailed = ids[0]!;
    expect(ids.filter((id) => id === firstFailed)).toHaveLength(2);
  });

  it('an idempotent repost answers the first result and delivers nothing new', async () => {
    // Arrange: the first post of this key already happened above
    const before = receiver.on('/invoices').length;
    // Act
    const again = await api.post(`/v1/tenants/${tenant}/events`, { type: 'invoice.paid', data: { invoiceId: 'inv_1', amount: 4200, currency: 'EUR' } }, { 'idempotency-key': 'inv_1-paid' });
    const reused = await api.post(`/v1/tenants/${tenant}/events`, { type: 'invoice.paid', data: { invoiceId: 'inv_1', amount: 9999, currency: 'EUR' } }, { 'idempotency-key': 'inv_1-paid' });
    // A sentinel sent after the repost: once it arrives, anything the repost had enqueued would have too.
    const sentinel = await api.post(`/v1/tenants/${tenant}/events`, { type: 'invoice.created', data: { invoiceId: 'inv_2' } });
    await waitFor('sentinel', () => receiver.on('/invoices').some((r) => r.headers['webhook-id'] === sentinel.body.id));
    // Assert
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe('idempotency_key_reused');
    const first = receiver.on('/invoices')[0]!;
    expect(again.body.id).toBe(first.headers['webhook-id']);
    expect(receiver.on('/invoices').length).toBe(before + 1);
    expect(receiver.on('/invoices').filter((r) => r.headers['webhook-id'] === again.body.id)).toHaveLength(1);
  });

  it('logs every attempt, queryable per event and per delivery', async () => {
    // Arrange: the invoice event reached /everything after one failure
    const eventId = receiver.on('/invoices')[0]!.headers['webhook-id'] as string;
    const list = await waitFor('two deliveries of the invoice, both succeeded', async () => {
      const res = await api.get(`/v1/tenants/${tenant}/deliveries?eventId=${eventId}`);
      return res.body.data.length === 2 && res.body.data.every((d: { status: string }) => d.status === 'succeeded') ? res.body.data : undefined;
    });
    // Act
    const byEndpoint = Object.fromEntries(list.map((d: { endpointId: string }) => [d.endpointId, d]));
    const everything = await api.get(`/v1/tenants/${tenant}/deliveries/${byEndpoint[endpoints.everything.id].id}`);
    const invoices = await api.get(`/v1/tenants/${tenant}/deliveries/${byEndpoint[endpoints.invoices.id].id}`);
    // Assert
    expect(invoices.body).toMatchObject({ status: 'succeeded', attemptCount: 1, lastStatusCode: 200, eventType: 'invoice.paid' });
    expect(invoices.body.attempts).toEqual([expect.objectContaining({ attempt: 1, statusCode: 200, trigger: 'scheduled', responseBody: 'ok', durationMs: expect.any(Number) })]);
    const attempts = everything.body.attempts;
    if (receiver.on('/everything')[0]!.headers['webhook-id'] === eventId) {
      // The failure hit this event: two attempts, 500 then 200.
      expect(attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 200]);
      expect(attempts[0]).toMatchObject({ error: 'endpoint answered 500', responseBody: 'temporarily broken' });
    } else {
      expect(attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([200]);
    }
    // Filters: the subscription-only endpoint has no delivery of this event.
    const none = await api.get(`/v1/tenants/${tenant}/deliveries?eventId=${eventId}&endpointId=${endpoints.subscriptions.id}`);
    expect(none.body.data).toEqual([]);
    const failedNow = await api.get(`/v1/tenants/${tenant}/deliveries?status=failed`);
    expect(failedNow.body.data).toEqual([]);
  });

  it('lists and returns stored events with their data', async () => {
    const list = await api.get(`/v1/tenants/${tenant}/events?type=invoice.paid`);
    expect(list.status).toBe(200);
    expect(list.body.data).toHaveLength(1);
    const one = await api.get(`/v1/tenants/${tenant}/events/${list.body.data[0].id}`);
    expect(one.body).toMatchObject({ type: 'invoice.paid', data: { invoiceId: 'inv_1', amount: 4200, currency: 'EUR' }, deliveries: 2 });
  });

  it('hands a large fan-out to the fan-out job, which reaches every endpoint', async () => {
    // Arrange: 6 customer endpoints + the catch-all = 7 matches, above the threshold of 4
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await api.post(`/v1/tenants/${tenant}/endpoints`, { url: `${receiver.url}/customers/${i}`, eventTypes: ['customer.*'] });
      ids.push(res.body.id);
    }
    // Act
    const created = await api.post(`/v1/tenants/${tenant}/events`, { type: 'customer.created', data: { customerId: 'cus_1' } });
    // Assert
    expect(created.body.deliveries).toBe(7);
    const got = await waitFor('7 deliveries of the customer event', () => {
      const hits = receiver.received.filter((r) => r.headers['webhook-id'] === created.body.id);
      return hits.length >= 7 ? hits : undefined;
    });
    expect(got.map((h) => h.path).sort()).toEqual([...Array.from({ length: 6 }, (_, i) => `/customers/${i}`), '/everything'].sort());
  });
});
