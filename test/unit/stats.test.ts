import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { itemBytes, itemsOf } from '../../lib/adapters/dynamodb/stats-store.ts';
import { logChangeOf } from '../../lib/adapters/dynamodb/log-stream.ts';
import {
  aggregateAttempts,
  attemptsAdded,
  binEstimateMs,
  endpointTotalsWindow,
  LATENCY_BIN_COUNT,
  LATENCY_BINS,
  latencyBin,
  percentileMs,
  seriesOf,
  statsWindow,
  type CountedAttempt,
  type LogChange,
} from '../../lib/core/stats.ts';

const T = 'ten_acme';
const E = 'ep_1';
const at = (iso: string, durationMs: number, statusCode?: number) => ({ at: iso, durationMs, ...(statusCode === undefined ? {} : { statusCode }) });
const image = (status: string, attempts: ReturnType<typeof at>[], ids: { tenantId?: unknown; endpointId?: unknown } = {}) => ({ tenantId: T, endpointId: E, status, attemptCount: attempts.length, attempts, ...ids });

describe('latency bins', () => {
  it.each([
    [0, 0],
    [0.99, 0],
    [-5, 0],
    [Number.NaN, 0],
    [1, 1],
    [1.18, 1],
    [1.19, 2],
    [2, 5],
    [100, 27],
    [15_000, 56],
    [32_767, 60],
    [32_768, 61],
    [1e9, 61],
  ])('puts %f ms in bin %i', (ms, bin) => {
    expect(latencyBin(ms)).toBe(bin);
  });

  it('covers [0, ∞) with adjacent quarter-octaves', () => {
    expect(LATENCY_BINS).toHaveLength(LATENCY_BIN_COUNT);
    expect(LATENCY_BINS[0]).toEqual({ bin: 0, fromMs: 0, toMs: 1 });
    for (let k = 1; k < LATENCY_BIN_COUNT; k++) expect(LATENCY_BINS[k]!.fromMs).toBeCloseTo(LATENCY_BINS[k - 1]!.toMs, 9);
    expect(LATENCY_BINS.at(-1)!.toMs).toBe(Infinity);
  });

  it('estimates every latency from 1 ms to 32.8 s within ±9.1 % (2^±1/8)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 32_767.99, noNaN: true }), (ms) => {
        const ratio = binEstimateMs(latencyBin(ms)) / ms;
        return ratio >= 2 ** -0.125 - 1e-12 && ratio <= 2 ** 0.125 + 1e-12;
      }),
      { numRuns: 5000 },
    );
    expect(2 ** 0.125 - 1).toBeLessThan(0.091);
  });
});

describe('percentileMs', () => {
  it('is the holding bin of the nearest-rank value, or null when empty', () => {
    expect(percentileMs({}, 50)).toBeNull();
    expect(percentileMs({ 27: 9, 40: 1 }, 50)).toBe(98.7);
    expect(percentileMs({ 27: 9, 40: 1 }, 90)).toBe(98.7);
    expect(percentileMs({ 27: 9, 40: 1 }, 95)).toBe(Math.round(binEstimateMs(40) * 10) / 10);
    expect(percentileMs({ 0: 1 }, 95)).toBe(0.5);
    expect(percentileMs({ 5: 0, 6: 2 }, 50)).toBe(Math.round(binEstimateMs(6) * 10) / 10);
  });

  it('agrees with the exact nearest-rank percentile of the durations within the bound', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 20_000 }), { minLength: 1, maxLength: 200 }), fc.constantFrom(50, 95), (durations, p) => {
        const bins: Record<number, number> = {};
        for (const d of durations) bins[latencyBin(d)] = (bins[latencyBin(d)] ?? 0) + 1;
        const sorted = [...durations].sort((a, b) => a - b);
        const exact = sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;
        const estimate = percentileMs(bins, p)!;
        // The estimate is rounded to 0.1 ms, hence the 0.05 ms slack.
        return estimate >= exact * 2 ** -0.125 - 0.05 && estimate <= exact * 2 ** 0.125 + 0.05;
      }),
    );
  });
});

describe('attemptsAdded', () => {
  const first = at('2026-01-31T12:00:01.000Z', 80, 503);
  const second = at('2026-01-31T12:00:06.000Z', 40, 200);
  it.each<[string, LogChange, Partial<CountedAttempt>[]]>([
    ['a first attempt (insert)', { new: image('failed', [first]) }, [{ outcome: 'failed', hour: '2026-01-31T12', durationMs: 80 }]],
    ['a retry that succeeded', { old: image('failed', [first]), new: image('succeeded', [first, second]) }, [{ outcome: 'succeeded', durationMs: 40 }]],
    ['the last attempt of an exhausted delivery', { old: image('failed', [first]), new: image('exhausted', [first, first]) }, [{ outcome: 'exhausted' }]],
    ['a pending delivery registered before its first attempt', { new: image('pending', []) }, []],
    ['a TTL removal', { old: image('succeeded', [first]) }, []],
    ['a write that added no attempt', { old: image('failed', [first]), new: image('failed', [first]) }, []],
    ['an attempt not sent (endpoint deleted or disabled)', { new: image('skipped', [at('2026-01-31T12:00:00.000Z', 0)]) }, []],
    ['an image with ids that are not ids', { new: image('failed', [first], { tenantId: 'acme' }) }, []],
    ['an attempt without a time', { new: { ...image('failed', []), attempts: [{ durationMs: 5 }] } }, []],
    ['two attempts in one write', { new: image('succeeded', [first, second]) }, [{ outcome: 'failed' }, { outcome: 'succeeded' }]],
    ['an old image that counts its attempts only', { old: { attemptCount: 1 }, new: image('succeeded', [first, second]) }, [{ outcome: 'succeeded' }]],
  ])('%s', (_, change, expected) => {
    expect(attemptsAdded(change)).toEqual(expected.map((e) => expect.objectContaining({ tenantId: T, endpointId: E, ...e })));
  });

  it('reads the same from the stream record of the write', () => {
    const marshalled = (status: string, attempts: ReturnType<typeof at>[]) => ({
      id: { S: 'dlv_1' },
      tenantId: { S: T },
      endpointId: { S: E },
      status: { S: status },
      attemptCount: { N: String(attempts.length) },
      attempts: { L: attempts.map((a) => ({ M: { at: { S: a.at }, durationMs: { N: String(a.durationMs) }, trigger: { S: 'scheduled' }, ...(a.statusCode ? { statusCode: { N: String(a.statusCode) } } : {}), responseBody: { S: 'x'.repeat(4096) } } })) },
    });
    const modify = logChangeOf({ eventName: 'MODIFY', dynamodb: { OldImage: marshalled('failed', [first]), NewImage: marshalled('succeeded', [first, second]) } });
    expect(attemptsAdded(modify)).toEqual([{ tenantId: T, endpointId: E, hour: '2026-01-31T12', outcome: 'succeeded', durationMs: 40 }]);
    expect(attemptsAdded(logChangeOf({ eventName: 'REMOVE', dynamodb: { OldImage: marshalled('succeeded', [first]) } }))).toEqual([]);
    expect(attemptsAdded(logChangeOf({ eventName: 'INSERT', dynamodb: { NewImage: marshalled('failed', [first]) } }))).toHaveLength(1);
  });
});

describe('aggregateAttempts', () => {
  it('folds attempts into one delta per tenant, endpoint and hour, with a histogram', () => {
    const a = (endpointId: string, hour: string, outcome: CountedAttempt['outcome'], durationMs: number): CountedAttempt => ({ tenantId: T, endpointId, hour, outcome, durationMs });
    const deltas = aggregateAttempts([a('ep_1', '2026-01-31T12', 'succeeded', 100), a('ep_1', '2026-01-31T12', 'failed', 100), a('ep_2', '2026-01-31T12', 'exhausted', 2), a('ep_1', '2026-01-31T13', 'succeeded', 0.5)]);
    expect(deltas).toEqual([
      { tenantId: T, endpointId: 'ep_1', hour: '2026-01-31T12', counts: { succeeded: 1, failed: 1, exhausted: 0, bins: { 27: 2 } } },
      { tenantId: T, endpointId: 'ep_2', hour: '2026-01-31T12', counts: { succeeded: 0, failed: 0, exhausted: 1, bins: { 5: 1 } } },
      { tenantId: T, endpointId: 'ep_1', hour: '2026-01-31T13', counts: { succeeded: 1, failed: 0, exhausted: 0, bins: { 0: 1 } } },
    ]);
  });

  it('writes one tenant item per tenant and hour and two per delta', () => {
    const deltas = aggregateAttempts([
      { tenantId: T, endpointId: 'ep_1', hour: '2026-01-31T12', outcome: 'succeeded', durationMs: 5 },
      { tenantId: T, endpointId: 'ep_2', hour: '2026-01-31T12', outcome: 'succeeded', durationMs: 5 },
    ]);
    const items = itemsOf(deltas);
    expect(items.map((i) => `${i.pk} ${i.sk}`)).toEqual([`T#${T} H#2026-01-31T12`, `E#${T}#ep_1 H#2026-01-31T12`, `L#${T} H#2026-01-31T12#ep_1`, `E#${T}#ep_2 H#2026-01-31T12`, `L#${T} H#2026-01-31T12#ep_2`]);
    expect(items[0]!.counts).toMatchObject({ succeeded: 2 });
  });

  it('keeps every item within one write unit (1 KB), even with every bin and the longest ids', () => {
    const longest = { tenant: `ten_${'t'.repeat(64)}`, endpoint: `ep_${'e'.repeat(64)}` };
    const big = 10 ** 12;
    const item: Record<string, string | number> = { pk: `E#${longest.tenant}#${longest.endpoint}`, sk: `H#2026-01-31T12#${longest.endpoint}`, s: big, f: big, x: big, expiresAt: 4_102_444_800 };
    for (let k = 0; k < LATENCY_BIN_COUNT; k++) item[`h${k}`] = big;
    expect(itemBytes(item)).toBeLessThanOrEqual(1024);
  });
});

describe('statsWindow', () => {
  const now = Date.parse('2026-01-31T12:34:56.000Z');
  it('defaults to the 24 hours before now, in whole hours, the current one included', () => {
    const w = statsWindow({}, now);
    expect(w).toMatchObject({ bucket: 'hour', since: '2026-01-30T12:00:00.000Z', until: '2026-01-31T13:00:00.000Z', fromHour: '2026-01-30T12', toHour: '2026-01-31T12' });
    expect(w.starts).toHaveLength(25);
  });

  it('defaults to 30 days of UTC days for bucket=day', () => {
    const w = statsWindow({ bucket: 'day' }, now);
    expect(w).toMatchObject({ since: '2026-01-01T00:00:00.000Z', until: '2026-02-01T00:00:00.000Z', fromHour: '2026-01-01T00', toHour: '2026-01-31T23' });
    expect(w.starts).toHaveLength(31);
  });

  it('aligns a window to the buckets it overlaps', () => {
    const w = statsWindow({ since: '2026-01-31T10:30:00.000Z', until: '2026-01-31T12:00:00.000Z' }, now);
    expect(w.starts).toEqual(['2026-01-31T10:00:00.000Z', '2026-01-31T11:00:00.000Z']);
  });

  it.each([
    [{ since: '2026-01-31T12:00:00.000Z', until: '2026-01-31T12:00:00.000Z' }, /before until/],
    [{ since: '2026-01-31T13:00:00.000Z', until: '2026-01-31T12:00:00.000Z' }, /before until/],
    [{ since: '2026-01-01T00:00:00.000Z', until: '2026-01-08T00:00:01.000Z' }, /7 days.*bucket=day/],
    [{ since: '2025-09-01T00:00:00.000Z', until: '2026-01-01T00:00:00.000Z', bucket: 'day' as const }, /90 days/],
  ])('refuses %j', (q, message) => {
    expect(() => statsWindow(q, now)).toThrow(expect.objectContaining({ code: 'invalid_query', message: expect.stringMatching(message) }));
  });

  it('takes exactly the longest windows', () => {
    expect(statsWindow({ since: '2026-01-01T00:00:00.000Z', until: '2026-01-08T00:00:00.000Z' }, now).starts).toHaveLength(168);
    expect(statsWindow({ since: '2025-11-02T00:00:00.000Z', until: '2026-01-31T00:00:00.000Z', bucket: 'day' }, now).starts).toHaveLength(90);
  });
});

describe('endpointTotalsWindow', () => {
  const now = Date.parse('2026-01-31T12:34:56.000Z');
  it('covers whole hours up to the current one; default the last 24 h', () => {
    expect(endpointTotalsWindow(undefined, now)).toEqual({ since: '2026-01-30T12:00:00.000Z', until: '2026-01-31T13:00:00.000Z', fromHour: '2026-01-30T12', toHour: '2026-01-31T12' });
  });
  it('refuses a future or too distant since', () => {
    expect(() => endpointTotalsWindow('2026-02-01T00:00:00.000Z', now)).toThrow(/in the past/);
    expect(() => endpointTotalsWindow('2026-01-20T00:00:00.000Z', now)).toThrow(/7 days/);
  });
});

describe('seriesOf', () => {
  it('sums hours into day buckets and leaves empty buckets at zero and null', () => {
    const w = statsWindow({ since: '2026-01-29T00:00:00.000Z', until: '2026-01-31T00:00:00.000Z', bucket: 'day' }, Date.parse('2026-01-31T12:00:00.000Z'));
    const series = seriesOf(w, [
      { hour: '2026-01-29T01', counts: { succeeded: 2, failed: 1, exhausted: 0, bins: { 27: 3 } } },
      { hour: '2026-01-29T23', counts: { succeeded: 1, failed: 0, exhausted: 1, bins: { 40: 2 } } },
      { hour: '2026-01-31T00', counts: { succeeded: 9, failed: 0, exhausted: 0, bins: { 1: 9 } } },
    ]);
    expect(series).toEqual([
      { start: '2026-01-29T00:00:00.000Z', succeeded: 3, failed: 1, exhausted: 1, p50Ms: 98.7, p95Ms: percentileMs({ 40: 1 }, 50) },
      { start: '2026-01-30T00:00:00.000Z', succeeded: 0, failed: 0, exhausted: 0, p50Ms: null, p95Ms: null },
    ]);
  });
});
