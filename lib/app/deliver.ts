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
 */
import { classify } from '../core/outcome.ts';
import { nextRetry } from '../core/retry-policy.ts';
import { signatureHeaders } from '../core/signing.ts';
import { attemptKeyOf, signingSecrets, type Attempt, type DeliveryMessage, type DeliveryStatus, type EndpointRecord } from '../core/model.ts';
import type { AttemptRecord } from '../ports.ts';
import type { SenderDeps } from './deps.ts';
import { afterAttempt } from './endpoint-health.ts';

export type DeliveryOutcome = 'succeeded' | 'failed' | 'exhausted' | 'skipped' | 'deferred' | 'duplicate' | 'already_succeeded';

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

export async function deliver(deps: SenderDeps, m: DeliveryMessage): Promise<DeliveryOutcome> {
  const now = deps.clock.now();
  if (m.notBefore && Date.parse(m.notBefore) > now + 1000) {
    // Not due yet: hop through the queue again for (at most) the SQS maximum.
    const remaining = Math.ceil((Date.parse(m.notBefore) - now) / 1000);
    await deps.queue.enqueue([m], Math.min(remaining, deps.settings.maxSqsDelaySeconds));
    return 'deferred';
  }
  const key = attemptKeyOf(m);

  // A retry (never a first attempt: the steady path stays read-free) first
  // checks that no other attempt, e.g. a manual one, has delivered it meanwhile.
  if (m.trigger === 'scheduled' && (m.attempt > 1 || (m.chain ?? 0) > 0)) {
    const current = await deps.deliveries.get(m.tenantId, m.deliveryId);
    if (current?.status === 'succeeded') return 'already_succeeded';
  }

  const endpoint = await deps.endpoints.get(m.tenantId, m.endpointId, m.endpointVersion);
  if (!endpoint || endpoint.status !== 'enabled') {
    const why = !endpoint ? 'endpoint was deleted; not sent' : `endpoint is disabled${endpoint.disabledReason ? ` (${endpoint.disabledReason})` : ''}; not sent`;
    const r = await deps.deliveries.recordAttempt(attemptRecord(m, key, { attempt: m.attempt, at: iso(now), trigger: m.trigger, durationMs: 0, error: why }, 'skipped'));
    return r.result === 'recorded' ? 'skipped' : 'duplicate';
  }

  // Circuit breaker: while an endpoint is down, defer without spending an attempt.
  const breakerKey = `${m.tenantId}/${m.endpointId}`;
  const gate = deps.breakers.check(breakerKey);
  if (gate.kind === 'open') {
    await deps.queue.enqueue([m], Math.min(Math.ceil(gate.retryInMs / 1000), deps.settings.maxSqsDelaySeconds));
    return 'deferred';
  }

  const body = webhookBody(m);
  const response = await deps.http.post({ url: endpoint.url, headers: requestHeaders(endpoint, m, body, now, deps.settings.version), body });
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
    const next: DeliveryMessage = { ...m, attempt: m.attempt + 1, trigger: 'scheduled' };
    delete next.notBefore;
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
  if (nextAttemptAt) r.nextAttemptAt = nextAttemptAt;
  return r;
}

const iso = (ms: number) => new Date(ms).toISOString();
