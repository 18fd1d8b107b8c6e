import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ApiKeyRecord, ApiKeyStore } from '../../ports.ts';
import { HashedCredentialItems } from './hashed-credentials.ts';

/**
 * Tenant API keys in the entities table: a lookup item keyed by the key's
 * hash (for authentication) and a pointer under the tenant keyed by key id
 * (for revocation), written and deleted together in one transaction.
 */
export class DynamoApiKeyStore implements ApiKeyStore {
  private readonly items: HashedCredentialItems<ApiKeyRecord>;

  constructor(db: DynamoDBDocumentClient, table: string) {
    this.items = new HashedCredentialItems(db, table, { byHash: 'APIKEY', byId: 'KEY' }, toKey);
  }

  create = (key: ApiKeyRecord): Promise<void> => this.items.create(key);
  findByHash = (hash: string): Promise<ApiKeyRecord | undefined> => this.items.findByHash(hash);
  list = (tenantId: string): Promise<ApiKeyRecord[]> => this.items.list(tenantId);
  delete = (tenantId: string, keyId: string): Promise<boolean> => this.items.delete(tenantId, keyId);
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

