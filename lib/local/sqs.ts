/**
 * The SQS emulator (fauxqs, in-process, messages in memory) and Billhook's
 * queues in it, created from the same QUEUES definition the CDK stack uses.
 */
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { QUEUES, type QueueDef, type QueueKey } from '../definitions.ts';
import { instrumentClient } from '../adapters/aws-instrumentation.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './dynamodb.ts';

export interface SqsLocalOptions<K extends string = QueueKey> {
  /** Port to listen on; 0 or absent picks a free one. */
  port?: number;
  /** Queues to create (default: QUEUES). */
  queues?: Record<K, QueueDef>;
  log?: (line: string) => void;
}

export interface SqsLocal<K extends string = QueueKey> {
  readonly endpoint: string;
  readonly port: number;
  readonly client: SQSClient;
  readonly queueUrls: Record<K, string>;
  readonly queueArns: Record<K, string>;
  /** Milliseconds to start the emulator (queue creation excluded). */
  readonly bootMs: number;
  /** Stop the emulator. Messages are lost: the emulator keeps them in memory only. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * An SQS client for the emulator. The explicit endpoint matters: without it
 * the SDK routes each call by the host in its queue URL. Instrumented like
 * the handlers' clients: the pollers' ReceiveMessage and DeleteMessageBatch
 * stand in for Lambda's event source mapping, whose requests AWS bills too.
 */
export function localSqsClient(endpoint: string): SQSClient {
  return instrumentClient(new SQSClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }));
}

/** Start fauxqs and create the queues, DLQs first so redrive policies can name their ARN. */
export async function startSqsLocal<K extends string = QueueKey>(options: SqsLocalOptions<K> = {}): Promise<SqsLocal<K>> {
  const started = performance.now();
  // fauxqs is ESM-only and pulls in fastify: load it only when local mode runs.
  const { startFauxqs } = await import('fauxqs');
  const server = await startFauxqs({ port: options.port ?? 0, logger: false });
  const bootMs = Math.round(performance.now() - started);
  // fauxqs listens on every interface; talk to it over loopback.
  const endpoint = `http://127.0.0.1:${server.port}`;
  const client = localSqsClient(endpoint);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= server.stop().finally(() => client.destroy());
    return stopped;
  };

  try {
    const queues = (options.queues ?? QUEUES) as Record<K, QueueDef>;
    const { urls, arns } = await createQueues(client, queues);
    options.log?.(`sqs emulator: ${endpoint} (${Object.keys(urls).length} queues, in memory), up in ${bootMs} ms`);
    return { endpoint, port: server.port, client, queueUrls: urls, queueArns: arns, bootMs, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Create each queue with its visibility timeout, retention and redrive
 * policy. CreateQueue is idempotent for identical attributes.
 */
export async function createQueues<K extends string>(
  client: SQSClient,
  queues: Record<K, QueueDef>,
): Promise<{ urls: Record<K, string>; arns: Record<K, string> }> {
  const urls = {} as Record<K, string>;
  const arns = {} as Record<K, string>;
  const keys = Object.keys(queues) as K[];
  const create = async (key: K) => {
    const def = queues[key];
    const Attributes: Record<string, string> = {
      VisibilityTimeout: String(def.visibilityTimeoutSeconds),
      MessageRetentionPeriod: String(def.retentionSeconds),
      // As the stack creates them: high-throughput FIFO (deduplication and throughput per message group).
      ...(def.fifo ? { FifoQueue: 'true', DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' } : {}),
    };
    if (def.deadLetterQueue) {
      const dlqArn = arns[def.deadLetterQueue as K];
      if (!dlqArn) throw new Error(`queue ${key}: dead-letter queue ${def.deadLetterQueue} is not defined`);
      Attributes.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: def.maxReceiveCount ?? 5 });
    }
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: def.localName, Attributes }));
    if (!QueueUrl) throw new Error(`queue ${key}: CreateQueue returned no URL`);
    const { Attributes: attrs } = await client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    const arn = attrs?.QueueArn;
    if (!arn) throw new Error(`queue ${key}: GetQueueAttributes returned no QueueArn`);
    urls[key] = QueueUrl;
    arns[key] = arn;
  };
  const dlqs = new Set(keys.map((k) => queues[k].deadLetterQueue).filter((k): k is QueueKey => k !== undefined));
  await Promise.all(keys.filter((k) => dlqs.has(k as QueueKey)).map(create));
  await Promise.all(keys.filter((k) => !dlqs.has(k as QueueKey)).map(create));
  return { urls, arns };
}
