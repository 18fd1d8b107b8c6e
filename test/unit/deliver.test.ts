import { Webhook } from 'standardwebhooks';
import { describe, expect, it, vi } from 'vitest';
import { MemoryDeliveryLimiter, MemoryDeliveryLog, MemoryDeliveryQueue, MemoryEndpointStore } from '../../lib/adapters/memory/stores.ts';
import { QueueHopScheduler } from '../../lib/adapters/sqs/queue-hop-scheduler.ts';
import { deliver, type DeliveryContext } from '../../lib/app/deliver.ts';
import { CircuitBreakers } from '../../lib/app/circuit-breaker.ts';
import { rotateEndpointSecret } from '../../lib/app/endpoints.ts';
import { CachedEndpointReader } from '../../lib/app/endpoint-cache.ts';
import type { SenderDeps } from '../../lib/app/deps.ts';
import type { DeliveryMessage, EndpointRecord } from '../../lib/core/model.ts';
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
    settings: { retrySchedule: schedule, fanoutThreshold: 50, maxSqsDelaySeconds: 900, version: '9.9.9', disableAfterDays: 5, disableAfterExhausted: 3, defaultMaxInFlight: 10 },
    limiter: new MemoryDeliveryLimiter(clock),
    sleep: async (ms) => clock.advance(ms),
    leaseTtlMs: 60_000,
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
    expect(deps.queue.sent[1]).toEqual({ message: { ...next.message, hop: 1 }, delaySeconds: 900 });
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

describe('deliver in lanes (limits, holds and per-key order)', () => {
  const orderedSetup = async (responses: OutboundResponse[], patch: Partial<EndpointRecord> = { ordering: 'key' }) => {
    const s = await setup(responses);
    await s.store.update({ ...endpointRecord(T, 'ep_1', { headers: { 'x-tenant': 'acme' } }), ...patch, version: 2 }, 1);
    return s;
  };
  const keyed = (patch: Partial<DeliveryMessage> = {}) => message({ orderingKey: 'sub_1', endpointVersion: 2, ...patch });

  it("holds a keyed delivery's retry in its lane instead of re-enqueueing it, so the key waits", async () => {
    // Arrange
    const { deps } = await orderedSetup([{ statusCode: 503, durationMs: 1 }]);
    const ctx: DeliveryContext = { canHold: true, receiveCount: 1 };
    // Act
    expect(await deliver(deps, keyed(), ctx)).toBe('failed');
    // Assert: logged as failed with its next attempt, held for the backoff, nothing enqueued
    expect(ctx.holdSeconds).toBe(5);
    expect(deps.queue.sent).toHaveLength(0);
    expect(await deps.deliveries.get(T, 'dlv_1')).toMatchObject({ status: 'failed', attemptCount: 1 });
  });

  it('a held keyed message received again early is held for the rest; when due it makes the next attempt', async () => {
    const { deps, clock, requests } = await orderedSetup([{ statusCode: 503, durationMs: 1 }]);
    await deliver(deps, keyed(), { canHold: true, receiveCount: 1 });
    // Early (a visibility change cut short, or a hold beyond SQS's 12 h): held again, no attempt
    clock.advance(2000);
    const early: DeliveryContext = { canHold: true, receiveCount: 2 };
    expect(await deliver(deps, keyed(), early)).toBe('held');
    expect(early.holdSeconds).toBe(3);
    expect(requests).toHaveLength(1);
    // Due: attempt 2, keyed apart from attempt 1, from the same unchanged message
    clock.advance(3000);
    expect(await deliver(deps, keyed(), { canHold: true, receiveCount: 3 })).toBe('succeeded');
    const d = await deps.deliveries.get(T, 'dlv_1');
    expect(d).toMatchObject({ status: 'succeeded', attemptCount: 2 });
    expect(d!.attempts.map((a) => a.trigger)).toEqual(['scheduled', 'scheduled']);
  });

  it('a held keyed message whose delivery succeeded meanwhile (a manual retry) is done', async () => {
    const { deps, clock } = await orderedSetup([{ statusCode: 503, durationMs: 1 }]);
    await deliver(deps, keyed(), { canHold: true, receiveCount: 1 });
    await deliver(deps, keyed({ trigger: 'manual', attempt: 2, attemptKey: 'mreq1', onFailure: 'failed' }));
    clock.advance(10_000);
    expect(await deliver(deps, keyed(), { canHold: true, receiveCount: 2 })).toBe('already_succeeded');
  });

  it('rateLimitPerSecond: a send beyond the rate waits for its slot, or is held without spending an attempt', async () => {
    const { deps, clock, requests } = await orderedSetup([], { rateLimitPerSecond: 1 });
    const t0 = clock.ms;
    expect(await deliver(deps, message({ deliveryId: 'dlv_a', endpointVersion: 2 }), { canHold: true })).toBe('succeeded');
    // The next slot is 1 s away: within the wait allowed, so it waits (the manual clock moves) and goes.
    expect(await deliver(deps, message({ deliveryId: 'dlv_b', endpointVersion: 2 }), { canHold: true })).toBe('succeeded');
    expect(clock.ms - t0).toBe(1000);
    // Two more at once: the second's slot is beyond the allowance: held in its lane, not logged.
    await deliver(deps, message({ deliveryId: 'dlv_c', endpointVersion: 2 }), { canHold: true });
    const ctx: DeliveryContext = { canHold: true };
    clock.ms -= 1000; // as if it arrived at the same instant as dlv_c
    expect(await deliver(deps, message({ deliveryId: 'dlv_d', endpointVersion: 2 }), ctx)).toBe('held');
    expect(ctx.holdSeconds).toBeGreaterThanOrEqual(1);
    expect(await deps.deliveries.get(T, 'dlv_d')).toBeUndefined();
    expect(requests).toHaveLength(3);
    // Outside a lane (no hold possible) it is re-enqueued with the wait, as another hop.
    expect(await deliver(deps, message({ deliveryId: 'dlv_e', endpointVersion: 2 }))).toBe('deferred');
    expect(deps.queue.sent.at(-1)).toMatchObject({ message: { deliveryId: 'dlv_e', hop: 1 } });
  });

  it("an ordered endpoint's requests take a lease: with every lease held, the message is held", async () => {
    const { deps, requests } = await orderedSetup([], { ordering: 'key', maxInFlight: 1 });
    const limiter = deps.limiter as MemoryDeliveryLimiter;
    const taken = await limiter.acquireLease(`${T}/ep_1`, 1, 60_000);
    const ctx: DeliveryContext = { canHold: true };
    expect(await deliver(deps, keyed(), ctx)).toBe('held');
    expect(requests).toHaveLength(0);
    await limiter.releaseLease(taken!);
    expect(await deliver(deps, keyed(), { canHold: true })).toBe('succeeded');
    // The lease is given back after the request.
    expect(limiter.held(`${T}/ep_1`)).toBe(0);
  });

  it('an open circuit defers scheduled deliveries, but a manual retry is the probe: it goes out at once and its success closes the circuit', async () => {
    const { deps, requests } = await setup([
      { statusCode: 500, durationMs: 1 },
      { statusCode: 500, durationMs: 1 },
      { statusCode: 500, durationMs: 1 },
      { statusCode: 500, durationMs: 1 },
      { statusCode: 500, durationMs: 1 },
    ]);
    for (let i = 0; i < 5; i++) await deliver(deps, message({ deliveryId: `dlv_f${i}` }));
    expect(await deliver(deps, message({ deliveryId: 'dlv_g' }))).toBe('deferred');
    expect(requests).toHaveLength(5);
    // The operator fixed the receiver and pressed Retry now
    expect(await deliver(deps, message({ deliveryId: 'dlv_f0', trigger: 'manual', attempt: 2, attemptKey: 'mreq', onFailure: 'failed' }))).toBe('succeeded');
    expect(requests).toHaveLength(6);
    expect(await deliver(deps, message({ deliveryId: 'dlv_h' }))).toBe('succeeded');
  });
});

describe('deliver, requests that cannot be built or sent', () => {
  async function poisoned(patch: Parameters<typeof endpointRecord>[2], http?: SenderDeps['http']) {
    const made = await setup([]);
    // Written straight into the store, as records from before the header check may be.
    made.store.items.clear();
    await made.store.create(endpointRecord(T, 'ep_1', patch));
    if (http) made.deps.http = http;
    return made;
  }

  it.each([
    ['a control character', 'v\u0001x'],
    ['DEL', 'v\u007fx'],
    ['non-ASCII', '日本'],
    ['CR LF', 'a\r\nInjected: 1'],
  ])('a stored header value with %s is a recorded, failed attempt that follows the retry policy', async (_, value) => {
    // Arrange
    const { deps, requests } = await poisoned({ headers: { 'X-A': value } });
    // Act
    const outcome = await deliver(deps, message());
    // Assert
    expect(outcome).toBe('failed');
    expect(requests).toHaveLength(0);
    const d = (await deps.deliveries.get(T, 'dlv_1'))!;
    expect(d).toMatchObject({ status: 'failed', attemptCount: 1, nextAttemptAt: expect.any(String) });
    expect(d.attempts[0]!.error).toMatch(/not sent: the value of header "X-A" is not a valid HTTP field value/);
    expect(d.attempts[0]!.error).not.toContain(value);
    expect(deps.queue.sent).toEqual([{ message: expect.objectContaining({ attempt: 2 }), delaySeconds: 5 }]);
    expect(deps.queue.deadLetters).toEqual([]);
  });

  it('the last such attempt is recorded as exhausted before the message reaches the DLQ', async () => {
    const { deps } = await poisoned({ headers: { 'X-A': 'v\u0001x' } });
    expect(await deliver(deps, message({ attempt: 3 }))).toBe('exhausted');
    expect(await deps.deliveries.get(T, 'dlv_1')).toMatchObject({ status: 'exhausted', attempts: [{ error: expect.stringMatching(/not sent/) }] });
    expect(deps.queue.deadLetters).toHaveLength(1);
  });

  it('a signing key that does not load is a recorded, failed attempt', async () => {
    const { deps, requests } = await poisoned({ signatureScheme: 'standard-webhooks-ed25519', secret: 'whsk_broken' });
    expect(await deliver(deps, message())).toBe('failed');
    expect(requests).toHaveLength(0);
    expect((await deps.deliveries.get(T, 'dlv_1'))!.attempts[0]!.error).toMatch(/not sent: the request could not be built or signed/);
  });

  it('a sender that throws (against its contract) still yields a recorded attempt', async () => {
    const { deps } = await poisoned({}, { post: async () => { throw Object.assign(new Error('boom'), { code: 'ERR_SOMETHING' }); } });
    expect(await deliver(deps, message())).toBe('failed');
    expect((await deps.deliveries.get(T, 'dlv_1'))!.attempts[0]!.error).toBe('not sent: the request could not be sent (ERR_SOMETHING: boom)');
  });

  it('a blocked address stays final: exhausted at once, with the reason', async () => {
    const { deps } = await poisoned({}, { post: async () => ({ blocked: true, error: 'url is not allowed: 127.0.0.1 is reserved', durationMs: 0 }) });
    expect(await deliver(deps, message())).toBe('exhausted');
    expect((await deps.deliveries.get(T, 'dlv_1'))!.attempts[0]!.error).toMatch(/not allowed/);
  });
});
