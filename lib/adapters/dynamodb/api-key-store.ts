import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ApiKeyRecord, ApiKeyStore } from '../../ports.ts';

/**
 * Tenant API keys in the entities table: a lookup item keyed by the key's
 * hash (for authentication) and a pointer under the tenant keyed by key id
 * (for revocation), written and deleted together in one transaction.
 */
const byHash = (hash: string) => ({ pk: `APIKEY#${hash}`, sk: 'APIKEY' });
const byId = (tenantId: string, id: string) => ({ pk: `TENANT#${tenantId}`, sk: `KEY#${id}` });

export class DynamoApiKeyStore implements ApiKeyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(key: ApiKeyRecord): Promise<void> {
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: this.table, Item: { ...byHash(key.hash), ...key }, ConditionExpression: 'attribute_not_exists(pk)' } },
          { Put: { TableName: this.table, Item: { ...byId(key.tenantId, key.id), ...key }, ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }),
    );
  }

  async findByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: byHash(hash) }));
    return out.Item ? toKey(out.Item) : undefined;
  }

  async list(tenantId: string): Promise<ApiKeyRecord[]> {
    const keys: ApiKeyRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
          ExpressionAttributeValues: { ':pk': `TENANT#${tenantId}`, ':sk': 'KEY#' },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      keys.push(...(out.Items ?? []).map(toKey));
      start = out.LastEvaluatedKey;
    } while (start);
    return keys.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async delete(tenantId: string, keyId: string): Promise<boolean> {
    const pointer = await this.db.send(new GetCommand({ TableName: this.table, Key: byId(tenantId, keyId), ConsistentRead: true }));
    if (!pointer.Item) return false;
    const hash = pointer.Item.hash as string;
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Delete: { TableName: this.table, Key: byHash(hash) } },
          { Delete: { TableName: this.table, Key: byId(tenantId, keyId) } },
        ],
      }),
    );
    return true;
  }
}

function toKey(item: Record<string, unknown>): ApiKeyRecord {
  const key: ApiKeyRecord = {
    id: item.id as string,
    tenantId: item.tenantId as string,
    hash: item.hash as string,
    prefix: item.prefix as string,
    createdAt: item.createdAt as string,
  };
  if (typeof item.createdBy === 'string') key.createdBy = item.createdBy;
  return key;
}

