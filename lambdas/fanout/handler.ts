/** Fan-out jobs: route one event to a large set of endpoints, a step at a time. */
import middy from '@middy/core';
import type { SQSEvent } from 'aws-lambda';
import { fanoutStep } from '../../lib/app/fanout.ts';
import { processAppDeps, processLogger } from '../../lib/composition/process.ts';
import { fanoutMessageSchema } from '../../lib/core/model.ts';
import { processBatch } from '../../lib/sqs-batch.ts';

export const handler = middy(async (event: SQSEvent) => {
  const deps = processAppDeps();
  const log = processLogger();
  return processBatch(event, fanoutMessageSchema, async (job) => {
    const r = await fanoutStep(deps, job);
    log.info('fan-out step', { tenantId: job.tenantId, eventId: job.event.id, enqueued: r.enqueued, continued: r.continued });
  }, log);
});
