import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetterQueue } from '../../ports.ts';

/**
 * The deliveries dead letters, read for redrive: the FIFO deliveries DLQ
 * (exhausted deliveries, and messages SQS redrove after too many receives)
 * and the retries queue's DLQ (due messages that could not be forwarded),
 * read as one.
 */
export class SqsDeadLetterQueue implements DeadLetterQueue {
  private readonly urls: readonly string[];

  constructor(
    private readonly sqs: SQSClient,
    urls: string | readonly string[],
    /** How long received messages stay hidden while a redrive handles them. */
    private readonly visibilitySeconds = 60,
  ) {
    this.urls = typeof urls === 'string' ? [urls] : urls;
  }

  async depth(): Promise<number> {
    const depths = await Promise.all(
      this.urls.map(async (url) => {
        const out = await this.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }));
        return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
      }),
    );
    return depths.reduce((a, b) => a + b, 0);
  }

  async receive(max: number): Promise<{ id: string; body: string; handle: string }[]> {
    for (let i = 0; i < this.urls.length; i++) {
      const out = await this.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: this.urls[i], MaxNumberOfMessages: Math.min(10, Math.max(1, max)), WaitTimeSeconds: 0, VisibilityTimeout: this.visibilitySeconds }),
      );
      const got = (out.Messages ?? []).map((m) => ({ id: m.MessageId ?? '', body: m.Body ?? '', handle: `${i}|${m.ReceiptHandle ?? ''}` }));
      if (got.length) return got;
    }
    return [];
  }

  async delete(handles: readonly string[]): Promise<void> {
    const byQueue = new Map<number, string[]>();
    for (const h of handles) {
      const cut = h.indexOf('|');
      const i = Number(h.slice(0, cut));
      byQueue.set(i, [...(byQueue.get(i) ?? []), h.slice(cut + 1)]);
    }
    for (const [q, list] of byQueue) {
      for (let i = 0; i < list.length; i += 10) {
        const out = await this.sqs.send(
          new DeleteMessageBatchCommand({ QueueUrl: this.urls[q], Entries: list.slice(i, i + 10).map((h, j) => ({ Id: String(i + j), ReceiptHandle: h })) }),
        );
        // A failed delete only means the message comes back and is moved again (with the same chain): harmless.
        if (out.Failed?.length) throw new Error(`SQS failed to delete ${out.Failed.length} DLQ message(s)`);
      }
    }
  }
}
