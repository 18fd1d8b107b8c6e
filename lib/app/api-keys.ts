import { createHash } from 'node:crypto';
import { BillhookError } from '../core/errors.ts';
import type { ApiKeyView, CreatedKey } from '../contract/api-keys.ts';
import type { ApiKeyRecord, ApiKeyStore } from '../ports.ts';
import { isoNow, type AppDeps } from './deps.ts';
import { getTenant } from './tenants.ts';

type Deps = Pick<AppDeps, 'tenants' | 'clock' | 'ids' | 'randomBytes'> & { apiKeys: ApiKeyStore };

/** Keys carry 256 random bits, so a fast hash is enough: there is nothing to brute-force. */
export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

export type { ApiKeyView, CreatedKey } from '../contract/api-keys.ts';

export const TENANT_KEY_PREFIX = 'bh_tk_';


/** Who creates a key: the admin, or a tenant key (by id). */
export type KeyCreator = 'admin' | { keyId: string };

export async function createApiKey(deps: Deps, tenantId: string, creator: KeyCreator = 'admin'): Promise<CreatedKey> {
  await getTenant(deps, tenantId);
  const key = TENANT_KEY_PREFIX + Buffer.from(deps.randomBytes(32)).toString('base64url');
  const record: ApiKeyRecord = {
    id: deps.ids.key(),
    tenantId,
    hash: hashKey(key),
    prefix: key.slice(0, TENANT_KEY_PREFIX.length + 4),
    createdAt: isoNow(deps.clock),
    createdBy: creator === 'admin' ? 'admin' : creator.keyId,
  };
  await deps.apiKeys.create(record);
  return { id: record.id, tenantId, key, prefix: record.prefix, createdAt: record.createdAt };
}


const keyView = (k: ApiKeyRecord): ApiKeyView => ({ id: k.id, prefix: k.prefix, createdAt: k.createdAt, ...(k.createdBy ? { createdBy: k.createdBy } : {}) });

/** Every key of a tenant, oldest first. */
export async function listApiKeys(deps: Pick<Deps, 'apiKeys' | 'tenants'>, tenantId: string): Promise<{ data: ApiKeyView[] }> {
  await getTenant(deps, tenantId);
  return { data: (await deps.apiKeys.list(tenantId)).map(keyView) };
}

/**
 * Revoke a key. By default the keys it created are revoked with it, and
 * theirs in turn: a leaked key cannot leave a replacement behind. With
 * `cascade: false` (a routine rotation: mint the successor, then retire the
 * old key) only the key itself goes. Returns the ids revoked, the key first.
 */
export async function deleteApiKey(deps: Pick<Deps, 'apiKeys'>, tenantId: string, keyId: string, options: { cascade?: boolean } = {}): Promise<string[]> {
  const notFound = () => new BillhookError('not_found', `api key ${keyId} not found`);
  if (!(options.cascade ?? true)) {
    if (!(await deps.apiKeys.delete(tenantId, keyId))) throw notFound();
    return [keyId];
  }
  const keys = await deps.apiKeys.list(tenantId);
  if (!keys.some((k) => k.id === keyId)) throw notFound();
  const doomed = [keyId];
  for (let i = 0; i < doomed.length; i++) {
    for (const k of keys) if (k.createdBy === doomed[i] && !doomed.includes(k.id)) doomed.push(k.id);
  }
  // Descendants first, the key itself last: if this stops halfway, the key still exists and a
  // retried DELETE finds and revokes what is left.
  for (const id of [...doomed].reverse()) await deps.apiKeys.delete(tenantId, id);
  return doomed;
}
