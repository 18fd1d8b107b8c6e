/** Jobs queue: fan-out (route one event to many endpoints) and recover steps, a step at a time. */
import middy from '@middy/core';
import type { SQSEvent } from 'aws-lambda';
import { fanoutStep } from '../../lib/app/fanout.ts';
import { processAppDeps, processLogger } from '../../lib/composition/process.ts';
import { jobMessageSchema } from '../../lib/core/model.ts';
import { recoverStep } from '../../lib/app/replay.ts';
import { isBillhookError } from '../../lib/core/errors.ts';
import { processBatch } from '../../lib/sqs-batch.ts';

export const handler = middy(async (event: SQSEvent) => {
  const deps = processAppDeps();
  const log = processLogger();
  return processBatch(event, jobMessageSchema, async (job) => {
    if (job.kind === 'fanout') {
      const r = await fanoutStep(deps, job);
      log.info('fan-out step', { tenantId: job.tenantId, eventId: job.event.id, enqueued: r.enqueued, continued: r.continued });
    } else {
      try {
        const r = await recoverStep(deps, job);
        log.info('recover step', { tenantId: job.tenantId, endpointId: job.endpointId, jobId: job.jobId, ...r });
      } catch (e) {
        // The endpoint was deleted or disabled since the recover began: the job ends here.
        if (isBillhookError(e) && (e.code === 'not_found' || e.code === 'conflict')) {
          log.warn('recover stopped', { tenantId: job.tenantId, endpointId: job.endpointId, jobId: job.jobId, reason: e.message });
          return;
        }
        throw e;
      }
    }
  }, log);
});
