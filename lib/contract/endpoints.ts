/** Endpoints: where a tenant's events are delivered; their secrets, stats, tests and recovery. */
import * as z from '../core/zod.ts';
import { deliverySchema, endpointInputSchema, endpointPatchSchema, endpointViewSchema, rotateSecretSchema } from '../core/model.ts';
import { isoTime, json, pageOf, pageQuerySchema, queryTime, route } from './define.ts';
import { T, endpointParams, tenantParams } from './params.ts';

const E = `${T}/endpoints/{endpointId}`;
const ids = { tenantId: 'ten_acme', endpointId: 'ep_01HZX' };
const endpoint = {
  id: 'ep_01HZX',
  tenantId: 'ten_acme',
  url: 'https://billing.example.com/webhooks',
  eventTypes: ['invoice.*'],
  description: 'Invoices',
  status: 'enabled',
  signatureScheme: 'standard-webhooks',
  retrySchedule: [5, 300, 1800, 7200, 18000, 36000, 36000],
  maxInFlight: 10,
  ordering: 'none',
  headerNames: [],
  createdAt: '2026-01-31T12:00:00.000Z',
  updatedAt: '2026-01-31T12:00:00.000Z',
};
const delivery = {
  id: 'dlv_01HZX',
  tenantId: 'ten_acme',
  eventId: 'evt_01HZX',
  endpointId: 'ep_01HZX',
  eventType: 'webhook.test',
  status: 'pending',
  attemptCount: 0,
  createdAt: '2026-01-31T12:00:00.000Z',
};

/**
 * Counted per attempt, from the stats counters (lib/app/stats.ts), over the
 * whole hours from the one holding `since` to now.
 */
export const endpointStatsSchema = z.strictObject({
  endpointId: z.string(),
  since: isoTime,
  /** Attempts in the window. */
  deliveries: z.int(),
  /** Attempts answered 2xx. */
  succeeded: z.int(),
  /** Attempts that failed with a retry to follow. */
  inFlight: z.int(),
  /** Attempts that failed with no attempts left. */
  exhausted: z.int(),
  /** succeeded ÷ all attempts; null without attempts. */
  successRate: z.nullable(z.number()),
  /** Last status codes of the newest deliveries (newest first, 0 = no answer), at most 10. */
  recentStatusCodes: z.array(z.int()),
  /** Always false: nothing is capped any more (kept for clients that read it). */
  truncated: z.boolean(),
});
export type EndpointStats = z.infer<typeof endpointStatsSchema>;

export const recoverProgressSchema = z.strictObject({
  queued: z.int(),
  /** Deliveries whose event has expired, so there is nothing to re-send. */
  skipped: z.int(),
  /** True when more pages are being recovered by a background job. */
  continuing: z.boolean(),
});
export type RecoverProgress = z.infer<typeof recoverProgressSchema>;

const secretAnswer = z.strictObject({ secret: z.string() });
const publicKeyAnswer = z.strictObject({ publicKey: z.string() });

export const createEndpoint = route({
  method: 'POST',
  path: `${T}/endpoints`,
  tag: 'endpoints',
  summary: 'Create an endpoint',
  auth: 'tenant',
  params: tenantParams,
  body: endpointInputSchema,
  responses: { 201: json('The endpoint (never its secret)', endpointViewSchema) },
  errors: ['url_not_allowed', 'unknown_event_type'],
  example: { params: { tenantId: 'ten_acme' }, body: { url: 'https://billing.example.com/webhooks', eventTypes: ['invoice.*'], description: 'Invoices' }, response: endpoint },
});

export const listEndpoints = route({
  method: 'GET',
  path: `${T}/endpoints`,
  tag: 'endpoints',
  summary: 'List endpoints',
  auth: 'tenant',
  params: tenantParams,
  query: pageQuerySchema,
  responses: { 200: json('One page of endpoints', pageOf(endpointViewSchema)) },
  errors: ['invalid_query', 'invalid_cursor'],
  example: { params: { tenantId: 'ten_acme' }, response: { data: [endpoint], nextCursor: null } },
});

export const getEndpoint = route({
  method: 'GET',
  path: E,
  tag: 'endpoints',
  summary: 'Get an endpoint',
  auth: 'tenant',
  params: endpointParams,
  responses: { 200: json('The endpoint', endpointViewSchema) },
  example: { params: ids, response: endpoint },
});

export const updateEndpoint = route({
  method: 'PATCH',
  path: E,
  tag: 'endpoints',
  summary: 'Update an endpoint',
  auth: 'tenant',
  params: endpointParams,
  body: endpointPatchSchema,
  responses: { 200: json('The endpoint as updated', endpointViewSchema) },
  errors: ['url_not_allowed', 'unknown_event_type'],
  example: { params: ids, body: { disabled: true }, response: { ...endpoint, status: 'disabled', disabledReason: 'manual' } },
});

export const deleteEndpoint = route({
  method: 'DELETE',
  path: E,
  tag: 'endpoints',
  summary: 'Delete an endpoint',
  auth: 'tenant',
  params: endpointParams,
  responses: { 204: { description: 'Deleted' } },
  example: { params: ids },
});

export const getEndpointStats = route({
  method: 'GET',
  path: `${E}/stats`,
  tag: 'endpoints',
  summary: 'Success rate and recent status codes of an endpoint (default window: the last 24 h)',
  description:
    'Counted per attempt from the stats counters: `deliveries` is the attempts in the window, `inFlight` those that failed with a retry to follow. ' +
    'For charts and the endpoint list use GET /v1/tenants/{tenantId}/stats?endpointId= and GET /v1/tenants/{tenantId}/stats/endpoints.',
  auth: 'tenant',
  params: endpointParams,
  query: z.object({ since: z.optional(queryTime).register(z.globalRegistry, { description: 'Start of the window (ISO 8601); default 24 h ago' }) }),
  responses: { 200: json("The endpoint's recent health", endpointStatsSchema) },
  errors: ['invalid_query'],
  example: {
    params: ids,
    response: { endpointId: 'ep_01HZX', since: '2026-01-30T12:00:00.000Z', deliveries: 12, succeeded: 11, inFlight: 1, exhausted: 0, successRate: 1, recentStatusCodes: [200, 200], truncated: false },
  },
});

export const getEndpointSecret = route({
  method: 'GET',
  path: `${E}/secret`,
  tag: 'endpoints',
  summary: "Get an endpoint's signing secret",
  auth: 'tenant',
  // A read-only viewer does not see signing secrets.
  portalScope: 'manage',
  params: endpointParams,
  responses: { 200: json('The current signing secret', secretAnswer) },
  example: { params: ids, response: { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' } },
});

export const getEndpointPublicKey = route({
  method: 'GET',
  path: `${E}/public-key`,
  tag: 'endpoints',
  summary: 'Get the Ed25519 public key of an endpoint that signs with v1a',
  auth: 'tenant',
  params: endpointParams,
  responses: { 200: json('The public key receivers verify with', publicKeyAnswer) },
  errors: ['bad_request'],
  example: { params: ids, response: { publicKey: 'whpk_…' } },
});

export const rotateEndpointSecret = route({
  method: 'POST',
  path: `${E}/secret/rotate`,
  tag: 'endpoints',
  summary: 'Rotate the signing secret (the old one keeps signing for 24 h)',
  auth: 'tenant',
  params: endpointParams,
  body: rotateSecretSchema,
  bodyOptional: true,
  responses: { 200: json('The new secret (or, for Ed25519 endpoints, the new public key)', z.union([secretAnswer, publicKeyAnswer])) },
  example: { params: ids, body: {}, response: { secret: 'whsec_…' } },
});

export const testEndpoint = route({
  method: 'POST',
  path: `${E}/test`,
  tag: 'endpoints',
  summary: 'Send a test event to one endpoint: the type’s catalogue example as its data',
  description: 'Delivered through the normal pipeline (signed, logged, retried). The data is the `example` of the type in the catalogue (GET /v1/event-types), as stored; a type without one sends `{"test":true,"message":…}` (422 `schema_mismatch` if the type has a schema that data does not satisfy). Default type `webhook.test`.',
  auth: 'tenant',
  params: endpointParams,
  body: z.strictObject({ type: z.optional(z.string().check(z.minLength(1), z.maxLength(200))) }),
  bodyOptional: true,
  responses: { 202: json('The test delivery, queued', deliverySchema) },
  errors: ['unknown_event_type', 'conflict', 'schema_mismatch'],
  example: { params: ids, body: { type: 'webhook.test' }, response: delivery },
});

export const recoverEndpoint = route({
  method: 'POST',
  path: `${E}/recover`,
  tag: 'endpoints',
  summary: "Re-send an endpoint's failed and exhausted deliveries created in a time window",
  auth: 'tenant',
  params: endpointParams,
  body: z.strictObject({ since: queryTime, until: z.optional(queryTime) }),
  responses: { 202: json('How many were queued; the rest follow in the background when `continuing`', recoverProgressSchema) },
  errors: ['conflict'],
  example: { params: ids, body: { since: '2026-01-30T00:00:00Z' }, response: { queued: 3, skipped: 0, continuing: false } },
});
