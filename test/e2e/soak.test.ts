import { describe, expect, it } from 'vitest';
import { formatReport, runSoak } from '../../bench/soak-lib.ts';

describe('soak (1k deliveries, 20 % random failures, two of four endpoints ordered by key)', () => {
  it('ends with every delivery succeeded or exhausted, reconciled with the events and the receivers, and every key in order', async () => {
    const report = await runSoak({ events: 250, endpoints: 4, orderedEndpoints: 2, failRate: 0.2, schedule: '1,1', timeoutMs: 120_000 });
    expect(report.problems, formatReport(report)).toEqual([]);
    expect(report.deliveries).toBe(1000);
    expect(report.succeeded + report.exhausted).toBe(1000);
    expect(report.retries).toBeGreaterThan(100); // the failures really happened
    expect(report.duplicates).toBe(0);
    expect(report.mismatches).toBe(0);
    expect(report.orderViolations).toBe(0);
  }, 180_000);
});
