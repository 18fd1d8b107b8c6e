/** Events: what the billing service sends (ingest), and what it can read back (reconciliation). */
import * as z from '../core/zod.ts';
import { eventAcceptedSchema, eventBatchInputSchema, eventIdSchema, eventInputSchema, LIMITS } from '../core/model.ts';
import { eventDataSchema, isoTime, json, pageOf, pageQuerySchema, queryTime, route } from './define.ts';
import { T, eventParams, tenantParams } from './params.ts';

/** An event as the API shows it: `data` as sent. */
export const eventViewSchema = z.strictObject({
  id: eventIdSchema,
  type: z.string(),
  createdAt: isoTime,
  data: eventDataSchema,
  /** Number of endpoints the event was routed to. */
  deliveries: z.int(),
  idempotencyKey: z.optional(z.string()),
  orderingKey: z.optional(z.string()),
});

const accepted = { id: 'evt_01HZX', type: 'invoice.paid', createdAt: '2026-01-31T12:00:00.000Z', deliveries: 2 };
const sample = { type: 'invoice.paid', data: { invoiceId: 'inv_1', amount: 4200, currency: 'EUR' } };

export const createEvent = route({
  method: 'POST',
  path: `${T}/events`,
  tag: 'events',
  summary: 'Send an event to every subscribed endpoint of the tenant',
  description:
    'A 202 means the event is stored and every matching endpoint has a delivery queued. The same `Idempotency-Key` (or `id`) with the same body answers the first answer again with `Idempotent-Replayed: true`; with another body, 409 `idempotency_key_reused`. When the type has a JSON Schema in the catalogue, `data` must satisfy it: 422 `schema_mismatch` lists the failing paths (`data.amount`), and nothing is stored or delivered.',
  auth: 'tenant',
  params: tenantParams,
  headers: {
    'idempotency-key': {
      description: `Makes the call idempotent per tenant (1–${LIMITS.idempotencyKeyLength} printable ASCII characters, no spaces)`,
      schema: z.string().check(z.minLength(1), z.maxLength(LIMITS.idempotencyKeyLength), z.regex(/^[\x21-\x7e]+$/)),
    },
  },
  body: eventInputSchema,
  responses: { 202: { ...json('Accepted: stored, and a delivery queued for each matching endpoint', eventAcceptedSchema), headers: { 'idempotent-replayed': 'true when this answers a repeated Idempotency-Key' } } },
  errors: ['idempotency_key_reused', 'unknown_event_type', 'schema_mismatch'],
  example: { params: { tenantId: 'ten_acme' }, body: sample, response: accepted },
});

export const createEventBatch = route({
  method: 'POST',
  path: `${T}/events/batch`,
  tag: 'events',
  summary: `Send up to ${LIMITS.batchEvents} events at once`,
  description: 'All or nothing: an unknown type or a `data` that does not satisfy its type’s schema refuses the whole batch (422), the failing paths starting with the event’s index (`events.3.data.amount`).',
  auth: 'tenant',
  params: tenantParams,
  body: eventBatchInputSchema,
  responses: { 202: json('One answer per event, in order', z.strictObject({ data: z.array(z.extend(eventAcceptedSchema, { replayed: z.boolean() })) })) },
  errors: ['idempotency_key_reused', 'unknown_event_type', 'schema_mismatch'],
  example: { params: { tenantId: 'ten_acme' }, body: { events: [sample] }, response: { data: [{ ...accepted, replayed: false }] } },
});

export const listEvents = route({
  method: 'GET',
  path: `${T}/events`,
  tag: 'events',
  summary: 'List events (reconciliation)',
  auth: 'tenant',
  params: tenantParams,
  query: z.extend(pageQuerySchema, {
    since: z.optional(queryTime).register(z.globalRegistry, { description: 'Only events created at or after this ISO 8601 time' }),
    type: z.optional(z.string().check(z.maxLength(200))).register(z.globalRegistry, { description: 'Only events of this type' }),
  }),
  responses: { 200: json('One page of events, with their data', pageOf(eventViewSchema)) },
  errors: ['invalid_query', 'invalid_cursor'],
  example: { params: { tenantId: 'ten_acme' }, query: { type: 'invoice.paid' }, response: { data: [{ ...accepted, data: sample.data }], nextCursor: null } },
});

export const getEvent = route({
  method: 'GET',
  path: `${T}/events/{eventId}`,
  tag: 'events',
  summary: 'Get an event with its data',
  auth: 'tenant',
  params: eventParams,
  responses: { 200: json('The event; `data` exactly as it was sent', eventViewSchema) },
  example: { params: { tenantId: 'ten_acme', eventId: 'evt_01HZX' }, response: { ...accepted, data: sample.data } },
});
