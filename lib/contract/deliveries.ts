/** Deliveries (event × endpoint) with their attempts; a manual retry. */
import * as z from '../core/zod.ts';
import { DELIVERY_STATUSES, deliverySchema, deliveryWithAttemptsSchema, endpointIdSchema, eventIdSchema } from '../core/model.ts';
import { json, pageOf, pageQuerySchema, queryTime, route } from './define.ts';
import { T, deliveryParams, tenantParams } from './params.ts';

const delivery = {
  id: 'dlv_01HZX',
  tenantId: 'ten_acme',
  eventId: 'evt_01HZX',
  endpointId: 'ep_01HZX',
  eventType: 'invoice.paid',
  status: 'succeeded',
  attemptCount: 1,
  lastStatusCode: 200,
  lastAttemptAt: '2026-01-31T12:00:01.000Z',
  createdAt: '2026-01-31T12:00:00.000Z',
};
const ids = { tenantId: 'ten_acme', deliveryId: 'dlv_01HZX' };

export const listDeliveries = route({
  method: 'GET',
  path: `${T}/deliveries`,
  tag: 'deliveries',
  summary: 'List deliveries',
  auth: 'tenant',
  params: tenantParams,
  query: z.extend(pageQuerySchema, {
    status: z.optional(z.enum(DELIVERY_STATUSES)).register(z.globalRegistry, { description: 'Only deliveries in this status' }),
    endpointId: z.optional(endpointIdSchema).register(z.globalRegistry, { description: 'Only deliveries to this endpoint' }),
    eventId: z.optional(eventIdSchema).register(z.globalRegistry, { description: 'Only deliveries of this event' }),
    eventType: z.optional(z.string().check(z.maxLength(200))).register(z.globalRegistry, { description: 'Only deliveries of events of this type' }),
    since: z.optional(queryTime).register(z.globalRegistry, { description: 'Only deliveries created at or after this ISO 8601 time' }),
    until: z.optional(queryTime).register(z.globalRegistry, { description: 'Only deliveries created at or before this ISO 8601 time' }),
  }),
  responses: { 200: json('One page of deliveries, newest first', pageOf(deliverySchema)) },
  errors: ['invalid_query', 'invalid_cursor'],
  example: { params: { tenantId: 'ten_acme' }, query: { status: 'failed' }, response: { data: [delivery], nextCursor: null } },
});

export const getDelivery = route({
  method: 'GET',
  path: `${T}/deliveries/{deliveryId}`,
  tag: 'deliveries',
  summary: 'Get a delivery with its attempts',
  auth: 'tenant',
  params: deliveryParams,
  responses: { 200: json('The delivery and every attempt', deliveryWithAttemptsSchema) },
  example: { params: ids, response: { ...delivery, attempts: [{ attempt: 1, at: '2026-01-31T12:00:01.000Z', trigger: 'scheduled', statusCode: 200, durationMs: 42 }] } },
});

export const retryDelivery = route({
  method: 'POST',
  path: `${T}/deliveries/{deliveryId}/retry`,
  tag: 'deliveries',
  summary: 'Send one delivery again now (trigger manual)',
  auth: 'tenant',
  params: deliveryParams,
  responses: { 202: json('The delivery; the new attempt is queued', deliverySchema) },
  errors: ['conflict'],
  example: { params: ids, response: { ...delivery, status: 'pending' } },
});
