/**
 * SQS batch → per-record processing with partial batch responses. Records run
 * concurrently; a record whose processing throws (or whose body is not a
 * valid message) is reported in `batchItemFailures`, so only it returns to
 * the queue, and after maxReceiveCount it reaches the DLQ through the
 * redrive policy.
 */
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { z } from 'zod';
import type { Logger } from './log.ts';

export async function processBatch<S extends z.ZodType>(
  event: SQSEvent,
  schema: S,
  process: (message: z.infer<S>, record: SQSRecord) => Promise<unknown>,
  log: Logger,
): Promise<SQSBatchResponse> {
  const results = await Promise.allSettled(
    event.Records.map(async (record) => {
      let body: unknown;
      try {
        body = JSON.parse(record.body);
      } catch {
        throw new Error('message body is not JSON');
      }
      const parsed = schema.safeParse(body);
      if (!parsed.success) throw new Error(`message is not valid: ${parsed.error.issues.map((i) => i.path.join('.') + ' ' + i.message).join('; ')}`);
      return process(parsed.data, record);
    }),
  );
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  results.forEach((r, i) => {
    if (r.status === 'rejected') {
      const record = event.Records[i]!;
      log.error('message failed; it will be retried by SQS', {
        messageId: record.messageId,
        receiveCount: record.attributes?.ApproximateReceiveCount,
        error: r.reason,
      });
      failures.push({ itemIdentifier: record.messageId });
    }
  });
  return { batchItemFailures: failures };
}
