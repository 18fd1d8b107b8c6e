/**
 * One contract suite per store port, run against the in-memory adapters and
 * the DynamoDB adapters (against DynamoDB Local) alike.
 */
import { describe, expect, it } from 'vitest';
import type { EndpointRecord, EventRecord } from '../../lib/core/model.ts';
import type {
  ApiKeyRecord,
  ApiKeyStore,
  AttemptRecord,
  DeliveryLimiter,
  DeliveryLog,
  EndpointHealthStore,
  EndpointStore,
  EventStore,
  EventTypeStore,
  PortalSessionRecord,
  PortalSessionStore,
  StatsStore,
  TenantStore,
} from '../../lib/ports.ts';
import type { StoredEventType } from '../../lib/core/event-types.ts';
import type { StatsDelta } from '../../lib/core/stats.ts';
import { endpointRecord } from '../unit/fixtures.ts';

type Factory<T> = () => Promise<T>;

/**
 * List queries read global secondary indexes, which DynamoDB updates
 * asynchronously (eventually consistent): retry the assertions briefly.
 */
async function eventually(assertions: () => Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertions();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function collect<T>(page: (cursor?: string) => Promise<{ data: T[]; nextCursor: string | null }>): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const p = await page(cursor);
    items.push(...p.data);
    cursor = p.nextCursor ?? undefined;
    pages++;
  } while (cursor && pages < 100);
  return { items, pages };
}

export function tenantStoreContract(name: string, make: Factory<TenantStore>) {
  describe(`TenantStore contract: ${name}`, () => {
    it('creates, refuses a duplicate id, reads and pages through all tenants once', async () => {
      const store = await make();
      for (let i = 0; i < 5; i++) await store.create({ id: `ten_${i}`, name: `T${i}`, createdAt: `2026-01-0${i + 1}T00:00:00.000Z` });
      await expect(store.create({ id: 'ten_0', name: 'dup', createdAt: '2026-02-01T00:00:00.000Z' })).rejects.toMatchObject({ code: 'conflict' });
      expect(await store.get('ten_3')).toEqual({ id: 'ten_3', name: 'T3', createdAt: '2026-01-04T00:00:00.000Z' });
      expect(await store.get('ten_missing')).toBeUndefined();
      await eventually(async () => {
        const all = await collect((cursor) => store.list({ limit: 2, ...(cursor ? { cursor } : {}) }));
        expect(all.items.map((t) => t.id)).toEqual(['ten_0', 'ten_1', 'ten_2', 'ten_3', 'ten_4']);
        expect(all.pages).toBeGreaterThanOrEqual(3);
      });
    });

    it('updates the fields a patch names, removes frame ancestors with [], and answers undefined for an unknown tenant', async () => {
      const store = await make();
      const created = { id: 'ten_u', name: 'Before', createdAt: '2026-01-01T00:00:00.000Z' };
      await store.create(created);
      const origins = ['https://app.example.com', 'https://admin.example.com:8443'];
      expect(await store.update('ten_u', { portalFrameAncestors: origins })).toEqual({ ...created, portalFrameAncestors: origins });
      expect(await store.update('ten_u', { name: 'After' })).toEqual({ ...created, name: 'After', portalFrameAncestors: origins });
      expect(await store.get('ten_u')).toEqual({ ...created, name: 'After', portalFrameAncestors: origins });
      expect(await store.update('ten_u', { portalFrameAncestors: [] })).toEqual({ ...created, name: 'After' });
      expect(await store.get('ten_u')).toEqual({ ...created, name: 'After' });
      expect(await store.update('ten_u', {})).toEqual({ ...created, name: 'After' });
      expect(await store.update('ten_missing', { name: 'x' })).toBeUndefined();
      expect(await store.get('ten_missing')).toBeUndefined();
      await eventually(async () => {
        expect((await store.list({ limit: 10 })).data).toEqual([{ ...created, name: 'After' }]);
      });
    });
  });
}

export function portalSessionStoreContract(name: string, make: Factory<PortalSessionStore>) {
  describe(`PortalSessionStore contract: ${name}`, () => {
    // Far-future expiries: the DynamoDB TTL sweeper must not race the assertions.
    const session = (id: string, tenantId: string, createdAt: string, scope: 'read' | 'manage' = 'manage'): PortalSessionRecord => ({
      id,
      tenantId,
      hash: `hash-${id}`,
      scope,
      createdAt,
      expiresAt: '2100-01-01T00:00:00.000Z',
    });

    it("finds by hash, lists a tenant's sessions oldest first, and deletes by id within its tenant only", async () => {
      const store = await make();
      await store.create(session('ps_2', 'ten_a', '2026-01-01T00:00:02.000Z', 'read'));
      await store.create(session('ps_1', 'ten_a', '2026-01-01T00:00:01.000Z'));
      await store.create(session('ps_b', 'ten_b', '2026-01-01T00:00:00.000Z'));
      expect(await store.findByHash('hash-ps_2')).toEqual(session('ps_2', 'ten_a', '2026-01-01T00:00:02.000Z', 'read'));
      expect(await store.findByHash('hash-nope')).toBeUndefined();
      expect(await store.list('ten_a')).toEqual([session('ps_1', 'ten_a', '2026-01-01T00:00:01.000Z'), session('ps_2', 'ten_a', '2026-01-01T00:00:02.000Z', 'read')]);
      expect(await store.delete('ten_b', 'ps_1')).toBe(false);
      expect(await store.findByHash('hash-ps_1')).toBeDefined();
      expect(await store.delete('ten_a', 'ps_1')).toBe(true);
      expect(await store.delete('ten_a', 'ps_1')).toBe(false);
      expect(await store.findByHash('hash-ps_1')).toBeUndefined();
      expect((await store.list('ten_a')).map((s) => s.id)).toEqual(['ps_2']);
      expect(await store.list('ten_zzz')).toEqual([]);
    });

    it('refuses a second session with the same token hash', async () => {
      const store = await make();
      await store.create(session('ps_1', 'ten_a', '2026-01-01T00:00:01.000Z'));
      await expect(store.create({ ...session('ps_2', 'ten_b', '2026-01-01T00:00:02.000Z'), hash: 'hash-ps_1' })).rejects.toThrow();
      expect((await store.findByHash('hash-ps_1'))?.id).toBe('ps_1');
      expect(await store.list('ten_b')).toEqual([]);
    });
  });
}

export function endpointStoreContract(name: string, make: Factory<EndpointStore & EndpointHealthStore>) {
  describe(`EndpointStore contract: ${name}`, () => {
    it('keeps tenants apart, pages, and scopes cursors to their tenant', async () => {
      const store = await make();
      for (let i = 0; i < 5; i++) await store.create(endpointRecord('ten_a', `ep_a${i}`));
      await store.create(endpointRecord('ten_b', 'ep_b0'));
      await expect(store.create(endpointRecord('ten_a', 'ep_a0'))).rejects.toMatchObject({ code: 'conflict' });
      expect(await store.get('ten_b', 'ep_a0')).toBeUndefined();
      const all = await collect((cursor) => store.list('ten_a', { limit: 2, ...(cursor ? { cursor } : {}) }));
      expect(all.items.map((e) => e.id).sort()).toEqual(['ep_a0', 'ep_a1', 'ep_a2', 'ep_a3', 'ep_a4']);
      const page = await store.list('ten_a', { limit: 2 });
      await expect(store.list('ten_b', { limit: 2, cursor: page.nextCursor! })).rejects.toMatchObject({ code: 'invalid_cursor' });
      expect((await store.list('ten_b', { limit: 10 })).data.map((e) => e.id)).toEqual(['ep_b0']);
    });

    it('lists routes: id, version, status and event types of every endpoint of the tenant, at once', async () => {
      const store = await make();
      for (let i = 0; i < 3; i++) await store.create({ ...endpointRecord('ten_a', `ep_r${i}`), eventTypes: [`invoice.*`, `customer.created`], version: i + 1, status: i === 2 ? 'disabled' : 'enabled' });
      await store.create(endpointRecord('ten_b', 'ep_other'));
      const routes = await store.routes('ten_a');
      expect(routes.sort((a, b) => a.id.localeCompare(b.id))).toEqual([
        { id: 'ep_r0', version: 1, status: 'enabled', eventTypes: ['invoice.*', 'customer.created'] },
        { id: 'ep_r1', version: 2, status: 'enabled', eventTypes: ['invoice.*', 'customer.created'] },
        { id: 'ep_r2', version: 3, status: 'disabled', eventTypes: ['invoice.*', 'customer.created'] },
      ]);
      expect(await store.routes('ten_none')).toEqual([]);
    });

    it('round-trips every field, updates with optimistic versions and deletes', async () => {
      const store = await make();
      const rec: EndpointRecord = endpointRecord('ten_a', 'ep_x', { headers: { 'x-a': 'b' }, retrySchedule: [1, 2], rateLimitPerSecond: 7, previousSecrets: [{ secret: 'whsec_old', expiresAt: '2026-01-02T00:00:00.000Z' }] });
      await store.create(rec);
      expect(await store.get('ten_a', 'ep_x')).toEqual(rec);
      await store.update({ ...rec, url: 'https://new.example', version: 2 }, 1);
      await expect(store.update({ ...rec, version: 3 }, 1)).rejects.toMatchObject({ code: 'conflict' });
      await expect(store.update(endpointRecord('ten_a', 'ep_gone', { version: 2 }), 1)).rejects.toMatchObject({ code: 'not_found' });
      expect((await store.get('ten_a', 'ep_x'))!.url).toBe('https://new.example');
      expect(await store.delete('ten_b', 'ep_x')).toBe(false);
      expect(await store.delete('ten_a', 'ep_x')).toBe(true);
      expect(await store.delete('ten_a', 'ep_x')).toBe(false);
    });

    it('keeps health in place and disables only an enabled endpoint', async () => {
      const store = await make();
      await store.create(endpointRecord('ten_a', 'ep_h'));
      expect(await store.noteFailure('ten_a', 'ep_h', '2026-01-01T00:00:00.000Z')).toEqual({ failingSince: '2026-01-01T00:00:00.000Z' });
      expect(await store.noteExhausted('ten_a', 'ep_h', '2026-01-02T00:00:00.000Z')).toEqual({ failingSince: '2026-01-01T00:00:00.000Z', consecutiveExhausted: 1 });
      expect(await store.noteExhausted('ten_a', 'ep_h', '2026-01-03T00:00:00.000Z')).toMatchObject({ consecutiveExhausted: 2 });
      expect((await store.get('ten_a', 'ep_h'))!.health).toEqual({ failingSince: '2026-01-01T00:00:00.000Z', consecutiveExhausted: 2 });
      await store.noteSuccess('ten_a', 'ep_h');
      expect((await store.get('ten_a', 'ep_h'))!.health).toBeUndefined();
      expect(await store.disable('ten_a', 'ep_h', 'gone', '2026-01-04T00:00:00.000Z')).toBe(true);
      expect(await store.disable('ten_a', 'ep_h', 'again', '2026-01-05T00:00:00.000Z')).toBe(false);
      expect(await store.get('ten_a', 'ep_h')).toMatchObject({ status: 'disabled', disabledReason: 'gone', disabledAt: '2026-01-04T00:00:00.000Z', version: 2 });
      expect(await store.noteFailure('ten_a', 'ep_missing', '2026-01-01T00:00:00.000Z')).toBeUndefined();
    });
  });
}

const event = (tenantId: string, id: string, createdAt: string, type = 'invoice.paid', dataJson = '{"n":1}'): EventRecord => ({
  id,
  tenantId,
  type,
  createdAt,
  dataJson,
  deliveries: 2,
  fingerprint: 'fp',
});

export function eventStoreContract(name: string, make: Factory<EventStore>) {
  describe(`EventStore contract: ${name}`, () => {
    it('stores once, returns the existing record on a second put, and keeps data exactly', async () => {
      const store = await make();
      // Kept as text: the big number, the escapes, -0 and 1e400 come back exactly as written.
      const dataJson = '{"nested":{"deep":[1,"two",{"three":null}]},"unicode":"Zürich 💶 \\ud800 \\u00e9","big":12345678901234567890.5,"neg0":-0,"exp":1e400,"empty":""}';
      const e = { ...event('ten_a', 'evt_1', '2026-01-01T00:00:00.000Z', 'invoice.paid', dataJson), idempotencyKey: 'k1' };
      expect(await store.putIfAbsent(e)).toEqual({ created: true });
      const again = await store.putIfAbsent({ ...e, dataJson: '{"other":true}' });
      expect(again).toEqual({ created: false, existing: e });
      expect(await store.get('ten_a', 'evt_1')).toEqual(e);
      expect(await store.get('ten_b', 'evt_1')).toBeUndefined();
    });

    it('gets many by id in one call: the ones that exist, of that tenant only', async () => {
      const store = await make();
      for (let i = 0; i < 130; i++) await store.putIfAbsent(event('ten_a', `evt_m${i}`, '2026-01-01T00:00:00.000Z'));
      await store.putIfAbsent(event('ten_b', 'evt_other', '2026-01-01T00:00:00.000Z'));
      const wanted = [...Array.from({ length: 130 }, (_, i) => `evt_m${i}`), 'evt_missing', 'evt_other', 'evt_m0'];
      const got = await store.getMany('ten_a', wanted);
      expect(got.map((e) => e.id).sort()).toEqual(Array.from({ length: 130 }, (_, i) => `evt_m${i}`).sort());
      expect(got.find((e) => e.id === 'evt_m7')).toEqual(event('ten_a', 'evt_m7', '2026-01-01T00:00:00.000Z'));
      expect(await store.getMany('ten_a', [])).toEqual([]);
    });

    it('lists by creation time with since and type filters, per tenant', async () => {
      const store = await make();
      for (let i = 0; i < 6; i++) await store.putIfAbsent(event('ten_a', `evt_${i}`, `2026-01-0${i + 1}T00:00:00.000Z`, i % 2 ? 'invoice.paid' : 'customer.created'));
      await store.putIfAbsent(event('ten_b', 'evt_b', '2026-01-03T00:00:00.000Z'));
      await eventually(async () => {
        const all = await collect((cursor) => store.list('ten_a', { limit: 2, ...(cursor ? { cursor } : {}) }));
        expect(all.items.map((e) => e.id)).toEqual(['evt_0', 'evt_1', 'evt_2', 'evt_3', 'evt_4', 'evt_5']);
        const since = await store.list('ten_a', { limit: 10, since: '2026-01-04T00:00:00.000Z' });
        expect(since.data.map((e) => e.id)).toEqual(['evt_3', 'evt_4', 'evt_5']);
        const typed = await collect((cursor) => store.list('ten_a', { limit: 10, type: 'invoice.paid', ...(cursor ? { cursor } : {}) }));
        expect(typed.items.map((e) => e.id)).toEqual(['evt_1', 'evt_3', 'evt_5']);
      });
    });
  });
}

const attempt = (id: string, key: string, n: number, patch: Partial<AttemptRecord> = {}): AttemptRecord => ({
  delivery: { id, tenantId: 'ten_a', eventId: `evt_${id}`, endpointId: 'ep_1', eventType: 'invoice.paid', createdAt: `2026-01-01T00:00:0${n}.000Z` },
  attempt: { attempt: n, at: `2026-01-01T00:01:0${n}.000Z`, trigger: 'scheduled', statusCode: 500, durationMs: 10 + n, error: 'endpoint answered 500', responseBody: 'nope' },
  key,
  status: 'failed',
  nextAttemptAt: '2026-01-01T00:05:00.000Z',
  ...patch,
});

export function deliveryLogContract(name: string, make: Factory<DeliveryLog>) {
  describe(`DeliveryLog contract: ${name}`, () => {
    it('records each attempt key once, in order, with the delivery state', async () => {
      const log = await make();
      expect(await log.recordAttempt(attempt('dlv_1', 's0.1', 1))).toEqual({ result: 'recorded' });
      expect(await log.recordAttempt(attempt('dlv_1', 's0.1', 1))).toEqual({ result: 'duplicate', current: { attemptCount: 1, status: 'failed', lastKey: 's0.1' } });
      expect(await log.recordAttempt(attempt('dlv_1', 's0.2', 2, { status: 'succeeded', attempt: { attempt: 2, at: '2026-01-01T00:02:00.000Z', trigger: 'scheduled', statusCode: 200, durationMs: 5 }, nextAttemptAt: undefined }))).toEqual({ result: 'recorded' });
      const d = (await log.get('ten_a', 'dlv_1'))!;
      expect(d).toMatchObject({ id: 'dlv_1', status: 'succeeded', attemptCount: 2, lastStatusCode: 200, lastAttemptAt: '2026-01-01T00:02:00.000Z', eventId: 'evt_dlv_1', endpointId: 'ep_1', eventType: 'invoice.paid' });
      expect(d.nextAttemptAt).toBeUndefined();
      expect(d.attempts.map((a) => [a.attempt, a.statusCode, a.trigger])).toEqual([[1, 500, 'scheduled'], [2, 200, 'scheduled']]);
      expect(d.attempts[0]).toMatchObject({ error: 'endpoint answered 500', responseBody: 'nope', durationMs: 11 });
      expect(await log.get('ten_b', 'dlv_1')).toBeUndefined();
    });

    it('registers a pending delivery once, fetchable and listed before any attempt, and never over a recorded one', async () => {
      const log = await make();
      const d = attempt('dlv_p', 's0.1', 1).delivery;
      await log.registerPending(d);
      expect(await log.get('ten_a', 'dlv_p')).toMatchObject({ id: 'dlv_p', status: 'pending', attemptCount: 0, attempts: [], eventId: 'evt_dlv_p', endpointId: 'ep_1' });
      expect(await log.get('ten_b', 'dlv_p')).toBeUndefined();
      expect((await log.list('ten_a', { limit: 10, endpointId: 'ep_1' })).data.map((x) => [x.id, x.status])).toEqual([['dlv_p', 'pending']]);
      expect(await log.recordAttempt(attempt('dlv_p', 's0.1', 1))).toEqual({ result: 'recorded' });
      await log.registerPending(d);
      expect(await log.get('ten_a', 'dlv_p')).toMatchObject({ status: 'failed', attemptCount: 1 });
    });

    it('keeps a pending retry time when asked (an extra attempt beside a scheduled retry)', async () => {
      const log = await make();
      await log.recordAttempt(attempt('dlv_k', 's0.1', 1));
      await log.recordAttempt(attempt('dlv_k', 'mreq1', 2, { nextAttemptAt: undefined, keepNextAttemptAt: true }));
      expect((await log.get('ten_a', 'dlv_k'))!).toMatchObject({ attemptCount: 2, nextAttemptAt: '2026-01-01T00:05:00.000Z' });
    });

    it('lists newest first with status, statuses, endpoint, event and time filters', async () => {
      const log = await make();
      await log.recordAttempt(attempt('dlv_a', 's0.1', 1));
      await log.recordAttempt(attempt('dlv_b', 's0.1', 2, { status: 'exhausted' }));
      await log.recordAttempt(attempt('dlv_c', 's0.1', 3, { status: 'succeeded' }));
      await log.recordAttempt({ ...attempt('dlv_d', 's0.1', 4), delivery: { ...attempt('dlv_d', 's0.1', 4).delivery, endpointId: 'ep_2', eventType: 'invoice.created' } });
      await eventually(async () => {
        const ids = async (q: Parameters<DeliveryLog['list']>[1]) => (await log.list('ten_a', q)).data.map((d) => d.id);
        expect(await ids({ limit: 10 })).toEqual(['dlv_d', 'dlv_c', 'dlv_b', 'dlv_a']);
        expect(await ids({ limit: 10, status: 'failed' })).toEqual(['dlv_d', 'dlv_a']);
        expect(await ids({ limit: 10, statuses: ['failed', 'exhausted'], endpointId: 'ep_1' })).toEqual(['dlv_b', 'dlv_a']);
        expect(await ids({ limit: 10, eventId: 'evt_dlv_c' })).toEqual(['dlv_c']);
        // As the app asks for an event's deliveries: bounded by the event's creation time.
        expect(await ids({ limit: 10, eventId: 'evt_dlv_c', since: '2026-01-01T00:00:03.000Z', until: '2026-01-01T00:00:03.000Z' })).toEqual(['dlv_c']);
        expect(await ids({ limit: 10, eventId: 'evt_dlv_c', endpointId: 'ep_1' })).toEqual(['dlv_c']);
        expect(await ids({ limit: 10, eventId: 'evt_dlv_d', endpointId: 'ep_1' })).toEqual([]);
        expect(await ids({ limit: 10, eventType: 'invoice.created' })).toEqual(['dlv_d']);
        expect(await ids({ limit: 10, endpointId: 'ep_1', eventType: 'invoice.paid', status: 'failed' })).toEqual(['dlv_a']);
        expect(await ids({ limit: 10, endpointId: 'ep_1', since: '2026-01-01T00:00:02.000Z', until: '2026-01-01T00:00:03.000Z' })).toEqual(['dlv_c', 'dlv_b']);
        const paged = await collect((cursor) => log.list('ten_a', { limit: 1, ...(cursor ? { cursor } : {}) }));
        expect(paged.items.map((d) => d.id)).toEqual(['dlv_d', 'dlv_c', 'dlv_b', 'dlv_a']);
        expect((await log.list('ten_b', { limit: 10 })).data).toEqual([]);
        const first = await log.list('ten_a', { limit: 1 });
        await expect(log.list('ten_b', { limit: 1, cursor: first.nextCursor! })).rejects.toMatchObject({ code: 'invalid_cursor' });
      });
    });
  });
}

/**
 * The DeliveryLimiter contract. `clock` is the limiter's clock, moved by the
 * test (ManualClock), so spacing is checked without waiting.
 */
export function deliveryLimiterContract(name: string, make: (clock: { now: () => number }) => Promise<DeliveryLimiter>): void {
  describe(`DeliveryLimiter (${name})`, () => {
    const clockAt = () => {
      // Near the real time: DynamoDB Local's TTL sweeper removes items whose expiry has passed.
      let ms = Date.now();
      return { now: () => ms, advance: (d: number) => void (ms += d) };
    };

    it('spaces reservations 1/rate apart, and refuses a slot further off than the wait allowed', async () => {
      const clock = clockAt();
      const limiter = await make(clock);
      // 4 per second: slots at +0, +250, +500, +750 ms
      const waits = [];
      for (let i = 0; i < 4; i++) waits.push(await limiter.reserveRate('ten_a/ep_1', 4, 1000));
      expect(waits).toEqual([{ waitMs: 0 }, { waitMs: 250 }, { waitMs: 500 }, { waitMs: 750 }]);
      // The next is at +1000 ms; with a 500 ms allowance it is refused and nothing is reserved.
      expect(await limiter.reserveRate('ten_a/ep_1', 4, 500)).toEqual({ retryInMs: 500 });
      expect(await limiter.reserveRate('ten_a/ep_1', 4, 1000)).toEqual({ waitMs: 1000 });
      // Another endpoint is not affected; an idle endpoint starts again from now.
      expect(await limiter.reserveRate('ten_a/ep_2', 4, 0)).toEqual({ waitMs: 0 });
      clock.advance(5000);
      expect(await limiter.reserveRate('ten_a/ep_1', 4, 0)).toEqual({ waitMs: 0 });
    });

    it('hands out at most max leases; a released or lapsed lease can be taken again', async () => {
      const clock = clockAt();
      const limiter = await make(clock);
      const a = await limiter.acquireLease('ten_a/ep_1', 2, 10_000);
      const b = await limiter.acquireLease('ten_a/ep_1', 2, 10_000);
      expect(a && b && a.slot !== b.slot).toBe(true);
      expect(await limiter.acquireLease('ten_a/ep_1', 2, 10_000)).toBeUndefined();
      expect(await limiter.acquireLease('ten_a/ep_2', 2, 10_000)).toBeDefined();
      await limiter.releaseLease(a!);
      const c = await limiter.acquireLease('ten_a/ep_1', 2, 10_000);
      expect(c?.slot).toBe(a!.slot);
      // Releasing a lease twice (or one that lapsed and was retaken) frees nobody else's.
      await limiter.releaseLease(a!);
      expect(await limiter.acquireLease('ten_a/ep_1', 2, 10_000)).toBeUndefined();
      // A crashed holder's lease lapses after its TTL.
      clock.advance(10_001);
      expect(await limiter.acquireLease('ten_a/ep_1', 2, 10_000)).toBeDefined();
    });
  });
}

export function apiKeyStoreContract(name: string, make: Factory<ApiKeyStore>) {
  describe(`ApiKeyStore contract: ${name}`, () => {
    const key = (id: string, tenantId: string, createdAt: string, createdBy?: string): ApiKeyRecord => ({
      id,
      tenantId,
      hash: `hash-${id}`,
      prefix: 'bh_tk_abcd',
      createdAt,
      ...(createdBy ? { createdBy } : {}),
    });

    it('finds by hash, lists a tenant\'s keys oldest first with their creator, and deletes by id', async () => {
      const store = await make();
      await store.create(key('key_2', 'ten_a', '2026-01-01T00:00:02.000Z', 'key_1'));
      await store.create(key('key_1', 'ten_a', '2026-01-01T00:00:01.000Z', 'admin'));
      await store.create(key('key_old', 'ten_a', '2026-01-01T00:00:00.000Z'));
      await store.create(key('key_b', 'ten_b', '2026-01-01T00:00:00.000Z', 'admin'));
      expect(await store.findByHash('hash-key_2')).toEqual(key('key_2', 'ten_a', '2026-01-01T00:00:02.000Z', 'key_1'));
      expect(await store.list('ten_a')).toEqual([
        key('key_old', 'ten_a', '2026-01-01T00:00:00.000Z'),
        key('key_1', 'ten_a', '2026-01-01T00:00:01.000Z', 'admin'),
        key('key_2', 'ten_a', '2026-01-01T00:00:02.000Z', 'key_1'),
      ]);
      expect(await store.delete('ten_b', 'key_1')).toBe(false);
      expect(await store.delete('ten_a', 'key_1')).toBe(true);
      expect(await store.findByHash('hash-key_1')).toBeUndefined();
      expect((await store.list('ten_a')).map((k) => k.id)).toEqual(['key_old', 'key_2']);
      expect(await store.list('ten_zzz')).toEqual([]);
    });
  });
}

export function eventTypeStoreContract(name: string, make: Factory<EventTypeStore>) {
  describe(`EventTypeStore contract: ${name}`, () => {
    const def = (type: string, patch: Partial<StoredEventType> = {}): StoredEventType => ({ type, description: `${type}.`, updatedAt: '2026-01-01T00:00:00.000Z', ...patch });
    const byType = (defs: StoredEventType[]) => [...defs].sort((a, b) => a.type.localeCompare(b.type));

    it('puts, replaces, lists at once (strongly consistent) and deletes', async () => {
      const store = await make();
      expect(await store.list()).toEqual([]);
      await store.put(def('wallet.topped_up', { schemaJson: '{"type":"object"}', exampleJson: '{"amount":1}' }));
      await store.put(def('acme.thing'));
      await store.put(def('acme.thing', { description: 'Replaced.', exampleJson: '{"x":true}', updatedAt: '2026-01-02T00:00:00.000Z' }));
      expect(byType(await store.list())).toEqual([
        { type: 'acme.thing', description: 'Replaced.', exampleJson: '{"x":true}', updatedAt: '2026-01-02T00:00:00.000Z' },
        { type: 'wallet.topped_up', description: 'wallet.topped_up.', schemaJson: '{"type":"object"}', exampleJson: '{"amount":1}', updatedAt: '2026-01-01T00:00:00.000Z' },
      ]);
      expect(await store.delete('acme.thing')).toBe(true);
      expect(await store.delete('acme.thing')).toBe(false);
      expect((await store.list()).map((d) => d.type)).toEqual(['wallet.topped_up']);
    });

    it('keeps the schema and example texts exactly: number texts, escapes, key order, any Unicode', async () => {
      const store = await make();
      const exampleJson = '{"z":1,"big":12345678901234567890,"dec":1.50,"neg0":-0,"exp":1e400,"s":"\\u00e9 é 😀 \\ud800","a":[]}';
      const schemaJson = '{"properties":{"big":{"maximum":1e400}},"type":"object"}';
      await store.put(def('acme.exact', { schemaJson, exampleJson }));
      const [got] = await store.list();
      expect(got?.exampleJson).toBe(exampleJson);
      expect(got?.schemaJson).toBe(schemaJson);
    });

    it('lists every definition, past one page of the underlying store', async () => {
      const store = await make();
      const example = `{"pad":"${'x'.repeat(60_000)}"}`;
      // ~1.2 MB in all: more than one DynamoDB Query page (1 MB).
      for (let i = 0; i < 20; i++) await store.put(def(`acme.t${String(i).padStart(2, '0')}`, { exampleJson: example }));
      const all = await store.list();
      expect(all.map((d) => d.type).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `acme.t${String(i).padStart(2, '0')}`));
    });
  });
}

const hourDelta = (tenantId: string, endpointId: string, hour: string, succeeded: number, failed = 0, exhausted = 0, bins: Record<number, number> = { 27: succeeded + failed + exhausted }): StatsDelta => ({
  tenantId,
  endpointId,
  hour,
  counts: { succeeded, failed, exhausted, bins },
});

/**
 * A stats store. `make` gives a store that refuses, as DynamoDB does a sort
 * key over 1 KB, a delta whose endpoint id is longer than 1,000 characters:
 * the all-or-nothing test needs one write to fail among others.
 */
export function statsStoreContract(name: string, make: Factory<StatsStore>) {
  describe(`StatsStore contract: ${name}`, () => {
    const range = { fromHour: '2026-01-31T10', toHour: '2026-01-31T12' };

    it('reads back tenant hours, endpoint hours and endpoint totals, oldest first, within the range only', async () => {
      const store = await make();
      await store.add([
        hourDelta('ten_a', 'ep_1', '2026-01-31T10', 2, 1, 0, { 27: 2, 40: 1 }),
        hourDelta('ten_a', 'ep_2', '2026-01-31T10', 1),
        hourDelta('ten_a', 'ep_1', '2026-01-31T12', 0, 0, 1, { 3: 1 }),
        hourDelta('ten_a', 'ep_1', '2026-01-31T13', 5),
        hourDelta('ten_a', 'ep_3', '2026-01-31T09', 5),
        hourDelta('ten_b', 'ep_9', '2026-01-31T11', 7),
      ]);
      expect(await store.hours('ten_a', range)).toEqual([
        { hour: '2026-01-31T10', counts: { succeeded: 3, failed: 1, exhausted: 0, bins: { 27: 3, 40: 1 } } },
        { hour: '2026-01-31T12', counts: { succeeded: 0, failed: 0, exhausted: 1, bins: { 3: 1 } } },
      ]);
      expect(await store.hours('ten_a', range, 'ep_2')).toEqual([{ hour: '2026-01-31T10', counts: { succeeded: 1, failed: 0, exhausted: 0, bins: { 27: 1 } } }]);
      expect(await store.hours('ten_a', range, 'ep_9')).toEqual([]);
      expect(await store.endpointTotals('ten_a', range)).toEqual([
        { endpointId: 'ep_1', counts: { succeeded: 2, failed: 1, exhausted: 1, bins: { 3: 1, 27: 2, 40: 1 } } },
        { endpointId: 'ep_2', counts: { succeeded: 1, failed: 0, exhausted: 0, bins: { 27: 1 } } },
      ]);
      expect(await store.endpointTotals('ten_b', range)).toEqual([{ endpointId: 'ep_9', counts: { succeeded: 7, failed: 0, exhausted: 0, bins: { 27: 7 } } }]);
      expect(await store.endpointTotals('ten_c', range)).toEqual([]);
    });

    it('adds to what is there', async () => {
      const store = await make();
      await store.add([hourDelta('ten_a', 'ep_1', '2026-01-31T11', 1, 0, 0, { 5: 1 })]);
      await store.add([hourDelta('ten_a', 'ep_1', '2026-01-31T11', 2, 3, 0, { 5: 1, 6: 4 })]);
      expect(await store.hours('ten_a', range, 'ep_1')).toEqual([{ hour: '2026-01-31T11', counts: { succeeded: 3, failed: 3, exhausted: 0, bins: { 5: 2, 6: 4 } } }]);
      expect(await store.hours('ten_a', range)).toEqual([{ hour: '2026-01-31T11', counts: { succeeded: 3, failed: 3, exhausted: 0, bins: { 5: 2, 6: 4 } } }]);
    });

    it('is all or nothing: a failed add leaves no count behind, so a retry of the batch counts each attempt once', async () => {
      const store = await make();
      await store.add([hourDelta('ten_a', 'ep_1', '2026-01-31T11', 1)]);
      const refused = hourDelta('ten_a', `ep_${'x'.repeat(1100)}`, '2026-01-31T11', 1);
      await expect(store.add([hourDelta('ten_a', 'ep_1', '2026-01-31T11', 4), hourDelta('ten_a', 'ep_2', '2026-01-31T12', 4), refused])).rejects.toThrow();
      expect(await store.hours('ten_a', range)).toEqual([{ hour: '2026-01-31T11', counts: { succeeded: 1, failed: 0, exhausted: 0, bins: { 27: 1 } } }]);
      expect(await store.endpointTotals('ten_a', range)).toEqual([{ endpointId: 'ep_1', counts: { succeeded: 1, failed: 0, exhausted: 0, bins: { 27: 1 } } }]);
      const aborted = new AbortController();
      aborted.abort(new Error('out of time'));
      await expect(store.add([hourDelta('ten_a', 'ep_1', '2026-01-31T11', 4)], { signal: aborted.signal })).rejects.toThrow('out of time');
      expect((await store.hours('ten_a', range, 'ep_1'))[0]!.counts.succeeded).toBe(1);
    });
  });
}
