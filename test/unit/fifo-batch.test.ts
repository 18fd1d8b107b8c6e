import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import * as z from '../../lib/core/zod.ts';
import { processFifoBatch } from '../../lib/sqs-batch.ts';
import { silentLogger } from '../../lib/log.ts';

const schema = z.object({ n: z.number() });

function record(id: string, group: string, body: unknown, receives = 1): SQSRecord {
  return {
    messageId: id,
    receiptHandle: `h-${id}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: { ApproximateReceiveCount: String(receives), SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0', MessageGroupId: group },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q.fifo',
    awsRegion: 'us-east-1',
  } as SQSRecord;
}

describe('processFifoBatch', () => {
  it("handles a group's records in order, groups concurrently, and skips the rest of a group after a hold", async () => {
    // Arrange: group A's second record is held; group B is slow
    const started: string[] = [];
    const holds: [string, number][] = [];
    let releaseB!: () => void;
    const bGate = new Promise<void>((r) => (releaseB = r));
    const event: SQSEvent = { Records: [record('a1', 'A', { n: 1 }), record('b1', 'B', { n: 1 }), record('a2', 'A', { n: 2 }), record('a3', 'A', { n: 3 })] };
    // Act
    const done = processFifoBatch(
      event,
      schema,
      async (m, r) => {
        started.push(r.messageId);
        if (r.messageId === 'b1') await bGate;
        if (r.messageId === 'a2') return { holdSeconds: 7 };
        return undefined;
      },
      silentLogger,
      { hold: async (h, s) => void holds.push([h, s]), release: async () => {} },
    );
    // A runs to its hold while B is still in flight
    await new Promise((r) => setTimeout(r, 10));
    expect(started).toEqual(['a1', 'b1', 'a2']);
    releaseB();
    const result = await done;
    // Assert: a3 was never handled; a2 held for 7 s, a3 released at once (its group is locked by a2)
    expect(started).not.toContain('a3');
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['a2', 'a3']);
    expect(holds).toEqual([
      ['h-a2', 7],
      ['h-a3', 0],
    ]);
  });

  it('backs off a record that threw, and makes an invalid one visible at once so redrive removes it quickly', async () => {
    const holds: [string, number][] = [];
    const event: SQSEvent = { Records: [record('x1', 'X', { n: 1 }, 4), record('y1', 'Y', 'not json'), record('z1', 'Z', { wrong: true })] };
    const result = await processFifoBatch(
      event,
      schema,
      async () => {
        throw new Error('DynamoDB is throttling');
      },
      silentLogger,
      { hold: async (h, s) => void holds.push([h, s]), release: async () => {} },
    );
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['x1', 'y1', 'z1']);
    expect(new Map(holds)).toEqual(
      new Map([
        ['h-x1', 8],
        ['h-y1', 0],
        ['h-z1', 0],
      ]),
    );
  });

  it("deletes the records handled so far once the batch runs long, so a fast lane is not kept locked by a slow one", async () => {
    // Arrange: B is slow; A's two records finish at once
    const released: string[][] = [];
    let releaseB!: () => void;
    const bGate = new Promise<void>((r) => (releaseB = r));
    const event: SQSEvent = { Records: [record('a1', 'A', { n: 1 }), record('b1', 'B', { n: 1 }), record('a2', 'A', { n: 2 })] };
    // Act
    const done = processFifoBatch(
      event,
      schema,
      async (_m, r) => {
        if (r.messageId === 'b1') await bGate;
        return undefined;
      },
      silentLogger,
      { hold: async () => {}, release: async (handles) => void released.push([...handles]) },
      5,
    );
    await new Promise((r) => setTimeout(r, 30));
    // Assert: A's records were deleted while B still ran; B's is deleted by the event source at the end
    expect(released).toEqual([['h-a1', 'h-a2']]);
    releaseB();
    const result = await done;
    expect(released).toEqual([['h-a1', 'h-a2'], ['h-b1']]);
    // Reported, so the event source does not delete them again
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['a1', 'a2', 'b1']);
  });

  it('costs no extra request when the batch ends quickly', async () => {
    const released: string[][] = [];
    const result = await processFifoBatch(
      { Records: [record('a1', 'A', { n: 1 }), record('b1', 'B', { n: 1 })] },
      schema,
      async () => undefined,
      silentLogger,
      { hold: async () => {}, release: async (handles) => void released.push([...handles]) },
      1000,
    );
    expect(released).toEqual([]);
    expect(result.batchItemFailures).toEqual([]);
  });
});
