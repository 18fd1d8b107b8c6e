/** Deliveries queue consumer: POSTs each delivery, signed, and logs the attempt. */
import middy from '@middy/core';
import type { SQSEvent } from 'aws-lambda';
import { deliver } from '../../lib/app/deliver.ts';
import { once, processConfig, processLogger } from '../../lib/composition/process.ts';
import { buildSenderDeps } from '../../lib/composition/sender.ts';
import { deliveryMessageSchema } from '../../lib/core/model.ts';
import { processBatch } from '../../lib/sqs-batch.ts';

const senderDeps = once(() => buildSenderDeps(processConfig()));

export const handler = middy(async (event: SQSEvent) => {
  const deps = senderDeps();
  const log = processLogger();
  return processBatch(event, deliveryMessageSchema, async (m) => {
    const outcome = await deliver(deps, m);
    log.info('delivery attempt', { tenantId: m.tenantId, eventId: m.event.id, deliveryId: m.deliveryId, endpointId: m.endpointId, attempt: m.attempt, outcome });
  }, log);
});
