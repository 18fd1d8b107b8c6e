import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DeadLetterQueue } from '../../ports.ts';

/** The deliveries DLQ, read for redrive. */
export class SqsDeadLetterQueue implements DeadLetterQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly url: string,
    /** How long received messages stay hidden while a redrive handles them. */
    private readonly visibilitySeconds = 60,
  ) {}

  async depth(): Promise<number> {
    const out = await this.sqs.send(new GetQueueAttributesCommand({ QueueUrl: this.url, AttributeNames: ['ApproximateNumberOfMessages'] }));
    return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
  }

  async receive(max: number): Promise<{ id: string; body: string; handle: string }[]> {
    const out = await this.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: this.url, MaxNumberOfMessages: Math.min(10, Math.max(1, max)), WaitTimeSeconds: 0, VisibilityTimeout: this.visibilitySeconds }),
    );
    return (out.Messages ?? []).map((m) => ({ id: m.MessageId ?? '', body: m.Body ?? '', handle: m.ReceiptHandle ?? '' }));
  }

  async delete(handles: readonly string[]): Promise<void> {
    for (let i = 0; i < handles.length; i += 10) {
      const out = await this.sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: this.url, Entries: handles.slice(i, i + 10).map((h, j) => ({ Id: String(i + j), ReceiptHandle: h })) }),
      );
      // A failed delete only means the message comes back and is moved again (with the same chain): harmless.
      if (out.Failed?.length) throw new Error(`SQS failed to delete ${out.Failed.length} DLQ message(s)`);
    }
  }
}
