/**
 * Stats: attempts per hour or day, by outcome, with estimated latency
 * percentiles, for charts; and every endpoint's totals for the endpoint
 * list. Served from counters the stats function keeps (lib/core/stats.ts),
 * so a view reads a bounded number of items however much traffic it covers.
 */
import * as z from '../core/zod.ts';
import { endpointIdSchema } from '../core/model.ts';
import { ENDPOINT_TOTALS_WINDOW, STATS_BUCKETS, STATS_MAX_WINDOW } from '../core/stats.ts';
import { isoTime, json, queryTime, route } from './define.ts';
import { T, tenantParams } from './params.ts';

const count = (description: string) => z.int().register(z.globalRegistry, { description });
const latency = (description: string) => z.nullable(z.number()).register(z.globalRegistry, { description });

const outcomes = {
  succeeded: count('Attempts answered 2xx'),
  failed: count('Attempts that failed with a retry to follow'),
  exhausted: count('Attempts that failed with no attempts left (the delivery is exhausted)'),
  p50Ms: latency('Median attempt duration in ms, estimated from a quarter-octave histogram (within ±9.1 %); null without attempts'),
  p95Ms: latency('95th percentile attempt duration in ms, estimated likewise; null without attempts'),
};

export const statsBucketSchema = z.strictObject({ start: isoTime.register(z.globalRegistry, { description: 'Start of the bucket (UTC hour or day)' }), ...outcomes });
export type StatsBucketView = z.infer<typeof statsBucketSchema>;

export const statsSeriesSchema = z.strictObject({
  bucket: z.enum(STATS_BUCKETS),
  since: isoTime.register(z.globalRegistry, { description: 'Start of the first bucket' }),
  until: isoTime.register(z.globalRegistry, { description: 'End of the last bucket' }),
  data: z.array(statsBucketSchema).register(z.globalRegistry, { description: 'Every bucket of the window, oldest first; zeros and nulls where nothing happened' }),
});
export type StatsSeriesView = z.infer<typeof statsSeriesSchema>;

export const endpointTotalsSchema = z.strictObject({
  since: isoTime.register(z.globalRegistry, { description: 'Start of the window (the start of the hour holding `since`)' }),
  until: isoTime.register(z.globalRegistry, { description: 'End of the window (the end of the current hour)' }),
  data: z.array(z.strictObject({ endpointId: z.string(), ...outcomes })).register(z.globalRegistry, { description: 'One entry per endpoint with attempts in the window, by endpoint id' }),
});
export type EndpointTotalsView = z.infer<typeof endpointTotalsSchema>;

const bucketHelp = `hour (default; windows up to ${STATS_MAX_WINDOW.hour.text}) or day (UTC days; up to ${STATS_MAX_WINDOW.day.text})`;

export const getStats = route({
  method: 'GET',
  path: `${T}/stats`,
  tag: 'stats',
  summary: "A tenant's (or one endpoint's) attempts per hour or day, by outcome, with p50 and p95 latency",
  description:
    'Every bucket (UTC hour or day) that overlaps [since, until) is present, oldest first. Counted per attempt, by its outcome; ' +
    'attempts that were not sent (skipped) are not counted. Counts appear within seconds of the attempt.',
  auth: 'tenant',
  params: tenantParams,
  query: z.object({
    since: z.optional(queryTime).register(z.globalRegistry, { description: 'Start of the window (ISO 8601); default until − 24 h (hour) or − 30 days (day)' }),
    until: z.optional(queryTime).register(z.globalRegistry, { description: 'End of the window (ISO 8601); default now' }),
    endpointId: z.optional(endpointIdSchema).register(z.globalRegistry, { description: "Only this endpoint's attempts" }),
    bucket: z.optional(z.enum(STATS_BUCKETS)).register(z.globalRegistry, { description: bucketHelp }),
  }),
  responses: { 200: json('The chart', statsSeriesSchema) },
  errors: ['invalid_query'],
  example: {
    params: { tenantId: 'ten_acme' },
    query: { since: '2026-01-31T10:00:00Z', until: '2026-01-31T12:00:00Z' },
    response: {
      bucket: 'hour',
      since: '2026-01-31T10:00:00.000Z',
      until: '2026-01-31T12:00:00.000Z',
      data: [
        { start: '2026-01-31T10:00:00.000Z', succeeded: 118, failed: 3, exhausted: 0, p50Ms: 98.7, p95Ms: 234.8 },
        { start: '2026-01-31T11:00:00.000Z', succeeded: 0, failed: 0, exhausted: 0, p50Ms: null, p95Ms: null },
      ],
    },
  },
});

export const getEndpointTotals = route({
  method: 'GET',
  path: `${T}/stats/endpoints`,
  tag: 'stats',
  summary: "Every endpoint's attempts since a time (default the last 24 h), for the endpoint list in one request",
  description: `Whole hours: from the start of the hour holding \`since\` to the end of the current hour; \`since\` at most ${ENDPOINT_TOTALS_WINDOW.maxText} ago. Endpoints without attempts in the window are absent.`,
  auth: 'tenant',
  params: tenantParams,
  query: z.object({ since: z.optional(queryTime).register(z.globalRegistry, { description: 'Start of the window (ISO 8601); default 24 h ago' }) }),
  responses: { 200: json("Each endpoint's totals", endpointTotalsSchema) },
  errors: ['invalid_query'],
  example: {
    params: { tenantId: 'ten_acme' },
    response: {
      since: '2026-01-30T12:00:00.000Z',
      until: '2026-01-31T13:00:00.000Z',
      data: [{ endpointId: 'ep_01HZX', succeeded: 1180, failed: 12, exhausted: 1, p50Ms: 98.7, p95Ms: 279.2 }],
    },
  },
});
