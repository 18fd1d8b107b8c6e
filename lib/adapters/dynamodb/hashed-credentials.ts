import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** What every hashed credential record has (API keys, portal sessions). */
export interface CredentialRecord {
  id: string;
  tenantId: string;
  /** hex sha256 of the credential: the only form it is stored in. */
  hash: string;
  createdAt: string;
}

/**
 * A kind of credential in the entities table, stored as two items written
 * and deleted together in one transaction: a lookup item keyed by the
 * credential's hash (authentication: one GetItem) and a pointer under its
 * tenant keyed by id (listing, revocation). API keys and portal sessions are
 * both kept this way; `kind` names their key prefixes.
 */
export class HashedCredentialItems<R extends CredentialRecord> {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly kind: { byHash: string; byId: string },
    /** A stored item back to its record (items may hold extra attributes, such as a TTL). */
    private readonly fromItem: (item: Record<string, unknown>) => R,
  ) {}

  private byHash = (hash: string) => ({ pk: `${this.kind.byHash}#${hash}`, sk: this.kind.byHash });
  private byId = (tenantId: string, id: string) => ({ pk: `TENANT#${tenantId}`, sk: `${this.kind.byId}#${id}` });

  /** Both items, or neither (a hash or id already taken fails the transaction). */
  async create(record: R, extra: Record<string, unknown> = {}): Promise<void> {
    const item = { ...record, ...extra };
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: this.table, Item: { ...this.byHash(record.hash), ...item }, ConditionExpression: 'attribute_not_exists(pk)' } },
          { Put: { TableName: this.table, Item: { ...this.byId(record.tenantId, record.id), ...item }, ConditionExpression: 'attribute_not_exists(pk)' } },
        ],
      }),
    );
  }

  async findByHash(hash: string): Promise<R | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: this.byHash(hash) }));
    return out.Item ? this.fromItem(out.Item) : undefined;
  }

  /** Every one of a tenant's, strongly consistent, oldest first. */
  async list(tenantId: string): Promise<R[]> {
    const records: R[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
          ExpressionAttributeValues: { ':pk': `TENANT#${tenantId}`, ':sk': `${this.kind.byId}#` },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      records.push(...(out.Items ?? []).map(this.fromItem));
      start = out.LastEvaluatedKey;
    } while (start);
    return records.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /** Returns false if the tenant has no such credential. */
  async delete(tenantId: string, id: string): Promise<boolean> {
    const pointer = await this.db.send(new GetCommand({ TableName: this.table, Key: this.byId(tenantId, id), ConsistentRead: true }));
    if (!pointer.Item) return false;
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Delete: { TableName: this.table, Key: this.byHash(pointer.Item.hash as string) } },
          { Delete: { TableName: this.table, Key: this.byId(tenantId, id) } },
        ],
      }),
    );
    return true;
  }
}
