import { elementTexts, memberTexts } from '../core/json-text.ts';
import { eventBatchInputSchema, eventInputSchema, LIMITS, type EventInput, type EventSubmission } from '../core/model.ts';
import { BillhookError } from '../core/errors.ts';
import type { AppDeps } from '../app/deps.ts';
import { ingestBatch, ingestEvent } from '../app/ingest.ts';
import type { TenantExistenceCache } from '../app/tenants.ts';
import { parseBodyText } from './parse.ts';
import { json } from './respond.ts';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Route } from './router.ts';
import type { HttpRequest } from './types.ts';
import { METRICS } from '../metrics.ts';

export type IngestDeps = AppDeps & { tenantCache: TenantExistenceCache };

function idempotencyKeyHeader(req: HttpRequest): string | undefined {
  const key = req.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (key.length === 0 || key.length > LIMITS.idempotencyKeyLength || !/^[\x21-\x7e]+$/.test(key)) {
    throw new BillhookError('validation_failed', 'Idempotency-Key header is invalid', {
      fields: [{ path: 'Idempotency-Key', message: `must be 1 to ${LIMITS.idempotencyKeyLength} printable ASCII characters without spaces` }],
    });
  }
  return key;
}

/** A validated event with its `data` as the text that was sent (from the event object's own minified text). */
function submission(input: EventInput, eventText: string): EventSubmission {
  const { data: _parsed, ...rest } = input;
  return { ...rest, dataJson: memberTexts(eventText).get('data')! };
}

/** The hot-path routes served by the ingest function. */
export function ingestRoutes(deps: () => Promise<IngestDeps>, metrics?: Pick<Metrics, 'addMetric'>): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/tenants/{tenantId}/events',
      summary: 'Send an event to every subscribed endpoint of the tenant',
      success: 202,
      body: eventInputSchema,
      auth: 'tenant',
      async handle({ req, params }) {
        const { input, text } = parseBodyText(req, eventInputSchema);
        const result = await ingestEvent(await deps(), params.tenantId!, submission(input, text), idempotencyKeyHeader(req));
        if (!result.replayed) {
          metrics?.addMetric(METRICS.eventsAccepted, 'Count', 1);
          metrics?.addMetric(METRICS.fanoutSize, 'Count', result.accepted.deliveries);
        }
        return json(202, result.accepted, result.replayed ? { 'idempotent-replayed': 'true' } : {});
      },
    },
    {
      method: 'POST',
      path: '/v1/tenants/{tenantId}/events/batch',
      summary: 'Send up to 100 events at once',
      success: 202,
      body: eventBatchInputSchema,
      auth: 'tenant',
      async handle({ req, params }) {
        const { input, text } = parseBodyText(req, eventBatchInputSchema);
        const eventTexts = elementTexts(memberTexts(text).get('events')!);
        const results = await ingestBatch(await deps(), params.tenantId!, input.events.map((e, i) => submission(e, eventTexts[i]!)));
        const fresh = results.filter((r) => !r.replayed);
        metrics?.addMetric(METRICS.eventsAccepted, 'Count', fresh.length);
        for (const r of fresh) metrics?.addMetric(METRICS.fanoutSize, 'Count', r.accepted.deliveries);
        return json(202, { data: results.map((r) => ({ ...r.accepted, replayed: r.replayed })) });
      },
    },
  ];
}
