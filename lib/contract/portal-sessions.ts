/** Portal sessions: short-lived links to one tenant's portal, minted with the admin key. */
import * as z from '../core/zod.ts';
import { LIMITS, PORTAL_SCOPES, portalSessionIdSchema } from '../core/model.ts';
import { isoTime, json, route } from './define.ts';
import { T, portalSessionParams, tenantParams } from './params.ts';

const S = LIMITS.portalSessionSeconds;

export const portalSessionInputSchema = z.strictObject({
  expiresInSeconds: z
    ._default(z.int().check(z.minimum(S.min), z.maximum(S.max)), S.default)
    .register(z.globalRegistry, { description: `How long the link works, in seconds (${S.min}–${S.max}, default ${S.default})` }),
  scope: z
    ._default(z.enum(PORTAL_SCOPES), 'manage')
    .register(z.globalRegistry, { description: '`manage` (default): what a tenant key may do, except API keys and portal sessions; `read`: nothing that changes state' }),
});

export const createdPortalSessionSchema = z.strictObject({
  id: portalSessionIdSchema,
  url: z.string().register(z.globalRegistry, { description: 'Opens the portal signed in as the tenant: `<public URL>/portal/<tenantId>#session=<token>`. Shown once; put it in an iframe `src` or a link' }),
  scope: z.enum(PORTAL_SCOPES),
  expiresAt: isoTime,
});
export type CreatedPortalSessionBody = z.infer<typeof createdPortalSessionSchema>;

export const portalSessionViewSchema = z.strictObject({ id: portalSessionIdSchema, scope: z.enum(PORTAL_SCOPES), createdAt: isoTime, expiresAt: isoTime });

const P = `${T}/portal-sessions`;

export const createPortalSession = route({
  method: 'POST',
  path: P,
  tag: 'portal-sessions',
  summary: "Create a portal session: a link to the tenant's portal for the platform to embed in an iframe",
  description:
    'The token is in the URL fragment, which browsers never send to a server (so it is in no access log or Referer); it is stored only as a hash. ' +
    "The page at the link frames only inside the tenant's `portalFrameAncestors`.",
  auth: 'admin',
  portalScope: 'never',
  params: tenantParams,
  body: portalSessionInputSchema,
  bodyOptional: true,
  responses: { 201: json('The session and its link (shown once)', createdPortalSessionSchema) },
  errors: ['bad_request'],
  example: {
    params: { tenantId: 'ten_acme' },
    body: { expiresInSeconds: 3600, scope: 'manage' },
    response: { id: 'ps_01HZX', url: 'https://hooks.example.com/portal/ten_acme#session=bhps_…', scope: 'manage', expiresAt: '2026-01-31T13:00:00.000Z' },
  },
});

export const listPortalSessions = route({
  method: 'GET',
  path: P,
  tag: 'portal-sessions',
  summary: "List a tenant's portal sessions that have not expired (never their tokens)",
  auth: 'admin',
  portalScope: 'never',
  params: tenantParams,
  responses: { 200: json('The sessions, oldest first', z.strictObject({ data: z.array(portalSessionViewSchema) })) },
  example: { params: { tenantId: 'ten_acme' }, response: { data: [{ id: 'ps_01HZX', scope: 'manage', createdAt: '2026-01-31T12:00:00.000Z', expiresAt: '2026-01-31T13:00:00.000Z' }] } },
});

export const deletePortalSession = route({
  method: 'DELETE',
  path: `${P}/{sessionId}`,
  tag: 'portal-sessions',
  summary: 'Revoke a portal session (it stops working within 30 s on warm instances)',
  auth: 'admin',
  portalScope: 'never',
  params: portalSessionParams,
  responses: { 204: { description: 'Revoked' } },
  example: { params: { tenantId: 'ten_acme', sessionId: 'ps_01HZX' } },
});
