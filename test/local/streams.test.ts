import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DeleteItemCommand, PutItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TableDef } from '../../lib/definitions.ts';
import { ensureTables, LOCAL_CREDENTIALS, startDynamoLocal, type DynamoLocal } from '../../lib/local/dynamodb.ts';
import { fileCheckpoints, memoryCheckpoints, startStreamPoller, type StreamFailure, type StreamHandler, type StreamPoller, type StreamPollerOptions } from '../../lib/local/streams.ts';
import { until } from './helpers.ts';

const streamsClient = (endpoint: string) => new DynamoDBStreamsClient({ endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
const def = (localName: string): TableDef => ({ id: localName, localName, envVar: 'UNUSED', partitionKey: { name: 'id', type: 'S' }, indexes: [], stream: 'NEW_AND_OLD_IMAGES' });
const put = (client: DynamoDBClient, table: string, id: string) => client.send(new PutItemCommand({ TableName: table, Item: { id: { S: id }, n: { N: '1' } } }));
const ids = (records: DynamoDBRecord[]) => records.map((r) => `${r.eventName}:${r.dynamodb?.Keys?.id?.S}`);

describe('DynamoDB stream poller (against DynamoDB Local)', () => {
  let ddb: DynamoLocal;
  const pollers: StreamPoller[] = [];
  const errors: string[] = [];
  let n = 0;

  beforeAll(async () => {
    ddb = await startDynamoLocal();
  }, 60_000);
  afterAll(async () => {
    await ddb?.stop();
  });
  afterEach(async () => {
    await Promise.all(pollers.splice(0).map((p) => p.stop()));
    errors.length = 0;
  });

  async function table() {
    const name = `streamed-${++n}`;
    const { streams } = await ensureTables(ddb.client, { t: def(name) });
    return { name, arn: streams[name]! };
  }

  function poll(arn: string, handler: StreamHandler, extra: Partial<StreamPollerOptions> = {}) {
    const p = startStreamPoller({
      name: 'test',
      client: streamsClient(ddb.endpoint),
      streamArn: arn,
      handler,
      batchSize: 100,
      pollMs: 20,
      retryAttempts: 2,
      timeoutSeconds: 5,
      checkpoints: memoryCheckpoints(),
      backoffMs: { initial: 10, max: 20 },
      logError: (line) => errors.push(line),
      ...extra,
    });
    pollers.push(p);
    return p;
  }

  it('hands every change over once, in order, as Lambda events with old and new images, and drains', async () => {
    // Arrange
    const t = await table();
    const seen: DynamoDBRecord[] = [];
    const p = poll(t.arn, async (event) => void seen.push(...event.Records));
    // Writes to another table move DynamoDB Local's sequence numbers on while the shard is still empty.
    const other = await table();
    await put(ddb.client, other.name, 'x');
    // Act
    await put(ddb.client, t.name, 'a');
    await ddb.client.send(new UpdateItemCommand({ TableName: t.name, Key: { id: { S: 'a' } }, UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': { N: '1' } } }));
    await put(ddb.client, t.name, 'b');
    await p.drain(10_000);
    // Assert
    expect(ids(seen)).toEqual(['INSERT:a', 'MODIFY:a', 'INSERT:b']);
    expect(seen[1]).toMatchObject({ eventSource: 'aws:dynamodb', eventSourceARN: t.arn, dynamodb: { OldImage: { n: { N: '1' } }, NewImage: { n: { N: '2' } }, StreamViewType: 'NEW_AND_OLD_IMAGES' } });
    expect(typeof seen[0]!.dynamodb!.ApproximateCreationDateTime).toBe('number');
    const seqs = seen.map((r) => BigInt(r.dynamodb!.SequenceNumber!));
    expect([...seqs].sort((a, b) => (a < b ? -1 : 1))).toEqual(seqs);
    expect(errors).toEqual([]);
  });

  it('filters out the event names it is not asked for, as Lambda event filtering does', async () => {
    const t = await table();
    const seen: DynamoDBRecord[] = [];
    const p = poll(t.arn, async (event) => void seen.push(...event.Records), { eventNames: ['INSERT', 'MODIFY'] });
    await put(ddb.client, t.name, 'a');
    await ddb.client.send(new DeleteItemCommand({ TableName: t.name, Key: { id: { S: 'a' } } }));
    await put(ddb.client, t.name, 'b');
    await p.drain(10_000);
    expect(ids(seen)).toEqual(['INSERT:a', 'INSERT:b']);
    expect(p.stats.filtered).toBe(1);
  });

  it('retries a failing batch split in two, then reports what still fails to the on-failure destination and moves on', async () => {
    // Arrange: record "poison" always fails its batch
    const t = await table();
    const handled: string[] = [];
    const failures: StreamFailure[] = [];
    const handler: StreamHandler = async (event) => {
      if (event.Records.some((r) => r.dynamodb?.Keys?.id?.S === 'poison')) throw new Error('cannot count this');
      handled.push(...ids(event.Records));
    };
    // Everything is written before the poller starts, so it is read as one batch.
    for (const id of ['a', 'poison', 'b', 'c']) await put(ddb.client, t.name, id);
    const p = poll(t.arn, handler, { onFailure: async (f) => void failures.push(f) });
    // Act
    await until('the poison record reported', () => failures.length === 1);
    await put(ddb.client, t.name, 'after');
    await p.drain(10_000);
    // Assert: bisected down to the poison record, which alone is given up
    expect(handled).toEqual(['INSERT:a', 'INSERT:b', 'INSERT:c', 'INSERT:after']);
    expect(failures[0]!.DDBStreamBatchInfo).toMatchObject({ streamArn: t.arn, batchSize: 1 });
    expect(failures[0]!.requestContext.condition).toBe('RetryAttemptsExhausted');
    expect(p.stats.failedRecords).toBe(1);
    expect(errors.some((e) => e.includes('cannot count this'))).toBe(true);
  });

  it('retries from the first record a partial batch response names', async () => {
    const t = await table();
    const calls: string[][] = [];
    let failOnce = true;
    // Written before the poller starts, so they are read as one batch.
    for (const id of ['a', 'b', 'c']) await put(ddb.client, t.name, id);
    const p = poll(t.arn, async (event) => {
      calls.push(ids(event.Records));
      const b = event.Records.find((r) => r.dynamodb?.Keys?.id?.S === 'b');
      if (failOnce && b) {
        failOnce = false;
        return { batchItemFailures: [{ itemIdentifier: b.dynamodb!.SequenceNumber! }] };
      }
    });
    await until('b handed over again', () => calls.length >= 2 && calls.at(-1)?.[0] === 'INSERT:b');
    await p.drain(10_000);
    expect(calls.flat().filter((x) => x === 'INSERT:a')).toHaveLength(1);
    expect(calls.at(-1)).toEqual(['INSERT:b', 'INSERT:c']);
  });

  it('holds records up to its batching window to fill a batch', async () => {
    const t = await table();
    const batches: string[][] = [];
    const p = poll(t.arn, async (event) => void batches.push(ids(event.Records)), { batchWindowMs: 60_000, batchSize: 3 });
    for (const id of ['a', 'b', 'c', 'd']) await put(ddb.client, t.name, id);
    await until('a full batch', () => batches.length === 1);
    expect(batches).toEqual([['INSERT:a', 'INSERT:b', 'INSERT:c']]);
    // Draining hands over what the window still holds.
    await p.drain(10_000);
    expect(batches).toEqual([['INSERT:a', 'INSERT:b', 'INSERT:c'], ['INSERT:d']]);
  });
});

describe('DynamoDB stream poller across a restart (data folder)', () => {
  it('resumes after the last record it handed over: nothing twice, nothing lost', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'billhook-streams-'));
    const file = path.join(dir, 'stream-checkpoints.json');
    const seen: string[] = [];
    const run = async (write: { before?: (ddb: DynamoLocal) => Promise<void>; during?: (ddb: DynamoLocal) => Promise<void> }) => {
      const ddb = await startDynamoLocal({ dbPath: path.join(dir, 'dynamodb') });
      try {
        const { streams } = await ensureTables(ddb.client, { t: def('restarted') });
        await write.before?.(ddb);
        const p = startStreamPoller({
          name: 'test',
          client: streamsClient(ddb.endpoint),
          streamArn: streams.restarted!,
          handler: async (event) => void seen.push(...ids(event.Records)),
          batchSize: 100,
          pollMs: 20,
          retryAttempts: 0,
          timeoutSeconds: 5,
          checkpoints: fileCheckpoints(file),
        });
        await write.during?.(ddb);
        await p.drain(10_000);
        await p.stop();
      } finally {
        await ddb.stop();
      }
    };
    try {
      await run({ during: async (ddb) => void (await put(ddb.client, 'restarted', 'a')) });
      // Written after a restart, before the poller is up, and while it runs.
      await run({ before: async (ddb) => void (await put(ddb.client, 'restarted', 'b')), during: async (ddb) => void (await put(ddb.client, 'restarted', 'c')) });
      await run({});
      expect(seen).toEqual(['INSERT:a', 'INSERT:b', 'INSERT:c']);
      expect(Object.values(JSON.parse(await readFile(file, 'utf8')) as Record<string, Record<string, string>>)).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
