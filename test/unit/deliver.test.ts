import { Webhook } from 'standardwebhooks';
import { describe, expect, it, vi } from 'vitest';
import { MemoryDeliveryLog, MemoryDeliveryQueue, MemoryEndpointStore } from '../../lib/adapters/memory/stores.ts';
import { QueueHopScheduler } from '../../lib/adapters/sqs/queue-hop-scheduler.ts';
import { deliver } from '../../lib/app/deliver.ts';
import { CircuitBreakers } from '../../lib/app/circuit-breaker.ts';
import { rotateEndpointSecret } from '../../lib/app/endpoints.ts';
import { CachedEndpointReader } from '../../lib/app/endpoint-cache.ts';
import type { SenderDeps } from '../../lib/app/deps.ts';
import type { DeliveryMessage } from '../../lib/core/model.ts';
import type { OutboundRequest, OutboundResponse } from '../../lib/ports.ts';
import { endpointRecord, ManualClock } from './fixtures.ts';

const T = 'ten_a';

function message(patch: Partial<DeliveryMessage> = {}): DeliveryMessage {
  return {
    v: 1,
    deliveryId: 'dlv_1',
    tenantId: T,
    endpointId: 'ep_1',
    endpointVersion: 1,
    event: { id: 'evt_1', type: 'invoice.paid', createdAt: '2026-11-23T11:59:00.000Z', dataJson: JSON.stringify({ amount: 100 }) },
    attempt: 1,
    trigger: 'scheduled',
    createdAt: '2026-11-23T11:59:00.000Z',
    ...patch,
  };
}

async function setup(responses: OutboundResponse[], schedule = [5, 300]) {
  const clock = new ManualClock();
  const store = new MemoryEndpointStore();
  await store.create(endpointRecord(T, 'ep_1', { headers: { 'x-tenant': 'acme' } }));
  const requests: OutboundRequest[] = [];
  const queue = new MemoryDeliveryQueue();
  const deps: SenderDeps & { deliveries: MemoryDeliveryLog; queue: MemoryDeliveryQueue } = {
    deliveries: new MemoryDeliveryLog(),
    queue,
    clock,
    random: () => 0.5,
    settings: { retrySchedule: schedule, fanoutThreshold: 50, maxSqsDelaySeconds: 900, version: '9.9.9', disableAfterDays: 5, disableAfterExhausted: 3 },
    health: store,
    breakers: new CircuitBreakers(clock.now),
    endpoints: new CachedEndpointReader(store, clock),
    scheduler: new QueueHopScheduler(queue, clock.now, 900),
    http: {
      post: async (r) => {
        requests.push(r);
        return responses.shift() ?? { statusCode: 200, durationMs: 1 };
      },
    },
  };
  return { deps, requests, store, clock };
}

describe('deliver', () => {
  it('POSTs the signed webhook body and records a success', async () => {
    // Arrange
    const { deps, requests, clock } = await setup([{ statusCode: 204, durationMs: 12, responseBody: 'ok' }]);
    // Act
    const outcome = await deliver(deps, message());
    // Assert
    expect(outcome).toBe('succeeded');
    const req = requests[0]!;
    expect(JSON.parse(req.body)).toEqual({ id: 'evt_1', type: 'invoice.paid', createdAt: '2026-11-23T11:59:00.000Z', data: { amount: 100 } });
    expect(req.headers).toMatchObject({ 'content-type': 'application/json', 'user-agent': 'Billhook/9.9.9', 'webhook-id': 'evt_1', 'x-tenant': 'acme' });
    const secret = endpointRecord(T, 'ep_1').secret;
    // The library checks the timestamp against Date.now(): pin it to the injected clock.
    vi.useFakeTimers({ toFake: ['Date'], now: clock.ms });
    try {
      expect(new Webhook(secret).verify(req.body, req.headers)).toEqual(JSON.parse(req.body));
      expect(() => new Webhook(secret).verify(req.body.replace('100', '101'), req.headers)).toThrow();
    } finally {
      vi.useRealTimers();
    }
    const d = await deps.deliveries.get(T, 'dlv_1');
    expect(d).toMatchObject({ status: 'succeeded', attemptCount: 1, lastStatusCode: 204, attempts: [{ attempt: 1, statusCode: 204, durationMs: 12, responseBody: 'ok', trigger: 'scheduled' }] });
    expect(deps.queue.sent).toHaveLength(0);
  });

  it('re-enqueues a failed attempt with the scheduled delay and records failed + nextAttemptAt', async () => {
    const { deps, clock } = await setup([{ statusCode: 500, durationMs: 3, responseBody: 'boom' }]);
    expect(await deliver(deps, message())).toBe('failed');
    expect(deps.queue.sent).toEqual([{ message: expect.objectContaining({ attempt: 2, deliveryId: 'dlv_1' }), delaySeconds: 5 }]);
    const d = await deps.deliveries.get(T, 'dlv_1');
    expect(d).toMatchObject({ status: 'failed', lastStatusCode: 500, nextAttemptAt: new Date(clock.ms + 5000).toISOString() });
    expect(d!.attempts[0]!.error).toBe('endpoint answered 500');
  });

  it('sends the last failure to the dead-letter queue as exhausted', async () => {
    const { deps } = await setup([{ error: 'connection refused', durationMs: 1 }], [5]);
    expect(await deliver(deps, message({ attempt: 2 }))).toBe('exhausted');
    expect(deps.queue.sent).toHaveLength(0);
    expect(deps.queue.deadLetters).toEqual([{ message: expect.objectContaining({ deliveryId: 'dlv_1' }), reason: 'no attempts left after 2' }]);
    expect(await deps.deliveries.get(T, 'dlv_1')).toMatchObject({ status: 'exhausted', attempts: [{ error: 'connection refused' }] });
  });

  it('a duplicate message does not log twice but finishes a follow-up the first run left undone', async () => {
    // Arrange: the first run logs the failure, then SQS fails on the re-enqueue (crash-like)
    const { deps } = await setup([{ statusCode: 503, durationMs: 1 }, { statusCode: 503, durationMs: 1 }]);
    deps.queue.failNext = 1;
    await expect(deliver(deps, message())).rejects.toThrow(/injected/);
    // Act: SQS redelivers the same message
    const outcome = await deliver(deps, message());
    // Assert: one attempt logged, and the retry now enqueued
    expect(outcome).toBe('duplicate');
    expect((await deps.deliveries.get(T, 'dlv_1'))!.attempts).toHaveLength(1);
    expect(deps.queue.sent.map((s) => s.message.attempt)).toEqual([2]);
  });

  it('a duplicate of an already-finished attempt does nothing more', async () => {
    const { deps } = await setup([{ statusCode: 200, durationMs: 1 }, { statusCode: 200, durationMs: 1 }]);
    await deliver(deps, message());
    expect(await deliver(deps, message())).toBe('duplicate');
    expect((await deps.deliveries.get(T, 'dlv_1'))!.attempts).toHaveLength(1);
    expect(deps.queue.sent).toHaveLength(0);
  });

  it('holds a delay longer than SQS allows by hopping through the queue', async () => {
    const { deps, requests, clock } = await setup([{ statusCode: 500, durationMs: 1 }], [3600]);
    await deliver(deps, message());
    const next = deps.queue.sent[0]!;
    expect(next.delaySeconds).toBe(900);
    expect(next.message.notBefore).toBe(new Date(clock.ms + 3600_000).toISOString());
    // 900 s later the message is not due yet: it is re-enqueued, not sent
    clock.advance(900_000);
    expect(await deliver(deps, next.message)).toBe('deferred');
    expect(requests).toHaveLength(1);
    expect(deps.queue.sent[1]).toEqual({ message: next.message, delaySeconds: 900 });
  });

  it('skips (and logs) a delivery whose endpoint was deleted', async () => {
    const { deps, requests, store } = await setup([]);
    await store.delete(T, 'ep_1');
    expect(await deliver(deps, message())).toBe('skipped');
    expect(requests).toHaveLength(0);
    expect(await deps.deliveries.get(T, 'dlv_1')).toMatchObject({ status: 'skipped', attempts: [{ error: 'endpoint was deleted; not sent' }] });
  });

  it('rereads an endpoint when the message carries a newer version than the cache', async () => {
    const { deps, requests, store } = await setup([]);
    await deliver(deps, message({ deliveryId: 'dlv_a' }));
    const current = (await store.get(T, 'ep_1'))!;
    await store.update({ ...current, url: 'https://new.example/hook', version: 2 }, 1);
    await deliver(deps, message({ deliveryId: 'dlv_b', endpointVersion: 2 }));
    expect(requests.map((r) => r.url)).toEqual(['https://receiver.example/hook', 'https://new.example/hook']);
  });
});

describe('secret rotation', () => {
  it('signs with the new and the previous secret for 24 hours, then only the new one', async () => {
    // Arrange
    const { deps, requests, store, clock } = await setup([]);
    const oldSecret = (await store.get(T, 'ep_1'))!.secret;
    const { secret: newSecret } = (await rotateEndpointSecret({ endpoints: store, clock, randomBytes: (n) => new Uint8Array(n).fill(42) }, T, 'ep_1')) as { secret: string };
    // Act
    await deliver(deps, message({ deliveryId: 'dlv_r1', endpointVersion: 2 }));
    clock.advance(24 * 3600 * 1000 + 1);
    await deliver(deps, message({ deliveryId: 'dlv_r2', endpointVersion: 2 }));
    // Assert
    vi.useFakeTimers({ toFake: ['Date'], now: clock.ms - 24 * 3600 * 1000 - 1 });
    try {
      const during = requests[0]!;
      expect(during.headers['webhook-signature']!.split(' ')).toHaveLength(2);
      expect(() => new Webhook(newSecret).verify(during.body, during.headers)).not.toThrow();
      expect(() => new Webhook(oldSecret).verify(during.body, during.headers)).not.toThrow();
      vi.setSystemTime(clock.ms);
      const after = requests[1]!;
      expect(after.headers['webhook-signature']!.split(' ')).toHaveLength(1);
      expect(() => new Webhook(newSecret).verify(after.body, after.headers)).not.toThrow();
      expect(() => new Webhook(oldSecret).verify(after.body, after.headers)).toThrow();
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses a "new" secret equal to the current one', async () => {
    const { store, clock } = await setup([]);
    const current = (await store.get(T, 'ep_1'))!.secret;
    await expect(rotateEndpointSecret({ endpoints: store, clock, randomBytes: (n) => new Uint8Array(n) }, T, 'ep_1', current)).rejects.toMatchObject({ code: 'validation_failed' });
  });
});

describe('deliver, failure modes', () => {
  it('a crash after the POST and before the attempt is logged: SQS redelivers, the POST repeats, the attempt is logged once', async () => {
    // Arrange: the log write fails once (as if the function died there)
    const { deps, requests } = await setup([]);
    const real = deps.deliveries.recordAttempt.bind(deps.deliveries);
    let fail = true;
    deps.deliveries.recordAttempt = async (r) => {
      if (fail) {
        fail = false;
        throw new Error('crash before the log write');
      }
      return real(r);
    };
    // Act
    await expect(deliver(deps, message())).rejects.toThrow(/crash/);
    expect(await deliver(deps, message())).toBe('succeeded');
    // Assert: at least once to the receiver, once in the log
    expect(requests).toHaveLength(2);
    expect(requests[0]!.headers['webhook-id']).toBe(requests[1]!.headers['webhook-id']);
    expect((await deps.deliveries.get(T, 'dlv_1'))!.attempts).toHaveLength(1);
  });

  it('4xx is retried by default and final when the deployment says so', async () => {
    const retried = await setup([{ statusCode: 404, durationMs: 1 }]);
    expect(await deliver(retried.deps, message())).toBe('failed');
    const final = await setup([{ statusCode: 404, durationMs: 1 }]);
    final.deps.settings.permanent4xx = true;
    expect(await deliver(final.deps, message())).toBe('exhausted');
    expect(final.deps.queue.deadLetters).toHaveLength(1);
  });
});
