/** The API's answers as types, for code that holds them (the dashboard's views, the CLI's tables). Browser-safe. */
import type * as z from '../core/zod.ts';
import type { API } from '../contract/index.ts';
import type { eventTypeSchema, eventViewSchema } from '../contract/index.ts';

export type { Attempt, Delivery, DeliveryStatus, DeliveryWithAttempts, EndpointInput, EndpointPatch, EndpointView, EventAccepted, Tenant } from '../core/model.ts';
export type { ApiKeyView, CreatedKey, EndpointStats, EndpointTotalsView, ProblemBody, RecoverProgress, RedriveResult, StatsBucketView, StatsSeriesView, SuccessBodyOf } from '../contract/index.ts';

/** An event as read by a client (`data` parsed: read the answer's text for exact numbers). */
export type EventView = z.output<typeof eventViewSchema>;
export type EventType = z.output<typeof eventTypeSchema>;
/** One page of a list. */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}
export type Whoami = z.output<(typeof API)['whoami']['responses'][200]['schema']>;
