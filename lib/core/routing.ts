import { matchesAny } from './event-types.ts';
import type { EndpointRecord } from './model.ts';

/**
 * Which endpoints get an event: enabled ones whose patterns match its type.
 *
 * @example
 * route([{ eventTypes: ['invoice.*'], status: 'enabled', ... }], 'invoice.paid') // → that endpoint
 */
export function route<E extends Pick<EndpointRecord, 'eventTypes' | 'status'>>(endpoints: readonly E[], eventType: string): E[] {
  return endpoints.filter((e) => e.status === 'enabled' && matchesAny(e.eventTypes, eventType));
}
