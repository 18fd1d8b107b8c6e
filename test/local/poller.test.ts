import { createHash } from 'node:crypto';
import { GetQueueAttributesCommand, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { QueueDef } from '../../lib/definitions.ts';
import { recordsToDelete, startPoller, toSqsEvent, type SqsHandler, type SqsPoller } from '../../lib/local/poller.ts';
import { createQueues, startSqsLocal, type SqsLocal } from '../../lib/local/sqs.ts';
import { deferred, until } from './helpers.ts';

describe('SQS poller (against fauxqs)', () => {
  let sqs: SqsLocal;
  const pollers: SqsPoller[] = [];
  const errors: string[] = [];
  let n = 0;

  beforeAll(async () => {
    sqs = await startSqsLocal();
  });
  afterAll(async () => {
    await sqs?.stop();
  });
  afterEach(async () => {
    await Promise.all(pollers.splice(0).map((p) => p.stop()));
    errors.length = 0;
  });

  /** A fresh queue (with a DLQ) per test, with a one-second visibility timeout so redelivery is quick. */
  async function queue(maxReceiveCount = 5) {
    const name = `test-${process.pid}-${++n}`;
    const def = (localName: string, extra: Partial<QueueDef> = {}): QueueDef => ({ id: localName, localName, envVar: 'UNUSED', visibilityTimeoutSeconds: 1, retentionSeconds: 3600, ...extra });
    const { urls, arns } = await createQueues(sqs.client, {
      deliveries: def(name, { maxReceiveCount, deadLetterQueue: 'deliveriesDlq' }),
      deliveriesDlq: def(`${name}-dlq`),
    });
    return { url: urls.deliveries, arn: arns.deliveries, dlqUrl: urls.deliveriesDlq };
  }

  async function counts(url: string) {
    const { Attributes: a } = await sqs.client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] }),
    );
    return { visible: Number(a?.ApproximateNumberOfMessages), inFlight: Number(a?.ApproximateNumberOfMessagesNotVisible) };
  }

  async function send(url: string, bodies: string[]) {
    const out = await sqs.client.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: bodies.map((MessageBody, i) => ({ Id: String(i), MessageBody })) }));
    expect(out.Failed ?? []).toEqual([]);
    return out.Successful!.sort((a, b) => Number(a.Id) - Number(b.Id)).map((s) => s.MessageId!);
  }

  function poll(q: { url: string; arn: string }, handler: SqsHandler, extra: { batchSize?: number; concurrency?: number } = {}) {
    const p = startPoller({ name: 'sender', client: sqs.client, queueUrl: q.url, queueArn: q.arn, handler, batchSize: extra.batchSize ?? 10, concurrency: extra.concurrency ?? 1, waitTimeSeconds: 1, logError: (l) => errors.push(l) });
    pollers.push(p);
    return p;
  }

  it('deletes the records not reported in batchItemFailures; the reported one comes back after the visibility timeout', async () => {
    // Arrange
    const q = await queue();
    const ids = await send(q.url, ['m0', 'm1', 'm2', 'm3', 'm4']);
    const failing = ids[2]!;
    const seen: SQSRecord[] = [];
    let failedOnce = false;

    // Act
    const poller = poll(q, async (event) => {
      seen.push(...event.Records);
      if (!failedOnce && event.Records.some((r) => r.messageId === failing)) {
        failedOnce = true;
        return { batchItemFailures: [{ itemIdentifier: failing }] };
      }
      return { batchItemFailures: [] };
    });
    await until('the first batch to be settled', () => poller.stats.deleted === 4);
    const afterFirstBatch = await counts(q.url);
    await until('the failed message to come back', () => seen.filter((r) => r.messageId === failing).length === 2);
    await until('the queue to be empty', async () => {
      const c = await counts(q.url);
      return c.visible === 0 && c.inFlight === 0;
    });

    // Assert
    expect(afterFirstBatch).toEqual({ visible: 0, inFlight: 1 });
    for (const id of ids.filter((id) => id !== failing)) expect(seen.filter((r) => r.messageId === id)).toHaveLength(1);
    const redelivered = seen.filter((r) => r.messageId === failing);
    expect(redelivered.map((r) => r.attributes.ApproximateReceiveCount)).toEqual(['1', '2']);
    expect(redelivered[1]!.body).toBe('m2');
    expect(poller.stats).toMatchObject({ received: 6, deleted: 5, failed: 1, handlerErrors: 0 });
  });

  it('deletes nothing when the handler throws: the whole batch is redelivered', async () => {
    const q = await queue();
    const ids = await send(q.url, ['a', 'b', 'c']);
    const receipts = new Map<string, string[]>();
    let calls = 0;

    const poller = poll(q, async (event) => {
      for (const r of event.Records) receipts.set(r.messageId, [...(receipts.get(r.messageId) ?? []), r.attributes.ApproximateReceiveCount]);
      if (++calls === 1) throw new Error('handler exploded');
      return undefined; // void: every record succeeded
    });
    await until('every message to be seen twice', () => ids.every((id) => receipts.get(id)?.length === 2));
    await until('the queue to be empty', async () => (await counts(q.url)).inFlight === 0);

    for (const id of ids) expect(receipts.get(id)).toEqual(['1', '2']);
    expect(poller.stats.handlerErrors).toBe(1);
    expect(errors.join('\n')).toContain('handler exploded');
  });

  it('treats an unknown itemIdentifier as a failure of the whole batch, as Lambda does', async () => {
    const q = await queue();
    await send(q.url, ['x', 'y']);
    let calls = 0;

    const poller = poll(q, async () => (++calls === 1 ? { batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] } : { batchItemFailures: [] }));
    await until('a second round', () => poller.stats.deleted === 2);

    expect(poller.stats.received).toBe(4);
    expect(errors.join('\n')).toContain('not-in-batch');
  });

  it('moves a message that keeps failing to the DLQ after maxReceiveCount', async () => {
    const q = await queue(2);
    await send(q.url, ['doomed']);
    let receives = 0;

    poll(q, async (event) => {
      receives += event.Records.length;
      return { batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) };
    });
    await until('the message in the DLQ', async () => (await counts(q.dlqUrl)).visible === 1);

    expect(receives).toBe(2);
    expect(await counts(q.url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('builds a Lambda-shaped SQSEvent', async () => {
    const q = await queue();
    const body = '{"deliveryId":"dlv_1"}';
    await sqs.client.send(
      new SendMessageCommand({
        QueueUrl: q.url,
        MessageBody: body,
        MessageAttributes: {
          tenant: { DataType: 'String', StringValue: 'ten_1' },
          blob: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]) },
        },
      }),
    );
    const got = deferred<SQSEvent>();

    poll(q, async (event) => {
      got.resolve(event);
    });
    const event = await got.promise;

    expect(event.Records).toHaveLength(1);
    const r = event.Records[0]!;
    expect(r).toMatchObject({
      body,
      eventSource: 'aws:sqs',
      eventSourceARN: q.arn,
      awsRegion: 'us-east-1',
      md5OfBody: createHash('md5').update(body).digest('hex'),
      messageAttributes: {
        tenant: { stringValue: 'ten_1', stringListValues: [], binaryListValues: [], dataType: 'String' },
        blob: { binaryValue: Buffer.from([1, 2, 3]).toString('base64'), stringListValues: [], binaryListValues: [], dataType: 'Binary' },
      },
    });
    expect(r.messageId).toMatch(/\S/);
    expect(r.receiptHandle).toMatch(/\S/);
    expect(r.attributes.ApproximateReceiveCount).toBe('1');
    expect(Number(r.attributes.SentTimestamp)).toBeGreaterThan(Date.now() - 60_000);
    expect(Number(r.attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(Number(r.attributes.SentTimestamp));
    expect(r.attributes.SenderId).toMatch(/\S/);
    expect(q.arn).toMatch(/^arn:aws:sqs:us-east-1:\d+:test-/);
  });

  it('respects batchSize and hands batches to several loops at once', async () => {
    const q = await queue();
    await send(q.url, ['1', '2', '3', '4']);
    const release = deferred();
    let concurrent = 0;
    let maxConcurrent = 0;
    const sizes: number[] = [];

    const poller = poll(
      q,
      async (event) => {
        sizes.push(event.Records.length);
        maxConcurrent = Math.max(maxConcurrent, ++concurrent);
        await release.promise;
        concurrent--;
      },
      { batchSize: 1, concurrency: 4 },
    );
    await until('four batches in flight at once', () => maxConcurrent === 4);
    release.resolve();
    await until('all deleted', () => poller.stats.deleted === 4);

    expect(sizes).toEqual([1, 1, 1, 1]);
  });

  it('stop() waits for the batch in flight, deletes it, then stops polling', async () => {
    const q = await queue();
    await send(q.url, ['slow']);
    const entered = deferred();
    const release = deferred();
    const poller = poll(q, async () => {
      entered.resolve();
      await release.promise;
    });
    await entered.promise;

    let stopped = false;
    const stopping = poller.stop().then(() => (stopped = true));
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r)); // a stop() that did not wait would have resolved by now
    const stoppedEarly = stopped;
    release.resolve();
    await stopping;
    await poller.stop();
    await send(q.url, ['after stop']);

    expect(stoppedEarly).toBe(false);
    expect(poller.stats.deleted).toBe(1);
    expect(await counts(q.url)).toEqual({ visible: 1, inFlight: 0 });
  });

  it('backs off after a failed ReceiveMessage instead of spinning', async () => {
    const started = Date.now();
    const p = startPoller({
      name: 'sender',
      client: sqs.client,
      queueUrl: `${sqs.endpoint}/000000000000/does-not-exist`,
      queueArn: 'arn:aws:sqs:us-east-1:000000000000:does-not-exist',
      handler: async () => {},
      batchSize: 10,
      backoffMs: { initial: 100, max: 1000 },
      logError: (l) => errors.push(l),
    });
    pollers.push(p);

    await until('three receive errors', () => p.stats.receiveErrors >= 3);
    const elapsed = Date.now() - started;

    // Pauses of 100 then 200 ms separate the first three errors.
    expect(elapsed).toBeGreaterThanOrEqual(300);
    expect(p.stats.receiveErrors).toBeLessThan(6);
    expect(errors[0]).toContain('ReceiveMessage failed');
  });
});

describe('recordsToDelete', () => {
  const event = toSqsEvent(
    [
      { MessageId: 'a', ReceiptHandle: 'ra', Body: '1' },
      { MessageId: 'b', ReceiptHandle: 'rb', Body: '2' },
    ],
    'arn:aws:sqs:us-east-1:000000000000:q',
  );
  const ids = (r: ReturnType<typeof recordsToDelete>) => ('invalid' in r ? r : { remove: r.remove.map((x) => x.messageId), keep: r.keep.map((x) => x.messageId) });

  it.each([
    ['void', undefined, { remove: ['a', 'b'], keep: [] }],
    ['no failures', { batchItemFailures: [] }, { remove: ['a', 'b'], keep: [] }],
    ['one failure', { batchItemFailures: [{ itemIdentifier: 'b' }] }, { remove: ['a'], keep: ['b'] }],
    ['all failed', { batchItemFailures: [{ itemIdentifier: 'a' }, { itemIdentifier: 'b' }] }, { remove: [], keep: ['a', 'b'] }],
  ])('%s', (_, result, expected) => {
    expect(ids(recordsToDelete(event, result))).toEqual(expected);
  });

  it.each([
    ['unknown id', { batchItemFailures: [{ itemIdentifier: 'zzz' }] }],
    ['empty id', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['not a list', { batchItemFailures: 'a' }],
    ['a string result', 'ok'],
  ])('rejects %s', (_, result) => {
    expect(recordsToDelete(event, result)).toHaveProperty('invalid');
  });
});
