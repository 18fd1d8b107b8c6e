import { BillhookError } from '../core/errors.ts';
import type { Delivery, DeliveryWithAttempts, EventRecord } from '../core/model.ts';
import type { DeliveryListQuery, EventListQuery, Page } from '../ports.ts';
import type { AppDeps } from './deps.ts';
import { getTenant } from './tenants.ts';

/** An event as the API shows it: no internal fingerprint. */
export interface EventView {
  id: string;
  type: string;
  createdAt: string;
  data: Record<string, unknown>;
  deliveries: number;
  idempotencyKey?: string;
}

export function eventView(e: EventRecord): EventView {
  const v: EventView = { id: e.id, type: e.type, createdAt: e.createdAt, data: e.data, deliveries: e.deliveries };
  if (e.idempotencyKey) v.idempotencyKey = e.idempotencyKey;
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

export async function listDeliveries(deps: Pick<AppDeps, 'tenants' | 'deliveries'>, tenantId: string, q: DeliveryListQuery): Promise<Page<Delivery>> {
  await getTenant(deps, tenantId);
  return deps.deliveries.list(tenantId, q);
}

export async function getDelivery(deps: Pick<AppDeps, 'deliveries'>, tenantId: string, id: string): Promise<DeliveryWithAttempts> {
  const d = await deps.deliveries.get(tenantId, id);
  if (!d) throw new BillhookError('not_found', `delivery ${id} not found`);
  return d;
}
