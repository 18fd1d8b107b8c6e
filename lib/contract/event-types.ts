/** The event-type catalogue: what endpoints subscribe to, with each type's description, schema and example. */
import * as z from '../core/zod.ts';
import { LIMITS } from '../core/model.ts';
import { json, rawJsonObject, route } from './define.ts';
import { eventTypeParams } from './params.ts';

/** Where an entry comes from: Billhook's defaults, the deployment's BILLHOOK_EXTRA_EVENT_TYPES, or a PUT. */
const SOURCES = ['default', 'deployment', 'custom'] as const;

export const eventTypeSchema = z.strictObject({
  type: z.string(),
  description: z.string(),
  schema: z.optional(rawJsonObject('JSON Schema (2020-12) that `data` must satisfy at ingest, as it was stored')),
  example: z.optional(rawJsonObject('An example `data`, as it was stored (what a test send of this type delivers)')),
  source: z.enum(SOURCES).register(z.globalRegistry, { description: '`default` (Billhook), `deployment` (BILLHOOK_EXTRA_EVENT_TYPES) or `custom` (stored with PUT)' }),
});

export const eventTypeInputSchema = z.strictObject({
  description: z.string().check(z.trim(), z.minLength(1), z.maxLength(LIMITS.descriptionLength)),
  schema: z.optional(z.record(z.string(), z.unknown())).register(z.globalRegistry, { description: 'A JSON Schema 2020-12 for the events’ `data` (422 `invalid_schema` if it is not one)' }),
  example: z.optional(z.record(z.string(), z.unknown())).register(z.globalRegistry, { description: 'An example `data`; must satisfy `schema` (422 `schema_mismatch` otherwise). Stored as the text sent' }),
});

const walletSchema = {
  type: 'object',
  required: ['walletId', 'customerId', 'amount', 'currency'],
  properties: { walletId: { type: 'string' }, customerId: { type: 'string' }, amount: { type: 'integer', minimum: 1 }, currency: { type: 'string', pattern: '^[A-Z]{3}$' } },
};
const walletExample = { walletId: 'wal_2M9XQ', customerId: 'cus_4QF2V7', amount: 10000, currency: 'EUR' };
const described = 'Credits were added to a wallet.';

export const listEventTypes = route({
  method: 'GET',
  path: '/v1/event-types',
  tag: 'event-types',
  summary: 'The event-type catalogue',
  description:
    'Every type endpoints may subscribe to, sorted by type: Billhook’s defaults, the deployment’s extras and the stored definitions (which win). Instances cache the catalogue: a change reaches every warm instance within 30 s.',
  auth: 'tenant',
  responses: { 200: json('Every event type endpoints may subscribe to', z.strictObject({ data: z.array(eventTypeSchema) })) },
  example: { response: { data: [{ type: 'invoice.paid', description: 'An invoice was paid in full.', example: { invoiceId: 'inv_1001', total: 4200, currency: 'EUR' }, source: 'default' }] } },
});

export const putEventType = route({
  method: 'PUT',
  path: '/v1/event-types/{type}',
  tag: 'event-types',
  summary: 'Define an event type, or replace a definition (description, JSON Schema, example)',
  description:
    'Creates a type (`acme.thing_happened`) or replaces one, defaults included; the definition replaces the entry whole. With a `schema`, ingest refuses events whose `data` does not satisfy it (422 `schema_mismatch` with the failing paths). `endpoint.*` and `delivery.*` are reserved for Billhook’s operational events (422). The change reaches every warm instance within 30 s.',
  auth: 'admin',
  params: eventTypeParams,
  body: eventTypeInputSchema,
  responses: { 200: json('The definition as stored', eventTypeSchema) },
  errors: ['invalid_schema', 'schema_mismatch', 'conflict'],
  example: {
    params: { type: 'wallet.topped_up' },
    body: { description: described, schema: walletSchema, example: walletExample },
    response: { type: 'wallet.topped_up', description: described, schema: walletSchema, example: walletExample, source: 'custom' },
  },
});

export const deleteEventType = route({
  method: 'DELETE',
  path: '/v1/event-types/{type}',
  tag: 'event-types',
  summary: 'Drop a stored definition (a default or deployment type returns to what it was)',
  description: 'Endpoints keep their subscriptions; events of a type that no longer exists are refused (422 `unknown_event_type`).',
  auth: 'admin',
  params: eventTypeParams,
  responses: { 204: { description: 'Dropped' } },
  example: { params: { type: 'wallet.topped_up' } },
});
