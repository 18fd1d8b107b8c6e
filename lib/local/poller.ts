/**
 * What Lambda's SQS event source mapping does, done locally: long-poll a
 * queue, hand each batch to the consumer function as an `SQSEvent`, and
 * delete the messages it did not report in `batchItemFailures`. Reported
 * (or all, if the function throws) messages stay in the queue and come back
 * after the visibility timeout, so maxReceiveCount and the DLQ work as on AWS.
 */
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { LOCAL_REGION } from './dynamodb.ts';
import { createLambdaContext, withTimeout } from './lambda-context.ts';
import { delay } from './net.ts';

/** An SQS-triggered Lambda handler that may report partial batch failures. */
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void | undefined | null>;

export interface PollerOptions {
  /** Consumer name (`sender`, `fanout`): names the function in logs and the Lambda context. */
  name: string;
  /** A client built with an explicit emulator endpoint. */
  client: SQSClient;
  queueUrl: string;
  queueArn: string;
  handler: SqsHandler;
  /** Messages per batch, 1–10. */
  batchSize: number;
  /** Polling loops, each handling one batch at a time (Lambda's concurrency). Default 1. */
  concurrency?: number;
  /** Long-poll wait. Also bounds how long stop() waits for an idle loop. Default 1 s. */
  waitTimeSeconds?: number;
  /** The function timeout: a batch still running after it counts as failed. Default 30 s. */
  timeoutSeconds?: number;
  region?: string;
  /** First and largest pause after a failed ReceiveMessage. Default 200 ms and 5 s. */
  backoffMs?: { initial: number; max: number };
  log?: (line: string) => void;
  /** Handler and queue failures. Default: console.error. */
  logError?: (line: string) => void;
}

export interface PollerStats {
  batches: number;
  received: number;
  deleted: number;
  /** Messages left in the queue because the handler reported them or failed. */
  failed: number;
  handlerErrors: number;
  receiveErrors: number;
}

export interface SqsPoller {
  readonly name: string;
  readonly stats: Readonly<PollerStats>;
  /** Stop polling, let in-flight batches finish (and their deletes), then resolve. Safe to call twice. */
  stop(): Promise<void>;
}

/** Convert a ReceiveMessage message attribute to the shape Lambda puts in an SQSRecord. */
function toRecordAttribute(value: MessageAttributeValue): SQSMessageAttributes[string] {
  const b64 = (v: Uint8Array) => Buffer.from(v).toString('base64');
  return {
    ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
    ...(value.BinaryValue !== undefined ? { binaryValue: b64(value.BinaryValue) } : {}),
    stringListValues: value.StringListValues ?? [],
    binaryListValues: (value.BinaryListValues ?? []).map(b64),
    dataType: value.DataType ?? 'String',
  };
}

/**
 * Build the event Lambda would pass for these messages (received with
 * MessageSystemAttributeNames and MessageAttributeNames `All`).
 */
export function toSqsEvent(messages: Message[], queueArn: string, region = LOCAL_REGION): SQSEvent {
  const Records = messages.map((m): SQSRecord => {
    const a = m.Attributes ?? {};
    const { ApproximateReceiveCount, SentTimestamp, SenderId, ApproximateFirstReceiveTimestamp, ...rest } = a;
    const messageAttributes: SQSMessageAttributes = {};
    for (const [name, value] of Object.entries(m.MessageAttributes ?? {})) messageAttributes[name] = toRecordAttribute(value);
    return {
      messageId: m.MessageId ?? '',
      receiptHandle: m.ReceiptHandle ?? '',
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: ApproximateReceiveCount ?? '1',
        SentTimestamp: SentTimestamp ?? String(Date.now()),
        SenderId: SenderId ?? '000000000000',
        ApproximateFirstReceiveTimestamp: ApproximateFirstReceiveTimestamp ?? String(Date.now()),
        ...rest,
      },
      messageAttributes,
      md5OfBody: m.MD5OfBody ?? '',
      ...(m.MD5OfMessageAttributes ? { md5OfMessageAttributes: m.MD5OfMessageAttributes } : {}),
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: region,
    };
  });
  return { Records };
}

/**
 * Which records to delete after the handler returned `result`, by Lambda's
 * rules: no result or no failures → all; the listed message ids stay; an
 * identifier that is empty or not in the batch fails the whole batch.
 */
export function recordsToDelete(event: SQSEvent, result: unknown): { remove: SQSRecord[]; keep: SQSRecord[] } | { invalid: string } {
  if (result === undefined || result === null) return { remove: event.Records, keep: [] };
  if (typeof result !== 'object') return { invalid: `unexpected result ${JSON.stringify(result)}` };
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { remove: event.Records, keep: [] };
  if (!Array.isArray(failures)) return { invalid: 'batchItemFailures is not a list' };
  const ids = new Set(event.Records.map((r) => r.messageId));
  const failed = new Set<string>();
  for (const f of failures as unknown[]) {
    const id = (f as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || !ids.has(id)) return { invalid: `batchItemFailures names ${JSON.stringify(id)}, which is not in the batch` };
    failed.add(id);
  }
  return {
    remove: event.Records.filter((r) => !failed.has(r.messageId)),
    keep: event.Records.filter((r) => failed.has(r.messageId)),
  };
}

/**
 * Start `concurrency` polling loops on one queue.
 *
 * @example
 * const poller = startPoller({ name: 'sender', client, queueUrl, queueArn, handler, batchSize: 10, concurrency: 4 });
 * // ...
 * await poller.stop(); // waits for the batches in flight
 */
export function startPoller(options: PollerOptions): SqsPoller {
  const { name, client, queueUrl, queueArn, handler } = options;
  const batchSize = Math.min(10, Math.max(1, options.batchSize));
  const waitTimeSeconds = options.waitTimeSeconds ?? 1;
  const timeoutSeconds = options.timeoutSeconds ?? 30;
  const region = options.region ?? LOCAL_REGION;
  const backoff = options.backoffMs ?? { initial: 200, max: 5000 };
  const logError = options.logError ?? ((line: string) => console.error(line));
  const stats: PollerStats = { batches: 0, received: 0, deleted: 0, failed: 0, handlerErrors: 0, receiveErrors: 0 };
  const stopping = new AbortController();

  async function handleBatch(messages: Message[]): Promise<void> {
    stats.batches++;
    stats.received += messages.length;
    const event = toSqsEvent(messages, queueArn, region);
    const context = createLambdaContext({ name, timeoutSeconds, region });
    let result: unknown;
    try {
      result = await withTimeout(name, timeoutSeconds, () => handler(event, context));
    } catch (err) {
      stats.handlerErrors++;
      stats.failed += messages.length;
      logError(`poller ${name}: handler failed on a batch of ${messages.length}; they return after the visibility timeout: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return;
    }
    const decision = recordsToDelete(event, result);
    if ('invalid' in decision) {
      stats.handlerErrors++;
      stats.failed += messages.length;
      logError(`poller ${name}: invalid partial batch response (${decision.invalid}); the whole batch counts as failed`);
      return;
    }
    stats.failed += decision.keep.length;
    if (decision.remove.length === 0) return;
    try {
      const out = await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: decision.remove.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
        }),
      );
      stats.deleted += out.Successful?.length ?? 0;
      for (const f of out.Failed ?? []) logError(`poller ${name}: could not delete a message (${f.Code}: ${f.Message}); it will be delivered again`);
    } catch (err) {
      logError(`poller ${name}: DeleteMessageBatch failed; those messages will be delivered again: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  async function loop(): Promise<void> {
    let pause = backoff.initial;
    while (!stopping.signal.aborted) {
      let messages: Message[];
      try {
        const out = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: batchSize,
            WaitTimeSeconds: waitTimeSeconds,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
        );
        messages = out.Messages ?? [];
        pause = backoff.initial;
      } catch (err) {
        if (stopping.signal.aborted) break;
        stats.receiveErrors++;
        logError(`poller ${name}: ReceiveMessage failed, retrying in ${pause} ms: ${err instanceof Error ? err.message : String(err)}`);
        await delay(pause, stopping.signal);
        pause = Math.min(backoff.max, pause * 2);
        continue;
      }
      // Messages received while stopping are already invisible to others: handle them rather than strand them.
      if (messages.length > 0) await handleBatch(messages);
    }
  }

  const loops = Array.from({ length: Math.max(1, options.concurrency ?? 1) }, () => loop());
  options.log?.(`poller ${name}: ${loops.length} loop(s) on ${queueUrl}, batches of ${batchSize}`);
  let stopped: Promise<void> | undefined;
  return {
    name,
    get stats() {
      return { ...stats };
    },
    stop() {
      stopped ??= (async () => {
        stopping.abort();
        await Promise.allSettled(loops);
      })();
      return stopped;
    },
  };
}
