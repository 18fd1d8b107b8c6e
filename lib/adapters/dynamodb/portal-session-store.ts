import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TABLES } from '../../definitions.ts';
import type { PortalSessionRecord, PortalSessionStore } from '../../ports.ts';
import { HashedCredentialItems } from './hashed-credentials.ts';

/**
 * Portal sessions in the entities table, like API keys: a lookup item keyed
 * by the token's hash (authentication) and a pointer under the tenant keyed
 * by session id (listing, revocation), written and deleted together. Both
 * carry the table's TTL attribute, so DynamoDB removes expired sessions
 * (within about 48 h: authentication compares `expiresAt` with the clock).
 */
const TTL = TABLES.entities.ttlAttribute;

export class DynamoPortalSessionStore implements PortalSessionStore {
  private readonly items: HashedCredentialItems<PortalSessionRecord>;

  constructor(db: DynamoDBDocumentClient, table: string) {
    this.items = new HashedCredentialItems(db, table, { byHash: 'PORTALSESSION', byId: 'PSESSION' }, toSession);
  }

  create = (session: PortalSessionRecord): Promise<void> => this.items.create(session, { [TTL]: Math.ceil(Date.parse(session.expiresAt) / 1000) });
  findByHash = (hash: string): Promise<PortalSessionRecord | undefined> => this.items.findByHash(hash);
  list = (tenantId: string): Promise<PortalSessionRecord[]> => this.items.list(tenantId);
  delete = (tenantId: string, id: string): Promise<boolean> => this.items.delete(tenantId, id);
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
