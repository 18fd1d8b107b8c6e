/**
 * Ports: the small interfaces the use cases in lib/app own. Adapters in
 * lib/adapters implement them (DynamoDB, SQS, HTTP, in-memory); the
 * composition root picks which.
 */
import type {
  Delivery,
  DeliveryMessage,
  DeliveryStatus,
  DeliveryWithAttempts,
  EndpointHealth,
  EndpointRecord,
  EventRecord,
  JobMessage,
  Attempt,
  PortalScope,
  Tenant,
  TenantPatch,
} from './core/model.ts';
import type { HttpResult } from './core/outcome.ts';
import type { StoredEventType } from './core/event-types.ts';
import type { StatsCounts, StatsDelta } from './core/stats.ts';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string;
}

export interface TenantStore {
  /** Throws BillhookError `conflict` if the id exists. */
  create(tenant: Tenant): Promise<void>;
  get(id: string): Promise<Tenant | undefined>;
  list(page: PageRequest): Promise<Page<Tenant>>;
  /**
   * Change the fields `patch` names and return the tenant as updated, or
   * undefined if there is no such tenant. An empty `portalFrameAncestors`
   * removes the attribute.
   */
  update(id: string, patch: TenantPatch): Promise<Tenant | undefined>;
}

/** A portal session as stored: the sha256 of its token, never the token. */
export interface PortalSessionRecord {
  /** `ps_…` */
  id: string;
  tenantId: string;
  /** hex sha256 of the token. */
  hash: string;
  scope: PortalScope;
  createdAt: string;
  /** ISO time after which the session no longer authenticates (stores also let it expire by TTL). */
  expiresAt: string;
}

export interface PortalSessionStore {
  create(session: PortalSessionRecord): Promise<void>;
  /** The session with this token hash, expired or not (callers compare `expiresAt` with their clock). */
  findByHash(hash: string): Promise<PortalSessionRecord | undefined>;
  /** Every session of a tenant still stored (strongly consistent), oldest first; may include expired ones. */
  list(tenantId: string): Promise<PortalSessionRecord[]>;
  /** Returns false if there was no such session for that tenant. */
  delete(tenantId: string, id: string): Promise<boolean>;
}

/** A tenant API key as stored: only its sha256 digest, never the key. */
export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  /** hex sha256 of the key. */
  hash: string;
  /** The first characters of the key, to tell keys apart in lists. */
  prefix: string;
  createdAt: string;
  /** Who created it: `admin`, or the id of the tenant key that did. Absent on keys from before it was kept. */
  createdBy?: string;
}

export interface ApiKeyStore {
  create(key: ApiKeyRecord): Promise<void>;
  findByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  /** Every key of a tenant (strongly consistent), oldest first. */
  list(tenantId: string): Promise<ApiKeyRecord[]>;
  /** Returns false if there was no such key for that tenant. */
  delete(tenantId: string, keyId: string): Promise<boolean>;
}

/** The sender's writes to endpoint health (all single conditional UpdateItems). */
export interface EndpointHealthStore {
  /** Set `failingSince` unless set; returns the health after. */
  noteFailure(tenantId: string, id: string, atIso: string): Promise<EndpointHealth | undefined>;
  /** Count one more exhausted delivery (and set `failingSince` unless set). */
  noteExhausted(tenantId: string, id: string, atIso: string): Promise<EndpointHealth | undefined>;
  /** Clear the failure run. */
  noteSuccess(tenantId: string, id: string): Promise<void>;
  /** Disable an enabled endpoint (version + 1); false if it was not enabled or is gone. */
  disable(tenantId: string, id: string, reason: string, atIso: string): Promise<boolean>;
}

export type EndpointRoute = Pick<EndpointRecord, 'id' | 'version' | 'status' | 'eventTypes' | 'maxInFlight' | 'ordering'>;

export interface EndpointStore {
  create(endpoint: EndpointRecord): Promise<void>;
  get(tenantId: string, id: string): Promise<EndpointRecord | undefined>;
  list(tenantId: string, page: PageRequest): Promise<Page<EndpointRecord>>;
  /**
   * What routing needs of every endpoint of a tenant (id, version, status,
   * event types), read consistently and without the rest of each record, so
   * an event of a tenant with thousands of endpoints stays cheap to route.
   */
  routes(tenantId: string): Promise<EndpointRoute[]>;
  /**
   * Replace an endpoint if its stored version is `expectedVersion` (optimistic
   * concurrency). Throws BillhookError `conflict` otherwise, `not_found` if gone.
   */
  update(endpoint: EndpointRecord, expectedVersion: number): Promise<void>;
  /** Returns false if there was nothing to delete. */
  delete(tenantId: string, id: string): Promise<boolean>;
}

export interface EventListQuery extends PageRequest {
  since?: string;
  type?: string;
}

export type PutEventResult = { created: true } | { created: false; existing: EventRecord };

export interface EventStore {
  /** Conditional put: stores the event unless one with the same id exists, which it returns. */
  putIfAbsent(event: EventRecord): Promise<PutEventResult>;
  get(tenantId: string, id: string): Promise<EventRecord | undefined>;
  /** The events among `ids` that exist (any order): one round trip per 100 ids, strongly consistent. */
  getMany(tenantId: string, ids: readonly string[]): Promise<EventRecord[]>;
  list(tenantId: string, query: EventListQuery): Promise<Page<EventRecord>>;
}

export interface AttemptRecord {
  delivery: Pick<Delivery, 'id' | 'tenantId' | 'eventId' | 'endpointId' | 'eventType' | 'createdAt' | 'orderingKey'>;
  /** The attempt; stores number attempts by their order, so `attempt.attempt` is not trusted. */
  attempt: Attempt;
  /**
   * Idempotency key of this attempt within the delivery: `s<chain>.<n>` for
   * the n-th scheduled attempt of a retry chain, `m…`/`r…` for manual and
   * recover attempts. A key already recorded makes the write a duplicate.
   */
  key: string;
  /** Delivery status after this attempt. */
  status: DeliveryStatus;
  nextAttemptAt?: string;
  /** Leave a pending `nextAttemptAt` as it is (an extra attempt beside a scheduled retry). */
  keepNextAttemptAt?: boolean;
}

export interface DeliveryListQuery extends PageRequest {
  status?: DeliveryStatus;
  /** Any of these statuses (ignored when `status` is set). */
  statuses?: readonly DeliveryStatus[];
  /** Created at or after / before (ISO 8601). */
  since?: string;
  until?: string;
  endpointId?: string;
  /** An event's deliveries: give its creation time as since/until too, or stores may scan the tenant. */
  eventId?: string;
  /** Exact event type (a filter, not a key: it narrows a page, so pages may come back short). */
  eventType?: string;
}

export type RecordAttemptResult =
  | { result: 'recorded' }
  /** Already recorded: `current` is the stored state, when the store can tell. */
  | { result: 'duplicate'; current?: { attemptCount: number; status: DeliveryStatus; lastKey?: string } };

export interface DeliveryLog {
  /**
   * Record one attempt and the delivery's new state in one conditional write
   * keyed by delivery id + attempt key. Returns 'duplicate' (and writes
   * nothing) if that attempt is already recorded, with the stored state, so
   * the caller can finish a step an earlier crashed run left undone.
   */
  recordAttempt(record: AttemptRecord): Promise<RecordAttemptResult>;
  /**
   * Make a delivery fetchable before its first attempt (status `pending`, no
   * attempts), for routes that hand out its id. Writes nothing if the
   * delivery already exists (the sender may have been faster).
   */
  registerPending(delivery: AttemptRecord['delivery']): Promise<void>;
  get(tenantId: string, deliveryId: string): Promise<DeliveryWithAttempts | undefined>;
  list(tenantId: string, query: DeliveryListQuery): Promise<Page<Delivery>>;
}

export interface DeliveryQueue {
  /**
   * Enqueue deliveries (batched internally). Resolves only when every message
   * is accepted; throws otherwise. With no delay a message goes straight into
   * its FIFO lane (`message.group`), and messages of one lane keep their
   * order; with a delay it waits in the retries queue and is forwarded into
   * its lane when due (FIFO queues have no per-message delay).
   */
  enqueue(messages: readonly DeliveryMessage[], delaySeconds?: number): Promise<void>;
  /** Enqueue a job (fan-out or recover step) on the jobs queue. */
  enqueueJob(message: JobMessage, delaySeconds?: number): Promise<void>;
  /** Park an exhausted or unprocessable delivery in the dead-letter queue. */
  sendToDeadLetter(message: DeliveryMessage, reason: string): Promise<void>;
}

/**
 * A held message: it stays in its lane, invisible for `seconds`, so the
 * lane (a key's order, or one of an endpoint's concurrency slots) waits
 * with it. Implemented with ChangeMessageVisibility on the received message.
 */
export interface MessageHolds {
  hold(receiptHandle: string, seconds: number): Promise<void>;
  /** Delete handled messages now, before the batch ends, so their lanes move on (see processFifoBatch). */
  release(receiptHandles: readonly string[]): Promise<void>;
}

/** A concurrency lease of an endpoint, held while one request is in flight. */
export interface Lease {
  key: string;
  slot: number;
  holder: string;
}

/**
 * Deployment-wide per-endpoint limits, shared by every sender instance
 * (DynamoDB on AWS and in local mode; in memory in unit tests).
 */
export interface DeliveryLimiter {
  /**
   * Reserve the endpoint's next send slot, with sends spaced at least
   * 1/perSecond apart across the deployment (so no 1 s window sees more than
   * perSecond + 1). Returns how long to wait for the slot, at most
   * `maxWaitMs`; or, when the next free slot is further off, `retryInMs`
   * with nothing reserved.
   */
  reserveRate(key: string, perSecond: number, maxWaitMs: number): Promise<{ waitMs: number } | { retryInMs: number }>;
  /** Take one of `max` leases for at most `ttlMs` (a crashed holder's lease lapses); undefined when all are held. */
  acquireLease(key: string, max: number, ttlMs: number): Promise<Lease | undefined>;
  /** Give a lease back (a no-op if it lapsed and was taken by another). */
  releaseLease(lease: Lease): Promise<void>;
}

/** The deliveries dead-letter queue, as the redrive operation needs it. */
export interface DeadLetterQueue {
  /** Approximate number of messages waiting. */
  depth(): Promise<number>;
  /** Up to `max` (≤ 10) messages, hidden from other readers for a while. */
  receive(max: number): Promise<{ id: string; body: string; handle: string }[]>;
  delete(handles: readonly string[]): Promise<void>;
}

/**
 * Sends a delivery message back to the queue at a later time, beyond the
 * 900 s SQS can delay (EventBridge Scheduler on AWS, its emulator locally).
 * Idempotent per (delivery, attempt): scheduling the same message twice
 * creates one schedule.
 */
export interface RetryScheduler {
  scheduleAt(message: DeliveryMessage, atIso: string): Promise<void>;
}

export interface OutboundRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface OutboundResponse extends HttpResult {
  durationMs: number;
  /** First bytes of the response body, decoded as UTF-8 (capped). */
  responseBody?: string;
}

/** Makes the outbound webhook POST. Never throws: failures come back as `error`. */
export interface WebhookSender {
  post(request: OutboundRequest): Promise<OutboundResponse>;
}

/** Checks that a URL may be called (scheme, host, resolved addresses). */
export interface UrlGuard {
  /** Throws BillhookError `url_not_allowed` with a reason. */
  check(url: string): Promise<void>;
}

/** Event-type definitions stored with PUT /v1/event-types/{type} (the entities table on AWS). */
export interface EventTypeStore {
  /** Create or replace the definition of `def.type`. */
  put(def: StoredEventType): Promise<void>;
  /** Returns false if there was no stored definition. */
  delete(type: string): Promise<boolean>;
  /** Every stored definition, strongly consistent (a PUT is seen by the next list). */
  list(): Promise<StoredEventType[]>;
}

/** One failing place: `path` into the checked value (keys and indexes), and why. */
export interface SchemaIssue {
  path: (string | number)[];
  message: string;
}

/** JSON Schema 2020-12: checking a schema, and checking data against one. */
export interface JsonSchemaValidator {
  /** Why `schema` is not a JSON Schema 2020-12 this validator can apply (none: it can). */
  schemaProblems(schema: unknown): SchemaIssue[];
  /**
   * A check of data against a schema `schemaProblems` found nothing wrong
   * with: the failing paths, none when the data conforms. Compile once,
   * check many times.
   */
  compile(schema: unknown): (data: unknown) => SchemaIssue[];
}

/** Hour counters of one tenant or endpoint, as a store reads them back. */
export interface HourCounts {
  /** `YYYY-MM-DDTHH` (UTC). */
  hour: string;
  counts: StatsCounts;
}

/** An inclusive range of hour keys (`YYYY-MM-DDTHH`). */
export interface HourRange {
  fromHour: string;
  toHour: string;
}

/**
 * Delivery stats as counters per hour (lib/core/stats.ts): written by the
 * stats function from the delivery log's changes, read by the charts and
 * the endpoint list. Reads are bounded by the window (hours × endpoints),
 * never by traffic.
 */
export interface StatsStore {
  /**
   * Add each delta to its tenant's hour, its endpoint's hour and the
   * tenant's endpoint totals. All or nothing: on failure (or when `signal`
   * aborts) the store takes back what it had added before throwing, so the
   * caller may retry the whole batch. A `StatsUndoError` says the take-back
   * itself failed, and how many attempts may now be counted twice.
   */
  add(deltas: readonly StatsDelta[], options?: { signal?: AbortSignal }): Promise<void>;
  /** A tenant's (or one of its endpoints') counters for each hour of `range` that had attempts, oldest first. */
  hours(tenantId: string, range: HourRange, endpointId?: string): Promise<HourCounts[]>;
  /** Each endpoint's counters summed over `range`: one read of the tenant's endpoint totals. Endpoints without attempts are absent. */
  endpointTotals(tenantId: string, range: HourRange): Promise<{ endpointId: string; counts: StatsCounts }[]>;
}

/** `StatsStore.add` failed and could not take back all it had added. */
export class StatsUndoError extends Error {
  constructor(
    message: string,
    /** Attempts counted in the items that could not be taken back: a retry counts them again. */
    readonly overcounted: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StatsUndoError';
  }
}
