/** Health, identity and this document itself. */
import * as z from '../core/zod.ts';
import { PORTAL_SCOPES } from '../core/model.ts';
import { isoTime, json, route } from './define.ts';

export const openApi = route({
  method: 'GET',
  path: '/openapi.json',
  tag: 'meta',
  summary: 'The OpenAPI 3.1 document of every route',
  auth: 'none',
  responses: { 200: json('OpenAPI 3.1 document', z.record(z.string(), z.unknown())) },
});

export const health = route({
  method: 'GET',
  path: '/v1/health',
  tag: 'meta',
  summary: 'Liveness',
  auth: 'none',
  responses: { 200: json('The API answers', z.strictObject({ status: z.literal('ok') })) },
  example: { response: { status: 'ok' } },
});

export const whoami = route({
  method: 'GET',
  path: '/v1/whoami',
  tag: 'meta',
  summary: 'The caller: the admin, the tenant a key belongs to, or a portal session',
  auth: 'tenant',
  responses: {
    200: json(
      'Who the key belongs to',
      z.discriminatedUnion('kind', [
        z.strictObject({ kind: z.literal('admin') }),
        z.strictObject({ kind: z.literal('tenant'), tenantId: z.string(), keyId: z.string() }),
        z.strictObject({ kind: z.literal('portal'), tenantId: z.string(), sessionId: z.string(), scope: z.enum(PORTAL_SCOPES), expiresAt: isoTime }),
      ]),
    ),
  },
  example: { response: { kind: 'tenant', tenantId: 'ten_acme', keyId: 'key_01HZX' } },
});
