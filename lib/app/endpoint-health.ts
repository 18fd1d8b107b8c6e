/**
 * Endpoint health, as the sender sees it after each logged attempt: a
 * success clears a failure run (and reports `endpoint.recovered` if
 * deliveries had been exhausted); failures start a run; an exhausted
 * delivery counts, reports `delivery.exhausted`, and may disable the
 * endpoint; a 410 disables it at once. Writes happen only on changes of
 * state, so a healthy endpoint costs nothing here.
 */
import { isOperationalEventType } from '../core/event-types.ts';
import type { DeliveryMessage, DeliveryStatus, EndpointRecord } from '../core/model.ts';
import type { Outcome } from '../core/outcome.ts';
import type { SenderDeps } from './deps.ts';

const DAY_MS = 86_400_000;

async function emit(deps: SenderDeps, tenantId: string, type: string, data: Record<string, unknown>, key: string): Promise<void> {
  await deps.queue.enqueueJob({ v: 1, kind: 'emit', tenantId, type, data, key });
}

async function disable(deps: SenderDeps, endpoint: EndpointRecord, reason: string, atIso: string): Promise<void> {
  if (!(await deps.health.disable(endpoint.tenantId, endpoint.id, reason, atIso))) return;
  deps.endpoints.invalidate(endpoint.tenantId, endpoint.id);
  await emit(deps, endpoint.tenantId, 'endpoint.disabled', { endpointId: endpoint.id, url: endpoint.url, reason, disabledAt: atIso }, `endpoint.disabled:${endpoint.id}:${endpoint.version}`);
}

export async function afterAttempt(
  deps: SenderDeps,
  endpoint: EndpointRecord,
  m: DeliveryMessage,
  status: DeliveryStatus,
  outcome: Outcome,
  attempt: { lastStatusCode?: number; lastError?: string },
  atIso: string,
): Promise<void> {
  const { tenantId, id } = endpoint;
  const s = deps.settings;
  if (status === 'succeeded') {
    const h = endpoint.health;
    if (h?.failingSince || h?.consecutiveExhausted) {
      await deps.health.noteSuccess(tenantId, id);
      deps.endpoints.noteHealth(tenantId, id, undefined);
      if (h.consecutiveExhausted) {
        await emit(deps, tenantId, 'endpoint.recovered', { endpointId: id, url: endpoint.url, failingSince: h.failingSince, recoveredAt: atIso }, `endpoint.recovered:${id}:${h.failingSince ?? atIso}`);
      }
    }
    return;
  }
  if (outcome.kind === 'disable') {
    await disable(deps, endpoint, outcome.reason, atIso);
    return;
  }
  if (m.trigger !== 'scheduled') return; // extra attempts do not move the health counters
  const tooLong = (since: string | undefined) => s.disableAfterDays > 0 && since !== undefined && Date.parse(atIso) - Date.parse(since) >= s.disableAfterDays * DAY_MS;
  if (status === 'failed') {
    let since = endpoint.health?.failingSince;
    if (!since) {
      const health = await deps.health.noteFailure(tenantId, id, atIso);
      since = health?.failingSince;
      if (health) deps.endpoints.noteHealth(tenantId, id, health);
      else deps.endpoints.invalidate(tenantId, id);
    }
    if (tooLong(since)) await disable(deps, endpoint, `failing continuously since ${since}`, atIso);
    return;
  }
  if (status === 'exhausted') {
    const h = await deps.health.noteExhausted(tenantId, id, atIso);
    if (h) deps.endpoints.noteHealth(tenantId, id, h);
    else deps.endpoints.invalidate(tenantId, id);
    if (!isOperationalEventType(m.event.type)) {
      await emit(
        deps,
        tenantId,
        'delivery.exhausted',
        { deliveryId: m.deliveryId, eventId: m.event.id, eventType: m.event.type, endpointId: id, attempts: m.attempt, ...attempt },
        `delivery.exhausted:${m.deliveryId}:${m.chain ?? 0}`,
      );
    }
    if (s.disableAfterExhausted > 0 && (h?.consecutiveExhausted ?? 0) >= s.disableAfterExhausted) {
      await disable(deps, endpoint, `${h!.consecutiveExhausted} deliveries exhausted in a row`, atIso);
    } else if (tooLong(h?.failingSince)) {
      await disable(deps, endpoint, `failing continuously since ${h!.failingSince}`, atIso);
    }
  }
}
