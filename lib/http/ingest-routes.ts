import { elementTexts, memberTexts } from '../core/json-text.ts';
import { LIMITS, type EventInput, type EventSubmission } from '../core/model.ts';
import { createEvent, createEventBatch } from '../contract/events.ts';
import { BillhookError } from '../core/errors.ts';
import type { AppDeps } from '../app/deps.ts';
import { ingestBatch, ingestEvent } from '../app/ingest.ts';
import type { TenantExistenceCache } from '../app/tenants.ts';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { implement, type Route } from './router.ts';
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
    implement(createEvent, async ({ req, params, body, bodyText, setHeaders }) => {
      const result = await ingestEvent(await deps(), params.tenantId, submission(body, bodyText), idempotencyKeyHeader(req));
      if (!result.replayed) {
        metrics?.addMetric(METRICS.eventsAccepted, 'Count', 1);
        metrics?.addMetric(METRICS.fanoutSize, 'Count', result.accepted.deliveries);
      }
      if (result.replayed) setHeaders({ 'idempotent-replayed': 'true' });
      return result.accepted;
    }),
    implement(createEventBatch, async ({ params, body, bodyText }) => {
      const eventTexts = elementTexts(memberTexts(bodyText).get('events')!);
      const results = await ingestBatch(await deps(), params.tenantId, body.events.map((e, i) => submission(e, eventTexts[i]!)));
      const fresh = results.filter((r) => !r.replayed);
      metrics?.addMetric(METRICS.eventsAccepted, 'Count', fresh.length);
      for (const r of fresh) metrics?.addMetric(METRICS.fanoutSize, 'Count', r.accepted.deliveries);
      return { data: results.map((r) => ({ ...r.accepted, replayed: r.replayed })) };
    }),
  ];
}
