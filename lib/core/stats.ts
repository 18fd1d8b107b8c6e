/**
 * Delivery stats as counters: what each recorded attempt adds, how a batch of
 * them folds into a few per-hour counters, and how counters read back as a
 * chart (hour or day buckets) with estimated latency percentiles. Pure: the
 * stats function (lambdas/stats) feeds it the delivery log's changes, the
 * stores keep the counters, the API reads them (lib/app/stats.ts).
 *
 * Each attempt is counted once, by its outcome: `succeeded`, `failed` (a
 * retry follows) or `exhausted` (no attempts left). Attempts that were not
 * sent (`skipped`: the endpoint was deleted or disabled) are not counted.
 *
 * Latency is a fixed histogram of `durationMs` in quarter-octave bins (see
 * LATENCY_BINS): bin 0 holds [0, 1) ms, bin k (1–60) holds
 * [2^((k−1)/4), 2^(k/4)) ms, bin 61 everything from 32,768 ms on. A
 * percentile is the bin that holds the nearest-rank value, reported as the
 * bin's geometric midpoint 2^((k−½)/4): between 0.917× and 1.091× the exact
 * nearest-rank value (±9.1 %) for latencies from 1 ms to 32.8 s, 0.5 ms below
 * 1 ms (±0.5 ms), and the overflow bin's lower bound above (never reached:
 * an attempt ends within the connect + response timeouts, 20 s).
 */
import { BillhookError } from './errors.ts';
import { endpointIdSchema, tenantIdSchema } from './model.ts';
import * as z from './zod.ts';

export const STATS_OUTCOMES = ['succeeded', 'failed', 'exhausted'] as const;

/** Stats counters are kept this many days beyond the delivery log's retention, so a chart of the log's whole span is full. */
export const STATS_RETENTION_EXTRA_DAYS = 7;
export type StatsOutcome = (typeof STATS_OUTCOMES)[number];

/** Bins per histogram: [0, 1) ms, 60 quarter-octaves from 1 ms to 32,768 ms, and an overflow bin. */
export const LATENCY_BIN_COUNT = 62;
const OVERFLOW_BIN = LATENCY_BIN_COUNT - 1;
/** Upper bound of the last regular bin, in ms (2^15). */
const OVERFLOW_MS = 2 ** ((OVERFLOW_BIN - 1) / 4);

/**
 * Each bin's range in ms, `[from, to)` (`to` Infinity for the last): the
 * table the README documents.
 */
export const LATENCY_BINS: readonly { bin: number; fromMs: number; toMs: number }[] = Array.from({ length: LATENCY_BIN_COUNT }, (_, k) => ({
  bin: k,
  fromMs: k === 0 ? 0 : 2 ** ((k - 1) / 4),
  toMs: k === 0 ? 1 : k === OVERFLOW_BIN ? Infinity : 2 ** (k / 4),
}));

/**
 * The bin of a duration.
 *
 * @example latencyBin(0.3) // → 0;  latencyBin(1) // → 1;  latencyBin(100) // → 27 ([90.5, 107.6) ms)
 */
export function latencyBin(ms: number): number {
  if (!(ms >= 1)) return 0;
  if (ms >= OVERFLOW_MS) return OVERFLOW_BIN;
  return Math.min(OVERFLOW_BIN - 1, Math.floor(4 * Math.log2(ms)) + 1);
}

/** What a percentile falling in bin `k` reads as: its geometric midpoint (0.5 ms for bin 0, the lower bound for the overflow bin). */
export function binEstimateMs(k: number): number {
  if (k <= 0) return 0.5;
  if (k >= OVERFLOW_BIN) return OVERFLOW_MS;
  return 2 ** ((k - 0.5) / 4);
}

/** Counters of one item: attempts by outcome, and their latency histogram (bin → attempts, absent bins 0). */
export interface StatsCounts {
  succeeded: number;
  failed: number;
  exhausted: number;
  bins: Record<number, number>;
}

export const emptyCounts = (): StatsCounts => ({ succeeded: 0, failed: 0, exhausted: 0, bins: {} });

/** `into` += `more` (in place), and `into` back. */
export function addCounts(into: StatsCounts, more: StatsCounts): StatsCounts {
  into.succeeded += more.succeeded;
  into.failed += more.failed;
  into.exhausted += more.exhausted;
  for (const [k, n] of Object.entries(more.bins)) into.bins[Number(k)] = (into.bins[Number(k)] ?? 0) + n;
  return into;
}

/** The counters that take `c` back (for undoing a partly applied write). */
export function negateCounts(c: StatsCounts): StatsCounts {
  return { succeeded: -c.succeeded, failed: -c.failed, exhausted: -c.exhausted, bins: Object.fromEntries(Object.entries(c.bins).map(([k, n]) => [k, -n])) };
}

export const attemptsOf = (c: StatsCounts): number => c.succeeded + c.failed + c.exhausted;

/**
 * The nearest-rank `p`-th percentile (0 < p ≤ 100) of the histogram, as the
 * holding bin's estimate rounded to 0.1 ms; null when it is empty.
 *
 * @example percentileMs({ 27: 9, 40: 1 }, 50) // → 98.7 (bin 27, [90.5, 107.6) ms)
 */
export function percentileMs(bins: Record<number, number>, p: number): number | null {
  const entries = Object.entries(bins)
    .map(([k, n]) => [Number(k), n] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const [k, n] of entries) {
    seen += n;
    if (seen >= rank) return Math.round(binEstimateMs(k) * 10) / 10;
  }
  return Math.round(binEstimateMs(entries[entries.length - 1]![0]) * 10) / 10;
}

/** Counts as the API shows them: the three outcomes and the estimated p50 and p95 latency. */
export interface StatsSummary {
  succeeded: number;
  failed: number;
  exhausted: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

export function summarize(c: StatsCounts): StatsSummary {
  return { succeeded: c.succeeded, failed: c.failed, exhausted: c.exhausted, p50Ms: percentileMs(c.bins, 50), p95Ms: percentileMs(c.bins, 95) };
}

// ---------------------------------------------------------------- what a log write added

/** What the stats need of one attempt in the delivery log. */
export interface LoggedAttempt {
  at?: unknown;
  durationMs?: unknown;
  statusCode?: unknown;
}

/** The part of a delivery-log item (lib/adapters/dynamodb/delivery-log.ts) the stats read. */
export interface LogImage {
  tenantId?: unknown;
  endpointId?: unknown;
  status?: unknown;
  attemptCount?: unknown;
  attempts?: readonly LoggedAttempt[];
}

/**
 * One write to the delivery log, as its stream reports it: the item before
 * (absent for an insert) and after (absent for a removal, e.g. by TTL).
 */
export interface LogChange {
  old?: LogImage;
  new?: LogImage;
}

/** An attempt the stats count. */
export interface CountedAttempt {
  tenantId: string;
  endpointId: string;
  /** UTC hour of the attempt, `YYYY-MM-DDTHH`. */
  hour: string;
  outcome: StatsOutcome;
  durationMs: number;
}

const attemptTotal = (image: LogImage | undefined): number => {
  if (!image) return 0;
  if (Array.isArray(image.attempts)) return image.attempts.length;
  const n = Number(image.attemptCount ?? 0);
  return Number.isFinite(n) ? n : 0;
};

const OUTCOME_OF_STATUS: Readonly<Record<string, StatsOutcome>> = { succeeded: 'succeeded', failed: 'failed', exhausted: 'exhausted' };
const HOUR = /^\d{4}-\d{2}-\d{2}T\d{2}/;

/**
 * The attempts a log write added, by comparing the item before and after:
 * none for a removal (TTL), an insert without attempts (a pending delivery
 * registered before its first attempt), or a write that added no attempt.
 * The delivery log appends one attempt per write and the item's status is
 * the outcome of that attempt; should a write ever add several, the earlier
 * ones count as succeeded on a 2xx and failed otherwise (a later attempt
 * followed them). An attempt whose delivery ended `skipped` was not sent and
 * is not counted, nor is anything malformed (no valid ids, no time).
 *
 * @example
 * attemptsAdded({ new: { tenantId: 'ten_a', endpointId: 'ep_1', status: 'failed', attempts: [{ at: '2026-01-31T12:00:00.000Z', durationMs: 80, statusCode: 503 }] } })
 * // → [{ tenantId: 'ten_a', endpointId: 'ep_1', hour: '2026-01-31T12', outcome: 'failed', durationMs: 80 }]
 */
export function attemptsAdded(change: LogChange): CountedAttempt[] {
  const after = change.new;
  if (!after || !Array.isArray(after.attempts)) return [];
  const before = attemptTotal(change.old);
  const added = after.attempts.slice(before);
  if (added.length === 0) return [];
  if (!z.safeParse(tenantIdSchema, after.tenantId).success || !z.safeParse(endpointIdSchema, after.endpointId).success) return [];
  const tenantId = after.tenantId as string;
  const endpointId = after.endpointId as string;
  const out: CountedAttempt[] = [];
  added.forEach((a, i) => {
    const last = i === added.length - 1;
    const code = Number(a.statusCode);
    const outcome: StatsOutcome | undefined = last ? OUTCOME_OF_STATUS[String(after.status)] : code >= 200 && code < 300 ? 'succeeded' : 'failed';
    if (!outcome || typeof a.at !== 'string' || !HOUR.test(a.at) || Number.isNaN(Date.parse(a.at))) return;
    const durationMs = Number(a.durationMs);
    out.push({ tenantId, endpointId, hour: hourOf(Date.parse(a.at)), outcome, durationMs: Number.isFinite(durationMs) ? durationMs : 0 });
  });
  return out;
}

/** Counters to add for one endpoint and hour. */
export interface StatsDelta {
  tenantId: string;
  endpointId: string;
  /** `YYYY-MM-DDTHH` (UTC). */
  hour: string;
  counts: StatsCounts;
}

/**
 * Fold attempts into one delta per (tenant, endpoint, hour), in a stable
 * order (first seen first), so a batch of a thousand attempts to one
 * endpoint is one delta.
 */
export function aggregateAttempts(attempts: readonly CountedAttempt[]): StatsDelta[] {
  const byKey = new Map<string, StatsDelta>();
  for (const a of attempts) {
    const key = `${a.tenantId}|${a.endpointId}|${a.hour}`;
    let d = byKey.get(key);
    if (!d) byKey.set(key, (d = { tenantId: a.tenantId, endpointId: a.endpointId, hour: a.hour, counts: emptyCounts() }));
    d.counts[a.outcome]++;
    const bin = latencyBin(a.durationMs);
    d.counts.bins[bin] = (d.counts.bins[bin] ?? 0) + 1;
  }
  return [...byKey.values()];
}

// ---------------------------------------------------------------- windows and buckets

export const STATS_BUCKETS = ['hour', 'day'] as const;
export type StatsBucketSize = (typeof STATS_BUCKETS)[number];

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Longest window per bucket size: 7 days of hours, 90 days of days. */
export const STATS_MAX_WINDOW: Readonly<Record<StatsBucketSize, { ms: number; text: string }>> = {
  hour: { ms: 7 * DAY_MS, text: '7 days' },
  day: { ms: 90 * DAY_MS, text: '90 days' },
};
/** The default window per bucket size, ending now. */
export const STATS_DEFAULT_WINDOW: Readonly<Record<StatsBucketSize, number>> = { hour: DAY_MS, day: 30 * DAY_MS };
/** The endpoint list's totals: default and longest window. */
export const ENDPOINT_TOTALS_WINDOW = { defaultMs: DAY_MS, maxMs: 7 * DAY_MS, maxText: '7 days' } as const;

/** `YYYY-MM-DDTHH` of an instant (UTC). */
export const hourOf = (ms: number): string => new Date(ms).toISOString().slice(0, 13);
/** The instant an hour key starts. */
export const hourStart = (hour: string): number => Date.parse(`${hour}:00:00.000Z`);

/** A window aligned to whole buckets: `[since, until)`, its buckets' starts, and the hours to read. */
export interface StatsWindow {
  bucket: StatsBucketSize;
  /** ISO: the start of the first bucket. */
  since: string;
  /** ISO: the end of the last bucket. */
  until: string;
  /** Each bucket's start (ISO), oldest first. */
  starts: string[];
  /** The first and last hour key to read (inclusive). */
  fromHour: string;
  toHour: string;
}

const floorTo = (ms: number, size: number) => Math.floor(ms / size) * size;

/**
 * The buckets of a chart: every whole hour (or UTC day) that overlaps
 * `[since, until)`. Defaults: until = now, since = until − 24 h (hour) or
 * − 30 days (day). A window that ends before it starts, or is longer than
 * STATS_MAX_WINDOW, is a 400 `invalid_query` (times come validated and
 * normalised to UTC by the route).
 *
 * @example
 * statsWindow({ since: '2026-01-31T10:30:00.000Z', until: '2026-01-31T12:00:00.000Z' }, now)
 * // → { bucket: 'hour', since: '2026-01-31T10:00:00.000Z', until: '2026-01-31T12:00:00.000Z', starts: [10:00, 11:00], fromHour: '2026-01-31T10', toHour: '2026-01-31T11' }
 */
export function statsWindow(q: { since?: string; until?: string; bucket?: StatsBucketSize }, nowMs: number): StatsWindow {
  const bucket = q.bucket ?? 'hour';
  const size = bucket === 'hour' ? HOUR_MS : DAY_MS;
  const until = q.until === undefined ? nowMs : Date.parse(q.until);
  const since = q.since === undefined ? until - STATS_DEFAULT_WINDOW[bucket] : Date.parse(q.since);
  if (!(since < until)) throw new BillhookError('invalid_query', 'query parameter since must be before until');
  if (until - since > STATS_MAX_WINDOW[bucket].ms) {
    throw new BillhookError('invalid_query', `the window is longer than ${STATS_MAX_WINDOW[bucket].text}, the most bucket=${bucket} covers${bucket === 'hour' ? ' (use bucket=day for longer windows)' : ''}`);
  }
  const from = floorTo(since, size);
  const to = floorTo(until - 1, size) + size;
  const starts: string[] = [];
  for (let t = from; t < to; t += size) starts.push(new Date(t).toISOString());
  return { bucket, since: new Date(from).toISOString(), until: new Date(to).toISOString(), starts, fromHour: hourOf(from), toHour: hourOf(to - HOUR_MS) };
}

/**
 * The hours of the endpoint list's totals: from the hour holding `since`
 * (default 24 h ago) to the current one; at most ENDPOINT_TOTALS_WINDOW.maxMs.
 */
export function endpointTotalsWindow(since: string | undefined, nowMs: number): { since: string; until: string; fromHour: string; toHour: string } {
  const start = since === undefined ? nowMs - ENDPOINT_TOTALS_WINDOW.defaultMs : Date.parse(since);
  if (!(start < nowMs)) throw new BillhookError('invalid_query', 'query parameter since must be in the past');
  if (nowMs - start > ENDPOINT_TOTALS_WINDOW.maxMs) throw new BillhookError('invalid_query', `since is more than ${ENDPOINT_TOTALS_WINDOW.maxText} ago, the longest window of the endpoint list's totals`);
  const from = floorTo(start, HOUR_MS);
  const to = floorTo(nowMs, HOUR_MS) + HOUR_MS;
  return { since: new Date(from).toISOString(), until: new Date(to).toISOString(), fromHour: hourOf(from), toHour: hourOf(to - HOUR_MS) };
}

/** One bucket of a chart. */
export interface StatsBucket extends StatsSummary {
  /** ISO start of the bucket. */
  start: string;
}

/** Fold hour counters into the window's buckets: every bucket present, oldest first, zeros and nulls where nothing happened. */
export function seriesOf(window: StatsWindow, hours: readonly { hour: string; counts: StatsCounts }[]): StatsBucket[] {
  const size = window.bucket === 'hour' ? HOUR_MS : DAY_MS;
  const first = Date.parse(window.since);
  const sums = window.starts.map(() => emptyCounts());
  for (const h of hours) {
    const i = Math.floor((hourStart(h.hour) - first) / size);
    if (i >= 0 && i < sums.length) addCounts(sums[i]!, h.counts);
  }
  return window.starts.map((start, i) => ({ start, ...summarize(sums[i]!) }));
}
