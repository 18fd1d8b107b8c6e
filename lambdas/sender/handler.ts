/** Deliveries queue consumer: POSTs each delivery, signed, and logs the attempt. */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Context, SQSEvent } from 'aws-lambda';
import { deliver } from '../../lib/app/deliver.ts';
import { once, processConfig, processObservability } from '../../lib/composition/process.ts';
import { buildSenderDeps } from '../../lib/composition/sender.ts';
import { deliveryMessageSchema } from '../../lib/core/model.ts';
import { MetricUnit } from '../../lib/observability.ts';
import { processBatch } from '../../lib/sqs-batch.ts';

const obs = processObservability();
const senderDeps = once(() => ({
  ...buildSenderDeps(processConfig()),
  onAttempt: ({ outcome, durationMs }: { outcome: string; durationMs: number }) => {
    obs.metrics.addMetric('AttemptLatency', MetricUnit.Milliseconds, durationMs);
    obs.metrics.addMetric(outcome === 'success' ? 'AttemptsSucceeded' : 'AttemptsFailed', MetricUnit.Count, 1);
  },
}));

const OUTCOME_METRIC: Record<string, string> = { succeeded: 'DeliveriesSucceeded', failed: 'DeliveriesFailed', exhausted: 'DeliveriesExhausted', deferred: 'DeliveriesDeferred', skipped: 'DeliveriesSkipped' };

export const handler = middy(async (event: SQSEvent, context: Context) => {
  const deps = senderDeps();
  obs.metrics.addMetric('MessagesReceived', MetricUnit.Count, event.Records.length);
  return processBatch(
    event,
    deliveryMessageSchema,
    async (m, record) => {
      const sent = Number(record.attributes?.SentTimestamp);
      if (sent) obs.metrics.addMetric('QueueLag', MetricUnit.Milliseconds, Math.max(0, Date.now() - sent));
      const outcome = await deliver(deps, m);
      const metric = OUTCOME_METRIC[outcome];
      if (metric) obs.metrics.addMetric(metric, MetricUnit.Count, 1);
      obs.log.info('delivery attempt', { tenantId: m.tenantId, eventId: m.event.id, deliveryId: m.deliveryId, endpointId: m.endpointId, attempt: m.attempt, trigger: m.trigger, outcome });
    },
    obs.log,
    context,
  );
})
  .use(captureLambdaHandler(obs.tracer, { captureResponse: false }))
  .use(injectLambdaContext(obs.logger))
  .use(logMetrics(obs.metrics, { captureColdStartMetric: true }));
