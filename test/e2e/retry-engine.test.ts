/**
 * The retry engine end to end on local mode, against a loopback receiver
 * scripted per endpoint: each scenario ends in the right status with the
 * right attempts logged, and the sender never exceeds its timeout.
 */
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocal } from '../../lib/local/system.ts';
import { apiClient } from '../support/api-client.ts';
import { Receiver, waitFor, type ScriptedResponse } from '../support/receiver.ts';

type Local = Awaited<ReturnType<typeof startLocal>>;
const TIMEOUT_MS = 1500;

describe('retry engine (local mode, end to end)', () => {
  let local: Local;
  let receiver: Receiver;
  let api: ReturnType<typeof apiClient>;
  let n = 0;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    local = await startLocal({
      port: 0,
      env: {
        BILLHOOK_RETRY_SCHEDULE: '1,1',
        BILLHOOK_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS),
        BILLHOOK_CONNECT_TIMEOUT_MS: '1000',
        BILLHOOK_LOG_LEVEL: 'error',
      },
    });
    api = apiClient(local.apiUrl, local.adminKey);
  }, 90_000);

  afterAll(async () => {
    await local?.stop();
    await receiver?.stop();
  });

  /** A tenant with one endpoint at its own path, scripted; post one event; wait for a final state. */
  async function scenario(script: ScriptedResponse[], isFinal = (s: string) => s === 'succeeded' || s === 'exhausted') {
    const tenant = `ten_s${++n}`;
    const path = `/s${n}`;
    await api.post('/v1/tenants', { name: tenant, id: tenant });
    const ep = (await api.post(`/v1/tenants/${tenant}/endpoints`, { url: receiver.url + path })).body;
    receiver.script(path, ...script);
    const ev = (await api.post(`/v1/tenants/${tenant}/events`, { type: 'invoice.paid', data: { n } })).body;
    const delivery = await waitFor(
      `final delivery for ${path}`,
      async () => {
        const list = (await api.get(`/v1/tenants/${tenant}/deliveries?eventId=${ev.id}`)).body.data as { id: string; status: string }[];
        if (!list[0] || !isFinal(list[0].status)) return undefined;
        return (await api.get(`/v1/tenants/${tenant}/deliveries/${list[0].id}`)).body;
      },
      30_000,
    );
    return { tenant, path, endpointId: ep.id as string, eventId: ev.id as string, delivery };
  }

  it('500 then 200: succeeded after one retry', async () => {
    const { delivery } = await scenario([{ status: 500, body: 'boom' }]);
    expect(delivery.status).toBe('succeeded');
    expect(delivery.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([500, 200]);
    expect(delivery.attempts[0]).toMatchObject({ error: 'endpoint answered 500', responseBody: 'boom', trigger: 'scheduled' });
  });

  it('always 500: exhausted after the whole schedule, and parked in the DLQ', async () => {
    const { delivery } = await scenario([{ status: 500 }, { status: 500 }, { status: 500 }]);
    expect(delivery).toMatchObject({ status: 'exhausted', attemptCount: 3 });
    // The sender logs `exhausted` first and parks the message a moment later: wait for it, don't race it.
    await waitFor('the DLQ entry', async () => (await api.get('/v1/dlq')).body.approximateMessages >= 1);
  });

  it('410: one attempt, the endpoint is disabled with its reason', async () => {
    const { delivery, tenant, endpointId } = await scenario([{ status: 410 }]);
    expect(delivery).toMatchObject({ status: 'exhausted', attemptCount: 1, lastStatusCode: 410 });
    expect((await api.get(`/v1/tenants/${tenant}/endpoints/${endpointId}`)).body).toMatchObject({ status: 'disabled', disabledReason: 'endpoint answered 410 Gone' });
  });

  it('429 with Retry-After: the retry waits at least that long', async () => {
    const { delivery, path } = await scenario([{ status: 429, headers: { 'retry-after': '2' } }]);
    expect(delivery.status).toBe('succeeded');
    const [first, second] = receiver.on(path);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1900);
  });

  it.each([
    ['hang', /timeout/],
    ['drip', /timeout/],
    ['reset', /connection reset|request failed/],
  ] as const)('%s: each attempt fails with a clear error within the timeout', async (fault, error) => {
    const { delivery } = await scenario([{ status: 200, fault }, { status: 200, fault }, { status: 200, fault }]);
    expect(delivery).toMatchObject({ status: 'exhausted', attemptCount: 3 });
    for (const a of delivery.attempts as { error: string; durationMs: number; statusCode?: number }[]) {
      expect(a.error).toMatch(error);
      expect(a.error).not.toMatch(/\n\s+at /); // no stack traces
      expect(a.durationMs).toBeLessThan(TIMEOUT_MS + 1500);
    }
  });

  it('a 10 MB response is read up to the cap and logged as a 4 KB excerpt', async () => {
    const { delivery } = await scenario([{ status: 200, fault: { bytes: 10 * 1024 * 1024 } }]);
    expect(delivery.status).toBe('succeeded');
    expect(delivery.attempts[0].responseBody.length).toBeLessThanOrEqual(4097);
  });

  it('manual retry of an exhausted delivery, then recover of the endpoint', async () => {
    // Arrange: exhausted
    const s = await scenario([{ status: 500 }, { status: 500 }, { status: 500 }]);
    // Act: manual retry (the receiver now answers 200)
    const retried = await api.post(`/v1/tenants/${s.tenant}/deliveries/${s.delivery.id}/retry`);
    expect(retried.status).toBe(202);
    const after = await waitFor('manual attempt', async () => {
      const d = (await api.get(`/v1/tenants/${s.tenant}/deliveries/${s.delivery.id}`)).body;
      return d.status === 'succeeded' ? d : undefined;
    });
    // Assert
    expect(after.attempts.map((a: { trigger: string }) => a.trigger)).toEqual(['scheduled', 'scheduled', 'scheduled', 'manual']);
    // Recover: another exhausted delivery of a second event, recovered by window
    receiver.script(s.path, { status: 500 }, { status: 500 }, { status: 500 });
    const ev2 = (await api.post(`/v1/tenants/${s.tenant}/events`, { type: 'invoice.created', data: {} })).body;
    await waitFor('second exhausted', async () => (await api.get(`/v1/tenants/${s.tenant}/deliveries?eventId=${ev2.id}&status=exhausted`)).body.data.length === 1);
    const rec = await api.post(`/v1/tenants/${s.tenant}/endpoints/${s.endpointId}/recover`, { since: new Date(Date.now() - 3600_000).toISOString() });
    expect(rec.status).toBe(202);
    expect(rec.body).toEqual({ queued: 1, skipped: 0, continuing: false });
    const recovered = await waitFor('recovered', async () => {
      const list = (await api.get(`/v1/tenants/${s.tenant}/deliveries?eventId=${ev2.id}`)).body.data;
      return list[0]?.status === 'succeeded' ? list[0] : undefined;
    });
    const detail = (await api.get(`/v1/tenants/${s.tenant}/deliveries/${recovered.id}`)).body;
    expect(detail.attempts.at(-1).trigger).toBe('recover');
  });

  it('a duplicated SQS message logs its attempt once', async () => {
    // Arrange: a tenant and endpoint, and one delivery message sent twice straight to the queue
    const tenant = `ten_dup`;
    await api.post('/v1/tenants', { name: 'dup', id: tenant });
    const ep = (await api.post(`/v1/tenants/${tenant}/endpoints`, { url: receiver.url + '/dup' })).body;
    const message = { v: 1, deliveryId: 'dlv_dup1', tenantId: tenant, endpointId: ep.id, endpointVersion: 1, event: { id: 'evt_dup1', type: 'invoice.paid', createdAt: new Date().toISOString(), data: {} }, attempt: 1, trigger: 'scheduled', createdAt: new Date().toISOString() };
    const sqs = new SQSClient({ endpoint: local.sqsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    // Act: two copies, as SQS hands out a message again when its visibility lapses mid-handling
    // (other deduplication ids, so the FIFO queue keeps both; other lanes, so they may run at once)
    for (let i = 0; i < 2; i++) {
      await sqs.send(new SendMessageCommand({ QueueUrl: local.queueUrls.deliveries, MessageBody: JSON.stringify(message), MessageGroupId: `${ep.id}.dup${i}`, MessageDeduplicationId: `dup${i}` }));
    }
    // Assert: both were processed (the receiver may see two POSTs: at-least-once), one attempt logged
    await waitFor('both messages handled', async () => {
      const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: local.queueUrls.deliveries, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
      return receiver.on('/dup').length >= 1 && Number(out.Attributes?.ApproximateNumberOfMessages) + Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible) === 0;
    });
    const d = await waitFor('logged', async () => {
      const r = await api.get(`/v1/tenants/${tenant}/deliveries/dlv_dup1`);
      return r.status === 200 ? r.body : undefined;
    });
    expect((await api.get(`/v1/tenants/${tenant}/deliveries/dlv_dup1`)).body.attempts).toHaveLength(1);
    expect(d.status).toBe('succeeded');
  });

  it('DLQ redrive moves exhausted deliveries back as a new chain, and they succeed', async () => {
    const s = await scenario([{ status: 500 }, { status: 500 }, { status: 500 }]);
    const moved = await waitFor('redrive', async () => {
      const r = await api.post('/v1/dlq/redrive', { max: 50, ratePerSecond: 100 });
      return r.body.moved >= 1 ? r.body : undefined;
    });
    expect(moved).toMatchObject({ moved: expect.any(Number), failed: 0 });
    const done = await waitFor('redriven delivery succeeded', async () => {
      const d = (await api.get(`/v1/tenants/${s.tenant}/deliveries/${s.delivery.id}`)).body;
      return d.status === 'succeeded' ? d : undefined;
    });
    expect(done.attemptCount).toBe(4);
  });
});
