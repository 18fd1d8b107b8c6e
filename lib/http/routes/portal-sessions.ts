/** Portal sessions: minted, listed and revoked with the admin key. */
import type { AppDeps } from '../../app/deps.ts';
import { createPortalSession, deletePortalSession, listPortalSessions } from '../../app/portal-sessions.ts';
import { BillhookError } from '../../core/errors.ts';
import { API } from '../../contract/index.ts';
import { implement, type Route } from '../router.ts';
import type { HttpRequest } from '../types.ts';

const HOST = /^[A-Za-z0-9.-]{1,253}(?::[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?$/;

/**
 * Where portal links point: the deployment's public URL when it names one
 * (local mode, a custom domain), else the API as the caller reached it
 * (`https://` + the Host header API Gateway passes on).
 */
export function publicBase(settings: Pick<AppDeps['settings'], 'publicUrl'>, req: Pick<HttpRequest, 'headers'>): string {
  if (settings.publicUrl) return settings.publicUrl.replace(/\/+$/, '');
  const host = req.headers['host'];
  if (!host || !HOST.test(host)) throw new BillhookError('bad_request', 'cannot tell the public URL of this API from the request (no usable Host header): set BILLHOOK_PUBLIC_URL');
  return `https://${host}`;
}

export const portalSessionRoutes = (deps: () => Promise<AppDeps>): Route[] => [
  implement(API.createPortalSession, async ({ req, params, body }) => {
    const d = await deps();
    return createPortalSession(d, params.tenantId, body, publicBase(d.settings, req));
  }),
  implement(API.listPortalSessions, async ({ params }) => listPortalSessions(await deps(), params.tenantId)),
  implement(API.deletePortalSession, async ({ params }) => {
    await deletePortalSession(await deps(), params.tenantId, params.sessionId);
  }),
];
