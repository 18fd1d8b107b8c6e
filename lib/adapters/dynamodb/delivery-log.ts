import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Attempt, Delivery, DeliveryWithAttempts } from '../../core/model.ts';
import type { AttemptRecord, DeliveryListQuery, DeliveryLog, Page, RecordAttemptResult } from '../../ports.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { conditionFailureItem, isConditionalCheckFailed } from './client.ts';

/**
 * The delivery log: one item per delivery holding its state and its
 * attempts. Each attempt is one conditional UpdateItem keyed by the delivery
 * id and the attempt's key (kept in a string set), so a duplicated SQS
 * message cannot log twice and the sender spends exactly one write per
 * attempt. Attempts are numbered by their order in the item.
 */
export class DynamoDeliveryLog implements DeliveryLog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly retentionDays: number,
  ) {}

  async recordAttempt(record: AttemptRecord): Promise<RecordAttemptResult> {
    const { delivery: d, attempt: a } = record;
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = {
      ':tenantId': d.tenantId,
      ':eventId': d.eventId,
      ':endpointId': d.endpointId,
      ':eventType': d.eventType,
      ':createdAt': d.createdAt,
      ':createdAtId': `${d.createdAt}#${d.id}`,
      ':tenantEndpoint': `${d.tenantId}#${d.endpointId}`,
      ':one': 1,
      ':key': record.key,
      ':keys': new Set([record.key]),
      ':att': [a],
      ':empty': [],
      ':status': record.status,
      ':at': a.at,
      ':exp': Math.floor(Date.parse(a.at) / 1000) + this.retentionDays * 86400,
    };
    const sets = [
      'tenantId = :tenantId',
      'eventId = :eventId',
      'endpointId = :endpointId',
      'eventType = :eventType',
      'createdAt = if_not_exists(createdAt, :createdAt)',
      'createdAtId = if_not_exists(createdAtId, :createdAtId)',
      'tenantEndpoint = :tenantEndpoint',
      'attempts = list_append(if_not_exists(attempts, :empty), :att)',
      'lastKey = :key',
      '#status = :status',
      'lastAttemptAt = :at',
      'expiresAt = :exp',
    ];
    const removes: string[] = [];
    if (d.orderingKey !== undefined) {
      sets.push('orderingKey = :ok');
      values[':ok'] = d.orderingKey;
    }
    if (a.statusCode !== undefined) {
      sets.push('lastStatusCode = :code');
      values[':code'] = a.statusCode;
    } else removes.push('lastStatusCode');
    if (record.nextAttemptAt) {
      sets.push('nextAttemptAt = :next');
      values[':next'] = record.nextAttemptAt;
    } else if (!record.keepNextAttemptAt) removes.push('nextAttemptAt');

    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id: d.id },
          UpdateExpression: `SET ${sets.join(', ')} ADD attemptKeys :keys, attemptCount :one${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: 'attribute_not_exists(id) OR NOT contains(attemptKeys, :key)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { result: 'recorded' };
    } catch (e) {
      if (isConditionalCheckFailed(e)) {
        const old = conditionFailureItem(e);
        return old
          ? { result: 'duplicate', current: { attemptCount: Number(old.attemptCount), status: old.status as Delivery['status'], lastKey: old.lastKey as string } }
          : { result: 'duplicate' };
      }
      throw e;
    }
  }

  async registerPending(d: AttemptRecord['delivery']): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...d,
            createdAtId: `${d.createdAt}#${d.id}`,
            tenantEndpoint: `${d.tenantId}#${d.endpointId}`,
            status: 'pending',
            attemptCount: 0,
            attempts: [],
            expiresAt: Math.floor(Date.parse(d.createdAt) / 1000) + this.retentionDays * 86400,
          },
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      );
    } catch (e) {
      // Already there: an attempt was recorded first, and it is the fresher state.
      if (!isConditionalCheckFailed(e)) throw e;
    }
  }

  async get(tenantId: string, deliveryId: string): Promise<DeliveryWithAttempts | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { id: deliveryId }, ConsistentRead: true }));
    // Tenant isolation: an id from another tenant reads as absent.
    if (!out.Item || out.Item.tenantId !== tenantId) return undefined;
    return { ...toDelivery(out.Item), attempts: numbered(out.Item.attempts as Attempt[] | undefined) };
  }

  async list(tenantId: string, query: DeliveryListQuery): Promise<Page<Delivery>> {
    const scope = `deliveries:${tenantId}`;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    let indexName: string;
    let keyCondition: string;
    // No index by event (one fewer index write on every attempt): an event's deliveries share its
    // creation time, so the caller narrows the window to it and the event id is a filter.
    if (query.endpointId) {
      indexName = 'byEndpoint';
      keyCondition = 'tenantEndpoint = :k';
      values[':k'] = `${tenantId}#${query.endpointId}`;
    } else {
      indexName = 'byTenant';
      keyCondition = 'tenantId = :k';
      values[':k'] = tenantId;
    }
    const filters: string[] = [];
    if (query.status) {
      filters.push('#status = :status');
      names['#status'] = 'status';
      values[':status'] = query.status;
    } else if (query.statuses?.length) {
      const placeholders = query.statuses.map((st, i) => {
        values[`:st${i}`] = st;
        return `:st${i}`;
      });
      filters.push(`#status IN (${placeholders.join(', ')})`);
      names['#status'] = 'status';
    }
    // createdAtId = `${createdAt}#${id}`: a time window is a key range.
    if (query.since && query.until) {
      keyCondition += ' AND createdAtId BETWEEN :since AND :until';
      values[':since'] = query.since;
      values[':until'] = query.until + '~';
    } else if (query.since) {
      keyCondition += ' AND createdAtId >= :since';
      values[':since'] = query.since;
    } else if (query.until) {
      keyCondition += ' AND createdAtId <= :until';
      values[':until'] = query.until + '~';
    }
    if (query.eventId) {
      filters.push('eventId = :ev');
      values[':ev'] = query.eventId;
    }
    if (query.eventType) {
      filters.push('eventType = :type');
      values[':type'] = query.eventType;
    }
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: indexName,
        KeyConditionExpression: keyCondition,
        FilterExpression: filters.length ? filters.join(' AND ') : undefined,
        ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        Limit: query.limit,
        ExclusiveStartKey: decodeCursor(scope, query.cursor),
      }),
    );
    return {
      data: (out.Items ?? []).map(toDelivery),
      nextCursor: out.LastEvaluatedKey ? encodeCursor(scope, out.LastEvaluatedKey) : null,
    };
  }
}

/** Attempts are numbered by their order: several triggers may add them. */
function numbered(attempts: Attempt[] | undefined): Attempt[] {
  return (attempts ?? []).map((a, i) => ({ ...a, attempt: i + 1 }));
}

function toDelivery(item: Record<string, unknown>): Delivery {
  const d: Delivery = {
    id: item.id as string,
    tenantId: item.tenantId as string,
    eventId: item.eventId as string,
    endpointId: item.endpointId as string,
    eventType: item.eventType as string,
    status: item.status as Delivery['status'],
    attemptCount: Number(item.attemptCount ?? 0),
    createdAt: item.createdAt as string,
  };
  if (item.orderingKey !== undefined) d.orderingKey = item.orderingKey as string;
  if (item.lastStatusCode !== undefined) d.lastStatusCode = Number(item.lastStatusCode);
  if (item.lastAttemptAt !== undefined) d.lastAttemptAt = item.lastAttemptAt as string;
  if (item.nextAttemptAt !== undefined) d.nextAttemptAt = item.nextAttemptAt as string;
  return d;
}
