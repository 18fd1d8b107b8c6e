/**
 * Portal sessions: short-lived, revocable credentials for one tenant's
 * portal, minted by the billing platform's backend with the admin key. The
 * token travels in the link's fragment (never sent to a server, so never in
 * an access log or a Referer) and is stored only as its sha256.
 */
import { BillhookError } from '../core/errors.ts';
import type { PortalScope } from '../core/model.ts';
import type { PortalSessionRecord } from '../ports.ts';
import { hashKey } from './api-keys.ts';
import { isoNow, type AppDeps } from './deps.ts';
import { getTenant } from './tenants.ts';

export const PORTAL_TOKEN_PREFIX = 'bhps_';

/** Tokens carry 256 random bits: sha256 is enough, as for API keys. */
export const hashPortalToken = hashKey;

type Deps = Pick<AppDeps, 'tenants' | 'portalSessions' | 'clock' | 'ids' | 'randomBytes'>;

export interface CreatedPortalSession {
  id: string;
  url: string;
  scope: PortalScope;
  expiresAt: string;
}

export interface PortalSessionView {
  id: string;
  scope: PortalScope;
  createdAt: string;
  expiresAt: string;
}

/**
 * The link that opens a tenant's portal: the token in the fragment.
 *
 * @example portalUrl('https://hooks.example.com', 'ten_acme', 'bhps_…') // 'https://hooks.example.com/portal/ten_acme#session=bhps_…'
 */
export const portalUrl = (publicBase: string, tenantId: string, token: string): string => `${publicBase.replace(/\/+$/, '')}/portal/${tenantId}#session=${token}`;

/** Mint a session for an existing tenant. The token is in `url` only: it is not kept anywhere. */
export async function createPortalSession(
  deps: Deps,
  tenantId: string,
  input: { expiresInSeconds: number; scope: PortalScope },
  publicBase: string,
): Promise<CreatedPortalSession> {
  await getTenant(deps, tenantId);
  const token = PORTAL_TOKEN_PREFIX + Buffer.from(deps.randomBytes(32)).toString('base64url');
  const now = deps.clock.now();
  const record: PortalSessionRecord = {
    id: deps.ids.portalSession(),
    tenantId,
    hash: hashPortalToken(token),
    scope: input.scope,
    createdAt: isoNow(deps.clock),
    expiresAt: new Date(now + input.expiresInSeconds * 1000).toISOString(),
  };
  await deps.portalSessions.create(record);
  return { id: record.id, url: portalUrl(publicBase, tenantId, token), scope: record.scope, expiresAt: record.expiresAt };
}

/** A tenant's sessions that have not expired, oldest first: never the token or its hash. */
export async function listPortalSessions(deps: Pick<Deps, 'tenants' | 'portalSessions' | 'clock'>, tenantId: string): Promise<{ data: PortalSessionView[] }> {
  await getTenant(deps, tenantId);
  const now = deps.clock.now();
  const live = (await deps.portalSessions.list(tenantId)).filter((s) => Date.parse(s.expiresAt) > now);
  return { data: live.map((s) => ({ id: s.id, scope: s.scope, createdAt: s.createdAt, expiresAt: s.expiresAt })) };
}

/** Revoke a session (it stops authenticating once the authenticators' caches lapse: 30 s at most). */
export async function deletePortalSession(deps: Pick<Deps, 'portalSessions'>, tenantId: string, id: string): Promise<void> {
  if (!(await deps.portalSessions.delete(tenantId, id))) throw new BillhookError('not_found', `portal session ${id} not found`);
}
