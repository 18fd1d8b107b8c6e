import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BillhookError } from '../../core/errors.ts';
import type { EndpointRecord } from '../../core/model.ts';
import type { EndpointStore, Page, PageRequest } from '../../ports.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { isConditionalCheckFailed } from './client.ts';

const pk = (tenantId: string) => `TENANT#${tenantId}`;
const sk = (id: string) => `EP#${id}`;

export class DynamoEndpointStore implements EndpointStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(endpoint: EndpointRecord): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: pk(endpoint.tenantId), sk: sk(endpoint.id), ...endpoint },
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

  async update(endpoint: EndpointRecord, expectedVersion: number): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: pk(endpoint.tenantId), sk: sk(endpoint.id), ...endpoint },
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

  async delete(tenantId: string, id: string): Promise<boolean> {
    const out = await this.db.send(
      new DeleteCommand({ TableName: this.table, Key: { pk: pk(tenantId), sk: sk(id) }, ReturnValues: 'ALL_OLD' }),
    );
    return out.Attributes !== undefined;
  }
}

function toEndpoint(item: Record<string, unknown>): EndpointRecord {
  const { pk: _pk, sk: _sk, ...rest } = item;
  return rest as unknown as EndpointRecord;
}
