/**
 * Deliver one message: sign, POST, classify, log the attempt, and schedule
 * what follows (a retry, the dead-letter queue, or nothing).
 *
 * The attempt is logged with one conditional write. If that write finds the
 * attempt already logged (a duplicate SQS message, or a run that crashed
 * after logging), the follow-up step is done again from the stored state, so
 * a crash between "logged" and "retry enqueued" cannot lose the delivery.
 * Errors from AWS calls propagate: the message then stays on the queue and
 * is retried by SQS.
 *
 * Lanes (lib/core/lanes.ts): a message that must wait without spending an
 * attempt (a rate limit, a full set of concurrency leases) is *held*: it
 * stays in its FIFO lane, invisible until it may go, so nothing behind it in
 * the lane overtakes it. A keyed message (an ordered endpoint's key order)
 * also waits out its retry backoff held in its lane, so the key's next
 * event waits for it; every other retry leaves the lane through the retries
 * queue and comes back when due, so one failing delivery never blocks a lane.
 */
import { classify } from '../core/outcome.ts';
import { isKeyed, MAX_HOLD_SECONDS, maxInFlightOf } from '../core/lanes.ts';
import { nextRetry } from '../core/retry-policy.ts';
import { signatureHeaders } from '../core/signing.ts';
import { attemptKeyOf, signingSecrets, type Attempt, type DeliveryMessage, type DeliveryStatus, type EndpointRecord } from '../core/model.ts';
import type { AttemptRecord, Lease } from '../ports.ts';
import type { SenderDeps } from './deps.ts';
import { afterAttempt } from './endpoint-health.ts';
import { inLane } from './messages.ts';
import { sendAttempt } from './attempt.ts';

export type DeliveryOutcome = 'succeeded' | 'failed' | 'exhausted' | 'skipped' | 'deferred' | 'held' | 'duplicate' | 'already_succeeded';

/**
 * What the queue consumer knows of the received message. `holdSeconds` is
 * set by deliver() when the message must stay in its lane, invisible for
 * that long, instead of being deleted.
 */
export interface DeliveryContext {
  /** SQS ApproximateReceiveCount. */
  receiveCount?: number;
  /** True when the message came from its FIFO lane and can be held there. */
  canHold?: boolean;
  holdSeconds?: number;
}

/** Longest wait for a reserved rate slot inside one invocation; a later slot holds the message instead. */
export const MAX_RATE_WAIT_MS = 1000;
/** How long a message waits when every concurrency lease of its endpoint is taken. */
export const LEASE_RETRY_SECONDS = 1;
/** Further tries for a lease, 50–150 ms apart, before the message is held. */
export const LEASE_TRIES = 2;

/**
 * The exact bytes every attempt of an event sends (and signs): the envelope
 * built as text around the data text as it was sent, never re-serialised.
 */
export const webhookBody = (m: DeliveryMessage): string =>
  `{"id":${JSON.stringify(m.event.id)},"type":${JSON.stringify(m.event.type)},"createdAt":${JSON.stringify(m.event.createdAt)},"data":${m.event.dataJson}}`;

export function requestHeaders(endpoint: EndpointRecord, m: DeliveryMessage, body: string, nowMs: number, version: string): Record<string, string> {
  return {
    ...endpoint.headers,
    'content-type': 'application/json',
    'user-agent': `Billhook/${version}`,
    ...signatureHeaders(endpoint.signatureScheme, signingSecrets(endpoint, nowMs), m.event.id, Math.floor(nowMs / 1000), body),
  };
}

/** Wait without spending an attempt: held in the lane when the consumer can, else re-enqueued for later. */
async function holdOrDefer(deps: SenderDeps, m: DeliveryMessage, ctx: DeliveryContext, seconds: number): Promise<DeliveryOutcome> {
  const s = Math.max(1, Math.ceil(seconds));
  if (ctx.canHold) {
    ctx.holdSeconds = Math.min(s, MAX_HOLD_SECONDS);
    return 'held';
  }
  return defer(deps, m, s);
}

/** Re-enqueue the same attempt for later, as another hop (so FIFO deduplication does not drop it), at most SQS's delay. */
async function defer(deps: SenderDeps, m: DeliveryMessage, seconds: number): Promise<DeliveryOutcome> {
  await deps.queue.enqueue([{ ...m, hop: (m.hop ?? 0) + 1 }], Math.min(Math.max(0, Math.ceil(seconds)), deps.settings.maxSqsDelaySeconds));
  return 'deferred';
}

/**
 * A keyed message received again has been held (a backoff, a limit) and its
 * attempt number is in the log, not in the message, which SQS cannot
 * change: read the delivery to find which attempt is due, and when.
 */
async function keyedState(deps: SenderDeps, m: DeliveryMessage): Promise<{ done: DeliveryOutcome } | { due: DeliveryMessage } | { waitSeconds: number }> {
  const d = await deps.deliveries.get(m.tenantId, m.deliveryId);
  if (!d) return { due: m };
  if (d.status === 'succeeded') return { done: 'already_succeeded' };
  if (d.status === 'exhausted' || d.status === 'skipped') {
    // The chain ended; a crash may have come between logging it and the dead-letter copy.
    if (d.status === 'exhausted' && d.attempts.at(-1)?.trigger === 'scheduled') await deps.queue.sendToDeadLetter(m, 'exhausted');
    return { done: 'duplicate' };
  }
  const next = d.nextAttemptAt ? Date.parse(d.nextAttemptAt) : 0;
  const now = deps.clock.now();
  if (next > now + 1000) return { waitSeconds: (next - now) / 1000 };
  const scheduled = d.attempts.filter((a) => a.trigger === 'scheduled').length;
  return { due: { ...m, attempt: scheduled + 1 } };
}

export async function deliver(deps: SenderDeps, received: DeliveryMessage, ctx: DeliveryContext = {}): Promise<DeliveryOutcome> {
  let m = received;
  const now = deps.clock.now();
  if (m.notBefore && Date.parse(m.notBefore) > now + 1000) {
    // Not due yet: hop through the retries queue again for (at most) the SQS maximum.
    return defer(deps, m, (Date.parse(m.notBefore) - now) / 1000);
  }

  const endpoint = await deps.endpoints.get(m.tenantId, m.endpointId, m.endpointVersion);
  const keyed = ctx.canHold === true && endpoint !== undefined && isKeyed(endpoint, m);

  if (keyed && (ctx.receiveCount ?? 1) > 1) {
    const state = await keyedState(deps, m);
    if ('done' in state) return state.done;
    if ('waitSeconds' in state) return holdOrDefer(deps, m, ctx, state.waitSeconds);
    m = state.due;
  } else if (m.trigger === 'scheduled' && (m.attempt > 1 || (m.chain ?? 0) > 0)) {
    // A retry (never a first attempt: the steady path stays read-free) first
    // checks that no other attempt, e.g. a manual one, has delivered it meanwhile.
    const current = await deps.deliveries.get(m.tenantId, m.deliveryId);
    if (current?.status === 'succeeded') return 'already_succeeded';
  }
  const key = attemptKeyOf(m);

  if (!endpoint || endpoint.status !== 'enabled') {
    const why = !endpoint ? 'endpoint was deleted; not sent' : `endpoint is disabled${endpoint.disabledReason ? ` (${endpoint.disabledReason})` : ''}; not sent`;
    const r = await deps.deliveries.recordAttempt(attemptRecord(m, key, { attempt: m.attempt, at: iso(now), trigger: m.trigger, durationMs: 0, error: why }, 'skipped'));
    return r.result === 'recorded' ? 'skipped' : 'duplicate';
  }

  // Circuit breaker (per sender instance): while an endpoint is down, unordered scheduled
  // deliveries wait in the retries queue without spending an attempt. A manual or recover
  // attempt is an operator's probe and goes out at once; its success closes the circuit.
  // Keyed deliveries already go one at a time per key, on their own schedule.
  const breakerKey = `${m.tenantId}/${m.endpointId}`;
  if (m.trigger === 'scheduled' && !keyed) {
    const gate = deps.breakers.check(breakerKey);
    if (gate.kind === 'open') return defer(deps, m, gate.retryInMs / 1000);
  }

  // Deployment-wide limits. Shard lanes already cap an unordered endpoint's concurrency;
  // an ordered endpoint has a lane per key, so its requests take a lease.
  let lease: Lease | undefined;
  const limitKey = `${m.tenantId}/${m.endpointId}`;
  if (endpoint.ordering === 'key') {
    const max = maxInFlightOf(endpoint, deps.settings.defaultMaxInFlight);
    lease = await deps.limiter.acquireLease(limitKey, max, deps.leaseTtlMs);
    // A lease is usually given back within a request's time: try again shortly before giving
    // up the turn (waiting longer in process only ties up the sender; the message is held instead).
    for (let i = 0; !lease && i < LEASE_TRIES; i++) {
      await deps.sleep(50 + 100 * deps.random());
      lease = await deps.limiter.acquireLease(limitKey, max, deps.leaseTtlMs);
    }
    // Jittered, so the held messages of an endpoint do not all come back in the same second.
    if (!lease) return holdOrDefer(deps, m, ctx, LEASE_RETRY_SECONDS * (1 + deps.random()));
  }
  try {
    if (endpoint.rateLimitPerSecond) {
      const slot = await deps.limiter.reserveRate(limitKey, endpoint.rateLimitPerSecond, MAX_RATE_WAIT_MS);
      if ('retryInMs' in slot) return await holdOrDefer(deps, m, ctx, slot.retryInMs / 1000);
      if (slot.waitMs > 0) await deps.sleep(slot.waitMs);
    }
    return await attempt(deps, m, endpoint, key, keyed, breakerKey, ctx);
  } finally {
    if (lease) await deps.limiter.releaseLease(lease);
  }
}

async function attempt(deps: SenderDeps, m: DeliveryMessage, endpoint: EndpointRecord, key: string, keyed: boolean, breakerKey: string, ctx: DeliveryContext): Promise<DeliveryOutcome> {
  const now = deps.clock.now();
  // Never throws: a request that cannot be built or sent is a recorded, failed attempt.
  const response = await sendAttempt(deps, endpoint, () => {
    const body = webhookBody(m);
    return { url: endpoint.url, headers: requestHeaders(endpoint, m, body, now, deps.settings.version), body };
  });
  const doneAt = deps.clock.now();
  const outcome = classify(response, doneAt, { permanent4xx: deps.settings.permanent4xx ?? false });
  deps.breakers.record(breakerKey, outcome.kind === 'success');
  deps.onAttempt?.({ outcome: outcome.kind, durationMs: response.durationMs, ...(response.statusCode !== undefined ? { statusCode: response.statusCode } : {}) });

  const attempt: Attempt = { attempt: m.attempt, at: iso(now), trigger: m.trigger, durationMs: response.durationMs };
  if (response.statusCode !== undefined) attempt.statusCode = response.statusCode;
  if (response.error) attempt.error = response.error;
  if (response.responseBody !== undefined) attempt.responseBody = response.responseBody;
  if (!attempt.error && outcome.kind !== 'success' && response.statusCode !== undefined) attempt.error = `endpoint answered ${response.statusCode}`;

  const scheduled = m.trigger === 'scheduled';
  let status: DeliveryStatus;
  let delaySeconds = 0;
  let reason = '';
  if (outcome.kind === 'success') status = 'succeeded';
  else if (!scheduled) {
    // A manual or recover attempt is one attempt; a pending scheduled retry, if any, carries on.
    status = m.onFailure ?? 'exhausted';
  } else if (outcome.kind === 'retry') {
    const schedule = endpoint.retrySchedule ?? deps.settings.retrySchedule;
    const decision = nextRetry(schedule, m.attempt, deps.random(), outcome.minDelaySeconds === undefined ? {} : { minDelaySeconds: outcome.minDelaySeconds });
    if (decision.kind === 'retry') {
      status = 'failed';
      delaySeconds = decision.delaySeconds;
    } else {
      status = 'exhausted';
      reason = `no attempts left after ${m.attempt}`;
    }
  } else {
    status = 'exhausted';
    reason = outcome.reason;
  }

  const nextAttemptAt = status === 'failed' && scheduled ? iso(doneAt + delaySeconds * 1000) : undefined;
  const record = attemptRecord(m, key, attempt, status, nextAttemptAt);
  if (!scheduled && status === 'failed') record.keepNextAttemptAt = true;
  const logged = await deps.deliveries.recordAttempt(record);
  if (logged.result === 'duplicate') {
    // Finish the follow-up only if the stored state is exactly this attempt's.
    const cur = logged.current;
    if (!cur || cur.lastKey !== key || cur.status !== status) return 'duplicate';
  }

  if (logged.result === 'recorded') await afterAttempt(deps, endpoint, m, status, outcome, { ...(attempt.statusCode !== undefined ? { lastStatusCode: attempt.statusCode } : {}), ...(attempt.error ? { lastError: attempt.error } : {}) }, iso(doneAt));

  if (scheduled && status === 'failed') {
    if (keyed) {
      // The key's order waits with its head: the message stays in its lane until the retry is due
      // (beyond SQS's 12 h it is held again when it comes back early, see keyedState).
      ctx.holdSeconds = Math.min(Math.max(1, delaySeconds), MAX_HOLD_SECONDS);
      return logged.result === 'duplicate' ? 'duplicate' : status;
    }
    const next: DeliveryMessage = inLane({ ...m, attempt: m.attempt + 1, trigger: 'scheduled' }, endpoint, deps.settings.defaultMaxInFlight);
    delete next.notBefore;
    delete next.hop;
    if (delaySeconds <= deps.settings.maxSqsDelaySeconds) await deps.queue.enqueue([next], delaySeconds);
    else await deps.scheduler.scheduleAt(next, nextAttemptAt!);
  } else if (scheduled && status === 'exhausted') {
    await deps.queue.sendToDeadLetter(m, reason);
  }
  return logged.result === 'duplicate' ? 'duplicate' : status;
}

function attemptRecord(m: DeliveryMessage, key: string, attempt: Attempt, status: DeliveryStatus, nextAttemptAt?: string): AttemptRecord {
  const r: AttemptRecord = {
    delivery: { id: m.deliveryId, tenantId: m.tenantId, eventId: m.event.id, endpointId: m.endpointId, eventType: m.event.type, createdAt: m.createdAt },
    attempt,
    key,
    status,
  };
  if (m.orderingKey !== undefined) r.delivery.orderingKey = m.orderingKey;
  if (nextAttemptAt) r.nextAttemptAt = nextAttemptAt;
  return r;
}

const iso = (ms: number) => new Date(ms).toISOString();
