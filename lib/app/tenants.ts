import { BillhookError } from '../core/errors.ts';
import type { Tenant, TenantInput, TenantPatch } from '../core/model.ts';
import { frameAncestorProblem } from '../core/origin.ts';
import { TtlCache } from '../core/ttl-cache.ts';
import type { Clock, Page, PageRequest, TenantStore } from '../ports.ts';
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
 * Rename a tenant or set the origins allowed to frame its portal. Each
 * origin must be exact (`https://host[:port]`); plain http only where the
 * deployment allows it. A bad origin → 422 naming it, and nothing changes.
 */
export async function updateTenant(deps: Pick<AppDeps, 'tenants' | 'settings'>, id: string, patch: TenantPatch): Promise<Tenant> {
  const fields = (patch.portalFrameAncestors ?? []).flatMap((origin, i) => {
    const problem = frameAncestorProblem(origin, { allowHttp: deps.settings.allowHttp === true });
    return problem ? [{ path: `portalFrameAncestors.${i}`, message: `${JSON.stringify(origin)} ${problem}` }] : [];
  });
  if (fields.length) throw new BillhookError('validation_failed', `request body failed validation: ${fields[0]!.path} ${fields[0]!.message}`, { fields });
  // The same origin twice says nothing more: keep the first.
  const normalised: TenantPatch = patch.portalFrameAncestors ? { ...patch, portalFrameAncestors: [...new Set(patch.portalFrameAncestors)] } : patch;
  const tenant = await deps.tenants.update(id, normalised);
  if (!tenant) throw new BillhookError('not_found', `tenant ${id} not found`);
  return tenant;
}

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

/**
 * Tenants read briefly through a per-process cache (the portal page's
 * frame-ancestors): a changed tenant shows within `ttlMs` (30 s by default)
 * on every warm instance, and a page view costs no read most of the time.
 * Unknown tenants are cached too, so a flood of made-up ids costs one read
 * each per window at most.
 */
export class RecentTenants {
  private readonly cache: TtlCache<Tenant>;

  constructor(tenants: () => Promise<Pick<TenantStore, 'get'>>, clock: Clock = { now: () => Date.now() }, ttlMs = 30_000) {
    this.cache = new TtlCache(async (id) => (await tenants()).get(id), () => clock.now(), ttlMs);
  }

  get = (id: string): Promise<Tenant | undefined> => this.cache.get(id);
}
