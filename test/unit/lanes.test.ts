import { describe, expect, it } from 'vitest';
import { deduplicationId, isKeyed, laneOf, maxInFlightOf } from '../../lib/core/lanes.ts';

const m = (patch: Partial<Parameters<typeof laneOf>[1]> = {}) => ({ deliveryId: 'dlv_1', trigger: 'scheduled' as const, ...patch });

describe('lanes', () => {
  it("spread an unordered endpoint's deliveries over exactly maxInFlight shard groups", () => {
    const groups = new Set(Array.from({ length: 2000 }, (_, i) => laneOf({ id: 'ep_1', maxInFlight: 4 }, m({ deliveryId: `dlv_${i}` })).group));
    expect([...groups].sort()).toEqual(['ep_1.s0', 'ep_1.s1', 'ep_1.s2', 'ep_1.s3']);
    // The deployment default applies when the endpoint sets none.
    const byDefault = new Set(Array.from({ length: 2000 }, (_, i) => laneOf({ id: 'ep_1' }, m({ deliveryId: `dlv_${i}` }), 6).group));
    expect(byDefault.size).toBe(6);
  });

  it('give a delivery the same lane every time (retries, re-enqueues)', () => {
    expect(laneOf({ id: 'ep_1', maxInFlight: 10 }, m({ deliveryId: 'dlv_x' }))).toEqual(laneOf({ id: 'ep_1', maxInFlight: 10 }, m({ deliveryId: 'dlv_x' })));
  });

  it("put an ordered endpoint's keyed first chain in the key's own group, and everything else in shards", () => {
    const ordered = { id: 'ep_o', ordering: 'key' as const, maxInFlight: 3 };
    const k1 = laneOf(ordered, m({ orderingKey: 'sub_1', deliveryId: 'dlv_a' }));
    const k1b = laneOf(ordered, m({ orderingKey: 'sub_1', deliveryId: 'dlv_b' }));
    const k2 = laneOf(ordered, m({ orderingKey: 'sub_2', deliveryId: 'dlv_a' }));
    expect(k1).toEqual(k1b);
    expect(k1.keyed).toBe(true);
    expect(k1.group).not.toEqual(k2.group);
    expect(k1.group.length).toBeLessThanOrEqual(128);
    expect(k1.group).toMatch(/^[A-Za-z0-9_.-]+$/);
    // Out of band (manual, recover, a redriven chain) and keyless events: shard lanes.
    for (const other of [m({ orderingKey: 'sub_1', trigger: 'manual' }), m({ orderingKey: 'sub_1', trigger: 'recover' }), m({ orderingKey: 'sub_1', chain: 1 }), m()]) {
      expect(laneOf(ordered, other).group).toMatch(/^ep_o\.s[0-2]$/);
      expect(isKeyed(ordered, other)).toBe(false);
    }
    // A key on an unordered endpoint orders nothing.
    expect(laneOf({ id: 'ep_u' }, m({ orderingKey: 'sub_1' })).keyed).toBe(false);
  });

  it('clamp maxInFlight to 1–1000', () => {
    expect(maxInFlightOf({ maxInFlight: 0 })).toBe(1);
    expect(maxInFlightOf({ maxInFlight: 5000 })).toBe(1000);
    expect(maxInFlightOf({}, 7)).toBe(7);
  });

  it('deduplicate a re-sent message but not a deferral (another hop) or another attempt', () => {
    const a = deduplicationId({ deliveryId: 'dlv_1' }, 's0.1');
    expect(deduplicationId({ deliveryId: 'dlv_1', hop: 0 }, 's0.1')).toBe(a);
    expect(deduplicationId({ deliveryId: 'dlv_1', hop: 1 }, 's0.1')).not.toBe(a);
    expect(deduplicationId({ deliveryId: 'dlv_1' }, 's0.2')).not.toBe(a);
    expect(a).toMatch(/^[A-Za-z0-9_-]{1,128}$/);
  });
});
