import { describe, expect, it } from 'vitest';
import { deliver } from '../../lib/app/deliver.ts';
import { recoverEndpoint, recoverStep, redriveDeadLetters, retryDelivery } from '../../lib/app/replay.ts';
import type { DeliveryMessage, RecoverJob } from '../../lib/core/model.ts';
import type { OutboundResponse } from '../../lib/ports.ts';
import { endpointRecord, memoryDeps, memorySender } from './fixtures.ts';

const T = 'ten_r';

async function setup(responses: OutboundResponse[] = []) {
  const deps = memoryDeps();
  await deps.tenants.create({ id: T, name: 'R', createdAt: '2026-01-01T00:00:00.000Z' });
  await deps.endpoints.create(endpointRecord(T, 'ep_1'));
  const sender = memorySender(deps, responses);
  /** Run every queued delivery message through the sender, as the poller would. */
  const drain = async () => {
    while (deps.queue.sent.length) await deliver(sender, deps.queue.sent.shift()!.message);
  };
  /** Store an event and a delivery in a given state by running real attempts. */
  const seed = async (eventId: string, createdAt: string, results: OutboundResponse[]) => {
    const event = { id: eventId, type: 'invoice.paid', createdAt, dataJson: JSON.stringify({ n: eventId }) };
    await deps.events.putIfAbsent({ ...event, tenantId: T, deliveries: 1, fingerprint: 'f' });
    responses.push(...results);
    const m: DeliveryMessage = { v: 1, deliveryId: `dlv_${eventId.slice(4)}`, tenantId: T, endpointId: 'ep_1', endpointVersion: 1, event, attempt: 1, trigger: 'scheduled', createdAt };
    await deliver(sender, m);
    deps.queue.sent.length = 0; // drop the scheduled retries: we only want the logged state
    deps.queue.deadLetters.length = 0;
    return m.deliveryId;
  };
  return { deps, sender, drain, seed, responses };
}

describe('retryDelivery (manual)', () => {
  it('adds one attempt, trigger manual, that can turn an exhausted delivery into succeeded', async () => {
    // Arrange: exhausted after its only attempt (a permanent failure: the URL was refused)
    const { deps, drain, seed } = await setup();
    const id = await seed('evt_a', '2026-11-23T10:00:00.000Z', [{ error: 'url not allowed', blocked: true, durationMs: 1 }]);
    expect((await deps.deliveries.get(T, id))!.status).toBe('exhausted');
    // Act
    const answer = await retryDelivery(deps, T, id, 'req1');
    await drain();
    // Assert
    expect(answer).toMatchObject({ id, status: 'exhausted' });
    const d = (await deps.deliveries.get(T, id))!;
    expect(d).toMatchObject({ status: 'succeeded', attemptCount: 2 });
    expect(d.attempts.map((a) => [a.attempt, a.trigger, a.statusCode])).toEqual([[1, 'scheduled', undefined], [2, 'manual', 200]]);
  });

  it('a failed manual attempt leaves an exhausted delivery exhausted and schedules nothing', async () => {
    const { deps, drain, seed, responses } = await setup();
    const id = await seed('evt_b', '2026-11-23T10:00:00.000Z', [{ error: 'url not allowed', blocked: true, durationMs: 1 }]);
    await retryDelivery(deps, T, id, 'req2');
    responses.push({ statusCode: 500, durationMs: 1 });
    await drain();
    expect((await deps.deliveries.get(T, id))!).toMatchObject({ status: 'exhausted', attemptCount: 2 });
    expect(deps.queue.sent).toHaveLength(0);
    expect(deps.queue.deadLetters).toHaveLength(0);
  });

  it('beside a pending scheduled retry: success wins, and the scheduled retry then sends nothing', async () => {
    // Arrange: failed once, retry pending
    const { deps, sender, seed } = await setup();
    const id = await seed('evt_c', '2026-11-23T10:00:00.000Z', [{ statusCode: 500, durationMs: 1 }]);
    const pendingRetry = { ...(await deps.events.get(T, 'evt_c'))! };
    // Act: manual retry succeeds, then the scheduled attempt 2 arrives
    await retryDelivery(deps, T, id, 'req3');
    await deliver(sender, deps.queue.sent.shift()!.message);
    const outcome = await deliver(sender, { v: 1, deliveryId: id, tenantId: T, endpointId: 'ep_1', endpointVersion: 1, event: { id: pendingRetry.id, type: pendingRetry.type, createdAt: pendingRetry.createdAt, dataJson: pendingRetry.dataJson }, attempt: 2, trigger: 'scheduled', createdAt: pendingRetry.createdAt });
    // Assert
    expect(outcome).toBe('already_succeeded');
    expect((await deps.deliveries.get(T, id))!.attempts.map((a) => a.trigger)).toEqual(['scheduled', 'manual']);
  });

  it('refuses unknown deliveries, other tenants and disabled endpoints', async () => {
    const { deps, seed } = await setup();
    const id = await seed('evt_d', '2026-11-23T10:00:00.000Z', [{ statusCode: 500, durationMs: 1 }]);
    await expect(retryDelivery(deps, T, 'dlv_nope', 'r')).rejects.toMatchObject({ code: 'not_found' });
    await expect(retryDelivery(deps, 'ten_other', id, 'r')).rejects.toMatchObject({ code: 'not_found' });
    const ep = (await deps.endpoints.get(T, 'ep_1'))!;
    await deps.endpoints.update({ ...ep, status: 'disabled', version: 2 }, 1);
    await expect(retryDelivery(deps, T, id, 'r')).rejects.toMatchObject({ code: 'conflict' });
    expect(deps.queue.sent).toHaveLength(0);
  });
});

describe('recover', () => {
  it('re-sends failed and exhausted deliveries in the window only, continuing in a job past one step', async () => {
    // Arrange: 520 failed in the window, 3 succeeded in the window, 2 failed before it
    const { deps, drain, seed } = await setup();
    for (let i = 0; i < 520; i++) await seed(`evt_w${String(i).padStart(4, '0')}`, `2026-11-23T10:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000Z`, [{ statusCode: 500, durationMs: 1 }]);
    for (let i = 0; i < 3; i++) await seed(`evt_ok${i}`, '2026-11-23T10:30:00.000Z', [{ statusCode: 200, durationMs: 1 }]);
    for (let i = 0; i < 2; i++) await seed(`evt_old${i}`, '2026-11-22T10:00:00.000Z', [{ statusCode: 500, durationMs: 1 }]);
    // Act
    const first = await recoverEndpoint(deps, T, 'ep_1', { since: '2026-11-23T00:00:00.000Z' }, 'job1');
    expect(first).toEqual({ queued: 500, skipped: 0, continuing: true });
    const job = deps.queue.fanouts.at(-1) as RecoverJob;
    const second = await recoverStep(deps, job);
    // Assert
    expect(second).toEqual({ queued: 20, skipped: 0, continuing: false });
    expect(deps.queue.sent.every((s) => s.message.trigger === 'recover' && s.message.attemptKey === 'rjob1')).toBe(true);
    await drain();
    const after = await deps.deliveries.list(T, { limit: 250, statuses: ['failed', 'exhausted'] });
    expect(after.data.map((d) => d.eventId).sort()).toEqual(['evt_old0', 'evt_old1']);
    // Replaying the same step (a duplicated job message) adds no attempt twice.
    await recoverStep(deps, job);
    await drain();
    expect((await deps.deliveries.get(T, 'dlv_w0519'))!.attempts).toHaveLength(2);
  });

  it('rejects a window that ends before it starts', async () => {
    const { deps } = await setup();
    await expect(recoverEndpoint(deps, T, 'ep_1', { since: '2026-11-23T00:00:00.000Z', until: '2026-11-22T00:00:00.000Z' }, 'j')).rejects.toMatchObject({ code: 'validation_failed' });
  });
});

describe('redriveDeadLetters', () => {
  it('moves valid deliveries back as a new retry chain at a capped rate, and leaves garbage', async () => {
    // Arrange
    const { deps } = await setup();
    const m = (n: number): DeliveryMessage => ({ v: 1, deliveryId: `dlv_${n}`, tenantId: T, endpointId: 'ep_1', endpointVersion: 1, event: { id: `evt_${n}`, type: 'invoice.paid', createdAt: '2026-11-23T10:00:00.000Z', dataJson: JSON.stringify({}) }, attempt: 8, trigger: 'scheduled', createdAt: '2026-11-23T10:00:00.000Z' });
    for (let i = 0; i < 25; i++) deps.dlq.put(JSON.stringify(m(i)));
    deps.dlq.put('not json');
    const before = deps.clock.now();
    // Act
    const r = await redriveDeadLetters(deps, { max: 100, ratePerSecond: 5 });
    // Assert
    expect(r).toEqual({ moved: 25, failed: 1, remaining: 1 });
    expect(deps.queue.sent.map((s) => [s.message.attempt, s.message.chain, s.message.trigger])).toEqual(Array(25).fill([1, 1, 'scheduled']));
    // 26 messages at 5 per second take at least 5 seconds (injected sleep).
    expect(deps.clock.now() - before).toBeGreaterThanOrEqual(5000);
  });

  it('stops at max', async () => {
    const { deps } = await setup();
    for (let i = 0; i < 30; i++) deps.dlq.put(JSON.stringify({ v: 1, deliveryId: `dlv_${i}`, tenantId: T, endpointId: 'ep_1', endpointVersion: 1, event: { id: `evt_${i}`, type: 'invoice.paid', createdAt: 'x', data: {} }, attempt: 1, trigger: 'scheduled', createdAt: 'x' }));
    const r = await redriveDeadLetters(deps, { max: 12, ratePerSecond: 100 });
    expect(r).toEqual({ moved: 12, failed: 0, remaining: 18 });
  });
});
