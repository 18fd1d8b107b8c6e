import { describe, expect, it } from 'vitest';
import {
  bands,
  bucketLabel,
  formatCount,
  formatMs,
  labelIndices,
  latencyMax,
  linePath,
  niceStep,
  niceTicks,
  plotArea,
  seriesPoints,
  stackBars,
  summarise,
  yScale,
  type StatsBucketLike,
} from '../../lib/dashboard/ui/chart-geometry.ts';

const bucket = (start: string, succeeded: number, failed: number, exhausted: number, p50Ms: number | null = null, p95Ms: number | null = null): StatsBucketLike => ({ start, succeeded, failed, exhausted, p50Ms, p95Ms });

describe('chart geometry: ticks and scales', () => {
  it.each([
    [10, 5, 2],
    [7, 4, 2],
    [100, 4, 20], // 25 is not a step: 1, 2, 5 × 10ⁿ only, the nearest
    [0.9, 3, 0.2],
    [1234, 4, 200],
    [80, 4, 20],
    [4000, 4, 1000],
  ])('niceStep(%s, %s) = %s', (span, count, step) => {
    expect(niceStep(span, count)).toBe(step);
  });

  it('niceStep of nothing is 1, not NaN', () => {
    expect(niceStep(0, 4)).toBe(1);
    expect(niceStep(Number.NaN, 4)).toBe(1);
  });

  it('ticks start at 0 and cover the maximum with round steps, without float noise', () => {
    expect(niceTicks(37)).toEqual([0, 10, 20, 30, 40]);
    expect(niceTicks(40)).toEqual([0, 10, 20, 30, 40]);
    expect(niceTicks(0.3, 3)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(niceTicks(870, 4)).toEqual([0, 200, 400, 600, 800, 1000]);
  });

  it('count ticks are whole numbers, and an empty series still has an axis', () => {
    expect(niceTicks(3, 4, true)).toEqual([0, 1, 2, 3]);
    expect(niceTicks(1, 4, true)).toEqual([0, 1]);
    expect(niceTicks(0, 4, true)).toEqual([0, 1]);
  });

  it('the y scale maps 0 to the bottom and the domain maximum to the top, clamped', () => {
    const plot = plotArea(300, 200, { top: 10, right: 10, bottom: 30, left: 40 });
    expect(plot).toEqual({ left: 40, right: 290, top: 10, bottom: 170 });
    const y = yScale(80, plot);
    expect(y(0)).toBe(170);
    expect(y(80)).toBe(10);
    expect(y(40)).toBe(90);
    expect(y(1000)).toBe(10);
    expect(yScale(0, plot)(5)).toBe(170);
  });
});

describe('chart geometry: bars and lines', () => {
  const plot = plotArea(240, 120, { top: 0, right: 0, bottom: 20, left: 40 }); // 200 wide, 100 high

  it('bands split the plot evenly with a gap between bars', () => {
    const b = bands(4, plot, 0.2);
    expect(b.step).toBe(50);
    expect(b.barWidth).toBe(40);
    expect(b.x(0)).toBe(45);
    expect(b.x(3)).toBe(195);
    expect(b.center(1)).toBe(115);
    expect(bands(0, plot).step).toBe(0);
  });

  it('stacks succeeded, failed and exhausted bottom-up; heights add up to the total; zeros draw nothing', () => {
    const b = bands(2, plot);
    const y = yScale(10, plot);
    const rows = [
      { succeeded: 5, failed: 2, exhausted: 1 },
      { succeeded: 0, failed: 0, exhausted: 0 },
    ];
    const [first, second] = stackBars(rows, ['succeeded', 'failed', 'exhausted'], b, y);
    expect(first!.map((s) => s.key)).toEqual(['succeeded', 'failed', 'exhausted']);
    expect(first!.map((s) => s.height)).toEqual([50, 20, 10]);
    expect(first![0]!.y + first![0]!.height).toBe(plot.bottom); // sits on the axis
    expect(first![1]!.y + first![1]!.height).toBe(first![0]!.y); // on top of the one below
    expect(first![2]!.y).toBe(plot.bottom - 80);
    expect(second).toEqual([]);
  });

  it('a line skips buckets without a value and starts again after the gap', () => {
    const y = yScale(100, plot);
    const points = seriesPoints([10, 20, null, 40, 50], (i) => i * 10, y);
    expect(points.map((p) => p.i)).toEqual([0, 1, 3, 4]);
    expect(linePath(points)).toBe('M0 90 L10 80 M30 60 L40 50');
    expect(linePath([])).toBe('');
  });

  it('labels at most the given number of buckets, always the first', () => {
    expect(labelIndices(24, 8)).toEqual([0, 3, 6, 9, 12, 15, 18, 21]);
    expect(labelIndices(5, 10)).toEqual([0, 1, 2, 3, 4]);
    expect(labelIndices(30, 0)).toHaveLength(1);
    expect(labelIndices(0, 5)).toEqual([]);
  });
});

describe('chart text', () => {
  it('formats counts and durations short', () => {
    expect([formatCount(950), formatCount(1200), formatCount(25_000), formatCount(1000)]).toEqual(['950', '1.2k', '25k', '1k']);
    expect([formatMs(12.4), formatMs(999), formatMs(1500), formatMs(12_000)]).toEqual(['12 ms', '999 ms', '1.5 s', '12 s']);
  });

  it('labels hour buckets with the time and day buckets with the date', () => {
    expect(bucketLabel('2026-03-03T14:00:00.000Z', 'hour', { locale: 'en-GB', timeZone: 'UTC' })).toBe('14:00');
    expect(bucketLabel('2026-03-03T00:00:00.000Z', 'day', { locale: 'en-GB', timeZone: 'UTC' })).toBe('3 Mar');
  });

  it('summarises totals, the busiest bucket, the p50 range and the slowest p95', () => {
    const s = summarise([bucket('a', 3, 1, 0, 20, 80), bucket('b', 0, 0, 0), bucket('c', 5, 0, 2, 35, 400), bucket('d', 1, 0, 0, 10, 30)]);
    expect(s).toEqual({ succeeded: 9, failed: 1, exhausted: 2, attempts: 12, peakAttempts: 7, p50Range: [10, 35], p95Peak: { value: 400, start: 'c' } });
    expect(summarise([bucket('a', 0, 0, 0)])).toMatchObject({ attempts: 0, p50Range: undefined, p95Peak: undefined });
    expect(latencyMax([bucket('a', 1, 0, 0, 20, 80), bucket('b', 0, 0, 0)])).toBe(80);
  });
});
