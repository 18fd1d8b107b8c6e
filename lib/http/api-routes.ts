import * as z from '../core/zod.ts';
import { BillhookError } from '../core/errors.ts';
import {
  DELIVERY_STATUSES,
  deliveryIdSchema,
  endpointIdSchema,
  endpointInputSchema,
  endpointPatchSchema,
  eventIdSchema,
  keyIdSchema,
  rotateSecretSchema,
  tenantInputSchema,
} from '../core/model.ts';
import type { AppDeps } from '../app/deps.ts';
import { createApiKey, deleteApiKey, listApiKeys } from '../app/api-keys.ts';
import { createEndpoint, deleteEndpoint, getEndpoint, getEndpointPublicKey, getEndpointSecret, listEndpoints, rotateEndpointSecret, sendTestEvent, updateEndpoint } from '../app/endpoints.ts';
import { endpointStats, getDelivery, getEvent, listDeliveries, listEvents } from '../app/queries.ts';
import { recoverEndpoint, redriveDeadLetters, retryDelivery } from '../app/replay.ts';
import { createTenant, getTenant, listTenants } from '../app/tenants.ts';
import { ingestRoutes } from './ingest-routes.ts';
import { openApiDocument } from './openapi.ts';
import { pageQuery, parseBody } from './parse.ts';
import { json, noContent } from './respond.ts';
import type { Route } from './router.ts';

/** An id in the path that cannot exist reads as 404, like any unknown id. */
function id(schema: z.Schema<string>, value: string | undefined, what: string): string {
  if (value === undefined || !z.safeParse(schema, value).success) throw new BillhookError('not_found', `${what} ${value ?? ''} not found`);
  return value;
}

const isoTime = z.iso.datetime({ offset: true });
const testEventSchema = z.strictObject({ type: z.optional(z.string().check(z.minLength(1), z.maxLength(200))) });
const recoverSchema = z.strictObject({ since: isoTime, until: z.optional(isoTime) });
const redriveSchema = z.strictObject({
  max: z.optional(z.int().check(z.minimum(1), z.maximum(1000))),
  ratePerSecond: z.optional(z.number().check(z.minimum(0.1), z.maximum(100))),
});

/** A request id → an id safe for attempt keys and job ids. */
const jobIdOf = (requestId: string): string => requestId.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 48) || 'job';

function optionalQuery<T>(schema: z.Schema<T>, value: string | undefined, name: string): T | undefined {
  if (value === undefined || value === '') return undefined;
  const r = z.safeParse(schema, value);
  if (!r.success) throw new BillhookError('invalid_query', `query parameter ${name} is invalid: ${r.error.issues[0]?.message ?? 'bad value'}`);
  return r.data;
}

/** Management routes served by the api function. */
export function apiRoutes(deps: () => Promise<AppDeps>): Route[] {
  const T = '/v1/tenants/{tenantId}';
  const routes: Route[] = [
    {
      method: 'GET',
      path: '/openapi.json',
      summary: 'The OpenAPI 3.1 document of every route',
      success: 200,
      auth: 'none',
      handle: async () => json(200, openApiDocument([...routes, ...ingestRoutes(async () => { throw new Error('documentation only'); })], (await deps()).settings.version)),
    },
    {
      method: 'GET',
      path: '/v1/health',
      summary: 'Liveness',
      success: 200,
      auth: 'none',
      handle: async () => json(200, { status: 'ok' }),
    },
    {
      method: 'GET',
      path: '/v1/whoami',
      summary: 'The caller: the admin, or the tenant a key belongs to',
      success: 200,
      auth: 'tenant',
      handle: async ({ principal }) => json(200, principal?.kind === 'tenant' ? { kind: 'tenant', tenantId: principal.tenantId, keyId: principal.keyId } : { kind: 'admin' }),
    },
    {
      method: 'GET',
      path: '/v1/event-types',
      summary: 'The event-type catalogue',
      success: 200,
      auth: 'tenant',
      handle: async () => json(200, { data: (await deps()).catalogue.list() }),
    },
    {
      method: 'POST',
      path: '/v1/tenants',
      summary: 'Create a tenant',
      success: 201,
      body: tenantInputSchema,
      auth: 'admin',
      async handle({ req }) {
        return json(201, await createTenant(await deps(), parseBody(req, tenantInputSchema)));
      },
    },
    {
      method: 'GET',
      path: '/v1/tenants',
      summary: 'List tenants',
      success: 200,
      query: ['limit', 'cursor'],
      auth: 'admin',
      handle: async ({ req }) => json(200, await listTenants(await deps(), pageQuery(req.query))),
    },
    {
      method: 'GET',
      path: T,
      summary: 'Get a tenant',
      success: 200,
      auth: 'tenant',
      handle: async ({ params }) => json(200, await getTenant(await deps(), params.tenantId!)),
    },
    {
      method: 'POST',
      path: `${T}/api-keys`,
      summary: 'Create a tenant API key (the key is shown once; the caller is recorded as createdBy)',
      success: 201,
      auth: 'tenant',
      freshAuth: true,
      handle: async ({ params, principal }) =>
        json(201, await createApiKey(await deps(), params.tenantId!, principal?.kind === 'tenant' ? { keyId: principal.keyId } : 'admin')),
    },
    {
      method: 'GET',
      path: `${T}/api-keys`,
      summary: "List a tenant's API keys: id, prefix, createdAt, createdBy (never the key)",
      success: 200,
      auth: 'tenant',
      freshAuth: true,
      handle: async ({ params }) => json(200, await listApiKeys(await deps(), params.tenantId!)),
    },
    {
      method: 'DELETE',
      path: `${T}/api-keys/{keyId}`,
      summary: 'Revoke a tenant API key and, unless cascade=false, every key it created (transitively)',
      success: 204,
      query: ['cascade'],
      auth: 'tenant',
      freshAuth: true,
      async handle({ req, params }) {
        const cascade = optionalQuery(z.enum(['true', 'false']), req.query.cascade, 'cascade');
        await deleteApiKey(await deps(), params.tenantId!, id(keyIdSchema, params.keyId, 'api key'), { cascade: cascade !== 'false' });
        return noContent();
      },
    },
    {
      method: 'POST',
      path: `${T}/endpoints`,
      summary: 'Create an endpoint',
      success: 201,
      body: endpointInputSchema,
      auth: 'tenant',
      async handle({ req, params }) {
        return json(201, await createEndpoint(await deps(), params.tenantId!, parseBody(req, endpointInputSchema)));
      },
    },
    {
      method: 'GET',
      path: `${T}/endpoints`,
      summary: 'List endpoints',
      success: 200,
      query: ['limit', 'cursor'],
      auth: 'tenant',
      handle: async ({ req, params }) => json(200, await listEndpoints(await deps(), params.tenantId!, pageQuery(req.query))),
    },
    {
      method: 'GET',
      path: `${T}/endpoints/{endpointId}`,
      summary: 'Get an endpoint',
      success: 200,
      auth: 'tenant',
      handle: async ({ params }) => json(200, await getEndpoint(await deps(), params.tenantId!, id(endpointIdSchema, params.endpointId, 'endpoint'))),
    },
    {
      method: 'PATCH',
      path: `${T}/endpoints/{endpointId}`,
      summary: 'Update an endpoint',
      success: 200,
      body: endpointPatchSchema,
      auth: 'tenant',
      async handle({ req, params }) {
        const endpointId = id(endpointIdSchema, params.endpointId, 'endpoint');
        return json(200, await updateEndpoint(await deps(), params.tenantId!, endpointId, parseBody(req, endpointPatchSchema)));
      },
    },
    {
      method: 'DELETE',
      path: `${T}/endpoints/{endpointId}`,
      summary: 'Delete an endpoint',
      success: 204,
      auth: 'tenant',
      async handle({ params }) {
        await deleteEndpoint(await deps(), params.tenantId!, id(endpointIdSchema, params.endpointId, 'endpoint'));
        return noContent();
      },
    },
    {
      method: 'GET',
      path: `${T}/endpoints/{endpointId}/stats`,
      summary: 'Success rate and recent status codes of an endpoint (default window: the last 24 h)',
      success: 200,
      query: ['since'],
      auth: 'tenant',
      async handle({ req, params }) {
        const endpointId = id(endpointIdSchema, params.endpointId, 'endpoint');
        const since = optionalQuery(isoTime, req.query.since, 'since');
        return json(200, await endpointStats(await deps(), params.tenantId!, endpointId, since ? new Date(since).toISOString() : undefined));
      },
    },
    {
      method: 'GET',
      path: `${T}/endpoints/{endpointId}/secret`,
      summary: "Get an endpoint's signing secret",
      success: 200,
      auth: 'tenant',
      handle: async ({ params }) => json(200, await getEndpointSecret(await deps(), params.tenantId!, id(endpointIdSchema, params.endpointId, 'endpoint'))),
    },
    {
      method: 'GET',
      path: `${T}/endpoints/{endpointId}/public-key`,
      summary: 'Get the Ed25519 public key of an endpoint that signs with v1a',
      success: 200,
      auth: 'tenant',
      handle: async ({ params }) => json(200, await getEndpointPublicKey(await deps(), params.tenantId!, id(endpointIdSchema, params.endpointId, 'endpoint'))),
    },
    {
      method: 'POST',
      path: `${T}/endpoints/{endpointId}/secret/rotate`,
      summary: 'Rotate the signing secret (the old one keeps signing for 24 h)',
      success: 200,
      body: rotateSecretSchema,
      auth: 'tenant',
      async handle({ req, params }) {
        const endpointId = id(endpointIdSchema, params.endpointId, 'endpoint');
        const input = parseBody(req, rotateSecretSchema, { optional: true });
        return json(200, await rotateEndpointSecret(await deps(), params.tenantId!, endpointId, input.secret));
      },
    },
    {
      method: 'POST',
      path: `${T}/endpoints/{endpointId}/test`,
      summary: 'Send a test event to one endpoint',
      success: 202,
      body: testEventSchema,
      auth: 'tenant',
      async handle({ req, params }) {
        const endpointId = id(endpointIdSchema, params.endpointId, 'endpoint');
        const input = parseBody(req, testEventSchema, { optional: true });
        return json(202, await sendTestEvent(await deps(), params.tenantId!, endpointId, input.type));
      },
    },
    {
      method: 'POST',
      path: `${T}/endpoints/{endpointId}/recover`,
      summary: "Re-send an endpoint's failed and exhausted deliveries created in a time window",
      success: 202,
      body: recoverSchema,
      auth: 'tenant',
      async handle({ req, params }) {
        const endpointId = id(endpointIdSchema, params.endpointId, 'endpoint');
        const input = parseBody(req, recoverSchema);
        const window = { since: new Date(input.since).toISOString(), ...(input.until ? { until: new Date(input.until).toISOString() } : {}) };
        return json(202, await recoverEndpoint(await deps(), params.tenantId!, endpointId, window, jobIdOf(req.requestId)));
      },
    },
    {
      method: 'GET',
      path: `${T}/events`,
      summary: 'List events (reconciliation)',
      success: 200,
      query: ['since', 'type', 'limit', 'cursor'],
      auth: 'tenant',
      async handle({ req, params }) {
        const since = optionalQuery(isoTime, req.query.since, 'since');
        const type = optionalQuery(z.string().check(z.maxLength(200)), req.query.type, 'type');
        const q = { ...pageQuery(req.query), ...(since ? { since: new Date(since).toISOString() } : {}), ...(type ? { type } : {}) };
        return json(200, await listEvents(await deps(), params.tenantId!, q));
      },
    },
    {
      method: 'GET',
      path: `${T}/events/{eventId}`,
      summary: 'Get an event with its data',
      success: 200,
      auth: 'tenant',
      handle: async ({ params }) => json(200, await getEvent(await deps(), params.tenantId!, id(eventIdSchema, params.eventId, 'event'))),
    },
    {
      method: 'GET',
      path: `${T}/deliveries`,
      summary: 'List deliveries',
      success: 200,
      query: ['status', 'endpointId', 'eventId', 'eventType', 'since', 'until', 'limit', 'cursor'],
      auth: 'tenant',
      async handle({ req, params }) {
        const status = optionalQuery(z.enum(DELIVERY_STATUSES), req.query.status, 'status');
        const endpointId = optionalQuery(endpointIdSchema, req.query.endpointId, 'endpointId');
        const eventId = optionalQuery(eventIdSchema, req.query.eventId, 'eventId');
        const eventType = optionalQuery(z.string().check(z.maxLength(200)), req.query.eventType, 'eventType');
        const since = optionalQuery(isoTime, req.query.since, 'since');
        const until = optionalQuery(isoTime, req.query.until, 'until');
        const q = {
          ...pageQuery(req.query),
          ...(status ? { status } : {}),
          ...(endpointId ? { endpointId } : {}),
          ...(eventId ? { eventId } : {}),
          ...(eventType ? { eventType } : {}),
          ...(since ? { since: new Date(since).toISOString() } : {}),
          ...(until ? { until: new Date(until).toISOString() } : {}),
        };
        return json(200, await listDeliveries(await deps(), params.tenantId!, q));
      },
    },
    {
      method: 'GET',
      path: `${T}/deliveries/{deliveryId}`,
      summary: 'Get a delivery with its attempts',
      success: 200,
      auth: 'tenant',
      handle: async ({ params }) => json(200, await getDelivery(await deps(), params.tenantId!, id(deliveryIdSchema, params.deliveryId, 'delivery'))),
    },
    {
      method: 'POST',
      path: `${T}/deliveries/{deliveryId}/retry`,
      summary: 'Send one delivery again now (trigger manual)',
      success: 202,
      auth: 'tenant',
      async handle({ req, params }) {
        const deliveryId = id(deliveryIdSchema, params.deliveryId, 'delivery');
        return json(202, await retryDelivery(await deps(), params.tenantId!, deliveryId, jobIdOf(req.requestId)));
      },
    },
    {
      method: 'GET',
      path: '/v1/dlq',
      summary: 'Dead-letter queue depth',
      success: 200,
      auth: 'admin',
      handle: async () => json(200, { approximateMessages: await (await deps()).dlq.depth() }),
    },
    {
      method: 'POST',
      path: '/v1/dlq/redrive',
      summary: 'Move dead-lettered deliveries back to the queue (rate-capped); each starts a new retry chain',
      success: 200,
      body: redriveSchema,
      auth: 'admin',
      async handle({ req }) {
        const input = parseBody(req, redriveSchema, { optional: true });
        return json(200, await redriveDeadLetters(await deps(), { max: input.max ?? 100, ratePerSecond: input.ratePerSecond ?? 20 }));
      },
    },
  ];
  return routes;
}
