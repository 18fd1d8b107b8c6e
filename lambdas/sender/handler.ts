/** Deliveries queue consumer: POSTs each delivery, signed, and logs the attempt. */
import middy from '@middy/core';
import type { SQSEvent } from 'aws-lambda';
import { deliver } from '../../lib/app/deliver.ts';
import { processLogger, processSenderDeps } from '../../lib/composition.ts';
import { deliveryMessageSchema } from '../../lib/core/model.ts';
import { processBatch } from '../../lib/sqs-batch.ts';

export const handler = middy(async (event: SQSEvent) => {
  const deps = processSenderDeps();
  const log = processLogger();
  return processBatch(event, deliveryMessageSchema, async (m) => {
    const outcome = await deliver(deps, m);
    log.info('delivery attempt', { tenantId: m.tenantId, eventId: m.event.id, deliveryId: m.deliveryId, endpointId: m.endpointId, attempt: m.attempt, outcome });
  }, log);
});
