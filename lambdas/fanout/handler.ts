/** Jobs queue: fan-out, recover steps and operational events, a step at a time. */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Context, SQSEvent } from 'aws-lambda';
import { runJob } from '../../lib/app/jobs.ts';
import type { Config } from '../../lib/config.ts';
import { createRuntime, fromProcessEnvironment } from '../../lib/composition/process.ts';
import { jobMessageSchema } from '../../lib/core/model.ts';
import { METRICS } from '../../lib/metrics.ts';
import { processBatch } from '../../lib/sqs-batch.ts';

/** The fanout function for one configuration. */
export function createHandler(config: Config) {
  const { obs, appDeps } = createRuntime(config);
  return middy(async (event: SQSEvent, context: Context) => {
    obs.metrics.addMetric(METRICS.jobsReceived, 'Count', event.Records.length);
    return processBatch(event, jobMessageSchema, (job) => runJob(appDeps(), job, obs.log), obs.log, context);
  })
    .use(captureLambdaHandler(obs.tracer, { captureResponse: false }))
    .use(injectLambdaContext(obs.logger))
    .use(logMetrics(obs.metrics, { captureColdStartMetric: true }));
}

export const handler = fromProcessEnvironment(createHandler);
