/**
 * Replay: a manual retry of one delivery, `recover` of an endpoint's failed
 * and exhausted deliveries in a time window, and redrive of the dead-letter
 * queue. Each only enqueues messages; the sender makes the attempts.
 */
import { BillhookError } from '../core/errors.ts';
import type { LaneEndpoint } from '../core/lanes.ts';
import { deliveryMessageSchema, type Delivery, type DeliveryMessage, type EndpointRecord, type RecoverJob } from '../core/model.ts';
import { decodeQueueMessage } from '../core/queue-encoding.ts';
import type { DeadLetterQueue } from '../ports.ts';
import type { AppDeps } from './deps.ts';
import type { RecoverProgress } from '../contract/endpoints.ts';
import type { RedriveResult } from '../contract/dlq.ts';
import { deliveryMessage, inLane, payloadOf } from './messages.ts';

export type { RecoverProgress } from '../contract/endpoints.ts';
export type { RedriveResult } from '../contract/dlq.ts';

type Deps = Pick<AppDeps, 'deliveries' | 'events' | 'endpoints' | 'queue' | 'settings'>;

async function enabledEndpoint(deps: Pick<AppDeps, 'endpoints'>, tenantId: string, endpointId: string): Promise<EndpointRecord> {
  const endpoint = await deps.endpoints.get(tenantId, endpointId);
  if (!endpoint) throw new BillhookError('not_found', `endpoint ${endpointId} not found`);
  if (endpoint.status !== 'enabled') throw new BillhookError('conflict', `endpoint ${endpointId} is disabled; enable it first`);
  return endpoint;
}

/** The message for one extra (manual or recover) attempt of a logged delivery. */
async function extraAttempt(deps: Deps, d: Delivery, endpoint: EndpointRecord, trigger: 'manual' | 'recover', attemptKey: string): Promise<DeliveryMessage | undefined> {
  const event = await deps.events.get(d.tenantId, d.eventId);
  if (!event) return undefined; // expired from the events table: nothing left to send
  const m: DeliveryMessage = {
    ...deliveryMessage(payloadOf(event), d.tenantId, endpoint, deps.settings.defaultMaxInFlight, event.orderingKey),
    deliveryId: d.id,
    createdAt: d.createdAt,
    attempt: d.attemptCount + 1,
    trigger,
    attemptKey,
    // Beside a pending scheduled retry, a failed extra attempt leaves the delivery `failed`.
    onFailure: d.status === 'failed' ? 'failed' : 'exhausted',
  };
  // Out of band: in the endpoint's shard lanes, never behind (or ahead of) its key's order.
  return inLane(m, endpoint, deps.settings.defaultMaxInFlight);
}

/**
 * A skipped delivery (its endpoint was disabled) gets the whole retry
 * schedule, as a new chain: chain numbers below attemptCount are all used
 * up, since every chain made at least one attempt.
 */
async function restartChain(deps: Deps, d: Delivery, endpoint: EndpointRecord): Promise<DeliveryMessage | undefined> {
  const event = await deps.events.get(d.tenantId, d.eventId);
  if (!event) return undefined;
  const m: DeliveryMessage = {
    ...deliveryMessage(payloadOf(event), d.tenantId, endpoint, deps.settings.defaultMaxInFlight, event.orderingKey),
    deliveryId: d.id,
    createdAt: d.createdAt,
    chain: d.attemptCount,
  };
  return inLane(m, endpoint, deps.settings.defaultMaxInFlight);
}

/** POST /deliveries/{id}/retry: one new attempt now, trigger `manual`. */
export async function retryDelivery(deps: Deps, tenantId: string, deliveryId: string, requestId: string): Promise<Delivery> {
  const d = await deps.deliveries.get(tenantId, deliveryId);
  if (!d) throw new BillhookError('not_found', `delivery ${deliveryId} not found`);
  const endpoint = await enabledEndpoint(deps, tenantId, d.endpointId);
  const message = await extraAttempt(deps, d, endpoint, 'manual', `m${requestId}`);
  if (!message) throw new BillhookError('conflict', `event ${d.eventId} is no longer stored (past its retention), so it cannot be sent again`);
  await deps.queue.enqueue([message]);
  const { attempts: _attempts, ...delivery } = d;
  return delivery;
}

export const RECOVER_PAGE_SIZE = 100;
export const RECOVER_PAGES_PER_STEP = 5;


/**
 * One step of a recover job: up to RECOVER_PAGES_PER_STEP pages of the
 * endpoint's failed and exhausted deliveries in the window are re-sent
 * (trigger `recover`); if more remain, a continuation job carries the cursor.
 * Attempts are keyed by the job id, so a replayed step adds no attempt twice.
 */
export async function recoverStep(deps: Deps, job: RecoverJob): Promise<RecoverProgress> {
  const endpoint = await enabledEndpoint(deps, job.tenantId, job.endpointId);
  let cursor = job.cursor;
  const progress: RecoverProgress = { queued: 0, skipped: 0, continuing: false };
  for (let page = 0; page < RECOVER_PAGES_PER_STEP; page++) {
    const list = await deps.deliveries.list(job.tenantId, {
      endpointId: job.endpointId,
      statuses: job.statuses ?? ['failed', 'exhausted'],
      since: job.since,
      ...(job.until ? { until: job.until } : {}),
      limit: RECOVER_PAGE_SIZE,
      ...(cursor ? { cursor } : {}),
    });
    const messages = (
      await Promise.all(list.data.map((d) => (d.status === 'skipped' ? restartChain(deps, d, endpoint) : extraAttempt(deps, d, endpoint, 'recover', `r${job.jobId}`))))
    ).filter((m) => m !== undefined);
    if (job.ratePerSecond) {
      // Backlog drain: spread the page over seconds so the endpoint sees at most the rate.
      const perSecond = Math.max(1, Math.floor(job.ratePerSecond));
      for (let i = 0; i < messages.length; i += perSecond) await deps.queue.enqueue(messages.slice(i, i + perSecond), i / perSecond);
    } else if (messages.length) await deps.queue.enqueue(messages);
    progress.queued += messages.length;
    progress.skipped += list.data.length - messages.length;
    cursor = list.nextCursor ?? undefined;
    if (!cursor) return progress;
  }
  // A drain's next step starts when this step's last messages are due.
  const pause = job.ratePerSecond ? Math.min(900, Math.ceil(progress.queued / job.ratePerSecond)) : 0;
  await deps.queue.enqueueJob({ ...job, cursor }, pause);
  return { ...progress, continuing: true };
}

/** POST /endpoints/{id}/recover: the first step now, the rest as a background job. */
export async function recoverEndpoint(
  deps: Deps,
  tenantId: string,
  endpointId: string,
  window: { since: string; until?: string },
  jobId: string,
): Promise<RecoverProgress> {
  if (window.until && window.until < window.since) {
    throw new BillhookError('validation_failed', 'until is before since', { fields: [{ path: 'until', message: 'must not be before since' }] });
  }
  const job: RecoverJob = { v: 1, kind: 'recover', tenantId, endpointId, since: window.since, jobId, ...(window.until ? { until: window.until } : {}) };
  return recoverStep(deps, job);
}


/**
 * Move up to `max` messages from the dead-letter queue back to the
 * deliveries queue, at most `ratePerSecond`. Each moved delivery starts a new
 * retry chain (the full schedule again, attempts keyed apart from the
 * exhausted chain); a message is deleted from the DLQ only after its
 * successor is enqueued.
 */
export async function redriveDeadLetters(
  deps: Pick<AppDeps, 'queue' | 'clock' | 'endpoints' | 'settings'> & { dlq: DeadLetterQueue; sleep: (ms: number) => Promise<void> },
  options: { max: number; ratePerSecond: number },
): Promise<RedriveResult> {
  const result: RedriveResult = { moved: 0, failed: 0, remaining: 0 };
  const seen = new Set<string>();
  // A redriven delivery is out of band: it takes a shard lane of its endpoint as the endpoint is set now.
  const lanes = new Map<string, Promise<LaneEndpoint>>();
  const laneEndpoint = (tenantId: string, endpointId: string): Promise<LaneEndpoint> => {
    const k = `${tenantId}/${endpointId}`;
    let p = lanes.get(k);
    if (!p) {
      p = deps.endpoints.get(tenantId, endpointId).then((e) => e ?? { id: endpointId });
      lanes.set(k, p);
    }
    return p;
  };
  while (result.moved + result.failed < options.max) {
    const started = deps.clock.now();
    const batch = (await deps.dlq.receive(Math.min(10, options.max - result.moved - result.failed))).filter((m) => !seen.has(m.id));
    if (batch.length === 0) break;
    const next: DeliveryMessage[] = [];
    const handles: string[] = [];
    for (const item of batch) {
      seen.add(item.id);
      let parsed: ReturnType<typeof deliveryMessageSchema.safeParse> | undefined;
      try {
        parsed = deliveryMessageSchema.safeParse(decodeQueueMessage(item.body));
      } catch {
        parsed = undefined;
      }
      if (!parsed?.success) {
        result.failed++;
        continue;
      }
      const { notBefore: _n, attemptKey: _k, onFailure: _f, hop: _h, ...m } = parsed.data;
      const moved: DeliveryMessage = { ...m, attempt: 1, trigger: 'scheduled', chain: (m.chain ?? 0) + 1 };
      next.push(inLane(moved, await laneEndpoint(m.tenantId, m.endpointId), deps.settings.defaultMaxInFlight));
      handles.push(item.handle);
    }
    if (next.length) {
      await deps.queue.enqueue(next);
      await deps.dlq.delete(handles);
      result.moved += next.length;
    }
    const minMs = (batch.length / options.ratePerSecond) * 1000;
    const spent = deps.clock.now() - started;
    if (spent < minMs) await deps.sleep(minMs - spent);
  }
  result.remaining = await deps.dlq.depth();
  return result;
}
