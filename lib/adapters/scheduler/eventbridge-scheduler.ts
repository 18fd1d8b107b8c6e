/**
 * Retries beyond SQS's 900 s: a one-shot EventBridge Scheduler schedule
 * (`at(...)`, deleted after it runs) that sends the message back to the
 * deliveries queue. The schedule name is derived from the delivery and
 * attempt, so a duplicated request creates one schedule. The input is the
 * queue message in the queue encoding: the schedule delivers it as the body.
 */
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { DeliveryMessage } from '../../core/model.ts';
import { encodeQueueMessage } from '../../core/queue-encoding.ts';
import type { Clock, DeliveryQueue, RetryScheduler } from '../../ports.ts';

export interface SchedulerTarget {
  group: string;
  /** Role the scheduler assumes: may only SendMessage to the queue. */
  roleArn: string;
  queueArn: string;
  /**
   * The target's dead-letter queue: a schedule whose send fails for good
   * (queue gone, role denied, retries spent) leaves its message there instead
   * of being dropped. Absent: no DeadLetterConfig.
   */
  deadLetterArn?: string;
}

const MAX_SQS_DELAY = 900;

/** `at(2026-11-23T10:00:01)`: UTC, rounded up to the next whole second, so never early. */
export function atExpression(atIso: string): string {
  const ms = Math.ceil(Date.parse(atIso) / 1000) * 1000;
  return `at(${new Date(ms).toISOString().slice(0, 19)})`;
}

/** Schedule names: ≤ 64 of [0-9a-zA-Z-_.]. */
export const scheduleName = (m: Pick<DeliveryMessage, 'deliveryId' | 'attempt' | 'chain'>): string =>
  `${m.deliveryId}-c${m.chain ?? 0}-a${m.attempt}`.replace(/[^0-9A-Za-z_.-]/g, '_').slice(0, 64);

/**
 * The client, or how to make it: long retries are the cold path, so the
 * sender loads the Scheduler SDK on the first one, not at every cold start.
 */
export type SchedulerClientSource = SchedulerClient | (() => Promise<SchedulerClient>);

export class EventBridgeRetryScheduler implements RetryScheduler {
  private client: Promise<SchedulerClient> | undefined;

  constructor(
    private readonly clientSource: SchedulerClientSource,
    private readonly target: SchedulerTarget,
    private readonly queue: Pick<DeliveryQueue, 'enqueue'>,
    private readonly clock: Clock,
    /** Below this, Scheduler's ~1 min precision is no better than SQS: enqueue directly. */
    private readonly minScheduleSeconds = 60,
  ) {}

  async scheduleAt(message: DeliveryMessage, atIso: string): Promise<void> {
    const inSeconds = Math.ceil((Date.parse(atIso) - this.clock.now()) / 1000);
    if (inSeconds < this.minScheduleSeconds) {
      await this.queue.enqueue([message], Math.min(Math.max(0, inSeconds), MAX_SQS_DELAY));
      return;
    }
    const { ConflictException, CreateScheduleCommand } = await import('@aws-sdk/client-scheduler');
    this.client ??= typeof this.clientSource === 'function' ? this.clientSource() : Promise.resolve(this.clientSource);
    const client = await this.client;
    try {
      await client.send(
        new CreateScheduleCommand({
          Name: scheduleName(message),
          GroupName: this.target.group,
          ScheduleExpression: atExpression(atIso),
          ScheduleExpressionTimezone: 'UTC',
          FlexibleTimeWindow: { Mode: 'OFF' },
          ActionAfterCompletion: 'DELETE',
          Target: {
            Arn: this.target.queueArn,
            RoleArn: this.target.roleArn,
            Input: encodeQueueMessage(message),
            ...(this.target.deadLetterArn ? { DeadLetterConfig: { Arn: this.target.deadLetterArn } } : {}),
          },
        }),
      );
    } catch (e) {
      if (e instanceof ConflictException || (e as { name?: string }).name === 'ConflictException') return; // already scheduled
      throw e;
    }
  }
}
