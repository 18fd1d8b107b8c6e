/**
 * The sender, on two event sources:
 * - the FIFO deliveries queue: POSTs each delivery, signed, and logs the
 *   attempt; a message that must wait (a limit, an ordered retry) is held in
 *   its lane;
 * - the retries queue: due retries and deferrals, forwarded into their lanes.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Context, SQSEvent } from 'aws-lambda';
import { deliver, type DeliveryContext } from '../../lib/app/deliver.ts';
import type { Config } from '../../lib/config.ts';
import { fromProcessEnvironment, observabilityFor, once } from '../../lib/composition/process.ts';
import { buildSenderDeps } from '../../lib/composition/sender.ts';
import { deliveryMessageSchema, type DeliveryMessage } from '../../lib/core/model.ts';
import { METRICS, OUTCOME_METRICS } from '../../lib/metrics.ts';
import { MetricUnit } from '../../lib/observability.ts';
import { processBatch, processFifoBatch } from '../../lib/sqs-batch.ts';


/** The sender for one configuration. */
export function createHandler(config: Config) {
  const obs = observabilityFor(config);
  const senderDeps = once(() => ({
    ...buildSenderDeps(config),
    onAttempt: ({ outcome, durationMs }: { outcome: string; durationMs: number }) => {
      obs.metrics.addMetric(METRICS.attemptLatency, MetricUnit.Milliseconds, durationMs);
      obs.metrics.addMetric(outcome === 'success' ? METRICS.attemptsSucceeded : METRICS.attemptsFailed, MetricUnit.Count, 1);
    },
  }));

  return middy(async (event: SQSEvent, context: Context) => {
    const deps = senderDeps();
    obs.metrics.addMetric(METRICS.messagesReceived, MetricUnit.Count, event.Records.length);
    if (event.Records.length > 0 && event.Records.every((r) => r.attributes?.MessageGroupId === undefined)) {
      // The retries queue: each due message goes into its lane, in one batched send.
      const due: DeliveryMessage[] = [];
      const response = await processBatch(event, deliveryMessageSchema, async (m) => void due.push(m), obs.log, context);
      if (due.length) await deps.queue.enqueue(due, 0);
      obs.metrics.addMetric(METRICS.retriesForwarded, MetricUnit.Count, due.length);
      return response;
    }
    return processFifoBatch(
      event,
      deliveryMessageSchema,
      async (m, record) => {
        const sent = Number(record.attributes?.SentTimestamp);
        if (sent) obs.metrics.addMetric(METRICS.queueLag, MetricUnit.Milliseconds, Math.max(0, Date.now() - sent));
        const ctx: DeliveryContext = { receiveCount: Number(record.attributes?.ApproximateReceiveCount ?? 1), canHold: true };
        const outcome = await deliver(deps, m, ctx);
        const metric = OUTCOME_METRICS[outcome];
        if (metric) obs.metrics.addMetric(metric, MetricUnit.Count, 1);
        obs.log.info('delivery attempt', { tenantId: m.tenantId, eventId: m.event.id, deliveryId: m.deliveryId, endpointId: m.endpointId, attempt: m.attempt, trigger: m.trigger, outcome, ...(ctx.holdSeconds !== undefined ? { holdSeconds: ctx.holdSeconds } : {}) });
        return ctx.holdSeconds === undefined ? undefined : { holdSeconds: ctx.holdSeconds };
      },
      obs.log,
      deps.holds,
    );
  })
    .use(captureLambdaHandler(obs.tracer, { captureResponse: false }))
    .use(injectLambdaContext(obs.logger))
    .use(logMetrics(obs.metrics, { captureColdStartMetric: true }));
}

export const handler = fromProcessEnvironment(createHandler);
