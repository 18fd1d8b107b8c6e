import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DescribeTableCommand, DescribeTimeToLiveCommand, GetItemCommand, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TABLES } from '../../lib/definitions.ts';
import { ensureTables, startDynamoLocal, type DynamoLocal, type EnsureTablesResult } from '../../lib/local/dynamodb.ts';
import { occupyPort } from './helpers.ts';

describe('DynamoDB Local boot (in memory)', () => {
  let ddb: DynamoLocal;
  let first: EnsureTablesResult;

  beforeAll(async () => {
    ddb = await startDynamoLocal();
    first = await ensureTables(ddb.client);
  });
  afterAll(async () => {
    await ddb?.stop();
  });

  it('creates every table of TABLES', async () => {
    const { TableNames } = await ddb.client.send(new ListTablesCommand({}));

    const expected = Object.values(TABLES).map((t) => t.localName).sort();
    expect(first.created).toEqual(expected);
    expect([...(TableNames ?? [])].sort()).toEqual(expected);
  });

  it.each(Object.entries(TABLES))('%s has its keys, indexes (with their projections), on-demand billing and TTL', async (_, def) => {
    const { Table } = await ddb.client.send(new DescribeTableCommand({ TableName: def.localName }));
    const ttl = await ddb.client.send(new DescribeTimeToLiveCommand({ TableName: def.localName }));

    const keys = (schema: { AttributeName?: string; KeyType?: string }[] | undefined) => (schema ?? []).map((k) => `${k.KeyType}:${k.AttributeName}`);
    expect(keys(Table?.KeySchema)).toEqual([`HASH:${def.partitionKey.name}`, ...('sortKey' in def ? [`RANGE:${def.sortKey.name}`] : [])]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    const indexes = Object.fromEntries(
      (Table?.GlobalSecondaryIndexes ?? []).map((i) => [i.IndexName, { keys: keys(i.KeySchema), projection: i.Projection?.ProjectionType, include: i.Projection?.NonKeyAttributes }]),
    );
    expect(indexes).toEqual(
      Object.fromEntries(
        def.indexes.map((i) => {
          const include = (i as { include?: readonly string[] }).include;
          return [i.indexName, { keys: [`HASH:${i.partitionKey.name}`, ...('sortKey' in i ? [`RANGE:${i.sortKey.name}`] : [])], projection: include ? 'INCLUDE' : 'ALL', include: include ? [...include] : undefined }];
        }),
      ),
    );
    const attrTypes = Object.fromEntries((Table?.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]));
    for (const k of [def.partitionKey, ...def.indexes.map((i) => i.partitionKey)]) expect(attrTypes[k.name]).toBe(k.type);
    if ('ttlAttribute' in def) {
      expect(ttl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: def.ttlAttribute });
    } else {
      expect(ttl.TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED');
    }
  });

  it('is idempotent: a second run creates nothing and fails on nothing', async () => {
    const again = await ensureTables(ddb.client);

    expect(again).toEqual({ created: [], indexesAdded: [], streamsEnabled: [], streams: first.streams });
  });

  it('streams the tables whose definition asks for a stream, with its view type', async () => {
    const streamed = Object.values(TABLES).filter((t) => 'stream' in t);
    expect(streamed.map((t) => t.localName)).toEqual([TABLES.logs.localName]);
    const { Table } = await ddb.client.send(new DescribeTableCommand({ TableName: TABLES.logs.localName }));
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(first.streams).toEqual({ [TABLES.logs.localName]: Table?.LatestStreamArn });
  });

  it('turns the stream on for a table made before its definition had one (a data folder from before)', async () => {
    const base = { id: 'T', localName: 'unstreamed', envVar: 'UNUSED', partitionKey: { name: 'pk', type: 'S' as const }, indexes: [] };
    await ensureTables(ddb.client, { t: base });
    const result = await ensureTables(ddb.client, { t: { ...base, stream: 'NEW_AND_OLD_IMAGES' as const } });
    const { Table } = await ddb.client.send(new DescribeTableCommand({ TableName: 'unstreamed' }));
    expect(result.streamsEnabled).toEqual(['unstreamed']);
    expect(Table?.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect((await ensureTables(ddb.client, { t: { ...base, stream: 'NEW_AND_OLD_IMAGES' as const } })).streamsEnabled).toEqual([]);
  });

  it('adds an index a definition gained to a table that already exists', async () => {
    const base = { id: 'T', localName: 'grows', envVar: 'UNUSED', partitionKey: { name: 'pk', type: 'S' as const }, indexes: [] };
    await ensureTables(ddb.client, { grows: base });

    const result = await ensureTables(ddb.client, { grows: { ...base, indexes: [{ indexName: 'byN', partitionKey: { name: 'n', type: 'N' as const } }] } });
    const { Table } = await ddb.client.send(new DescribeTableCommand({ TableName: 'grows' }));

    expect(result).toEqual({ created: [], indexesAdded: ['grows/byN'], streamsEnabled: [], streams: {} });
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['byN']);
  });
});

describe('DynamoDB Local lifecycle', () => {
  it('keeps data across a restart when given a folder, and stop() ends the process', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'billhook-ddb-'));
    try {
      const first = await startDynamoLocal({ dbPath: path.join(dir, 'dynamodb') });
      await ensureTables(first.client);
      await first.client.send(new PutItemCommand({ TableName: TABLES.events.localName, Item: { tenantId: { S: 'ten_1' }, id: { S: 'evt_1' }, n: { N: '42' } } }));
      await first.stop();
      await first.stop();
      expect(first.child.exitCode !== null || first.child.signalCode !== null).toBe(true);

      const second = await startDynamoLocal({ dbPath: path.join(dir, 'dynamodb') });
      try {
        const created = await ensureTables(second.client);
        const { Item } = await second.client.send(new GetItemCommand({ TableName: TABLES.events.localName, Key: { tenantId: { S: 'ten_1' }, id: { S: 'evt_1' } } }));

        expect(created.created).toEqual([]);
        expect(Item?.n?.N).toBe('42');
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('does not take another DynamoDB Local that answers on its port for itself', async () => {
    // Arrange: the port is held by a running DynamoDB Local, which answers ListTables at once.
    const first = await startDynamoLocal();
    try {
      // Act: a second one is asked to start on that port: its own process cannot bind.
      const err = await startDynamoLocal({ port: first.port, startTimeoutMs: 20_000 }).then(
        (second) => second.stop().then(() => undefined),
        (e: Error) => e,
      );
      // Assert: refused with the reason, instead of handing out a client to the other instance's tables.
      expect(err?.message).toMatch(new RegExp(`DynamoDB Local exited during startup .*port ${first.port}`));
    } finally {
      await first.stop();
    }
  });

  it('fails with the child output when DynamoDB Local cannot start (port taken)', async () => {
    const taken = await occupyPort();
    try {
      const err = await startDynamoLocal({ port: taken.port, startTimeoutMs: 20_000 }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(new RegExp(`DynamoDB Local (exited during startup|did not answer) .*port ${taken.port}`));
      expect(err?.message).toMatch(/output ended with:[\s\S]*(Address already in use|BindException|port)/i);
    } finally {
      await taken.close();
    }
  });
});
