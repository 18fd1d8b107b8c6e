/** The web dashboard, served by the api function (public: the page signs in with a key it sends to the API). */
import * as z from '../core/zod.ts';
import { tenantIdSchema } from '../core/model.ts';
import { route } from './define.ts';

export const dashboardPage = route({
  method: 'GET',
  path: '/dashboard',
  tag: 'dashboard',
  summary: 'Web dashboard',
  auth: 'none',
  responses: { 200: { description: 'The page shell', contentType: 'text/html' } },
  errors: ['service_unavailable'],
});

export const dashboardAsset = route({
  method: 'GET',
  path: '/dashboard/assets/{file}',
  tag: 'dashboard',
  summary: 'Web dashboard assets',
  auth: 'none',
  params: z.object({ file: z.string() }),
  responses: { 200: { description: 'A script or stylesheet (hashed name, cached forever)', contentType: 'text/javascript' } },
  errors: ['not_found', 'service_unavailable'],
});

export const portalPage = route({
  method: 'GET',
  path: '/portal/{tenantId}',
  tag: 'dashboard',
  summary: "A tenant's customer portal (the dashboard's page, signed in by the session in the link's fragment)",
  description:
    "Framed only by the tenant's `portalFrameAncestors` (CSP `frame-ancestors`; none by default, with `X-Frame-Options: DENY`). " +
    'Sent with `Referrer-Policy: no-referrer` and `Cache-Control: no-store`. Any well-formed tenant id answers the page (whether the tenant exists is not told).',
  auth: 'none',
  params: z.object({ tenantId: tenantIdSchema }),
  responses: { 200: { description: 'The page shell', contentType: 'text/html' } },
  errors: ['not_found', 'service_unavailable'],
});
