/**
 * The stats function with DynamoDB mocked (aws-sdk-client-mock): what it
 * writes for a batch of the logs table's stream records, what it ignores,
 * and what it does when a write fails.
 */
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHandler } from '../../lambdas/stats/handler.ts';
import { DynamoStatsStore } from '../../lib/adapters/dynamodb/stats-store.ts';
import { DEFAULT_CONFIG, type Config } from '../../lib/config.ts';
import { STATS_RETENTION_EXTRA_DAYS } from '../../lib/core/stats.ts';
import { StatsUndoError } from '../../lib/ports.ts';

const ddb = mockClient(DynamoDBDocumentClient);
const context = { awsRequestId: 'req-1', functionName: 'billhook-stats', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
const config: Config = { ...DEFAULT_CONFIG, tables: { ...DEFAULT_CONFIG.tables, stats: 'stats-table' } };

interface Attempt {
  at: string;
  durationMs: number;
  statusCode?: number;
}
const attempt = (at: string, durationMs: number, statusCode?: number): Attempt => ({ at, durationMs, ...(statusCode === undefined ? {} : { statusCode }) });

/** A delivery-log item as the stream carries it (marshalled), with 4 KB response excerpts. */
function item(id: string, endpointId: string, status: string, attempts: Attempt[]) {
  return {
    id: { S: id },
    tenantId: { S: 'ten_acme' },
    endpointId: { S: endpointId },
    eventId: { S: 'evt_1' },
    status: { S: status },
    attemptCount: { N: String(attempts.length) },
    attemptKeys: { SS: attempts.map((_, i) => `s0.${i + 1}`) },
    attempts: {
      L: attempts.map((a) => ({
        M: { at: { S: a.at }, trigger: { S: 'scheduled' }, durationMs: { N: String(a.durationMs) }, ...(a.statusCode ? { statusCode: { N: String(a.statusCode) } } : {}), responseBody: { S: 'r'.repeat(4096) } },
      })),
    },
  };
}

let seq = 100;
function record(eventName: 'INSERT' | 'MODIFY' | 'REMOVE', images: { old?: ReturnType<typeof item>; new?: ReturnType<typeof item> }): DynamoDBRecord {
  return {
    eventID: `e${seq}`,
    eventName,
    eventSource: 'aws:dynamodb',
    eventSourceARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/logs/stream/2026-01-31T00:00:00.000',
    dynamodb: { SequenceNumber: String(++seq), StreamViewType: 'NEW_AND_OLD_IMAGES', Keys: { id: (images.new ?? images.old)!.id }, ...(images.new ? { NewImage: images.new } : {}), ...(images.old ? { OldImage: images.old } : {}) },
  } as DynamoDBRecord;
}

const a1 = attempt('2026-01-31T12:00:01.000Z', 100, 503);
const a2 = attempt('2026-01-31T12:00:07.000Z', 100, 200);

/** The batch the tests feed: two attempts to ep_1 (a failure, then its successful retry), one to ep_2, and what adds nothing. */
const batch = (): DynamoDBStreamEvent => ({
  Records: [
    record('INSERT', { new: item('dlv_1', 'ep_1', 'failed', [a1]) }),
    record('INSERT', { new: item('dlv_2', 'ep_2', 'exhausted', [attempt('2026-01-31T12:30:00.000Z', 2, 410)]) }),
    record('INSERT', { new: item('dlv_3', 'ep_1', 'pending', []) }),
    record('MODIFY', { old: item('dlv_1', 'ep_1', 'failed', [a1]), new: item('dlv_1', 'ep_1', 'succeeded', [a1, a2]) }),
    record('INSERT', { new: item('dlv_4', 'ep_3', 'skipped', [attempt('2026-01-31T12:00:00.000Z', 0)]) }),
    record('REMOVE', { old: item('dlv_9', 'ep_1', 'succeeded', [a2]) }),
  ],
});

describe('stats handler', () => {
  beforeEach(() => {
    ddb.reset();
    ddb.on(UpdateCommand).resolves({});
  });
  afterEach(() => vi.restoreAllMocks());

  it('writes one ADD per counter item: the tenant hour once, each endpoint hour and its totals item', async () => {
    // Act
    await createHandler(config)(batch(), context);
    // Assert
    const calls = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => `${(c.Key as { pk: string }).pk} ${(c.Key as { sk: string }).sk}`).sort()).toEqual(
      ['T#ten_acme H#2026-01-31T12', 'E#ten_acme#ep_1 H#2026-01-31T12', 'L#ten_acme H#2026-01-31T12#ep_1', 'E#ten_acme#ep_2 H#2026-01-31T12', 'L#ten_acme H#2026-01-31T12#ep_2'].sort(),
    );
    for (const c of calls) {
      expect(c.TableName).toBe('stats-table');
      expect(c.UpdateExpression).toMatch(/^ADD .* SET expiresAt = if_not_exists\(expiresAt, :exp\)$/);
      expect(c.ConditionExpression).toBeUndefined();
      // Kept a week beyond the log.
      expect(c.ExpressionAttributeValues![':exp']).toBe(Date.parse('2026-01-31T12:00:00Z') / 1000 + (DEFAULT_CONFIG.logRetentionDays + STATS_RETENTION_EXTRA_DAYS) * 86400);
    }
    const byKey = Object.fromEntries(calls.map((c) => [`${(c.Key as { pk: string }).pk}`, c.ExpressionAttributeValues]));
    // ep_1: the 503 (a retry follows) and the 200, both in bin 27 (100 ms).
    expect(byKey['E#ten_acme#ep_1']).toMatchObject({ ':s': 1, ':f': 1, ':h27': 2 });
    expect(byKey['E#ten_acme#ep_1']).not.toHaveProperty(':x');
    expect(byKey['E#ten_acme#ep_2']).toMatchObject({ ':x': 1, ':h5': 1 });
    expect(byKey['T#ten_acme']).toMatchObject({ ':s': 1, ':f': 1, ':x': 1, ':h27': 2, ':h5': 1 });
  });

  it('writes nothing for a batch that adds no attempt', async () => {
    await createHandler(config)({ Records: batch().Records.slice(2, 3).concat(batch().Records.slice(4)) }, context);
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('takes back what it wrote and throws when a write fails, so the retried batch counts each attempt once', async () => {
    // Arrange: the ep_2 totals item cannot be written
    ddb.on(UpdateCommand, { Key: { pk: 'L#ten_acme', sk: 'H#2026-01-31T12#ep_2' } }).rejects(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }));
    vi.spyOn(console, 'error').mockImplementation(() => {});
    // Act
    await expect(createHandler(config)(batch(), context)).rejects.toThrow('throttled');
    // Assert: every ADD that went through was followed by its negation
    const sums = new Map<string, number>();
    for (const c of ddb.commandCalls(UpdateCommand)) {
      const input = c.args[0].input;
      const key = `${(input.Key as { pk: string }).pk} ${(input.Key as { sk: string }).sk}`;
      if (key === 'L#ten_acme H#2026-01-31T12#ep_2') continue;
      const values = input.ExpressionAttributeValues as Record<string, number>;
      sums.set(key, (sums.get(key) ?? 0) + Object.entries(values).filter(([k]) => k !== ':exp').reduce((n, [, v]) => n + v, 0));
    }
    expect(sums.size).toBe(4);
    expect([...sums.values()]).toEqual([0, 0, 0, 0]);
  });
});

describe('DynamoStatsStore take-back', () => {
  it('says how many attempts may be counted twice when it cannot take a write back', async () => {
    // Arrange: a client whose every write to ep_2's items fails, undo included
    const sent: string[] = [];
    const db = {
      send: async (cmd: UpdateCommand) => {
        const key = cmd.input.Key as { pk: string; sk: string };
        sent.push(key.pk);
        if (key.sk.endsWith('#ep_2')) throw new Error('refused');
        if (sent.filter((p) => p === 'T#ten_acme').length > 1) throw new Error('undo refused');
      },
    } as unknown as DynamoDBDocumentClient;
    const store = new DynamoStatsStore(db, 'stats', 37, 1);
    const delta = (endpointId: string, n: number) => ({ tenantId: 'ten_acme', endpointId, hour: '2026-01-31T12', counts: { succeeded: n, failed: 0, exhausted: 0, bins: { 3: n } } });
    // Act
    const err = await store.add([delta('ep_1', 2), delta('ep_2', 3)]).catch((e: unknown) => e);
    // Assert: the tenant item (5 attempts) could not be taken back
    expect(err).toBeInstanceOf(StatsUndoError);
    expect((err as StatsUndoError).overcounted).toBe(5);
  });
});
