import { describe, expect, it } from 'vitest';
import { MemoryEventTypeStore } from '../../lib/adapters/memory/stores.ts';
import { CATALOGUE_TTL_MS, CatalogueCache } from '../../lib/app/catalogue.ts';
import { ingestBatch, ingestEvent } from '../../lib/app/ingest.ts';
import type { StoredEventType } from '../../lib/core/event-types.ts';
import type { JsonSchemaValidator } from '../../lib/ports.ts';
import { ManualClock, memoryDeps } from './fixtures.ts';
import { CfworkerSchemaValidator } from '../../lib/adapters/json-schema/cfworker-validator.ts';

const def = (type: string, patch: Partial<StoredEventType> = {}): StoredEventType => ({ type, description: `${type} happened.`, updatedAt: '2026-01-01T00:00:00.000Z', ...patch });

/** A validator that counts compilations. */
function countingValidator() {
  const inner = new CfworkerSchemaValidator();
  const counter = { compiled: 0 };
  const validator: Pick<JsonSchemaValidator, 'compile'> = {
    compile: (schema) => {
      counter.compiled++;
      return inner.compile(schema);
    },
  };
  return { validator, counter };
}

describe('Class: CatalogueCache', () => {
  it('reads the store once per TTL, and again after it', async () => {
    // Prepare
    const store = new MemoryEventTypeStore();
    const clock = new ManualClock();
    const cache = new CatalogueCache(store, clock, [], new CfworkerSchemaValidator());
    // Act
    await cache.current();
    await store.put(def('acme.thing'));
    clock.advance(CATALOGUE_TTL_MS - 1);
    const warm = await cache.current();
    clock.advance(1);
    const refreshed = await cache.current();
    // Assess
    expect(store.lists).toBe(2);
    expect(warm.has('acme.thing')).toBe(false);
    expect(refreshed.get('acme.thing')).toMatchObject({ source: 'custom' });
  });

  it('reads again at once after invalidate (the process that changed a definition)', async () => {
    const store = new MemoryEventTypeStore();
    const cache = new CatalogueCache(store, new ManualClock(), [], new CfworkerSchemaValidator());
    await cache.current();
    await store.put(def('acme.thing'));
    cache.invalidate();
    expect((await cache.current()).has('acme.thing')).toBe(true);
    expect(store.lists).toBe(2);
  });

  it('shares one read between concurrent callers, and drops a read that an invalidate overtook', async () => {
    // Prepare: a store whose list the test releases by hand
    const store = new MemoryEventTypeStore();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = { lists: 0, list: async () => (slow.lists++, await gate, store.list()) };
    const cache = new CatalogueCache(slow, new ManualClock(), [], new CfworkerSchemaValidator());
    // Act
    const a = cache.current();
    const b = cache.current();
    cache.invalidate();
    await store.put(def('acme.thing'));
    const c = cache.current();
    release();
    // Assess: a and b shared the first read; c started a new one that sees the PUT
    expect((await a) === (await b)).toBe(true);
    expect((await c).has('acme.thing')).toBe(true);
    expect(slow.lists).toBe(2);
    expect((await cache.current()).has('acme.thing')).toBe(true);
    expect(slow.lists).toBe(2);
  });

  it('keeps the last catalogue when a refresh fails, and tries again after a short wait', async () => {
    const store = new MemoryEventTypeStore();
    await store.put(def('acme.thing'));
    const clock = new ManualClock();
    let failing = false;
    const flaky = { list: async () => (failing ? Promise.reject(new Error('table unreachable')) : store.list()) };
    const cache = new CatalogueCache(flaky, clock, [], new CfworkerSchemaValidator(), { retryMs: 5_000 });
    await cache.current();
    failing = true;
    clock.advance(CATALOGUE_TTL_MS);
    expect((await cache.current()).has('acme.thing')).toBe(true);
    failing = false;
    await store.delete('acme.thing');
    clock.advance(4_999);
    expect((await cache.current()).has('acme.thing')).toBe(true);
    clock.advance(1);
    expect((await cache.current()).has('acme.thing')).toBe(false);
  });

  it('fails when it never read the catalogue and cannot', async () => {
    const cache = new CatalogueCache({ list: async () => Promise.reject(new Error('table unreachable')) }, new ManualClock(), [], new CfworkerSchemaValidator());
    await expect(cache.current()).rejects.toThrow('table unreachable');
  });

  it('compiles a schema once per type and schema text, across refreshes', async () => {
    // Prepare
    const store = new MemoryEventTypeStore();
    const schemaJson = '{"required":["walletId"]}';
    await store.put(def('wallet.topped_up', { schemaJson }));
    const clock = new ManualClock();
    const { validator, counter } = countingValidator();
    const cache = new CatalogueCache(store, clock, [], validator);
    // Act
    const first = (await cache.current()).get('wallet.topped_up')!;
    const issues = [cache.check(first, {}), cache.check(first, { walletId: 'wal_1' })];
    clock.advance(CATALOGUE_TTL_MS);
    cache.check((await cache.current()).get('wallet.topped_up')!, {});
    await store.put(def('wallet.topped_up', { schemaJson: '{"required":["amount"]}' }));
    cache.invalidate();
    const changed = cache.check((await cache.current()).get('wallet.topped_up')!, { walletId: 'wal_1' });
    // Assess
    expect(issues).toEqual([[{ path: ['walletId'], message: 'is required' }], []]);
    expect(changed).toEqual([{ path: ['amount'], message: 'is required' }]);
    expect(counter.compiled).toBe(2);
  });

  it('checks nothing for a type without a schema', async () => {
    const { validator, counter } = countingValidator();
    const cache = new CatalogueCache(new MemoryEventTypeStore(), new ManualClock(), [], validator);
    expect(cache.check((await cache.current()).get('invoice.paid')!, { anything: 1 })).toEqual([]);
    expect(counter.compiled).toBe(0);
  });
});

describe('ingest and the catalogue', () => {
  it('reads no stored definition per event in the steady state: one read per TTL, however many events', async () => {
    // Prepare
    const deps = memoryDeps();
    await deps.tenants.create({ id: 'ten_a', name: 'A', createdAt: '2026-01-01T00:00:00.000Z' });
    await deps.eventTypes.put(def('acme.thing', { schemaJson: '{"required":["id"]}' }));
    // Act
    for (let i = 0; i < 50; i++) await ingestEvent(deps, 'ten_a', { type: 'acme.thing', dataJson: `{"id":${i}}` });
    await ingestBatch(deps, 'ten_a', Array.from({ length: 20 }, (_, i) => ({ type: 'invoice.paid', dataJson: `{"n":${i}}` })));
    deps.clock.advance(CATALOGUE_TTL_MS);
    for (let i = 0; i < 50; i++) await ingestEvent(deps, 'ten_a', { type: 'acme.thing', dataJson: `{"id":${i}}` });
    // Assess
    expect(deps.eventTypes.lists).toBe(2);
    expect(deps.events.items.size).toBe(120);
  });
});
