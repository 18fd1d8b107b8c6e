/**
 * The HTTP API, one definition per route, by resource. Everything else is
 * derived from this table: the server's validation, /openapi.json,
 * docs/api.md, the client and the checks the tests run on every answer.
 */
import * as apiKeys from './api-keys.ts';
import * as dashboard from './dashboard.ts';
import * as deliveries from './deliveries.ts';
import * as dlq from './dlq.ts';
import * as endpoints from './endpoints.ts';
import * as eventTypes from './event-types.ts';
import * as events from './events.ts';
import * as meta from './meta.ts';
import * as portalSessions from './portal-sessions.ts';
import * as stats from './stats.ts';
import * as tenants from './tenants.ts';

export const API = {
  openApi: meta.openApi,
  health: meta.health,
  whoami: meta.whoami,
  listEventTypes: eventTypes.listEventTypes,
  putEventType: eventTypes.putEventType,
  deleteEventType: eventTypes.deleteEventType,
  createTenant: tenants.createTenant,
  listTenants: tenants.listTenants,
  getTenant: tenants.getTenant,
  updateTenant: tenants.updateTenant,
  createApiKey: apiKeys.createApiKey,
  listApiKeys: apiKeys.listApiKeys,
  deleteApiKey: apiKeys.deleteApiKey,
  createEndpoint: endpoints.createEndpoint,
  listEndpoints: endpoints.listEndpoints,
  getEndpoint: endpoints.getEndpoint,
  updateEndpoint: endpoints.updateEndpoint,
  deleteEndpoint: endpoints.deleteEndpoint,
  getEndpointStats: endpoints.getEndpointStats,
  getEndpointSecret: endpoints.getEndpointSecret,
  getEndpointPublicKey: endpoints.getEndpointPublicKey,
  rotateEndpointSecret: endpoints.rotateEndpointSecret,
  testEndpoint: endpoints.testEndpoint,
  recoverEndpoint: endpoints.recoverEndpoint,
  createEvent: events.createEvent,
  createEventBatch: events.createEventBatch,
  listEvents: events.listEvents,
  getEvent: events.getEvent,
  listDeliveries: deliveries.listDeliveries,
  getDelivery: deliveries.getDelivery,
  retryDelivery: deliveries.retryDelivery,
  getDlq: dlq.getDlq,
  redriveDlq: dlq.redriveDlq,
  createPortalSession: portalSessions.createPortalSession,
  listPortalSessions: portalSessions.listPortalSessions,
  deletePortalSession: portalSessions.deletePortalSession,
  getStats: stats.getStats,
  getEndpointTotals: stats.getEndpointTotals,
} as const;

export type Api = typeof API;
export type OperationId = keyof Api;

/** Each resource (an OpenAPI tag, a section of docs/api.md), in reading order. */
export const TAGS: Readonly<Record<string, string>> = {
  meta: 'Health, identity and this document.',
  'event-types': 'The event-type catalogue: what endpoints subscribe to, with descriptions, JSON Schemas (checked at ingest) and examples.',
  tenants: "The billing platform's customers; each has its own endpoints, events, deliveries and keys.",
  'api-keys': 'Tenant API keys: stored hashed and shown once; revoking a key revokes the keys it created.',
  endpoints: "Where a tenant's events are delivered: their secrets, stats, test sends and recovery.",
  events: 'What the billing service sends (the hot path), and what it can read back for reconciliation.',
  deliveries: 'One event for one endpoint, with its attempts; manual retries.',
  dlq: 'The dead-letter queue of exhausted deliveries, and a rate-capped redrive.',
  stats: 'Attempts per hour or day by outcome, with latency percentiles, and every endpoint’s totals: from counters, so a view costs the same however much traffic it covers.',
  'portal-sessions': "Links to one tenant's customer portal, for the billing platform to embed: short-lived, scoped (`read` or `manage`), revocable, stored hashed.",
  dashboard: 'The web dashboard served beside the API, and the customer portal.',
};

/** The routes the ingest function serves (the hot path); the api function serves the rest. */
export const INGEST_OPERATIONS = ['createEvent', 'createEventBatch'] as const satisfies readonly OperationId[];

/** Routes that are not part of the JSON API (documented apart). */
export const DASHBOARD = { dashboardPage: dashboard.dashboardPage, dashboardAsset: dashboard.dashboardAsset, portalPage: dashboard.portalPage } as const;

export * from './define.ts';
export { eventTypeSchema, eventTypeInputSchema } from './event-types.ts';
export { apiKeyViewSchema, createdKeySchema, type ApiKeyView, type CreatedKey } from './api-keys.ts';
export { endpointStatsSchema, recoverProgressSchema, type EndpointStats, type RecoverProgress } from './endpoints.ts';
export { eventViewSchema } from './events.ts';
export { redriveResultSchema, type RedriveResult } from './dlq.ts';
export { createdPortalSessionSchema, portalSessionViewSchema, type CreatedPortalSessionBody } from './portal-sessions.ts';
export { endpointTotalsSchema, statsBucketSchema, statsSeriesSchema, type EndpointTotalsView, type StatsBucketView, type StatsSeriesView } from './stats.ts';
export { PARAM_NOUNS } from './params.ts';
