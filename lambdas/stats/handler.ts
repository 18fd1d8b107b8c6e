/**
 * The stats function, on the logs table's DynamoDB stream: counts each
 * attempt the delivery log records into per-hour counters (lib/app/stats.ts).
 * A batch is counted all or nothing; when it throws, the event source splits
 * it and retries, and after its retries reports it to the stats DLQ.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { logChangeOf } from '../../lib/adapters/dynamodb/log-stream.ts';
import { recordStats } from '../../lib/app/stats.ts';
import type { Config } from '../../lib/config.ts';
import { createRuntime, fromProcessEnvironment, once } from '../../lib/composition/process.ts';
import { buildStatsDeps } from '../../lib/composition/stats.ts';
import { METRICS } from '../../lib/metrics.ts';
import { MetricUnit } from '../../lib/observability.ts';
import { StatsUndoError } from '../../lib/ports.ts';

/**
 * Time kept back from the function's timeout (60 s) to take a failed batch's
 * writes back before Lambda stops it: writes in flight when time runs out
 * may still be in their retries (8 attempts, about 13 s of backoff), and the
 * take-back needs its own.
 */
const UNDO_RESERVE_MS = 25_000;

/** The stats function for one configuration. */
export function createHandler(config: Config) {
  const { obs } = createRuntime(config);
  const deps = once(() => buildStatsDeps(config));

  return middy(async (event: DynamoDBStreamEvent, context: Context) => {
    const changes = event.Records.map(logChangeOf);
    const signal = AbortSignal.timeout(Math.max(1_000, context.getRemainingTimeInMillis() - UNDO_RESERVE_MS));
    try {
      const result = await recordStats(deps(), changes, { signal });
      obs.metrics.addMetric(METRICS.statsAttemptsCounted, MetricUnit.Count, result.attempts);
      obs.metrics.addMetric(METRICS.statsDeltasWritten, MetricUnit.Count, result.deltas);
    } catch (error) {
      if (error instanceof StatsUndoError) obs.metrics.addMetric(METRICS.statsOvercounted, MetricUnit.Count, error.overcounted);
      obs.log.error('stats batch failed; the event source retries it', { records: event.Records.length, error });
      throw error;
    }
  })
    .use(captureLambdaHandler(obs.tracer, { captureResponse: false }))
    .use(injectLambdaContext(obs.logger))
    .use(logMetrics(obs.metrics, { captureColdStartMetric: true }));
}

export const handler = fromProcessEnvironment(createHandler);
