import type { DeliveryMessage } from '../../core/model.ts';
import type { DeliveryQueue, RetryScheduler } from '../../ports.ts';

/**
 * A RetryScheduler with no scheduler service: the message carries
 * `notBefore` and hops through the queue (≤ 900 s at a time) until it is due;
 * the sender re-enqueues a message that arrives early. Costs one SQS round
 * trip per 15 minutes of delay; the fallback where EventBridge Scheduler is
 * not configured.
 */
export class QueueHopScheduler implements RetryScheduler {
  constructor(
    private readonly queue: Pick<DeliveryQueue, 'enqueue'>,
    private readonly now: () => number,
    private readonly maxDelaySeconds: number,
  ) {}

  async scheduleAt(message: DeliveryMessage, atIso: string): Promise<void> {
    const remaining = Math.max(0, Math.ceil((Date.parse(atIso) - this.now()) / 1000));
    await this.queue.enqueue([{ ...message, notBefore: atIso }], Math.min(remaining, this.maxDelaySeconds));
  }
}
