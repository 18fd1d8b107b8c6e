/**
 * Ingest: accept an event, route it, enqueue one delivery per matching
 * endpoint, then store it.
 *
 * Order matters, so that a 202 means the event is durable with every
 * delivery enqueued, and a crash followed by the client's retry stores the
 * event once and delivers it at least once: deliveries are enqueued before the
 * event is stored with a conditional put, and an idempotent event's id is
 * derived from tenant + key. A crash anywhere before the put leaves no
 * stored event, so the client's retry redoes the work with the same event id
 * and delivery ids (receivers see the same webhook-id); once the put
 * succeeded, a retry finds the event and enqueues nothing.
 */
import { eventFingerprint, sameEventRequest } from '../core/canonical-json.ts';
import { BillhookError, type FieldError } from '../core/errors.ts';
import { idempotentEventId } from '../core/ids.ts';
import type { DeliveryMessage, EventAccepted, EventRecord, EventSubmission } from '../core/model.ts';
import { route } from '../core/routing.ts';
import { issueFields } from './catalogue.ts';
import { deliveryMessage, payloadOf } from './messages.ts';
import { isoNow, type AppDeps } from './deps.ts';
import type { TenantExistenceCache } from './tenants.ts';

type Deps = Pick<AppDeps, 'tenants' | 'endpoints' | 'events' | 'queue' | 'catalogue' | 'clock' | 'ids' | 'settings'> & {
  tenantCache: TenantExistenceCache;
};

export interface IngestResult {
  accepted: EventAccepted;
  /** True when this was an idempotent replay: nothing new was delivered. */
  replayed: boolean;
}

interface Prepared {
  record: EventRecord;
  replay?: EventAccepted;
}

const accepted = (e: EventRecord): EventAccepted => ({ id: e.id, type: e.type, createdAt: e.createdAt, deliveries: e.deliveries });

/** The same key with the same body (as sent, whitespace aside) replays; with another body it is a conflict. */
function replayOf(existing: EventRecord, incoming: EventRecord): EventAccepted {
  if (!sameEventRequest(existing.fingerprint, incoming.type, incoming.dataJson, incoming.orderingKey)) {
    throw new BillhookError('idempotency_key_reused', `idempotency key ${JSON.stringify(incoming.idempotencyKey ?? existing.id)} was already used with a different request body`);
  }
  return accepted(existing);
}

function idempotencyKeyOf(input: EventSubmission, header: string | undefined): string | undefined {
  if (header !== undefined && input.id !== undefined && header !== input.id) {
    throw new BillhookError('validation_failed', 'Idempotency-Key header and body id differ', {
      fields: [{ path: 'id', message: 'must equal the Idempotency-Key header when both are given' }],
    });
  }
  return header ?? input.id;
}

/** At most this many failing paths are listed in a 422 (a batch of broken events could list thousands). */
const MAX_LISTED_ISSUES = 100;

/**
 * Every event's type must be in the catalogue (422 `unknown_event_type`),
 * and its `data` must satisfy the type's schema when it has one (422
 * `schema_mismatch`, with the failing paths). In a batch, paths start with
 * the event's index (`events.3.data.amount`); nothing of the batch is
 * stored or delivered when one event fails. The catalogue comes from the
 * process's cache: no read per event.
 */
async function checkEvents(deps: Pick<AppDeps, 'catalogue'>, inputs: readonly EventSubmission[], prefix: string): Promise<void> {
  const catalogue = await deps.catalogue.current();
  const at = (i: number, field: string) => `${prefix}${prefix ? i + '.' : ''}${field}`;
  const unknown: FieldError[] = [];
  const entries = inputs.map((e, i) => {
    const entry = catalogue.get(e.type);
    if (!entry) unknown.push({ path: at(i, 'type'), message: `unknown event type ${JSON.stringify(e.type)}` });
    return entry;
  });
  if (unknown.length) throw new BillhookError('unknown_event_type', 'unknown event type', { fields: unknown });
  const mismatches: FieldError[] = [];
  const failing = new Set<string>();
  inputs.forEach((e, i) => {
    const entry = entries[i]!;
    if (entry.schemaJson === undefined) return;
    const issues = deps.catalogue.check(entry, JSON.parse(e.dataJson) as unknown);
    if (issues.length) failing.add(e.type);
    mismatches.push(...issueFields(at(i, 'data'), issues));
  });
  if (mismatches.length) {
    const types = [...failing].join(', ');
    throw new BillhookError('schema_mismatch', `data does not satisfy the schema of ${types}`, { fields: mismatches.slice(0, MAX_LISTED_ISSUES) });
  }
}

function newRecord(deps: Deps, tenantId: string, input: EventSubmission, key: string | undefined, now: string): EventRecord {
  const record: EventRecord = {
    id: key ? idempotentEventId(tenantId, key) : deps.ids.event(),
    tenantId,
    type: input.type,
    createdAt: now,
    dataJson: input.dataJson,
    deliveries: 0,
    fingerprint: eventFingerprint(input.type, input.dataJson, input.orderingKey),
  };
  if (key) record.idempotencyKey = key;
  if (input.orderingKey !== undefined) record.orderingKey = input.orderingKey;
  return record;
}

async function prepare(deps: Deps, tenantId: string, input: EventSubmission, key: string | undefined, now: string): Promise<Prepared> {
  const record = newRecord(deps, tenantId, input, key, now);
  if (key) {
    const existing = await deps.events.get(tenantId, record.id);
    if (existing) return { record, replay: replayOf(existing, record) };
  }
  return { record };
}

/** A batch's records, with the replays among them found in one BatchGetItem per 100 keys. */
async function prepareBatch(deps: Deps, tenantId: string, inputs: readonly EventSubmission[], now: string): Promise<Prepared[]> {
  const records = inputs.map((input) => newRecord(deps, tenantId, input, input.id, now));
  const keyed = records.filter((r) => r.idempotencyKey !== undefined).map((r) => r.id);
  const existing = new Map((keyed.length ? await deps.events.getMany(tenantId, keyed) : []).map((e) => [e.id, e]));
  return records.map((record) => {
    const found = existing.get(record.id);
    return found ? { record, replay: replayOf(found, record) } : { record };
  });
}

/**
 * Route the events and enqueue their deliveries (or fan-out jobs); sets each
 * record's `deliveries`. Messages are enqueued in the events' order (a
 * batch's array order), which is the order each ordered endpoint's key lane
 * keeps. Above the fan-out threshold the job handles the unordered
 * endpoints, and the deliveries to ordered endpoints of a keyed event are
 * still enqueued here: a job runs later and beside other jobs, which would
 * let a key's events overtake one another.
 */
async function dispatch(deps: Deps, tenantId: string, records: EventRecord[]): Promise<void> {
  if (records.length === 0) return;
  // Routing reads only what it needs of each endpoint: a tenant with thousands stays one cheap read.
  const endpoints = await deps.endpoints.routes(tenantId);
  const direct: DeliveryMessage[] = [];
  const jobs: Promise<void>[] = [];
  const message = (record: EventRecord, ep: (typeof endpoints)[number]) =>
    deliveryMessage(payloadOf(record), tenantId, ep, deps.settings.defaultMaxInFlight, record.orderingKey);
  for (const record of records) {
    const targets = route(endpoints, record.type);
    record.deliveries = targets.length;
    if (targets.length > deps.settings.fanoutThreshold) {
      const keyed = record.orderingKey !== undefined;
      jobs.push(
        deps.queue.enqueueJob({
          v: 1,
          kind: 'fanout',
          tenantId,
          event: payloadOf(record),
          ...(keyed ? { orderingKey: record.orderingKey!, exceptOrdered: true } : {}),
        }),
      );
      if (keyed) for (const ep of targets) if (ep.ordering === 'key') direct.push(message(record, ep));
    } else {
      for (const ep of targets) direct.push(message(record, ep));
    }
  }
  await Promise.all([...jobs, direct.length ? deps.queue.enqueue(direct) : Promise.resolve()]);
}

async function store(deps: Deps, record: EventRecord): Promise<IngestResult> {
  const put = await deps.events.putIfAbsent(record);
  // Lost a race with a concurrent request carrying the same key: answer as a replay.
  if (!put.created) return { accepted: replayOf(put.existing, record), replayed: true };
  return { accepted: accepted(record), replayed: false };
}

/** POST /events. */
export async function ingestEvent(deps: Deps, tenantId: string, input: EventSubmission, idempotencyKey?: string): Promise<IngestResult> {
  await checkEvents(deps, [input], '');
  const key = idempotencyKeyOf(input, idempotencyKey);
  await deps.tenantCache.assertExists(deps, tenantId);
  const prepared = await prepare(deps, tenantId, input, key, isoNow(deps.clock));
  if (prepared.replay) return { accepted: prepared.replay, replayed: true };
  await dispatch(deps, tenantId, [prepared.record]);
  return store(deps, prepared.record);
}

/**
 * POST /events/batch: all or nothing on validation and key conflicts; then
 * one routing pass and one batched enqueue for every new event.
 */
export async function ingestBatch(deps: Deps, tenantId: string, inputs: readonly EventSubmission[]): Promise<IngestResult[]> {
  await checkEvents(deps, inputs, 'events.');
  const keys = inputs.map((e) => e.id);
  const dup = keys.find((k, i) => k !== undefined && keys.indexOf(k) !== i);
  if (dup !== undefined) {
    throw new BillhookError('validation_failed', 'duplicate id in batch', { fields: [{ path: 'events', message: `id ${JSON.stringify(dup)} appears more than once` }] });
  }
  await deps.tenantCache.assertExists(deps, tenantId);
  const now = isoNow(deps.clock);
  const prepared = await prepareBatch(deps, tenantId, inputs, now);
  const fresh = prepared.filter((p) => !p.replay).map((p) => p.record);
  await dispatch(deps, tenantId, fresh);
  const stored = new Map((await Promise.all(fresh.map((r) => store(deps, r)))).map((r) => [r.accepted.id, r]));
  return prepared.map((p) => (p.replay ? { accepted: p.replay, replayed: true } : stored.get(p.record.id)!));
}
