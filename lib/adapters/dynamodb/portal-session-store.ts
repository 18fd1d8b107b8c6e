import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLES } from '../../definitions.ts';
import type { PortalSessionRecord, PortalSessionStore } from '../../ports.ts';

/**
 * Portal sessions in the entities table, like API keys: a lookup item keyed
 * by the token's hash (authentication) and a pointer under the tenant keyed
 * by session id (listing, revocation), written and deleted together. Both
 * carry the table's TTL attribute, so DynamoDB removes expired sessions
 * (within about 48 h: authentication compares `expiresAt` with the clock).
 */
const byHash = (hash: string) => ({ pk: `PORTALSESSION#${hash}`, sk: 'PORTALSESSION' });
const byId = (tenantId: string, id: string) => ({ pk: `TENANT#${tenantId}`, sk: `PSESSION#${id}` });
const TTL = TABLES.entities.ttlAttribute;

export class DynamoPortalSessionStore implements PortalSessionStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(session: PortalSessionRecord): Promise<void> {
    const item = { ...session, [TTL]: Math.ceil(Date.parse(session.expiresAt) / 1000) };
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: this.table, Item: { ...byHash(session.hash), ...item }, ConditionExpression: 'attribute_not_exists(pk)' } },
          { Put: { TableName: this.table, Item: { ...byId(session.tenantId, session.id), ...item }, ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }),
    );
  }

  async findByHash(hash: string): Promise<PortalSessionRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: byHash(hash) }));
    return out.Item ? toSession(out.Item) : undefined;
  }

  async list(tenantId: string): Promise<PortalSessionRecord[]> {
    const sessions: PortalSessionRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
          ExpressionAttributeValues: { ':pk': `TENANT#${tenantId}`, ':sk': 'PSESSION#' },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      sessions.push(...(out.Items ?? []).map(toSession));
      start = out.LastEvaluatedKey;
    } while (start);
    return sessions.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const pointer = await this.db.send(new GetCommand({ TableName: this.table, Key: byId(tenantId, id), ConsistentRead: true }));
    if (!pointer.Item) return false;
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Delete: { TableName: this.table, Key: byHash(pointer.Item.hash as string) } },
          { Delete: { TableName: this.table, Key: byId(tenantId, id) } },
        ],
      }),
    );
    return true;
  }
}

function toSession(item: Record<string, unknown>): PortalSessionRecord {
  return {
    id: item.id as string,
    tenantId: item.tenantId as string,
    hash: item.hash as string,
    scope: item.scope as PortalSessionRecord['scope'],
    createdAt: item.createdAt as string,
    expiresAt: item.expiresAt as string,
  };
}
