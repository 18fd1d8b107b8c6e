/**
 * Queues: one SQS queue per QUEUES entry (lib/definitions.ts), dead-letter
 * queues first so the redrive policies can point at them. A builder that
 * adds to the given scope (see storage.ts for why).
 */
import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { QUEUES, type QueueDef, type QueueKey } from '../../definitions.ts';

export interface DeliveryQueuesProps {
  /**
   * The queues to create, by key.
   *
   * @default QUEUES from lib/definitions.ts
   */
  readonly definitions?: Readonly<Record<QueueKey, QueueDef>>;
}

/** Encrypted (SQS-managed), TLS-only queues; FIFO ones in high-throughput mode (deduplication and throughput per message group). */
export function buildQueues(scope: Construct, props: DeliveryQueuesProps = {}): Record<QueueKey, sqs.Queue> {
  const defs = props.definitions ?? QUEUES;
  const queues: Partial<Record<QueueKey, sqs.Queue>> = {};
  const order = (Object.keys(defs) as QueueKey[]).sort((a, b) => Number(defs[a].deadLetterQueue !== undefined) - Number(defs[b].deadLetterQueue !== undefined));
  for (const key of order) {
    const def = defs[key];
    const dlq = def.deadLetterQueue ? queues[def.deadLetterQueue] : undefined;
    if (def.deadLetterQueue && !dlq) throw new Error(`queue ${key}: dead-letter queue ${def.deadLetterQueue} is not defined`);
    queues[key] = new sqs.Queue(scope, def.id, {
      ...(def.fifo ? { fifo: true, deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP, fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID } : {}),
      visibilityTimeout: Duration.seconds(def.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(def.retentionSeconds),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      ...(dlq ? { deadLetterQueue: { queue: dlq, maxReceiveCount: def.maxReceiveCount ?? 5 } } : {}),
    });
  }
  return queues as Record<QueueKey, sqs.Queue>;
}
