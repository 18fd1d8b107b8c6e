import { describe, expect, it } from 'vitest';
import { sendTestEvent } from '../../lib/app/endpoints.ts';
import { fanoutStep } from '../../lib/app/fanout.ts';
import { ingestBatch, ingestEvent } from '../../lib/app/ingest.ts';
import { deliveryId } from '../../lib/core/ids.ts';
import { fingerprint } from '../../lib/core/canonical-json.ts';
import type { FanoutMessage } from '../../lib/core/model.ts';
import { endpointRecord, memoryDeps } from './fixtures.ts';

const TENANT = 'ten_acme';

async function setup(endpoints: Parameters<typeof endpointRecord>[2][] = [{}]) {
  const deps = memoryDeps();
  await deps.tenants.create({ id: TENANT, name: 'Acme', createdAt: '2026-01-01T00:00:00.000Z' });
  let i = 0;
  for (const patch of endpoints) await deps.endpoints.create(endpointRecord(TENANT, `ep_${++i}`, patch));
  return deps;
}

describe('ingestEvent', () => {
  it('enqueues one delivery per matching enabled endpoint and stores the event', async () => {
    // Arrange
    const deps = await setup([{ eventTypes: ['invoice.*'] }, { eventTypes: ['subscription.*'] }, { eventTypes: ['*'], status: 'disabled' }, { eventTypes: ['invoice.paid'] }]);
    // Act
    const r = await ingestEvent(deps, TENANT, { type: 'invoice.paid', dataJson: JSON.stringify({ amount: 1 }) });
    // Assert
    expect(r.replayed).toBe(false);
    expect(r.accepted.deliveries).toBe(2);
    expect(deps.queue.sent.map((s) => s.message.endpointId).sort()).toEqual(['ep_1', 'ep_4']);
    const m = deps.queue.sent[0]!.message;
    expect(m).toMatchObject({ attempt: 1, trigger: 'scheduled', tenantId: TENANT, event: { id: r.accepted.id, type: 'invoice.paid', dataJson: JSON.stringify({ amount: 1 }) } });
    expect(m.deliveryId).toBe(deliveryId(r.accepted.id, m.endpointId));
    expect(await deps.events.get(TENANT, r.accepted.id)).toMatchObject({ deliveries: 2, type: 'invoice.paid' });
  });

  it('rejects an unknown event type without side effects', async () => {
    const deps = await setup();
    await expect(ingestEvent(deps, TENANT, { type: 'invoice.exploded', dataJson: JSON.stringify({}) })).rejects.toMatchObject({ code: 'unknown_event_type', status: 422 });
    expect(deps.queue.sent).toHaveLength(0);
    expect(deps.events.items.size).toBe(0);
  });

  it('answers 404 for an unknown tenant', async () => {
    const deps = await setup();
    await expect(ingestEvent(deps, 'ten_nobody', { type: 'invoice.paid', dataJson: JSON.stringify({}) })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('replays the same key and body: same answer, nothing enqueued', async () => {
    const deps = await setup();
    const first = await ingestEvent(deps, TENANT, { type: 'invoice.paid', dataJson: '{"a":1,"b":2.50}' }, 'key-1');
    const again = await ingestEvent(deps, TENANT, { type: 'invoice.paid', dataJson: '{"a":1,"b":2.50}' }, 'key-1');
    expect(again).toEqual({ accepted: first.accepted, replayed: true });
    expect(deps.queue.sent).toHaveLength(1);
  });

  it('compares bodies as sent: another key order or number text is another body (409)', async () => {
    // The receiver gets data as sent, so a replay must mean the very same text.
    const deps = await setup();
    await ingestEvent(deps, TENANT, { type: 'invoice.paid', dataJson: '{"a":1,"b":2.50}' }, 'key-3');
    for (const other of ['{"b":2.50,"a":1}', '{"a":1,"b":2.5}', '{"a":1,"b":25e-1}']) {
      await expect(ingestEvent(deps, TENANT, { type: 'invoice.paid', dataJson: other }, 'key-3')).rejects.toMatchObject({ code: 'idempotency_key_reused', status: 409 });
    }
    expect(deps.queue.sent).toHaveLength(1);
  });

  it('replays against an event stored before fingerprints were taken as sent', async () => {
    // Events stored by earlier versions carry sha256(canonical JSON of the parsed request), unprefixed.
    const deps = await setup();
    const first = await ingestEvent(deps, TENANT, { type: 'invoice.paid', dataJson: '{"a":1,"b":2}' }, 'key-old');
    const stored = deps.events.items.get(`${TENANT}/${first.accepted.id}`)!;
    stored.fingerprint = fingerprint({ type: 'invoice.paid', data: { a: 1, b: 2 } });
    const again = await ingestEvent(deps, TENANT, { type: 'invoice.paid', dataJson: '{"b":2,"a":1}' }, 'key-old');
    expect(again).toEqual({ accepted: first.accepted, replayed: true });
    await expect(ingestEvent(deps, TENANT, { type: 'invoice.paid', dataJson: '{"a":1,"b":3}' }, 'key-old')).rejects.toMatchObject({ code: 'idempotency_key_reused' });
  });

  it('treats a body id as the idempotency key', async () => {
    const deps = await setup();
    const first = await ingestEvent(deps, TENANT, { type: 'invoice.paid', dataJson: JSON.stringify({}), id: 'inv_42' });
    const again = await ingestEvent(deps, TENANT, { type: 'invoice.paid', dataJson: JSON.stringify({}), id: 'inv_42' });
    expect(again.accepted.id).toBe(first.accepted.id);
    expect(again.replayed).toBe(true);
  });

  it('refuses the same key with another body (409) and changes nothing', async () => {
    const deps = await setup();
    await ingestEvent(deps, TENANT, { type: 'invoice.paid', dataJson: JSON.stringify({ a: 1 }) }, 'key-2');
    await expect(ingestEvent(deps, TENANT, { type: 'invoice.paid', dataJson: JSON.stringify({ a: 2 }) }, 'key-2')).rejects.toMatchObject({ code: 'idempotency_key_reused', status: 409 });
    expect(deps.queue.sent).toHaveLength(1);
  });

  it('refuses a header key that differs from the body id', async () => {
    const deps = await setup();
    await expect(ingestEvent(deps, TENANT, { type: 'invoice.paid', dataJson: JSON.stringify({}), id: 'a' }, 'b')).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('never stores an event whose deliveries failed to enqueue; the retry delivers with the same ids', async () => {
    // Arrange: SQS fails once (a crash between "routed" and "stored")
    const deps = await setup([{}, {}]);
    deps.queue.failNext = 1;
    // Act
    await expect(ingestEvent(deps, TENANT, { type: 'invoice.paid', dataJson: JSON.stringify({}) }, 'crash-1')).rejects.toThrow(/injected/);
    // Assert: nothing stored, so the client's retry is not a replay
    expect(deps.events.items.size).toBe(0);
    const retry = await ingestEvent(deps, TENANT, { type: 'invoice.paid', dataJson: JSON.stringify({}) }, 'crash-1');
    expect(retry.replayed).toBe(false);
    expect(deps.queue.sent.map((s) => s.message.deliveryId).sort()).toEqual(
      ['ep_1', 'ep_2'].map((ep) => deliveryId(retry.accepted.id, ep)).sort(),
    );
    expect(deps.events.items.size).toBe(1);
  });

  it('a crash after enqueue and before the store re-enqueues with the same webhook-id and stores once', async () => {
    const deps = await setup();
    const realPut = deps.events.putIfAbsent.bind(deps.events);
    let crash = true;
    deps.events.putIfAbsent = async (e) => {
      if (crash) {
        crash = false;
        throw new Error('crash before put');
      }
      return realPut(e);
    };
    await expect(ingestEvent(deps, TENANT, { type: 'invoice.paid', dataJson: JSON.stringify({ n: 1 }) }, 'crash-2')).rejects.toThrow(/crash/);
    const retry = await ingestEvent(deps, TENANT, { type: 'invoice.paid', dataJson: JSON.stringify({ n: 1 }) }, 'crash-2');
    const ids = deps.queue.sent.map((s) => s.message.event.id);
    expect(ids).toEqual([retry.accepted.id, retry.accepted.id]);
    expect(deps.events.items.size).toBe(1);
    const third = await ingestEvent(deps, TENANT, { type: 'invoice.paid', dataJson: JSON.stringify({ n: 1 }) }, 'crash-2');
    expect(third.replayed).toBe(true);
    expect(deps.queue.sent).toHaveLength(2);
  });

  it('hands a large fan-out to a job instead of enqueueing inline', async () => {
    const deps = await setup([{}, {}, {}, {}, {}]); // threshold is 3 in the fixtures
    const r = await ingestEvent(deps, TENANT, { type: 'customer.created', dataJson: JSON.stringify({}) });
    expect(r.accepted.deliveries).toBe(5);
    expect(deps.queue.sent).toHaveLength(0);
    expect(deps.queue.fanouts).toEqual([{ v: 1, kind: 'fanout', tenantId: TENANT, event: expect.objectContaining({ id: r.accepted.id }) }]);
  });
});

describe('fanoutStep', () => {
  it('enqueues every matching endpoint, continuing across pages', async () => {
    const deps = await setup(Array.from({ length: 1200 }, (_, i) => ({ eventTypes: i % 2 ? ['invoice.*'] : ['customer.*'] })));
    const event = { id: 'evt_x', type: 'invoice.paid', createdAt: '2026-01-01T00:00:00.000Z', dataJson: JSON.stringify({}) };
    const first = await fanoutStep(deps, { v: 1, kind: 'fanout', tenantId: TENANT, event });
    // 1,000 endpoints per step (4 pages of 250), then a continuation.
    expect(first.continued).toBe(true);
    expect(deps.queue.fanouts).toHaveLength(1);
    const second = await fanoutStep(deps, deps.queue.fanouts[0]! as FanoutMessage);
    expect(second.continued).toBe(false);
    expect(first.enqueued + second.enqueued).toBe(600);
    expect(new Set(deps.queue.sent.map((s) => s.message.endpointId)).size).toBe(600);
  });
});

describe('ingestBatch', () => {
  it('finds the replays among keyed events with one batched read, not one read per event', async () => {
    // Arrange: 3 of 5 keys seen before
    const deps = await setup();
    await ingestBatch(deps, TENANT, [1, 2, 3].map((n) => ({ type: 'invoice.paid', dataJson: JSON.stringify({ n }), id: `k${n}` })));
    const calls = { get: 0, getMany: 0 };
    const { get, getMany } = deps.events;
    deps.events.get = (...a) => (calls.get++, get.apply(deps.events, a));
    deps.events.getMany = (...a) => (calls.getMany++, getMany.apply(deps.events, a));
    deps.queue.sent.length = 0;
    // Act
    const out = await ingestBatch(deps, TENANT, [1, 2, 3, 4, 5].map((n) => ({ type: 'invoice.paid', dataJson: JSON.stringify({ n }), id: `k${n}` })));
    // Assert
    expect(calls).toEqual({ get: 0, getMany: 1 });
    expect(out.map((r) => r.replayed)).toEqual([true, true, true, false, false]);
    expect(deps.queue.sent.map((s) => (JSON.parse(s.message.event.dataJson) as { n: number }).n)).toEqual([4, 5]);
  });

  it('routes every event and replays the ones already accepted', async () => {
    const deps = await setup([{ eventTypes: ['invoice.*'] }]);
    await ingestEvent(deps, TENANT, { type: 'invoice.paid', dataJson: JSON.stringify({}), id: 'one' });
    const out = await ingestBatch(deps, TENANT, [
      { type: 'invoice.paid', dataJson: JSON.stringify({}), id: 'one' },
      { type: 'invoice.created', dataJson: JSON.stringify({}), id: 'two' },
      { type: 'customer.created', dataJson: JSON.stringify({}) },
    ]);
    expect(out.map((r) => [r.replayed, r.accepted.deliveries])).toEqual([[true, 1], [false, 1], [false, 0]]);
    expect(deps.queue.sent).toHaveLength(2);
    expect(deps.events.items.size).toBe(3);
  });

  it('rejects the whole batch when one type is unknown, pointing at it', async () => {
    const deps = await setup();
    await expect(ingestBatch(deps, TENANT, [{ type: 'invoice.paid', dataJson: JSON.stringify({}) }, { type: 'nope.nope', dataJson: JSON.stringify({}) }])).rejects.toMatchObject({
      code: 'unknown_event_type',
      fields: [{ path: 'events.1.type', message: expect.any(String) }],
    });
    expect(deps.queue.sent).toHaveLength(0);
  });
});

describe('sendTestEvent', () => {
  it('stores a webhook.test event and enqueues one delivery to that endpoint only', async () => {
    const deps = await setup([{ eventTypes: ['invoice.*'] }, {}]);
    const d = await sendTestEvent(deps, TENANT, 'ep_1');
    expect(d).toMatchObject({ endpointId: 'ep_1', eventType: 'webhook.test', status: 'pending', attemptCount: 0 });
    expect(deps.queue.sent.map((s) => [s.message.endpointId, s.message.deliveryId])).toEqual([['ep_1', d.id]]);
    expect(await deps.events.get(TENANT, d.eventId)).toMatchObject({ type: 'webhook.test' });
    expect(JSON.parse((await deps.events.get(TENANT, d.eventId))!.dataJson)).toMatchObject({ test: true });
  });

  it('refuses a disabled endpoint and an unknown type', async () => {
    const deps = await setup([{ status: 'disabled' }, {}]);
    await expect(sendTestEvent(deps, TENANT, 'ep_1')).rejects.toMatchObject({ code: 'conflict' });
    await expect(sendTestEvent(deps, TENANT, 'ep_2', 'nope.nope')).rejects.toMatchObject({ code: 'unknown_event_type' });
    await expect(sendTestEvent(deps, TENANT, 'ep_404')).rejects.toMatchObject({ code: 'not_found' });
    expect(deps.queue.sent).toHaveLength(0);
  });
});
