import { createHash } from 'node:crypto';
import { BillhookError } from '../core/errors.ts';
import type { ApiKeyStore } from '../ports.ts';
import { isoNow, type AppDeps } from './deps.ts';
import { getTenant } from './tenants.ts';

type Deps = Pick<AppDeps, 'tenants' | 'clock' | 'ids' | 'randomBytes'> & { apiKeys: ApiKeyStore };

/** Keys carry 256 random bits, so a fast hash is enough: there is nothing to brute-force. */
export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

export const TENANT_KEY_PREFIX = 'bh_tk_';

export interface CreatedKey {
  id: string;
  tenantId: string;
  /** The key itself: shown once, never stored. */
  key: string;
  prefix: string;
  createdAt: string;
}

export async function createApiKey(deps: Deps, tenantId: string): Promise<CreatedKey> {
  await getTenant(deps, tenantId);
  const key = TENANT_KEY_PREFIX + Buffer.from(deps.randomBytes(32)).toString('base64url');
  const record = { id: deps.ids.key(), tenantId, hash: hashKey(key), prefix: key.slice(0, TENANT_KEY_PREFIX.length + 4), createdAt: isoNow(deps.clock) };
  await deps.apiKeys.create(record);
  return { id: record.id, tenantId, key, prefix: record.prefix, createdAt: record.createdAt };
}

export async function deleteApiKey(deps: Pick<Deps, 'apiKeys'>, tenantId: string, keyId: string): Promise<void> {
  if (!(await deps.apiKeys.delete(tenantId, keyId))) throw new BillhookError('not_found', `api key ${keyId} not found`);
}
