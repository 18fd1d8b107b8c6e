import { BillhookError } from '../core/errors.ts';
import { RawJson } from '../core/json-text.ts';
import type { Delivery, DeliveryWithAttempts, EventRecord } from '../core/model.ts';
import type { DeliveryListQuery, EventListQuery, Page } from '../ports.ts';
import type { AppDeps } from './deps.ts';
import { getTenant } from './tenants.ts';

/** An event as the API shows it: no internal fingerprint; `data` spliced in as the text it was sent as. */
export interface EventView {
  id: string;
  type: string;
  createdAt: string;
  data: RawJson;
  deliveries: number;
  idempotencyKey?: string;
  orderingKey?: string;
}

export function eventView(e: EventRecord): EventView {
  const v: EventView = { id: e.id, type: e.type, createdAt: e.createdAt, data: new RawJson(e.dataJson), deliveries: e.deliveries };
  if (e.idempotencyKey) v.idempotencyKey = e.idempotencyKey;
  if (e.orderingKey !== undefined) v.orderingKey = e.orderingKey;
  return v;
}

export async function listEvents(deps: Pick<AppDeps, 'tenants' | 'events'>, tenantId: string, q: EventListQuery): Promise<Page<EventView>> {
  await getTenant(deps, tenantId);
  const page = await deps.events.list(tenantId, q);
  return { data: page.data.map(eventView), nextCursor: page.nextCursor };
}

export async function getEvent(deps: Pick<AppDeps, 'events'>, tenantId: string, id: string): Promise<EventView> {
  const e = await deps.events.get(tenantId, id);
  if (!e) throw new BillhookError('not_found', `event ${id} not found`);
  return eventView(e);
}

export async function listDeliveries(deps: Pick<AppDeps, 'tenants' | 'deliveries' | 'events'>, tenantId: string, q: DeliveryListQuery): Promise<Page<Delivery>> {
  await getTenant(deps, tenantId);
  if (q.eventId) {
    // An event's deliveries are created with it: its creation time bounds the search to a key range.
    const event = await deps.events.get(tenantId, q.eventId);
    if (!event) return { data: [], nextCursor: null };
    if ((q.since && q.since > event.createdAt) || (q.until && q.until < event.createdAt)) return { data: [], nextCursor: null };
    return deps.deliveries.list(tenantId, { ...q, since: event.createdAt, until: event.createdAt });
  }
  return deps.deliveries.list(tenantId, q);
}

export async function getDelivery(deps: Pick<AppDeps, 'deliveries'>, tenantId: string, id: string): Promise<DeliveryWithAttempts> {
  const d = await deps.deliveries.get(tenantId, id);
  if (!d) throw new BillhookError('not_found', `delivery ${id} not found`);
  return d;
}
