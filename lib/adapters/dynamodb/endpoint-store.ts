import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { BillhookError } from '../../core/errors.ts';
import type { EndpointHealth, EndpointRecord } from '../../core/model.ts';
import type { EndpointHealthStore, EndpointRoute, EndpointStore, Page, PageRequest } from '../../ports.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { isConditionalCheckFailed } from './client.ts';

const pk = (tenantId: string) => `TENANT#${tenantId}`;
const sk = (id: string) => `EP#${id}`;

export class DynamoEndpointStore implements EndpointStore, EndpointHealthStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(endpoint: EndpointRecord): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: toItem(endpoint),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (e) {
      if (isConditionalCheckFailed(e)) throw new BillhookError('conflict', `endpoint ${endpoint.id} already exists`);
      throw e;
    }
  }

  async get(tenantId: string, id: string): Promise<EndpointRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: pk(tenantId), sk: sk(id) } }));
    return out.Item ? toEndpoint(out.Item) : undefined;
  }

  async list(tenantId: string, page: PageRequest): Promise<Page<EndpointRecord>> {
    const scope = `endpoints:${tenantId}`;
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :p AND begins_with(sk, :ep)',
        // Routing must see an endpoint created a moment ago.
        ConsistentRead: true,
        ExpressionAttributeValues: { ':p': pk(tenantId), ':ep': 'EP#' },
        Limit: page.limit,
        ExclusiveStartKey: decodeCursor(scope, page.cursor),
      }),
    );
    return {
      data: (out.Items ?? []).map(toEndpoint),
      nextCursor: out.LastEvaluatedKey ? encodeCursor(scope, out.LastEvaluatedKey) : null,
    };
  }

  async routes(tenantId: string): Promise<EndpointRoute[]> {
    const routes: EndpointRoute[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out: QueryCommandOutput = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :p AND begins_with(sk, :ep)',
          // Routing must see an endpoint created a moment ago.
          ConsistentRead: true,
          ProjectionExpression: '#id, #version, #status, eventTypes, maxInFlight, #ordering',
          ExpressionAttributeNames: { '#id': 'id', '#version': 'version', '#status': 'status', '#ordering': 'ordering' },
          ExpressionAttributeValues: { ':p': pk(tenantId), ':ep': 'EP#' },
          ExclusiveStartKey: start,
        }),
      );
      for (const i of out.Items ?? []) {
        const r: EndpointRoute = { id: i.id as string, version: Number(i.version), status: i.status as EndpointRoute['status'], eventTypes: i.eventTypes as string[] };
        if (i.maxInFlight !== undefined) r.maxInFlight = Number(i.maxInFlight);
        if (i.ordering !== undefined) r.ordering = i.ordering as EndpointRoute['ordering'];
        routes.push(r);
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return routes;
  }

  async update(endpoint: EndpointRecord, expectedVersion: number): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: toItem(endpoint),
          ConditionExpression: 'attribute_exists(pk) AND #v = :v',
          ExpressionAttributeNames: { '#v': 'version' },
          ExpressionAttributeValues: { ':v': expectedVersion },
        }),
      );
    } catch (e) {
      if (isConditionalCheckFailed(e)) {
        const current = await this.get(endpoint.tenantId, endpoint.id);
        if (!current) throw new BillhookError('not_found', `endpoint ${endpoint.id} not found`);
        throw new BillhookError('conflict', `endpoint ${endpoint.id} was changed concurrently; retry`);
      }
      throw e;
    }
  }

  noteFailure(tenantId: string, id: string, atIso: string): Promise<EndpointHealth | undefined> {
    return healthUpdate(this.db, this.table, { pk: pk(tenantId), sk: sk(id) }, 'SET failingSince = if_not_exists(failingSince, :at)', { ':at': atIso });
  }

  noteExhausted(tenantId: string, id: string, atIso: string): Promise<EndpointHealth | undefined> {
    return healthUpdate(this.db, this.table, { pk: pk(tenantId), sk: sk(id) }, 'SET failingSince = if_not_exists(failingSince, :at) ADD consecutiveExhausted :one', {
      ':at': atIso,
      ':one': 1,
    });
  }

  async noteSuccess(tenantId: string, id: string): Promise<void> {
    await healthUpdate(this.db, this.table, { pk: pk(tenantId), sk: sk(id) }, 'REMOVE failingSince, consecutiveExhausted', {});
  }

  async disable(tenantId: string, id: string, reason: string, atIso: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: pk(tenantId), sk: sk(id) },
          UpdateExpression: 'SET #status = :disabled, disabledReason = :reason, disabledAt = :at, updatedAt = :at ADD #version :one',
          ConditionExpression: 'attribute_exists(pk) AND #status = :enabled',
          ExpressionAttributeNames: { '#status': 'status', '#version': 'version' },
          ExpressionAttributeValues: { ':disabled': 'disabled', ':enabled': 'enabled', ':reason': reason, ':at': atIso, ':one': 1 },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionalCheckFailed(e)) return false;
      throw e;
    }
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const out = await this.db.send(
      new DeleteCommand({ TableName: this.table, Key: { pk: pk(tenantId), sk: sk(id) }, ReturnValues: 'ALL_OLD' }),
    );
    return out.Attributes !== undefined;
  }
}

// Health lives in the endpoint item, updated in place (no version bump: the cache need not refresh for it).
async function healthUpdate(
  db: DynamoDBDocumentClient,
  table: string,
  key: Record<string, string>,
  expression: string,
  values: Record<string, unknown>,
): Promise<EndpointHealth | undefined> {
  try {
    const out = await db.send(
      new UpdateCommand({
        TableName: table,
        Key: key,
        UpdateExpression: expression,
        ConditionExpression: 'attribute_exists(pk)',
        // DynamoDB rejects an empty map (noteSuccess only REMOVEs).
        ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
        ReturnValues: 'ALL_NEW',
      }),
    );
    return {
      ...(out.Attributes?.failingSince ? { failingSince: out.Attributes.failingSince as string } : {}),
      ...(out.Attributes?.consecutiveExhausted !== undefined ? { consecutiveExhausted: Number(out.Attributes.consecutiveExhausted) } : {}),
    };
  } catch (e) {
    if (isConditionalCheckFailed(e)) return undefined; // endpoint deleted meanwhile
    throw e;
  }
}

/** Health is stored as top-level attributes so the sender can update it in place. */
function toItem(endpoint: EndpointRecord): Record<string, unknown> {
  const { health, ...rest } = endpoint;
  return { pk: pk(endpoint.tenantId), sk: sk(endpoint.id), ...rest, ...(health ?? {}) };
}

function toEndpoint(item: Record<string, unknown>): EndpointRecord {
  const { pk: _pk, sk: _sk, failingSince, consecutiveExhausted, ...rest } = item;
  const record = rest as unknown as EndpointRecord;
  if (failingSince !== undefined || consecutiveExhausted !== undefined) {
    record.health = {
      ...(failingSince !== undefined ? { failingSince: failingSince as string } : {}),
      ...(consecutiveExhausted !== undefined ? { consecutiveExhausted: Number(consecutiveExhausted) } : {}),
    };
  }
  return record;
}
