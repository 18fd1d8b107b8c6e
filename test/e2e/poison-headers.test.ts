/**
 * No invisible deliveries, end to end: an endpoint whose stored header value
 * HTTP refuses (written straight into DynamoDB, as records from before the
 * header check may be) yields recorded, fetchable failed deliveries, and
 * nothing reaches the dead-letter queue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAppDeps } from '../../lib/composition/app.ts';
import { startLocal } from '../../lib/local/system.ts';
import { apiClient } from '../support/api-client.ts';
import { Receiver, waitFor } from '../support/receiver.ts';

describe('poisoned stored headers (local mode, end to end)', () => {
  let local: Awaited<ReturnType<typeof startLocal>>;
  let receiver: Receiver;
  let api: ReturnType<typeof apiClient>;
  const tenant = 'ten_poison';
  let endpointId = '';

  beforeAll(async () => {
    receiver = await new Receiver().start();
    // A long first retry delay: the assertions look at the first attempt, before any retry.
    local = await startLocal({ port: 0, env: { BILLHOOK_RETRY_SCHEDULE: '900', BILLHOOK_LOG_LEVEL: 'error' } });
    api = apiClient(local.apiUrl, local.adminKey);
    expect((await api.post('/v1/tenants', { name: 'Poison', id: tenant })).status).toBe(201);
    const created = await api.post(`/v1/tenants/${tenant}/endpoints`, { url: `${receiver.url}/p`, headers: { 'x-ok': 'fine' } });
    expect(created.status).toBe(201);
    endpointId = created.body.id;

    // The API refuses the value now; write it into the table directly.
    const store = buildAppDeps(local.config).endpoints;
    const current = (await store.get(tenant, endpointId))!;
    await store.update({ ...current, headers: { 'x-ok': 'fine', 'X-Poison': 'v\u0001x' }, version: current.version + 1 }, current.version);
  }, 90_000);

  afterAll(async () => {
    await local?.stop();
    await receiver?.stop();
  });

  it('a test delivery is fetchable at once and then shows the failed attempt; the DLQ stays empty', async () => {
    // Act
    const test = await api.post(`/v1/tenants/${tenant}/endpoints/${endpointId}/test`);
    expect(test.status).toBe(202);
    const first = await api.get(`/v1/tenants/${tenant}/deliveries/${test.body.id}`);

    // Assert: fetchable before the sender ran, then failed with a clear error and a retry scheduled
    expect(first.status).toBe(200);
    const failed = await waitFor('the failed attempt', async () => {
      const d = await api.get(`/v1/tenants/${tenant}/deliveries/${test.body.id}`);
      return d.body.attemptCount >= 1 ? d.body : undefined;
    });
    expect(failed).toMatchObject({ status: 'failed', attemptCount: 1, nextAttemptAt: expect.any(String) });
    expect(failed.attempts[0].error).toMatch(/not sent: the value of header "X-Poison" is not a valid HTTP field value/);
    expect(receiver.on('/p')).toHaveLength(0);
    expect((await api.get('/v1/dlq')).body).toEqual({ approximateMessages: 0 });
  });

  it('an ingested event routed to it is a recorded failed delivery too, not a poison message', async () => {
    const ev = await api.post(`/v1/tenants/${tenant}/events`, { type: 'invoice.paid', data: { amount: 1 } });
    expect(ev.body.deliveries).toBe(1);
    const list = await waitFor('the event delivery', async () => {
      const r = await api.get(`/v1/tenants/${tenant}/deliveries?eventId=${ev.body.id}`);
      return r.body.data?.[0]?.attemptCount >= 1 ? r.body.data : undefined;
    });
    expect(list).toMatchObject([{ status: 'failed', endpointId }]);
    const one = await api.get(`/v1/tenants/${tenant}/deliveries/${list[0].id}`);
    expect(one.body.attempts[0].error).toMatch(/"X-Poison"/);
    expect((await api.get('/v1/dlq')).body).toEqual({ approximateMessages: 0 });
  });
});
