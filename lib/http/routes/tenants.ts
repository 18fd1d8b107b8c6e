/** Tenants and their API keys. */
import type { AppDeps } from '../../app/deps.ts';
import { createApiKey, deleteApiKey, listApiKeys } from '../../app/api-keys.ts';
import { createTenant, getTenant, listTenants, updateTenant } from '../../app/tenants.ts';
import { API } from '../../contract/index.ts';
import { implement, type Route } from '../router.ts';

export const tenantRoutes = (deps: () => Promise<AppDeps>): Route[] => [
  implement(API.createTenant, async ({ body }) => createTenant(await deps(), body)),
  implement(API.listTenants, async ({ query }) => listTenants(await deps(), query)),
  implement(API.getTenant, async ({ params }) => getTenant(await deps(), params.tenantId)),
  implement(API.updateTenant, async ({ params, body }) => updateTenant(await deps(), params.tenantId, body)),
  implement(API.createApiKey, async ({ params, principal }) => createApiKey(await deps(), params.tenantId, principal?.kind === 'tenant' ? { keyId: principal.keyId } : 'admin')),
  implement(API.listApiKeys, async ({ params }) => listApiKeys(await deps(), params.tenantId)),
  implement(API.deleteApiKey, async ({ params, query }) => {
    await deleteApiKey(await deps(), params.tenantId, params.keyId, { cascade: query.cascade !== 'false' });
  }),
];
