/**
 * SQS batch → per-record processing with partial batch responses, on the
 * Powertools batch processor. Records run concurrently; a record whose body
 * is not a valid message, or whose processing throws, is reported in
 * `batchItemFailures`, so only it returns to the queue, and after
 * maxReceiveCount it reaches the DLQ through the redrive policy.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { decodeQueueMessage } from './core/queue-encoding.ts';
import * as z from './core/zod.ts';
import type { Logger } from './log.ts';

export async function processBatch<S extends z.Schema>(
  event: SQSEvent,
  schema: S,
  process: (message: z.output<S>, record: SQSRecord) => Promise<unknown>,
  log: Logger,
  context?: Context,
): Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  return processPartialResponse(
    event,
    async (record: SQSRecord) => {
      try {
        let body: unknown;
        try {
          body = decodeQueueMessage(record.body);
        } catch {
          throw new Error('message body is not JSON');
        }
        const parsed = z.safeParse(schema, body);
        if (!parsed.success) throw new Error(`message is not valid: ${parsed.error.issues.map((i) => i.path.map(String).join('.') + ' ' + i.message).join('; ')}`);
        return await process(parsed.data, record);
      } catch (error) {
        log.error('message failed; it will be retried by SQS', {
          messageId: record.messageId,
          receiveCount: record.attributes?.ApproximateReceiveCount,
          error,
        });
        throw error;
      }
    },
    processor,
    // A batch where every record failed is still a partial response: SQS retries each record.
    { throwOnFullBatchFailure: false, ...(context ? { context } : {}) },
  );
}
