/** The dead-letter queue: its depth, and a rate-capped redrive. */
import * as z from '../core/zod.ts';
import { json, route } from './define.ts';

export const redriveResultSchema = z.strictObject({
  moved: z.int(),
  /** Messages that are not deliveries Billhook can resend; they stay in the DLQ. */
  failed: z.int(),
  /** Approximate number still in the DLQ. */
  remaining: z.int(),
});
export type RedriveResult = z.infer<typeof redriveResultSchema>;

export const getDlq = route({
  method: 'GET',
  path: '/v1/dlq',
  tag: 'dlq',
  summary: 'Dead-letter queue depth',
  auth: 'admin',
  responses: { 200: json('Approximate number of dead-lettered deliveries', z.strictObject({ approximateMessages: z.int() })) },
  example: { response: { approximateMessages: 0 } },
});

export const redriveDlq = route({
  method: 'POST',
  path: '/v1/dlq/redrive',
  tag: 'dlq',
  summary: 'Move dead-lettered deliveries back to the queue (rate-capped); each starts a new retry chain',
  auth: 'admin',
  body: z.strictObject({
    max: z.optional(z.int().check(z.minimum(1), z.maximum(1000))).register(z.globalRegistry, { description: 'Most messages to move (default 100)' }),
    ratePerSecond: z.optional(z.number().check(z.minimum(0.1), z.maximum(100))).register(z.globalRegistry, { description: 'Moves per second (default 20)' }),
  }),
  bodyOptional: true,
  responses: { 200: json('What was moved', redriveResultSchema) },
  example: { body: { max: 100, ratePerSecond: 20 }, response: { moved: 2, failed: 0, remaining: 0 } },
});
