import { BatchGetCommand, type BatchGetCommandOutput, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EventRecord } from '../../core/model.ts';
import type { EventListQuery, EventStore, Page, PutEventResult } from '../../ports.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { conditionFailureItem, isConditionalCheckFailed } from './client.ts';

/** BatchGetItem's limit per request. */
const BATCH_GET_MAX = 100;

/**
 * Events table. The payload is kept as the JSON text it arrived as
 * (`dataJson`, minified, never re-serialised), so numbers, escapes and key
 * order survive exactly and DynamoDB's map depth limit never applies.
 */
export class DynamoEventStore implements EventStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly retentionDays: number,
  ) {}

  async putIfAbsent(event: EventRecord): Promise<PutEventResult> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: this.toItem(event),
          ConditionExpression: 'attribute_not_exists(id)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { created: true };
    } catch (e) {
      if (isConditionalCheckFailed(e)) {
        const old = conditionFailureItem(e);
        const existing = old ? fromItem(old) : await this.get(event.tenantId, event.id);
        if (existing) return { created: false, existing };
      }
      throw e;
    }
  }

  async get(tenantId: string, id: string): Promise<EventRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { tenantId, id }, ConsistentRead: true }));
    return out.Item ? fromItem(out.Item) : undefined;
  }

  getMany(tenantId: string, ids: readonly string[]): Promise<EventRecord[]> {
    return this.batchGet(tenantId, ids, true);
  }

  private async batchGet(tenantId: string, ids: readonly string[], consistent: boolean): Promise<EventRecord[]> {
    const found: EventRecord[] = [];
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += BATCH_GET_MAX) {
      let keys: Record<string, unknown>[] | undefined = unique.slice(i, i + BATCH_GET_MAX).map((id) => ({ tenantId, id }));
      // DynamoDB may return part of a batch as UnprocessedKeys (throttling, 16 MB cap): ask again, backing off.
      for (let round = 0; keys?.length; round++) {
        if (round > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** round)));
        if (round > 8) throw new Error(`BatchGetItem left ${keys.length} keys unprocessed after ${round} rounds`);
        const out: BatchGetCommandOutput = await this.db.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: consistent } } }));
        for (const item of out.Responses?.[this.table] ?? []) found.push(fromItem(item));
        keys = out.UnprocessedKeys?.[this.table]?.Keys;
      }
    }
    return found;
  }

  async list(tenantId: string, query: EventListQuery): Promise<Page<EventRecord>> {
    const scope = `events:${tenantId}`;
    const names: Record<string, string> = { '#t': 'tenantId' };
    const values: Record<string, unknown> = { ':t': tenantId };
    let keyCondition = '#t = :t';
    if (query.since) {
      keyCondition += ' AND createdAtId >= :since';
      values[':since'] = query.since;
    }
    let filter: string | undefined;
    if (query.type) {
      filter = '#type = :type';
      names['#type'] = 'type';
      values[':type'] = query.type;
    }
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'byCreatedAt',
        KeyConditionExpression: keyCondition,
        FilterExpression: filter,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        Limit: query.limit,
        ExclusiveStartKey: decodeCursor(scope, query.cursor),
      }),
    );
    // The index holds keys and type only (an event's data is written once, not twice): fetch the page's items.
    const ids = (out.Items ?? []).map((i) => i.id as string);
    const byId = new Map((await this.batchGet(tenantId, ids, false)).map((e) => [e.id, e]));
    return {
      // In index order; an event that expired between the two reads is left out.
      data: ids.flatMap((id) => byId.get(id) ?? []),
      nextCursor: out.LastEvaluatedKey ? encodeCursor(scope, out.LastEvaluatedKey) : null,
    };
  }

  private toItem(event: EventRecord): Record<string, unknown> {
    return {
      ...event,
      createdAtId: `${event.createdAt}#${event.id}`,
      expiresAt: Math.floor(Date.parse(event.createdAt) / 1000) + this.retentionDays * 86400,
    };
  }
}

function fromItem(item: Record<string, unknown>): EventRecord {
  const record: EventRecord = {
    id: item.id as string,
    tenantId: item.tenantId as string,
    type: item.type as string,
    createdAt: item.createdAt as string,
    dataJson: dataJsonOf(item),
    deliveries: Number(item.deliveries ?? 0),
    fingerprint: item.fingerprint as string,
  };
  if (typeof item.idempotencyKey === 'string') record.idempotencyKey = item.idempotencyKey;
  if (typeof item.orderingKey === 'string') record.orderingKey = item.orderingKey;
  return record;
}

/** The payload text; items written before payloads were kept as text hold `data` as a map. */
function dataJsonOf(item: Record<string, unknown>): string {
  if (typeof item.dataJson === 'string') return item.dataJson;
  return JSON.stringify(item.data ?? {});
}
