import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { addCounts, attemptsOf, emptyCounts, hourStart, negateCounts, type StatsCounts, type StatsDelta } from '../../core/stats.ts';
import { StatsUndoError, type HourCounts, type HourRange, type StatsStore } from '../../ports.ts';

/**
 * The stats table (TABLES.stats): small counter items, each added to with
 * one UpdateItem ADD (1 WCU: an item stays well under 1 KB, see
 * `itemBytes`). Three families of items, so that every read is one Query
 * bounded by its window:
 *
 * | item | pk | sk | read by |
 * |---|---|---|---|
 * | tenant hour | `T#<tenant>` | `H#<hour>` | the tenant's chart |
 * | endpoint hour | `E#<tenant>#<endpoint>` | `H#<hour>` | one endpoint's chart |
 * | endpoint totals | `L#<tenant>` | `H#<hour>#<endpoint>` | the endpoint list (every endpoint, one Query) |
 *
 * `<hour>` is `YYYY-MM-DDTHH` (UTC), so a window is a key range. Day buckets
 * are summed from hours at read time: a day item would cost a write per
 * batch and endpoint, for reads that are rare. Attributes: `s`, `f`, `x`
 * (succeeded, failed, exhausted), `h<k>` (latency bin k, only bins that
 * were hit) and `expiresAt` (TTL).
 *
 * Writes per batch: one per tenant and hour, two per endpoint and hour.
 * A partition key takes at most 1,000 WCU/s: `T#` and `E#` items get one
 * write per stream batch that touches them; `L#<tenant>` one per endpoint
 * of the tenant in the batch (see the README for when that is the limit).
 */
export class DynamoStatsStore implements StatsStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly retentionDays: number,
    /** Item writes in flight at once. */
    private readonly concurrency = 32,
  ) {}

  async add(deltas: readonly StatsDelta[], options: { signal?: AbortSignal } = {}): Promise<void> {
    const items = itemsOf(deltas);
    const written: Item[] = [];
    let failure: unknown;
    await forEachLimited(items, this.concurrency, async (item) => {
      if (failure !== undefined) return;
      if (options.signal?.aborted) {
        failure ??= options.signal.reason ?? new Error('aborted');
        return;
      }
      try {
        await this.update(item.pk, item.sk, item.counts, item.hour);
        written.push(item);
      } catch (err) {
        failure ??= err;
      }
    });
    if (failure === undefined) return;
    // Take back what this call added, so that the caller's retry of the whole batch counts each attempt once.
    const undone = new Set<Item>();
    await forEachLimited(written, this.concurrency, async (item) => {
      try {
        await this.update(item.pk, item.sk, negateCounts(item.counts), item.hour);
        undone.add(item);
      } catch {
        // Reported below.
      }
    });
    const left = written.filter((i) => !undone.has(i));
    if (left.length > 0) {
      const overcounted = Math.max(...left.map((i) => attemptsOf(i.counts)));
      throw new StatsUndoError(`stats: a write failed and ${left.length} of ${written.length} written items could not be taken back`, overcounted, { cause: failure });
    }
    throw failure;
  }

  async hours(tenantId: string, range: HourRange, endpointId?: string): Promise<HourCounts[]> {
    const pk = endpointId === undefined ? `T#${tenantId}` : `E#${tenantId}#${endpointId}`;
    const items = await this.query(pk, `H#${range.fromHour}`, `H#${range.toHour}`);
    return items.map((i) => ({ hour: String(i.sk).slice(2, 15), counts: countsOf(i) })).filter((h) => attemptsOf(h.counts) > 0);
  }

  async endpointTotals(tenantId: string, range: HourRange): Promise<{ endpointId: string; counts: StatsCounts }[]> {
    const items = await this.query(`L#${tenantId}`, `H#${range.fromHour}#`, `H#${range.toHour}#~`);
    const sums = new Map<string, StatsCounts>();
    for (const i of items) {
      const endpointId = String(i.sk).slice(16);
      sums.set(endpointId, addCounts(sums.get(endpointId) ?? emptyCounts(), countsOf(i)));
    }
    return [...sums]
      .filter(([, c]) => attemptsOf(c) > 0)
      .map(([endpointId, counts]) => ({ endpointId, counts }))
      .sort((a, b) => a.endpointId.localeCompare(b.endpointId));
  }

  private async update(pk: string, sk: string, c: StatsCounts, hour: string): Promise<void> {
    const adds: string[] = [];
    const values: Record<string, number> = { ':exp': Math.floor(hourStart(hour) / 1000) + this.retentionDays * 86400 };
    const add = (attr: string, n: number) => {
      if (n === 0) return;
      adds.push(`${attr} :${attr}`);
      values[`:${attr}`] = n;
    };
    add('s', c.succeeded);
    add('f', c.failed);
    add('x', c.exhausted);
    for (const [k, n] of Object.entries(c.bins)) add(`h${k}`, n);
    if (adds.length === 0) return;
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk, sk },
        UpdateExpression: `ADD ${adds.join(', ')} SET expiresAt = if_not_exists(expiresAt, :exp)`,
        ExpressionAttributeValues: values,
      }),
    );
  }

  private async query(pk: string, from: string, to: string): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
          ExpressionAttributeValues: { ':pk': pk, ':lo': from, ':hi': to },
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }
}

interface Item {
  pk: string;
  sk: string;
  hour: string;
  counts: StatsCounts;
}

/** One tenant-hour item per tenant and hour (its endpoints' deltas summed), and an endpoint-hour and a totals item per delta. */
export function itemsOf(deltas: readonly StatsDelta[]): Item[] {
  const tenantHours = new Map<string, Item>();
  const items: Item[] = [];
  for (const d of deltas) {
    const key = `${d.tenantId}|${d.hour}`;
    let t = tenantHours.get(key);
    if (!t) tenantHours.set(key, (t = { pk: `T#${d.tenantId}`, sk: `H#${d.hour}`, hour: d.hour, counts: emptyCounts() }));
    addCounts(t.counts, d.counts);
    items.push({ pk: `E#${d.tenantId}#${d.endpointId}`, sk: `H#${d.hour}`, hour: d.hour, counts: d.counts });
    items.push({ pk: `L#${d.tenantId}`, sk: `H#${d.hour}#${d.endpointId}`, hour: d.hour, counts: d.counts });
  }
  return [...tenantHours.values(), ...items];
}

function countsOf(item: Record<string, unknown>): StatsCounts {
  const c: StatsCounts = { succeeded: Number(item.s ?? 0), failed: Number(item.f ?? 0), exhausted: Number(item.x ?? 0), bins: {} };
  for (const [name, v] of Object.entries(item)) {
    const m = /^h(\d+)$/.exec(name);
    if (m && Number(v) !== 0) c.bins[Number(m[1])] = Number(v);
  }
  return c;
}

/**
 * The size DynamoDB bills an item at (attribute names in UTF-8, numbers
 * at 1 byte per two significant digits + 1, strings as UTF-8), for the test
 * that keeps every stats item within one write unit.
 */
export function itemBytes(item: Record<string, string | number>): number {
  let n = 0;
  for (const [name, v] of Object.entries(item)) {
    n += Buffer.byteLength(name);
    n += typeof v === 'string' ? Buffer.byteLength(v) : Math.ceil(String(Math.abs(v)).replace(/^0+|\./g, '').length / 2) + 1;
  }
  return n;
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
