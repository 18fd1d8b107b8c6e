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

/** What a FIFO record's processing asks for: nothing (done, delete it) or to stay held in its lane. */
export type FifoRecordResult = { holdSeconds?: number } | void;

/**
 * A batch from a FIFO queue, the way ordered lanes need it: records of one
 * message group are handled one after another, in order; groups run
 * concurrently (so one slow endpoint's lane never waits for another's).
 * When a record is held or fails, it and every later record of its group
 * are reported in `batchItemFailures` (Lambda's FIFO rule) without being
 * handled, and made visible again at once: the group stays locked by its
 * held head, so nothing overtakes it.
 *
 * A held record becomes visible after its hold. A record whose handling
 * threw comes back after a short backoff (2^(receives-1) s, at most 60 s),
 * and one that is not a valid message at once, so SQS's redrive policy
 * moves a poison message to the DLQ quickly instead of blocking its lane.
 *
 * A batch ends when its slowest lane does, and a lane stays locked until
 * its message is deleted; so once the batch has run for `releaseAfterMs`,
 * the records handled so far (and those handled later) are deleted at once
 * instead of at the end, and their lanes move on while a slow endpoint's
 * request is still open. They are then reported in `batchItemFailures` too,
 * so the event source does not delete them a second time. A batch that ends
 * within `releaseAfterMs`, the usual case, costs no extra request.
 */
export async function processFifoBatch<S extends z.Schema>(
  event: SQSEvent,
  schema: S,
  process: (message: z.output<S>, record: SQSRecord) => Promise<FifoRecordResult>,
  log: Logger,
  holds: { hold(receiptHandle: string, seconds: number): Promise<void>; release(receiptHandles: readonly string[]): Promise<void> },
  releaseAfterMs = 250,
): Promise<SQSBatchResponse> {
  const groups = new Map<string, SQSRecord[]>();
  for (const r of event.Records) {
    const g = r.attributes?.MessageGroupId ?? r.messageId;
    groups.set(g, [...(groups.get(g) ?? []), r]);
  }
  const failures: string[] = [];
  // Records handled but not yet deleted; once the batch has run long, they are deleted as they finish.
  const done: SQSRecord[] = [];
  let early = false;
  let flushing: Promise<void> = Promise.resolve();
  const flush = () => {
    const now = done.splice(0);
    if (now.length === 0) return;
    flushing = flushing.then(async () => {
      try {
        await holds.release(now.map((r) => r.receiptHandle));
        failures.push(...now.map((r) => r.messageId));
      } catch (error) {
        // Left to the event source, which deletes them when the batch ends.
        log.warn('could not delete handled messages early', { count: now.length, error });
      }
    });
  };
  const timer = setTimeout(() => {
    early = true;
    flush();
  }, releaseAfterMs);
  const release = async (r: SQSRecord, seconds: number) => {
    try {
      await holds.hold(r.receiptHandle, seconds);
    } catch (error) {
      // It comes back after the queue's visibility timeout instead.
      log.warn('could not change a message visibility', { messageId: r.messageId, error });
    }
  };
  await Promise.all(
    [...groups.values()].map(async (records) => {
      for (let i = 0; i < records.length; i++) {
        const record = records[i]!;
        let hold: number | undefined;
        try {
          let body: unknown;
          try {
            body = JSON.parse(record.body);
          } catch {
            throw new InvalidMessage('message body is not JSON');
          }
          const parsed = z.safeParse(schema, body);
          if (!parsed.success) throw new InvalidMessage(`message is not valid: ${parsed.error.issues.map((x) => x.path.map(String).join('.') + ' ' + x.message).join('; ')}`);
          const result = await process(parsed.data, record);
          hold = result?.holdSeconds;
        } catch (error) {
          const receives = Number(record.attributes?.ApproximateReceiveCount ?? 1);
          hold = error instanceof InvalidMessage ? 0 : Math.min(60, 2 ** Math.max(0, receives - 1));
          log.error('message failed; it will be retried by SQS', { messageId: record.messageId, receiveCount: receives, error });
        }
        if (hold === undefined) {
          done.push(record);
          if (early) flush();
          continue;
        }
        // This record stays (held, or failed), and so do the later ones of its group, in order.
        await release(record, hold);
        for (const later of records.slice(i + 1)) await release(later, 0);
        failures.push(...records.slice(i).map((r) => r.messageId));
        return;
      }
    }),
  );
  clearTimeout(timer);
  await flushing;
  return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
}

class InvalidMessage extends Error {}
