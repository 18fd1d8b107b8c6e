/**
 * Fair, limited and ordered delivery, end to end on local mode (the FIFO
 * lanes in fauxqs, the limits table in DynamoDB Local, the real handlers):
 * a noisy neighbour never delays another tenant, maxInFlight and
 * rateLimitPerSecond hold at the receiver, and ordered endpoints receive
 * each key's events in ingest order while other keys flow.
 *
 * Assertions are about order and counts, never about wall-clock durations.
 */
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocal } from '../../lib/local/system.ts';
import { apiClient } from '../support/api-client.ts';
import { Receiver, waitFor, type Received } from '../support/receiver.ts';

type Local = Awaited<ReturnType<typeof startLocal>>;

const seqOf = (r: Received): { key?: string; seq: number } => JSON.parse(r.body).data;
const idOf = (r: Received) => r.headers['webhook-id'] as string;

describe('fair, limited, ordered delivery (local mode, end to end)', () => {
  let local: Local;
  let receiver: Receiver;
  let api: ReturnType<typeof apiClient>;
  let n = 0;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    local = await startLocal({
      port: 0,
      env: {
        BILLHOOK_RETRY_SCHEDULE: '1,1,1,1,1,1,1,1',
        BILLHOOK_REQUEST_TIMEOUT_MS: '1500',
        BILLHOOK_CONNECT_TIMEOUT_MS: '1000',
        BILLHOOK_BREAKER_COOLDOWN_SECONDS: '1',
        BILLHOOK_LOG_LEVEL: 'error',
      },
    });
    api = apiClient(local.apiUrl, local.adminKey);
  }, 90_000);

  afterAll(async () => {
    await local?.stop();
    await receiver?.stop();
  });

  async function endpoint(input: Record<string, unknown> = {}) {
    const tenant = `ten_f${++n}`;
    const path = `/f${n}`;
    expect((await api.post('/v1/tenants', { name: tenant, id: tenant })).status).toBe(201);
    const created = await api.post(`/v1/tenants/${tenant}/endpoints`, { url: receiver.url + path, ...input });
    expect(created.status).toBe(201);
    return { tenant, path, id: created.body.id as string, body: created.body };
  }

  async function postBatch(tenant: string, events: Record<string, unknown>[]) {
    for (let i = 0; i < events.length; i += 100) {
      const r = await api.post(`/v1/tenants/${tenant}/events/batch`, { events: events.slice(i, i + 100) });
      expect(r.status).toBe(202);
    }
  }

  async function succeeded(tenant: string): Promise<number> {
    const r = await api.get(`/v1/tenants/${tenant}/deliveries?status=succeeded&limit=250`);
    return r.body.data.length;
  }

  describe('a noisy neighbour never delays another tenant', () => {
    const BACKLOG = 150;
    const variants = {
      slow: { status: 200, delayMs: 1200 },
      'times out': { status: 200, fault: 'hang' as const },
      'answers 503': { status: 503 },
    };

    for (const [variant, bad] of Object.entries(variants)) {
      it(`when its endpoint ${variant}`, async () => {
        // Arrange: A's endpoint misbehaves and has a backlog of BACKLOG; B's is healthy
        const a = await endpoint();
        const b = await endpoint();
        let healthy = false;
        receiver.behave(a.path, () => (healthy ? { status: 200 } : bad));
        await postBatch(a.tenant, Array.from({ length: BACKLOG }, (_, i) => ({ type: 'invoice.paid', data: { seq: i } })));
        await waitFor('A backlog started', () => receiver.on(a.path).length >= 10);

        // Act: B sends ten events, one at a time
        for (let i = 0; i < 10; i++) {
          expect((await api.post(`/v1/tenants/${b.tenant}/events`, { type: 'invoice.paid', data: { seq: i } })).status).toBe(202);
          await new Promise((r) => setTimeout(r, 100));
        }
        await waitFor('all of B delivered', () => new Set(receiver.on(b.path).map(idOf)).size === 10, 30_000);
        // ...and a burst of 50 more, which shares sender batches with A's slow lanes: B's lanes must not wait
        // for A's requests in the same batch, so the burst is through before A has taken two rounds of 10.
        const aBefore = receiver.on(a.path).length;
        await postBatch(b.tenant, Array.from({ length: 50 }, (_, i) => ({ type: 'invoice.paid', data: { seq: 10 + i } })));
        await waitFor('B burst delivered', () => new Set(receiver.on(b.path).map(idOf)).size === 60, 30_000);
        if (variant !== 'answers 503') expect(receiver.on(a.path).length - aBefore).toBeLessThanOrEqual(20);

        // Assert: B got through while most of A's backlog was still undelivered...
        const aDeliveredByThen = await succeeded(a.tenant);
        expect(aDeliveredByThen).toBeLessThan(BACKLOG / 2);
        // ...A never had more than its default maxInFlight (10) requests open at once...
        expect(receiver.concurrencyOn(a.path).max).toBeLessThanOrEqual(10);
        // ...and A's backlog is then delivered in full.
        healthy = true;
        await waitFor('all of A delivered', async () => (await succeeded(a.tenant)) === BACKLOG, 90_000, 500);
      }, 150_000);
    }
  });

  it('maxInFlight: the receiver never sees more concurrent requests than the cap', async () => {
    // Arrange
    const ep = await endpoint({ maxInFlight: 3 });
    expect(ep.body.maxInFlight).toBe(3);
    receiver.behave(ep.path, () => ({ status: 200, delayMs: 150 }));
    // Act
    await postBatch(ep.tenant, Array.from({ length: 30 }, (_, i) => ({ type: 'invoice.paid', data: { seq: i } })));
    await waitFor('all delivered', async () => (await succeeded(ep.tenant)) === 30, 30_000, 200);
    // Assert
    expect(receiver.concurrencyOn(ep.path).max).toBeLessThanOrEqual(3);
    expect(receiver.concurrencyOn(ep.path).max).toBeGreaterThan(1);
  }, 60_000);

  it('maxInFlight holds for an ordered endpoint across many keys (leases)', async () => {
    const ep = await endpoint({ maxInFlight: 2, ordering: 'key' });
    receiver.behave(ep.path, () => ({ status: 200, delayMs: 150 }));
    await postBatch(ep.tenant, Array.from({ length: 20 }, (_, i) => ({ type: 'invoice.paid', orderingKey: `sub_${i}`, data: { seq: i } })));
    await waitFor('all delivered', async () => (await succeeded(ep.tenant)) === 20, 30_000, 200);
    expect(receiver.concurrencyOn(ep.path).max).toBeLessThanOrEqual(2);
  }, 60_000);

  it('rateLimitPerSecond: no 1 s window sees more than limit + 1 requests', async () => {
    // Arrange
    const ep = await endpoint({ rateLimitPerSecond: 5 });
    // Act
    await postBatch(ep.tenant, Array.from({ length: 30 }, (_, i) => ({ type: 'invoice.paid', data: { seq: i } })));
    await waitFor('all delivered', async () => (await succeeded(ep.tenant)) === 30, 60_000, 250);
    // Assert
    const times = receiver.on(ep.path).map((r) => r.at).sort((x, y) => x - y);
    expect(times).toHaveLength(30);
    const busiest = Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 1000).length));
    expect(busiest).toBeLessThanOrEqual(6);
  }, 90_000);

  describe('ordering: "key"', () => {
    it("keeps a key's events in order behind a retried head, while other keys flow", async () => {
      // Arrange: K's head fails three times, then succeeds
      const ep = await endpoint({ ordering: 'key' });
      const answeredOk: { key: string; seq: number; at: number }[] = [];
      let k1Failures = 0;
      receiver.behave(ep.path, (r) => {
        const { key, seq } = seqOf(r) as { key: string; seq: number };
        if (key === 'K' && seq === 1 && k1Failures < 3) {
          k1Failures++;
          return { status: 503 };
        }
        answeredOk.push({ key, seq, at: r.at });
        return { status: 200 };
      });
      // Act: one batch, K and J interleaved
      const events = [1, 2, 3, 4, 5].flatMap((seq) => ['K', 'J'].map((key) => ({ type: 'invoice.paid', orderingKey: key, data: { key, seq } })));
      await postBatch(ep.tenant, events);
      await waitFor('all delivered', () => answeredOk.length === 10, 30_000);
      // Assert: each key in order; K's followers only after K1 succeeded; J finished during K1's retries
      const order = (key: string) => answeredOk.filter((x) => x.key === key).map((x) => x.seq);
      expect(order('K')).toEqual([1, 2, 3, 4, 5]);
      expect(order('J')).toEqual([1, 2, 3, 4, 5]);
      const k1Ok = answeredOk.find((x) => x.key === 'K' && x.seq === 1)!.at;
      const firstK2 = Math.min(...receiver.on(ep.path).filter((r) => seqOf(r).key === 'K' && seqOf(r).seq === 2).map((r) => r.at));
      expect(firstK2).toBeGreaterThanOrEqual(k1Ok);
      expect(answeredOk.filter((x) => x.key === 'J').every((x) => x.at < k1Ok)).toBe(true);
      expect(k1Failures).toBe(3);
      // The orderingKey is on the event and its deliveries
      const list = await api.get(`/v1/tenants/${ep.tenant}/deliveries?limit=250`);
      expect(new Set(list.body.data.map((d: { orderingKey?: string }) => d.orderingKey))).toEqual(new Set(['K', 'J']));
    }, 60_000);

    it('moves on after the head of a key is exhausted; the head is in the log and the DLQ', async () => {
      // Arrange: X's head always fails; three attempts in all
      const ep = await endpoint({ ordering: 'key', retrySchedule: [1, 1] });
      receiver.behave(ep.path, (r) => (seqOf(r).seq === 1 ? { status: 503 } : { status: 200 }));
      // Act
      await postBatch(ep.tenant, [1, 2, 3, 4].map((seq) => ({ type: 'invoice.paid', orderingKey: 'X', data: { key: 'X', seq } })));
      await waitFor('followers delivered', () => new Set(receiver.on(ep.path).filter((r) => seqOf(r).seq > 1).map(idOf)).size === 3, 30_000);
      // Assert: the head was tried three times before anything else; then 2, 3, 4 in order
      const seqs = receiver.on(ep.path).map((r) => seqOf(r).seq);
      expect(seqs).toEqual([1, 1, 1, 2, 3, 4]);
      const list = (await api.get(`/v1/tenants/${ep.tenant}/deliveries?status=exhausted`)).body.data;
      expect(list).toHaveLength(1);
      const sqs = new SQSClient({ endpoint: local.sqsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
      const dead = await waitFor('in the DLQ', async () => {
        const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl: local.queueUrls.deliveriesDlq, MaxNumberOfMessages: 10, VisibilityTimeout: 0 }));
        return (out.Messages ?? []).find((m) => JSON.parse(m.Body!).deliveryId === list[0].id);
      });
      expect(JSON.parse(dead.Body!).orderingKey).toBe('X');
      sqs.destroy();
    }, 60_000);

    it("keeps a batch's array order for one key", async () => {
      const ep = await endpoint({ ordering: 'key' });
      await postBatch(ep.tenant, Array.from({ length: 30 }, (_, seq) => ({ type: 'invoice.paid', orderingKey: 'sub_1', data: { seq } })));
      await waitFor('all delivered', () => receiver.on(ep.path).length === 30, 30_000);
      expect(receiver.on(ep.path).map((r) => seqOf(r).seq)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    }, 60_000);
  });
});
