/** Jobs queue: fan-out, recover steps and operational events, a step at a time. */
import middy from '@middy/core';
import type { SQSEvent } from 'aws-lambda';
import { runJob } from '../../lib/app/jobs.ts';
import { processAppDeps, processLogger } from '../../lib/composition/process.ts';
import { jobMessageSchema } from '../../lib/core/model.ts';
import { processBatch } from '../../lib/sqs-batch.ts';

export const handler = middy(async (event: SQSEvent) => {
  const deps = processAppDeps();
  const log = processLogger();
  return processBatch(event, jobMessageSchema, (job) => runJob(deps, job, log), log);
});
