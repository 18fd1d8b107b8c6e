/**
 * Chart geometry, free of the DOM: scales, round ticks, bar bands, stacks,
 * line paths with gaps, which x labels to print, and the numbers a chart's
 * text alternative states. The SVG components (charts.tsx) only draw what
 * these return, so every coordinate here is unit-tested.
 */

/** One bucket of `GET /v1/tenants/{t}/stats` (mirrors the stats contract). */
export interface StatsBucketLike {
  start: string;
  succeeded: number;
  failed: number;
  exhausted: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

export interface Margins {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

/** The plot area inside a `width` × `height` chart: y grows downwards, as in SVG. */
export interface Plot {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export function plotArea(width: number, height: number, m: Margins): Plot {
  return { left: m.left, right: Math.max(m.left, width - m.right), top: m.top, bottom: Math.max(m.top, height - m.bottom) };
}

/** A round step (1, 2 or 5 × 10ⁿ) that cuts `span` into about `count` parts (the nearest, on a log scale). */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  const factor = norm >= Math.SQRT2 * 5 ? 10 : norm >= Math.sqrt(10) ? 5 : norm >= Math.SQRT2 ? 2 : 1;
  return factor * magnitude;
}

const clean = (v: number): number => Number(v.toPrecision(12));

/**
 * Ticks from 0 up to a round value that covers `max` (at least one step
 * above 0, so an all-zero series still has an axis). `integer`: counts, so
 * never a fractional step.
 */
export function niceTicks(max: number, count = 4, integer = false): number[] {
  let step = niceStep(max, count);
  if (integer) step = Math.max(1, Math.ceil(step));
  const steps = max > 0 ? Math.ceil(clean(max / step)) : 1;
  return Array.from({ length: steps + 1 }, (_, i) => clean(i * step));
}

/** Value → y: 0 at `plot.bottom`, `domainMax` at `plot.top`. */
export function yScale(domainMax: number, plot: Plot): (v: number) => number {
  const h = plot.bottom - plot.top;
  return (v) => (domainMax > 0 ? plot.bottom - (Math.min(v, domainMax) / domainMax) * h : plot.bottom);
}

export interface Bands {
  /** Distance between the starts of two neighbouring bands. */
  step: number;
  /** Width of a bar inside its band. */
  barWidth: number;
  /** Left edge of bar `i`. */
  x(i: number): number;
  /** Centre of band `i` (for labels and line points). */
  center(i: number): number;
}

/** `n` equal bands across the plot; `padding` is the share of each band left empty between bars. */
export function bands(n: number, plot: Plot, padding = 0.2): Bands {
  const step = n > 0 ? (plot.right - plot.left) / n : 0;
  const barWidth = Math.max(1, step * (1 - padding));
  return { step, barWidth, x: (i) => plot.left + i * step + (step - barWidth) / 2, center: (i) => plot.left + (i + 0.5) * step };
}

export interface Segment<K extends string> {
  key: K;
  value: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Stacked bars, first key at the bottom. Zero values draw nothing (no
 * hairline segments); the heights of a bar's segments add up to its total.
 */
export function stackBars<K extends string>(rows: readonly Record<K, number>[], keys: readonly K[], b: Bands, y: (v: number) => number): Segment<K>[][] {
  return rows.map((row, i) => {
    let below = 0;
    const out: Segment<K>[] = [];
    for (const key of keys) {
      const value = row[key];
      if (value > 0) {
        const y0 = y(below);
        const y1 = y(below + value);
        out.push({ key, value, x: b.x(i), y: y1, width: b.barWidth, height: y0 - y1 });
      }
      below += value;
    }
    return out;
  });
}

export interface Point {
  i: number;
  x: number;
  y: number;
  value: number;
}

/** The points of a series that has values (nulls are gaps: nothing happened in that bucket). */
export function seriesPoints(values: readonly (number | null)[], x: (i: number) => number, y: (v: number) => number): Point[] {
  const out: Point[] = [];
  values.forEach((v, i) => {
    if (v !== null && Number.isFinite(v)) out.push({ i, x: x(i), y: y(v), value: v });
  });
  return out;
}

/** An SVG path through the points, broken where a bucket has no value (`M` starts each run). */
export function linePath(points: readonly Point[]): string {
  const r = (n: number) => Math.round(n * 10) / 10;
  return points.map((p, k) => `${k > 0 && points[k - 1]!.i === p.i - 1 ? 'L' : 'M'}${r(p.x)} ${r(p.y)}`).join(' ');
}

/** Which of `n` buckets get an x label, so that at most `max` labels fit; always the first. */
export function labelIndices(n: number, max: number): number[] {
  if (n <= 0) return [];
  const every = Math.max(1, Math.ceil(n / Math.max(1, max)));
  const out: number[] = [];
  for (let i = 0; i < n; i += every) out.push(i);
  return out;
}

/** 950 → "950", 1200 → "1.2k", 25000 → "25k". */
export function formatCount(v: number): string {
  if (Math.abs(v) < 1000) return String(v);
  const k = v / 1000;
  return `${Number(k.toFixed(Math.abs(k) < 10 ? 1 : 0))}k`;
}

/** 12.4 → "12 ms", 1500 → "1.5 s". */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  return `${Number(s.toFixed(s < 10 ? 1 : 0))} s`;
}

/** A bucket's start as the axis and table print it: `14:00` for hours, `3 Mar` for days. */
export function bucketLabel(iso: string, bucket: 'hour' | 'day', opts: { locale?: string; timeZone?: string } = {}): string {
  const d = new Date(iso);
  const format: Intl.DateTimeFormatOptions = bucket === 'hour' ? { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } : { day: 'numeric', month: 'short' };
  return d.toLocaleString(opts.locale, { ...format, ...(opts.timeZone ? { timeZone: opts.timeZone } : {}) });
}

export interface StatsSummary {
  succeeded: number;
  failed: number;
  exhausted: number;
  attempts: number;
  /** The highest attempts count of one bucket. */
  peakAttempts: number;
  /** Lowest and highest p50 over the buckets that have one. */
  p50Range: [number, number] | undefined;
  /** The slowest bucket's p95, and which bucket. */
  p95Peak: { value: number; start: string } | undefined;
}

export function summarise(buckets: readonly StatsBucketLike[]): StatsSummary {
  let succeeded = 0;
  let failed = 0;
  let exhausted = 0;
  let peakAttempts = 0;
  let p50Range: [number, number] | undefined;
  let p95Peak: { value: number; start: string } | undefined;
  for (const b of buckets) {
    succeeded += b.succeeded;
    failed += b.failed;
    exhausted += b.exhausted;
    peakAttempts = Math.max(peakAttempts, b.succeeded + b.failed + b.exhausted);
    if (b.p50Ms !== null) p50Range = p50Range ? [Math.min(p50Range[0], b.p50Ms), Math.max(p50Range[1], b.p50Ms)] : [b.p50Ms, b.p50Ms];
    if (b.p95Ms !== null && (!p95Peak || b.p95Ms > p95Peak.value)) p95Peak = { value: b.p95Ms, start: b.start };
  }
  return { succeeded, failed, exhausted, attempts: succeeded + failed + exhausted, peakAttempts, p50Range, p95Peak };
}

/** The highest latency any bucket shows (p95 is at least p50, but take both in case). */
export const latencyMax = (buckets: readonly StatsBucketLike[]): number => buckets.reduce((m, b) => Math.max(m, b.p50Ms ?? 0, b.p95Ms ?? 0), 0);
