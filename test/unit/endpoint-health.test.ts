import { describe, expect, it } from 'vitest';
import { deliver } from '../../lib/app/deliver.ts';
import { updateEndpoint } from '../../lib/app/endpoints.ts';
import { runJob } from '../../lib/app/jobs.ts';
import { recoverStep } from '../../lib/app/replay.ts';
import type { DeliveryMessage, EmitJob, RecoverJob } from '../../lib/core/model.ts';
import type { OutboundResponse } from '../../lib/ports.ts';
import { silentLogger } from '../../lib/log.ts';
import { endpointRecord, memoryDeps, memorySender } from './fixtures.ts';

const T = 'ten_h';

async function setup(options: { breaker?: { threshold: number; cooldownMs: number; maxCooldownMs: number } } = {}) {
  const deps = memoryDeps();
  await deps.tenants.create({ id: T, name: 'H', createdAt: '2026-01-01T00:00:00.000Z' });
  await deps.endpoints.create(endpointRecord(T, 'ep_1', { eventTypes: ['invoice.*'] }));
  await deps.endpoints.create(endpointRecord(T, 'ep_ops', { eventTypes: ['endpoint.*', 'delivery.*'], url: 'https://ops.example/hook' }));
  const responses: OutboundResponse[] = [];
  const posted: string[] = [];
  const sender = memorySender(deps, responses, { cacheTtlMs: 60_000, onPost: (url) => posted.push(url), ...(options.breaker ? { breaker: options.breaker } : {}) });
  let n = 0;
  const message = (patch: Partial<DeliveryMessage> = {}): DeliveryMessage => {
    n++;
    return {
      v: 1,
      deliveryId: `dlv_${n}`,
      tenantId: T,
      endpointId: 'ep_1',
      endpointVersion: 1,
      event: { id: `evt_${n}`, type: 'invoice.paid', createdAt: new Date(deps.clock.now()).toISOString(), dataJson: JSON.stringify({}) },
      attempt: 1,
      trigger: 'scheduled',
      createdAt: new Date(deps.clock.now()).toISOString(),
      ...patch,
    };
  };
  const emitted = () => deps.queue.fanouts.filter((j): j is EmitJob => j.kind === 'emit');
  return { deps, sender, responses, posted, message, emitted };
}

describe('endpoint health', () => {
  it('410 Gone disables the endpoint at once and reports endpoint.disabled', async () => {
    // Arrange
    const { deps, sender, responses, message, emitted } = await setup();
    responses.push({ statusCode: 410, durationMs: 1 });
    // Act
    expect(await deliver(sender, message())).toBe('exhausted');
    // Assert
    expect(await deps.endpoints.get(T, 'ep_1')).toMatchObject({ status: 'disabled', disabledReason: 'endpoint answered 410 Gone', version: 2 });
    expect(emitted().map((e) => [e.type, e.data.endpointId])).toEqual([['endpoint.disabled', 'ep_1']]);
    // The next delivery is skipped, not sent (the sender's cache was invalidated).
    expect(await deliver(sender, message())).toBe('skipped');
  });

  it('disables after N deliveries exhausted in a row, reporting each delivery.exhausted', async () => {
    const { deps, sender, responses, message, emitted } = await setup(); // N = 3 in the fixtures
    for (let i = 0; i < 3; i++) {
      responses.push({ statusCode: 500, durationMs: 1 });
      expect(await deliver(sender, message({ attempt: 3 }))).toBe('exhausted');
    }
    expect(await deps.endpoints.get(T, 'ep_1')).toMatchObject({ status: 'disabled', disabledReason: '3 deliveries exhausted in a row' });
    expect(emitted().map((e) => e.type)).toEqual(['delivery.exhausted', 'delivery.exhausted', 'delivery.exhausted', 'endpoint.disabled']);
  });

  it('a success clears the failure run and reports endpoint.recovered', async () => {
    const { deps, sender, responses, message, emitted } = await setup();
    responses.push({ statusCode: 500, durationMs: 1 });
    await deliver(sender, message({ attempt: 3 }));
    expect((await deps.endpoints.get(T, 'ep_1'))!.health).toMatchObject({ consecutiveExhausted: 1 });
    await deliver(sender, message());
    expect((await deps.endpoints.get(T, 'ep_1'))!.health).toBeUndefined();
    expect(emitted().map((e) => e.type)).toEqual(['delivery.exhausted', 'endpoint.recovered']);
  });

  it('disables an endpoint failing continuously for longer than the configured days', async () => {
    const { deps, sender, responses, message } = await setup();
    responses.push({ statusCode: 503, durationMs: 1 });
    await deliver(sender, message());
    expect((await deps.endpoints.get(T, 'ep_1'))!.health?.failingSince).toBeDefined();
    deps.clock.advance(5 * 86_400_000 + 1);
    responses.push({ statusCode: 503, durationMs: 1 });
    await deliver(sender, message());
    expect((await deps.endpoints.get(T, 'ep_1'))!).toMatchObject({ status: 'disabled', disabledReason: expect.stringMatching(/^failing continuously since /) });
  });

  it('does not report delivery.exhausted about an operational event (no loops)', async () => {
    const { sender, responses, message, emitted } = await setup();
    responses.push({ statusCode: 500, durationMs: 1 });
    await deliver(sender, message({ attempt: 3, endpointId: 'ep_ops', event: { id: 'evt_op', type: 'delivery.exhausted', createdAt: 'x', dataJson: JSON.stringify({}) } }));
    expect(emitted().filter((e) => e.type === 'delivery.exhausted')).toEqual([]);
  });
});

describe('operational events', () => {
  it('go through ingest to the endpoints subscribed to them, once per key', async () => {
    const { deps } = await setup();
    const job: EmitJob = { v: 1, kind: 'emit', tenantId: T, type: 'endpoint.disabled', data: { endpointId: 'ep_1' }, key: 'endpoint.disabled:ep_1:1' };
    await runJob(deps, job, silentLogger);
    await runJob(deps, job, silentLogger);
    expect(deps.queue.sent.map((s) => [s.message.endpointId, s.message.event.type])).toEqual([['ep_ops', 'endpoint.disabled']]);
  });

  it('count a second report of the same occurrence with other details as done, not as a failure to retry', async () => {
    // Two sender instances both saw the endpoint recover, at different instants.
    const { deps } = await setup();
    const first: EmitJob = { v: 1, kind: 'emit', tenantId: T, type: 'endpoint.recovered', data: { endpointId: 'ep_1', recoveredAt: '2026-01-01T00:00:01.000Z' }, key: 'endpoint.recovered:ep_1:x' };
    await runJob(deps, first, silentLogger);
    await expect(runJob(deps, { ...first, data: { endpointId: 'ep_1', recoveredAt: '2026-01-01T00:00:02.000Z' } }, silentLogger)).resolves.toBeUndefined();
    expect(deps.queue.sent.filter((s) => s.message.event.type === 'endpoint.recovered')).toHaveLength(deps.queue.sent.length);
    expect(new Set(deps.queue.sent.map((s) => s.message.event.id)).size).toBe(1);
  });
});

describe('circuit breaker', () => {
  it('defers deliveries while open without spending attempts, then probes', async () => {
    // Arrange: opens after 2 failures for 10 s
    const { deps, sender, responses, posted, message } = await setup({ breaker: { threshold: 2, cooldownMs: 10_000, maxCooldownMs: 40_000 } });
    responses.push({ statusCode: 500, durationMs: 1 }, { statusCode: 500, durationMs: 1 });
    await deliver(sender, message());
    await deliver(sender, message());
    deps.queue.sent.length = 0;
    // Act: while open
    const held = message();
    expect(await deliver(sender, held)).toBe('deferred');
    // Assert: not sent, not logged, re-queued for the rest of the cooldown
    expect(posted).toHaveLength(2);
    expect(await deps.deliveries.get(T, held.deliveryId)).toBeUndefined();
    // The deferral counts a hop, so the FIFO queue's deduplication does not drop it as a repeat.
    expect(deps.queue.sent).toEqual([{ message: { ...held, hop: 1 }, delaySeconds: 10 }]);
    // After the cooldown one probe goes out; a failed probe doubles the cooldown
    deps.clock.advance(10_000);
    responses.push({ statusCode: 500, durationMs: 1 });
    expect(await deliver(sender, message())).toBe('failed');
    expect(posted).toHaveLength(3);
    deps.queue.sent.length = 0;
    expect(await deliver(sender, message())).toBe('deferred');
    expect(deps.queue.sent[0]!.delaySeconds).toBe(20);
    // A successful probe closes it
    deps.clock.advance(20_000);
    expect(await deliver(sender, message())).toBe('succeeded');
    expect(await deliver(sender, message())).toBe('succeeded');
  });
});

describe('re-enabling an endpoint', () => {
  it('drains the deliveries skipped while it was disabled, at a capped rate, with a full retry chain', async () => {
    // Arrange: disabled, 25 deliveries skipped meanwhile
    const { deps, sender, message } = await setup();
    await updateEndpoint(deps, T, 'ep_1', { disabled: true });
    for (let i = 0; i < 25; i++) {
      const m = message({ endpointVersion: 2 });
      await deps.events.putIfAbsent({ ...m.event, tenantId: T, deliveries: 1, fingerprint: 'f' });
      expect(await deliver(sender, m)).toBe('skipped');
    }
    // Act
    await updateEndpoint(deps, T, 'ep_1', { disabled: false, rateLimitPerSecond: 10 });
    const job = deps.queue.fanouts.find((j): j is RecoverJob => j.kind === 'recover')!;
    const r = await recoverStep(deps, job);
    // Assert: 25 re-sent as new scheduled chains, spread 10 per second
    expect(r).toEqual({ queued: 25, skipped: 0, continuing: false });
    expect(deps.queue.sent.map((s) => s.delaySeconds)).toEqual([...Array(10).fill(0), ...Array(10).fill(1), ...Array(5).fill(2)]);
    expect(deps.queue.sent.every((s) => s.message.trigger === 'scheduled' && s.message.chain === 1 && s.message.attempt === 1)).toBe(true);
    for (const { message: m } of deps.queue.sent.splice(0)) expect(await deliver(sender, { ...m, endpointVersion: 3 })).toBe('succeeded');
  });
});

describe('CachedEndpointReader health notes', () => {
  it('keeps serving the cached endpoint with the health the sender just wrote, without a read', async () => {
    const { CachedEndpointReader } = await import('../../lib/app/endpoint-cache.ts');
    let reads = 0;
    const record = { id: 'ep_1', tenantId: 'ten_a', version: 1, status: 'enabled' } as unknown as import('../../lib/core/model.ts').EndpointRecord;
    const cache = new CachedEndpointReader({ get: async () => (reads++, record) }, { now: () => 0 });
    await cache.get('ten_a', 'ep_1', 1);
    cache.noteHealth('ten_a', 'ep_1', { failingSince: '2026-01-01T00:00:00.000Z' });
    expect((await cache.get('ten_a', 'ep_1', 1))?.health).toEqual({ failingSince: '2026-01-01T00:00:00.000Z' });
    cache.noteHealth('ten_a', 'ep_1', undefined);
    expect((await cache.get('ten_a', 'ep_1', 1))?.health).toBeUndefined();
    expect(reads).toBe(1);
    expect(record.health).toBeUndefined(); // the store's record is not mutated
  });
});
