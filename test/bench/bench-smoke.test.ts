import { describe, expect, it } from 'vitest';
import { runBench, type BenchReport } from '../../bench/bench-lib.ts';
import { formatReport, renderMethod, renderSection, updateBenchmarksFile } from '../../bench/report.ts';
import { LAMBDA_FUNCTIONS } from '../../lib/bundles.ts';

const finitePositive = (n: number) => Number.isFinite(n) && n > 0;

describe('bench (smoke)', () => {
  it('measures every figure against local mode, with every delivery verified, and renders the report', async () => {
    // Arrange / Act
    const report: BenchReport = await runBench({ mode: 'smoke' });

    // Assert: the run itself went right
    expect(report.problems, formatReport(report)).toEqual([]);
    expect(report.receiver.unverified).toBe(0);
    expect(report.receiver.stray).toBe(0);

    // Throughput ratios
    const t = report.throughput;
    expect(t.pipelineDps.every(finitePositive)).toBe(true);
    expect(t.floorDps.every(finitePositive)).toBe(true);
    expect(finitePositive(t.ratioToFloor)).toBe(true);
    expect(finitePositive(t.ratioToRaw)).toBe(true);

    // AWS work and cost: every scenario delivered everything it routed
    expect(report.scenarios.map((s) => s.key)).toEqual(['single', 'batch', 'tenEndpoints', 'failures']);
    for (const s of report.scenarios) {
      const w = s.work!;
      expect(w, s.title).toBeDefined();
      const perEvent = s.key === 'tenEndpoints' ? 10 : 1;
      expect(w.deliveries, s.title).toBe(s.events * perEvent);
      expect(w.attempts, s.title).toBeGreaterThanOrEqual(w.deliveries);
      expect(finitePositive(w.awsRequestsPerDelivery), s.title).toBe(true);
      expect(finitePositive(w.wcuPerDelivery), s.title).toBe(true);
      expect(finitePositive(w.sqsRequestsPerDelivery), s.title).toBe(true);
      expect(finitePositive(w.cost.total), s.title).toBe(true);
      expect(w.operations.some((o) => o.actor === 'ingest'), s.title).toBe(true);
      expect(w.operations.some((o) => o.actor === 'sender'), s.title).toBe(true);
      // The stats function counted the attempts, with a few writes per batch, inside the scenario's window.
      expect(w.operations.some((o) => o.actor === 'stats' && o.operation === 'UpdateItem'), s.title).toBe(true);
      expect(finitePositive(w.stats.wcuPerDelivery), s.title).toBe(true);
      expect(w.operations.some((o) => o.service === 'DynamoDBStreams'), s.title).toBe(false);
    }

    // Stats: the many-endpoint run, and every view read something bounded
    const st = report.stats;
    expect(st.manyEndpoints.work.deliveries).toBe(st.manyEndpoints.events * st.manyEndpoints.endpoints);
    expect(st.manyEndpoints.work.stats.wcuPerDelivery).toBeGreaterThan(report.scenarios[0]!.work!.stats.wcuPerDelivery);
    expect(st.views).toHaveLength(7);
    for (const v of st.views) {
      expect(v.dynamoRequests, v.view).toBeGreaterThan(0);
      expect(v.rows, v.view).toBeGreaterThan(0);
    }
    expect(st.views.at(-1)!.rows).toBe(st.manyEndpoints.endpoints);
    expect(st.growth.late.tenantDeliveries).toBeGreaterThan(st.growth.early.tenantDeliveries);
    const failures = report.scenarios.find((s) => s.key === 'failures')!.work!;
    expect(failures.attempts).toBeGreaterThan(failures.deliveries); // the injected failures were retried

    // Fan-out and scaling
    expect(finitePositive(report.fanout.ratio)).toBe(true);
    expect(report.scaling).toHaveLength(1);
    for (const row of report.scaling) {
      expect(row.deliveries).toBe(row.events);
      expect(finitePositive(row.deliveriesPerSecond)).toBe(true);
      expect(row.p50Ms).toBeLessThanOrEqual(row.p99Ms);
      expect(finitePositive(row.peakRssMb)).toBe(true);
    }

    // Fairness: measured, and the ordered endpoint kept every key in order
    const f = report.fairness;
    for (const v of [f.quietAloneP99Ms, f.quietNoisyP99Ms, f.isolationRatio, f.unorderedPerSecond, f.orderedPerSecond, f.orderedRatio]) expect(finitePositive(v)).toBe(true);
    expect(f.orderViolations).toBe(0);
    expect(f.noisyMaxInFlight).toBeLessThanOrEqual(10);

    // Cold start
    // Every function with the SDK external and bundled, exactly one of the two marked as shipped.
    expect(report.coldStart.bundles.map((b) => `${b.name}/${b.sdk}`).sort()).toEqual(
      [...LAMBDA_FUNCTIONS].sort().flatMap((n) => [`${n}/bundled`, `${n}/external`]),
    );
    for (const name of LAMBDA_FUNCTIONS) expect(report.coldStart.bundles.filter((b) => b.name === name && b.shipped)).toHaveLength(1);
    for (const b of report.coldStart.bundles) {
      expect(b.bytes).toBeGreaterThan(0);
      expect(b.sdkBytes).toBeLessThan(b.bytes);
      if (b.sdk === 'bundled') expect(b.sdkBytes).toBeGreaterThan(report.coldStart.bundles.find((o) => o.name === b.name && o.sdk === 'external')!.sdkBytes);
      expect(finitePositive(b.importRatio)).toBe(true);
    }

    // Checks and rendering
    expect(report.checks.length).toBeGreaterThan(5);
    for (const c of report.checks) expect(['PASS', 'MISS', 'info']).toContain(c.status);
    const section = renderSection(report, 'Smoke');
    const file = updateBenchmarksFile(undefined, renderMethod(report), 'Smoke', section);
    expect(file).toContain('## Smoke');
    expect(file).toContain(report.machine.cpu);
    // A second label is added beside the first; the same label is replaced.
    const twice = updateBenchmarksFile(updateBenchmarksFile(file, renderMethod(report), 'Other', section.replace('## Smoke', '## Other')), renderMethod(report), 'Smoke', section);
    expect(twice.match(/## Smoke/g)).toHaveLength(1);
    expect(twice).toContain('## Other');
  }, 120_000);
});
