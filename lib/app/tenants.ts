import { BillhookError } from '../core/errors.ts';
import type { Tenant, TenantInput } from '../core/model.ts';
import type { Page, PageRequest } from '../ports.ts';
import { isoNow, type AppDeps } from './deps.ts';

export async function createTenant(deps: Pick<AppDeps, 'tenants' | 'ids' | 'clock'>, input: TenantInput): Promise<Tenant> {
  const tenant: Tenant = { id: input.id ?? deps.ids.tenant(), name: input.name, createdAt: isoNow(deps.clock) };
  await deps.tenants.create(tenant);
  return tenant;
}

export async function getTenant(deps: Pick<AppDeps, 'tenants'>, id: string): Promise<Tenant> {
  const tenant = await deps.tenants.get(id);
  if (!tenant) throw new BillhookError('not_found', `tenant ${id} not found`);
  return tenant;
}

export const listTenants = (deps: Pick<AppDeps, 'tenants'>, page: PageRequest): Promise<Page<Tenant>> => deps.tenants.list(page);

/**
 * Tenants are never deleted, so a positive answer can be cached for the life
 * of the process: ingest checks the tenant without a read per event.
 */
export class TenantExistenceCache {
  private readonly known = new Set<string>();

  async assertExists(deps: Pick<AppDeps, 'tenants'>, id: string): Promise<void> {
    if (this.known.has(id)) return;
    await getTenant(deps, id);
    this.known.add(id);
  }
}
