/**
 * Delivery stats: counting the attempts the delivery log records (the stats
 * function, fed by the logs table's stream), and the charts and endpoint
 * totals the API serves from those counters. A view reads a bounded number
 * of counter items (hours × endpoints of its window), however much traffic
 * the window saw.
 */
import { BillhookError } from '../core/errors.ts';
import {
  addCounts,
  aggregateAttempts,
  attemptsAdded,
  attemptsOf,
  emptyCounts,
  endpointTotalsWindow,
  seriesOf,
  statsWindow,
  summarize,
  type LogChange,
  type StatsBucketSize,
} from '../core/stats.ts';
import type { EndpointStats } from '../contract/endpoints.ts';
import type { EndpointTotalsView, StatsSeriesView } from '../contract/stats.ts';
import type { StatsStore } from '../ports.ts';
import type { AppDeps } from './deps.ts';
import { getTenant } from './tenants.ts';

export interface RecordStatsResult {
  /** Log writes looked at. */
  changes: number;
  /** Attempts counted. */
  attempts: number;
  /** Counter deltas written (one per tenant, endpoint and hour; each is three items, the tenant's shared). */
  deltas: number;
}

/**
 * Count the attempts a batch of delivery-log writes added. All or nothing
 * (StatsStore.add): when it throws, nothing of the batch is counted and the
 * whole batch may be retried.
 *
 * @example
 * await recordStats({ stats }, changes, { signal: AbortSignal.timeout(20_000) });
 */
export async function recordStats(deps: { stats: StatsStore }, changes: readonly LogChange[], options: { signal?: AbortSignal } = {}): Promise<RecordStatsResult> {
  const attempts = changes.flatMap(attemptsAdded);
  const deltas = aggregateAttempts(attempts);
  if (deltas.length > 0) await deps.stats.add(deltas, options);
  return { changes: changes.length, attempts: attempts.length, deltas: deltas.length };
}

export interface StatsQuery {
  since?: string;
  until?: string;
  endpointId?: string;
  bucket?: StatsBucketSize;
}

/** A chart's series, as the contract answers it. */
export type StatsSeries = StatsSeriesView;

/**
 * A tenant's (or one endpoint's) attempts per hour or day: every bucket of
 * the window, oldest first. One Query of at most 168 (hour) or 2,160 (day)
 * counter items.
 *
 * @example tenantStats(deps, 'ten_acme', { bucket: 'day', endpointId: 'ep_…' })
 */
export async function tenantStats(deps: Pick<AppDeps, 'tenants' | 'endpoints' | 'stats' | 'clock'>, tenantId: string, q: StatsQuery): Promise<StatsSeries> {
  const window = statsWindow(q, deps.clock.now());
  await getTenant(deps, tenantId);
  if (q.endpointId !== undefined && !(await deps.endpoints.get(tenantId, q.endpointId))) throw new BillhookError('not_found', `endpoint ${q.endpointId} not found`);
  const hours = await deps.stats.hours(tenantId, window, q.endpointId);
  return { bucket: window.bucket, since: window.since, until: window.until, data: seriesOf(window, hours) };
}

/** Every endpoint's totals, as the contract answers them. */
export type EndpointTotals = EndpointTotalsView;

/**
 * Every endpoint's totals since `since` (default 24 h ago, whole hours), for
 * the endpoint list: one Query of the tenant's endpoint totals, at most
 * endpoints × hours items. Endpoints without attempts are absent.
 */
export async function endpointTotals(deps: Pick<AppDeps, 'tenants' | 'stats' | 'clock'>, tenantId: string, since?: string): Promise<EndpointTotals> {
  const window = endpointTotalsWindow(since, deps.clock.now());
  await getTenant(deps, tenantId);
  const totals = await deps.stats.endpointTotals(tenantId, window);
  return {
    since: window.since,
    until: window.until,
    data: totals.filter((t) => attemptsOf(t.counts) > 0).map((t) => ({ endpointId: t.endpointId, ...summarize(t.counts) })),
  };
}

/** How many deliveries' status codes `GET …/endpoints/{id}/stats` lists. */
export const RECENT_STATUS_CODES = 10;

/**
 * `GET …/endpoints/{id}/stats`, kept for the dashboard's endpoint pages:
 * the endpoint's counters since `since` (default 24 h ago, from the start
 * of its hour), and the last status codes of its newest deliveries (one
 * Query of 10). Counted per attempt: `deliveries` is the attempts in the
 * window, `inFlight` those that failed with a retry to follow, and
 * `successRate` succeeded ÷ all. `truncated` is always false now (nothing
 * is capped).
 */
export async function endpointStats(
  deps: Pick<AppDeps, 'endpoints' | 'deliveries' | 'stats' | 'clock'>,
  tenantId: string,
  endpointId: string,
  since?: string,
): Promise<EndpointStats> {
  const endpoint = await deps.endpoints.get(tenantId, endpointId);
  if (!endpoint) throw new BillhookError('not_found', `endpoint ${endpointId} not found`);
  const now = deps.clock.now();
  const from = since ?? new Date(now - 24 * 3600_000).toISOString();
  if (Date.parse(from) > now) throw new BillhookError('invalid_query', 'query parameter since must be in the past');
  const hours = await deps.stats.hours(tenantId, { fromHour: from.slice(0, 13), toHour: new Date(now).toISOString().slice(0, 13) }, endpointId);
  const sum = hours.reduce((acc, h) => addCounts(acc, h.counts), emptyCounts());
  const newest = await deps.deliveries.list(tenantId, { endpointId, since: from, limit: RECENT_STATUS_CODES });
  const attempts = attemptsOf(sum);
  return {
    endpointId,
    since: from,
    deliveries: attempts,
    succeeded: sum.succeeded,
    inFlight: sum.failed,
    exhausted: sum.exhausted,
    successRate: attempts === 0 ? null : sum.succeeded / attempts,
    recentStatusCodes: newest.data.filter((d) => d.attemptCount > 0).map((d) => d.lastStatusCode ?? 0),
    truncated: false,
  };
}
