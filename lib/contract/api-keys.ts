/** Tenant API keys: stored hashed, shown once; revoking one revokes the keys it created. */
import * as z from '../core/zod.ts';
import { keyIdSchema, tenantIdSchema } from '../core/model.ts';
import { isoTime, json, route } from './define.ts';
import { T, keyParams, tenantParams } from './params.ts';

export const createdKeySchema = z.strictObject({
  id: keyIdSchema,
  tenantId: tenantIdSchema,
  /** The key itself: shown once, never stored. */
  key: z.string().register(z.globalRegistry, { description: 'The key itself: shown once, never stored' }),
  prefix: z.string(),
  createdAt: isoTime,
});
export type CreatedKey = z.infer<typeof createdKeySchema>;

/** A key as listed: never the key or its hash. */
export const apiKeyViewSchema = z.strictObject({
  id: keyIdSchema,
  prefix: z.string(),
  createdAt: isoTime,
  /** `admin`, or the id of the key that created this one (absent for keys from before it was kept). */
  createdBy: z.optional(z.string()),
});
export type ApiKeyView = z.infer<typeof apiKeyViewSchema>;

export const createApiKey = route({
  method: 'POST',
  path: `${T}/api-keys`,
  tag: 'api-keys',
  summary: 'Create a tenant API key (the key is shown once; the caller is recorded as createdBy)',
  auth: 'tenant',
  // A session is never a way to mint or revoke longer-lived credentials.
  portalScope: 'never',
  freshAuth: true,
  params: tenantParams,
  responses: { 201: json('The new key, shown this once', createdKeySchema) },
  example: { params: { tenantId: 'ten_acme' }, response: { id: 'key_01HZX', tenantId: 'ten_acme', key: 'bh_tk_…', prefix: 'bh_tk_AbCd', createdAt: '2026-01-31T12:00:00.000Z' } },
});

export const listApiKeys = route({
  method: 'GET',
  path: `${T}/api-keys`,
  tag: 'api-keys',
  summary: "List a tenant's API keys: id, prefix, createdAt, createdBy (never the key)",
  auth: 'tenant',
  // A session is never a way to mint or revoke longer-lived credentials.
  portalScope: 'never',
  freshAuth: true,
  params: tenantParams,
  responses: { 200: json("The tenant's keys, oldest first", z.strictObject({ data: z.array(apiKeyViewSchema) })) },
  example: { params: { tenantId: 'ten_acme' }, response: { data: [{ id: 'key_01HZX', prefix: 'bh_tk_AbCd', createdAt: '2026-01-31T12:00:00.000Z', createdBy: 'admin' }] } },
});

export const deleteApiKey = route({
  method: 'DELETE',
  path: `${T}/api-keys/{keyId}`,
  tag: 'api-keys',
  summary: 'Revoke a tenant API key and, unless cascade=false, every key it created (transitively)',
  auth: 'tenant',
  // A session is never a way to mint or revoke longer-lived credentials.
  portalScope: 'never',
  freshAuth: true,
  params: keyParams,
  query: z.object({
    cascade: z.optional(z.enum(['true', 'false'])).register(z.globalRegistry, { description: 'Also revoke the keys this key created, transitively (default true)' }),
  }),
  responses: { 204: { description: 'Revoked' } },
  errors: ['invalid_query'],
  example: { params: { tenantId: 'ten_acme', keyId: 'key_01HZX' }, query: { cascade: 'false' } },
});
