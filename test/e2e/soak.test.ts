import { describe, expect, it } from 'vitest';
import { formatReport, runSoak } from '../../bench/soak-lib.ts';

describe('soak (1k deliveries, 20 % random failures)', () => {
  it('ends with every delivery succeeded or exhausted, reconciled with the events and the receivers', async () => {
    const report = await runSoak({ events: 250, endpoints: 4, failRate: 0.2, schedule: '1,1', timeoutMs: 90_000 });
    expect(report.problems, formatReport(report)).toEqual([]);
    expect(report.deliveries).toBe(1000);
    expect(report.succeeded + report.exhausted).toBe(1000);
    expect(report.retries).toBeGreaterThan(100); // the failures really happened
    expect(report.duplicates).toBe(0);
    expect(report.mismatches).toBe(0);
  }, 150_000);
});
