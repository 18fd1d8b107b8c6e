import { ChangeMessageVisibilityCommand, DeleteMessageBatchCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient, type SendMessageBatchRequestEntry, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { deduplicationId, MAX_HOLD_SECONDS } from '../../core/lanes.ts';
import { attemptKeyOf, type DeliveryMessage, type JobMessage } from '../../core/model.ts';
import { encodeQueueMessage, queueSafeText } from '../../core/queue-encoding.ts';
import type { DeliveryQueue, MessageHolds } from '../../ports.ts';
import { instrumentClient } from '../aws-instrumentation.ts';

/** SQS allows 10 entries and 1 MiB per SendMessageBatch; stay under both. */
const MAX_BATCH_ENTRIES = 10;
const MAX_BATCH_BYTES = 900 * 1024;
const MAX_DELAY_SECONDS = 900;
/** Entries SQS rejects as throttled or internal are resent this many times. */
const RESEND_ROUNDS = 3;
/** Batches sent at once: enough to hide latency, few enough not to be throttled. */
const PARALLEL_BATCHES = 8;

export function sqsClient(options: { region: string; endpoint?: string; credentials?: SQSClientConfig['credentials'] }): SQSClient {
  return instrumentClient(
    new SQSClient({ region: options.region, ...(options.endpoint ? { endpoint: options.endpoint } : {}), ...(options.credentials ? { credentials: options.credentials } : {}), maxAttempts: 3 }),
  );
}

/** The FIFO group of a message; one from before lanes existed gets its endpoint's first shard. */
export const groupOf = (m: DeliveryMessage): string => m.group ?? `${m.endpointId}.s0`;

/**
 * Deliveries go into the FIFO deliveries queue, in their lane (message
 * group), deduplicated by delivery, attempt and hop; anything with a delay
 * goes to the standard retries queue, whose consumer forwards it into its
 * lane when due.
 */
export class SqsDeliveryQueue implements DeliveryQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly urls: { deliveries: string; retries: string; deadLetter: string; fanout: string },
  ) {}

  async enqueue(messages: readonly DeliveryMessage[], delaySeconds = 0): Promise<void> {
    const delay = Math.min(Math.max(0, Math.round(delaySeconds)), MAX_DELAY_SECONDS);
    const attributes = (m: DeliveryMessage) => ({
      tenantId: { DataType: 'String', StringValue: m.tenantId },
      deliveryId: { DataType: 'String', StringValue: m.deliveryId },
    });
    if (delay > 0) {
      const entries = messages.map((m, i) => ({ Id: String(i), MessageBody: encodeQueueMessage(m), DelaySeconds: delay, MessageAttributes: attributes(m) }));
      await this.sendAll(this.urls.retries, entries, false);
      return;
    }
    const entries = messages.map((m, i) => ({
      Id: String(i),
      MessageBody: encodeQueueMessage(m),
      MessageGroupId: groupOf(m),
      MessageDeduplicationId: deduplicationId(m, attemptKeyOf(m)),
      MessageAttributes: attributes(m),
    }));
    await this.sendAll(this.urls.deliveries, entries, true);
  }

  async enqueueJob(message: JobMessage, delaySeconds = 0): Promise<void> {
    const delay = Math.min(Math.max(0, Math.round(delaySeconds)), MAX_DELAY_SECONDS);
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.urls.fanout, MessageBody: encodeQueueMessage(message), DelaySeconds: delay }));
  }

  async sendToDeadLetter(message: DeliveryMessage, reason: string): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.urls.deadLetter,
        MessageBody: encodeQueueMessage(message),
        // FIFO dead-letter queue: an endpoint's exhausted deliveries in order; a repeated send of one exhaustion is dropped.
        MessageGroupId: message.endpointId,
        MessageDeduplicationId: deduplicationId(message, `dlq.${message.chain ?? 0}`),
        MessageAttributes: {
          reason: { DataType: 'String', StringValue: queueSafeText(reason.slice(0, 1000)) || 'exhausted' },
          tenantId: { DataType: 'String', StringValue: message.tenantId },
          deliveryId: { DataType: 'String', StringValue: message.deliveryId },
        },
      }),
    );
  }

  /**
   * Send every entry, in parallel batches; resend entries SQS failed; throw
   * if any remain unsent. On the FIFO queue a group whose messages span
   * several batches is sent one batch after another, so the group keeps the
   * order of `entries` (SQS orders a group by arrival).
   */
  private async sendAll(queueUrl: string, entries: SendMessageBatchRequestEntry[], fifo: boolean): Promise<void> {
    let pending = entries;
    for (let round = 0; round < RESEND_ROUNDS && pending.length > 0; round++) {
      const batches = chunk(pending);
      const failed: SendMessageBatchRequestEntry[] = [];
      let fatal: string | undefined;
      const parallel = fifo && spansBatches(batches) ? 1 : PARALLEL_BATCHES;
      for (let i = 0; i < batches.length; i += parallel) {
        await Promise.all(
          batches.slice(i, i + parallel).map(async (batch) => {
            const out = await this.sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch }));
            for (const f of out.Failed ?? []) {
              const entry = batch.find((e) => e.Id === f.Id);
              if (!entry) continue;
              if (f.SenderFault) fatal = `${f.Code}: ${f.Message}`;
              else failed.push(entry);
            }
          }),
        );
      }
      if (fatal) throw new Error(`SQS rejected a message: ${fatal}`);
      pending = failed;
    }
    if (pending.length > 0) throw new Error(`SQS failed to accept ${pending.length} message(s) after ${RESEND_ROUNDS} rounds`);
  }
}

/** True when some message group has entries in more than one batch. */
function spansBatches(batches: SendMessageBatchRequestEntry[][]): boolean {
  const seen = new Map<string, number>();
  for (let i = 0; i < batches.length; i++) {
    for (const e of batches[i]!) {
      const g = e.MessageGroupId ?? '';
      const at = seen.get(g);
      if (at !== undefined && at !== i) return true;
      seen.set(g, i);
    }
  }
  return false;
}

/** Holds a received deliveries message in its lane: ChangeMessageVisibility. */
export class SqsMessageHolds implements MessageHolds {
  constructor(
    private readonly sqs: SQSClient,
    private readonly url: string,
  ) {}

  async hold(receiptHandle: string, seconds: number): Promise<void> {
    const VisibilityTimeout = Math.min(MAX_HOLD_SECONDS, Math.max(0, Math.ceil(seconds)));
    await this.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.url, ReceiptHandle: receiptHandle, VisibilityTimeout }));
  }

  async release(receiptHandles: readonly string[]): Promise<void> {
    for (let i = 0; i < receiptHandles.length; i += MAX_BATCH_ENTRIES) {
      const out = await this.sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: this.url, Entries: receiptHandles.slice(i, i + MAX_BATCH_ENTRIES).map((h, j) => ({ Id: String(i + j), ReceiptHandle: h })) }),
      );
      if (out.Failed?.length) throw new Error(`SQS failed to delete ${out.Failed.length} handled message(s): ${out.Failed[0]!.Code}`);
    }
  }
}

function chunk(entries: SendMessageBatchRequestEntry[]): SendMessageBatchRequestEntry[][] {
  const out: SendMessageBatchRequestEntry[][] = [];
  let current: SendMessageBatchRequestEntry[] = [];
  let bytes = 0;
  for (const e of entries) {
    const size = Buffer.byteLength(e.MessageBody ?? '') + 200;
    if (current.length === MAX_BATCH_ENTRIES || (current.length > 0 && bytes + size > MAX_BATCH_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(e);
    bytes += size;
  }
  if (current.length) out.push(current);
  return out;
}
