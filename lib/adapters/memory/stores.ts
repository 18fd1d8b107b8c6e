/**
 * In-memory adapters for unit tests of the use cases. They honour the same
 * contracts as the DynamoDB adapters (conditional writes, tenant scoping,
 * cursors); the shared conformance suite in test/adapters runs against both.
 */
import { BillhookError } from '../../core/errors.ts';
import type { StoredEventType } from '../../core/event-types.ts';
import type { Delivery, DeliveryMessage, DeliveryWithAttempts, EndpointRecord, EventRecord, JobMessage, Tenant, TenantPatch } from '../../core/model.ts';
import type {
  ApiKeyRecord,
  Clock,
  DeliveryLimiter,
  Lease,
  EndpointHealthStore,
  DeadLetterQueue,
  ApiKeyStore,
  AttemptRecord,
  DeliveryListQuery,
  DeliveryLog,
  DeliveryQueue,
  EndpointStore,
  EventListQuery,
  EventStore,
  EventTypeStore,
  Page,
  PageRequest,
  PortalSessionRecord,
  PortalSessionStore,
  PutEventResult,
  RecordAttemptResult,
  TenantStore,
  HourCounts,
  HourRange,
  StatsStore,
} from '../../ports.ts';
import { addCounts, emptyCounts, type LogChange, type LogImage, type StatsCounts, type StatsDelta } from '../../core/stats.ts';
import { decodeQueueMessage, encodeQueueMessage } from '../../core/queue-encoding.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';

const clone = <T>(v: T): T => structuredClone(v);

/** Sorted keys → one page after the cursor. */
function pageOf<T>(items: T[], key: (t: T) => string, scope: string, page: PageRequest): Page<T> {
  const after = decodeCursor(scope, page.cursor)?.k as string | undefined;
  const start = after === undefined ? 0 : items.findIndex((i) => key(i) > after);
  const slice = start === -1 ? [] : items.slice(start, start + page.limit);
  const more = start !== -1 && start + page.limit < items.length;
  return { data: slice.map(clone), nextCursor: more ? encodeCursor(scope, { k: key(slice[slice.length - 1]!) }) : null };
}

export class MemoryTenantStore implements TenantStore {
  readonly items = new Map<string, Tenant>();
  async create(t: Tenant) {
    if (this.items.has(t.id)) throw new BillhookError('conflict', `tenant ${t.id} already exists`);
    this.items.set(t.id, clone(t));
  }
  async get(id: string) {
    const t = this.items.get(id);
    return t && clone(t);
  }
  async list(page: PageRequest) {
    const sorted = [...this.items.values()].sort((a, b) => (a.createdAt + a.id).localeCompare(b.createdAt + b.id));
    return pageOf(sorted, (t) => `${t.createdAt}#${t.id}`, 'tenants', page);
  }
  async update(id: string, patch: TenantPatch) {
    const t = this.items.get(id);
    if (!t) return undefined;
    if (patch.name !== undefined) t.name = patch.name;
    if (patch.portalFrameAncestors !== undefined) {
      if (patch.portalFrameAncestors.length) t.portalFrameAncestors = [...patch.portalFrameAncestors];
      else delete t.portalFrameAncestors;
    }
    return clone(t);
  }
}

export class MemoryEndpointStore implements EndpointStore, EndpointHealthStore {
  readonly items = new Map<string, EndpointRecord>();
  private key = (t: string, id: string) => `${t}/${id}`;
  async create(e: EndpointRecord) {
    if (this.items.has(this.key(e.tenantId, e.id))) throw new BillhookError('conflict', `endpoint ${e.id} already exists`);
    this.items.set(this.key(e.tenantId, e.id), clone(e));
  }
  async get(t: string, id: string) {
    const e = this.items.get(this.key(t, id));
    return e && clone(e);
  }
  async routes(t: string) {
    return [...this.items.values()]
      .filter((e) => e.tenantId === t)
      .map((e) => ({
        id: e.id,
        version: e.version,
        status: e.status,
        eventTypes: [...e.eventTypes],
        ...(e.maxInFlight !== undefined ? { maxInFlight: e.maxInFlight } : {}),
        ...(e.ordering !== undefined ? { ordering: e.ordering } : {}),
      }));
  }
  async list(t: string, page: PageRequest) {
    const mine = [...this.items.values()].filter((e) => e.tenantId === t).sort((a, b) => a.id.localeCompare(b.id));
    return pageOf(mine, (e) => e.id, `endpoints:${t}`, page);
  }
  async update(e: EndpointRecord, expectedVersion: number) {
    const cur = this.items.get(this.key(e.tenantId, e.id));
    if (!cur) throw new BillhookError('not_found', `endpoint ${e.id} not found`);
    if (cur.version !== expectedVersion) throw new BillhookError('conflict', `endpoint ${e.id} was changed concurrently; retry`);
    this.items.set(this.key(e.tenantId, e.id), clone(e));
  }
  async delete(t: string, id: string) {
    return this.items.delete(this.key(t, id));
  }
  async noteFailure(t: string, id: string, at: string) {
    const e = this.items.get(this.key(t, id));
    if (!e) return undefined;
    e.health = { ...e.health, failingSince: e.health?.failingSince ?? at };
    return clone(e.health);
  }
  async noteExhausted(t: string, id: string, at: string) {
    const e = this.items.get(this.key(t, id));
    if (!e) return undefined;
    e.health = { failingSince: e.health?.failingSince ?? at, consecutiveExhausted: (e.health?.consecutiveExhausted ?? 0) + 1 };
    return clone(e.health);
  }
  async noteSuccess(t: string, id: string) {
    const e = this.items.get(this.key(t, id));
    if (e) delete e.health;
  }
  async disable(t: string, id: string, reason: string, at: string) {
    const e = this.items.get(this.key(t, id));
    if (!e || e.status !== 'enabled') return false;
    Object.assign(e, { status: 'disabled', disabledReason: reason, disabledAt: at, updatedAt: at, version: e.version + 1 });
    return true;
  }
}

export class MemoryEventStore implements EventStore {
  readonly items = new Map<string, EventRecord>();
  private key = (t: string, id: string) => `${t}/${id}`;
  async putIfAbsent(e: EventRecord): Promise<PutEventResult> {
    const existing = this.items.get(this.key(e.tenantId, e.id));
    if (existing) return { created: false, existing: clone(existing) };
    this.items.set(this.key(e.tenantId, e.id), clone(e));
    return { created: true };
  }
  async get(t: string, id: string) {
    const e = this.items.get(this.key(t, id));
    return e && clone(e);
  }
  async getMany(t: string, ids: readonly string[]) {
    return [...new Set(ids)].flatMap((id) => {
      const e = this.items.get(this.key(t, id));
      return e ? [clone(e)] : [];
    });
  }
  async list(t: string, q: EventListQuery) {
    const k = (e: EventRecord) => `${e.createdAt}#${e.id}`;
    const mine = [...this.items.values()]
      .filter((e) => e.tenantId === t && (!q.since || k(e) >= q.since) && (!q.type || e.type === q.type))
      .sort((a, b) => k(a).localeCompare(k(b)));
    return pageOf(mine, k, `events:${t}`, q);
  }
}

export class MemoryDeliveryLog implements DeliveryLog {
  readonly items = new Map<string, DeliveryWithAttempts & { keys: Set<string>; lastKey: string }>();
  /**
   * Told of every write, before and after, as the logs table's DynamoDB
   * stream reports it: the in-memory stand-in for the stream that feeds the
   * stats (see test/unit/fixtures.ts).
   */
  onChange?: (change: LogChange) => void;
  async recordAttempt(r: AttemptRecord): Promise<RecordAttemptResult> {
    const cur = this.items.get(r.delivery.id);
    if (cur?.keys.has(r.key)) return { result: 'duplicate', current: { attemptCount: cur.attemptCount, status: cur.status, lastKey: cur.lastKey } };
    const next: DeliveryWithAttempts & { keys: Set<string>; lastKey: string } = {
      ...r.delivery,
      createdAt: cur?.createdAt ?? r.delivery.createdAt,
      status: r.status,
      attemptCount: (cur?.attemptCount ?? 0) + 1,
      lastAttemptAt: r.attempt.at,
      attempts: [...(cur?.attempts ?? []), clone(r.attempt)],
      keys: new Set([...(cur?.keys ?? []), r.key]),
      lastKey: r.key,
    };
    if (r.attempt.statusCode !== undefined) next.lastStatusCode = r.attempt.statusCode;
    if (r.nextAttemptAt) next.nextAttemptAt = r.nextAttemptAt;
    else if (r.keepNextAttemptAt && cur?.nextAttemptAt) next.nextAttemptAt = cur.nextAttemptAt;
    this.items.set(r.delivery.id, next);
    this.onChange?.({ ...(cur ? { old: logImage(cur) } : {}), new: logImage(next) });
    return { result: 'recorded' };
  }
  async registerPending(d: AttemptRecord['delivery']): Promise<void> {
    if (this.items.has(d.id)) return;
    const item = { ...clone(d), status: 'pending' as const, attemptCount: 0, attempts: [], keys: new Set<string>(), lastKey: '' };
    this.items.set(d.id, item);
    this.onChange?.({ new: logImage(item) });
  }
  async get(t: string, id: string): Promise<DeliveryWithAttempts | undefined> {
    const d = this.items.get(id);
    if (!d || d.tenantId !== t) return undefined;
    const { keys: _k, lastKey: _l, ...rest } = clone(d);
    return { ...rest, attempts: rest.attempts.map((a, i) => ({ ...a, attempt: i + 1 })) };
  }
  async list(t: string, q: DeliveryListQuery): Promise<Page<Delivery>> {
    const k = (d: Delivery) => `${d.createdAt}#${d.id}`;
    const mine = [...this.items.values()]
      .filter(
        (d) =>
          d.tenantId === t &&
          (q.status ? d.status === q.status : !q.statuses?.length || q.statuses.includes(d.status)) &&
          (!q.endpointId || d.endpointId === q.endpointId) &&
          (!q.eventId || d.eventId === q.eventId) &&
          (!q.eventType || d.eventType === q.eventType) &&
          (!q.since || k(d) >= q.since) &&
          (!q.until || k(d) <= q.until + '~'),
      )
      .sort((a, b) => k(b).localeCompare(k(a)))
      .map(({ attempts: _a, keys: _k, lastKey: _l, ...d }) => d as Delivery);
    // Newest first: compare keys descending.
    const after = decodeCursor(`deliveries:${t}`, q.cursor)?.k as string | undefined;
    const start = after === undefined ? 0 : mine.findIndex((d) => k(d) < after);
    const slice = start === -1 ? [] : mine.slice(start, start + q.limit);
    const more = start !== -1 && start + q.limit < mine.length;
    return { data: slice, nextCursor: more ? encodeCursor(`deliveries:${t}`, { k: k(slice[slice.length - 1]!) }) : null };
  }
}

/**
 * Records what was enqueued; `failNext` injects SQS failures. Every message
 * travels as SQS carries it, through the queue encoding and back, and
 * `acceptBody` (tests) may refuse a body the way SQS would.
 */
const logImage = (d: DeliveryWithAttempts): LogImage => clone({ tenantId: d.tenantId, endpointId: d.endpointId, status: d.status, attemptCount: d.attemptCount, attempts: d.attempts });

/**
 * Stats counters in memory: per tenant hour and per endpoint hour (the
 * endpoint totals are sums of the latter). `add` is all or nothing by
 * construction; `failWhen` lets a test make it fail.
 */
export class MemoryStatsStore implements StatsStore {
  readonly tenantHours = new Map<string, StatsCounts>();
  readonly endpointHours = new Map<string, StatsCounts>();
  /** Test seam: an `add` holding a delta this accepts fails and changes nothing. */
  failWhen?: (delta: StatsDelta) => boolean;

  async add(deltas: readonly StatsDelta[], options: { signal?: AbortSignal } = {}): Promise<void> {
    options.signal?.throwIfAborted();
    if (deltas.some((d) => this.failWhen?.(d))) throw new Error('stats store: injected failure');
    for (const d of deltas) {
      const t = `${d.tenantId}|${d.hour}`;
      const e = `${d.tenantId}|${d.endpointId}|${d.hour}`;
      this.tenantHours.set(t, addCounts(this.tenantHours.get(t) ?? emptyCounts(), d.counts));
      this.endpointHours.set(e, addCounts(this.endpointHours.get(e) ?? emptyCounts(), d.counts));
    }
  }

  async hours(tenantId: string, range: HourRange, endpointId?: string): Promise<HourCounts[]> {
    const out: HourCounts[] = [];
    const source = endpointId === undefined ? this.tenantHours : this.endpointHours;
    for (const [key, counts] of source) {
      const parts = key.split('|');
      const hour = parts[parts.length - 1]!;
      if (parts[0] !== tenantId || (endpointId !== undefined && parts[1] !== endpointId)) continue;
      if (hour >= range.fromHour && hour <= range.toHour) out.push({ hour, counts: clone(counts) });
    }
    return out.sort((a, b) => a.hour.localeCompare(b.hour));
  }

  async endpointTotals(tenantId: string, range: HourRange): Promise<{ endpointId: string; counts: StatsCounts }[]> {
    const sums = new Map<string, StatsCounts>();
    for (const [key, counts] of this.endpointHours) {
      const [t, endpointId, hour] = key.split('|') as [string, string, string];
      if (t !== tenantId || hour < range.fromHour || hour > range.toHour) continue;
      sums.set(endpointId, addCounts(sums.get(endpointId) ?? emptyCounts(), counts));
    }
    return [...sums].map(([endpointId, counts]) => ({ endpointId, counts })).sort((a, b) => a.endpointId.localeCompare(b.endpointId));
  }
}

export class MemoryDeliveryQueue implements DeliveryQueue {
  readonly sent: { message: DeliveryMessage; delaySeconds: number }[] = [];
  readonly fanouts: JobMessage[] = [];
  readonly deadLetters: { message: DeliveryMessage; reason: string }[] = [];
  failNext = 0;
  acceptBody?: (body: string) => void;
  private maybeFail() {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('injected SQS failure');
    }
  }
  private transit<T>(m: T): T {
    const body = encodeQueueMessage(m);
    this.acceptBody?.(body);
    return decodeQueueMessage(body) as T;
  }
  async enqueue(messages: readonly DeliveryMessage[], delaySeconds = 0) {
    this.maybeFail();
    const bodies = messages.map((m) => this.transit(m)); // all or nothing, as a refused batch entry fails the call
    for (const message of bodies) this.sent.push({ message, delaySeconds });
  }
  async enqueueJob(m: JobMessage, _delaySeconds = 0) {
    this.maybeFail();
    this.fanouts.push(this.transit(m));
  }
  async sendToDeadLetter(m: DeliveryMessage, reason: string) {
    this.maybeFail();
    this.deadLetters.push({ message: this.transit(m), reason });
  }
}

export class MemoryApiKeyStore implements ApiKeyStore {
  readonly items = new Map<string, ApiKeyRecord>();
  async create(k: ApiKeyRecord) {
    if (this.items.has(k.hash)) throw new Error('duplicate key');
    this.items.set(k.hash, clone(k));
  }
  async findByHash(hash: string) {
    const k = this.items.get(hash);
    return k && clone(k);
  }
  async list(tenantId: string) {
    return [...this.items.values()]
      .filter((k) => k.tenantId === tenantId)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
      .map(clone);
  }
  async delete(tenantId: string, keyId: string) {
    for (const [hash, k] of this.items) {
      if (k.tenantId === tenantId && k.id === keyId) return this.items.delete(hash);
    }
    return false;
  }
}

export class MemoryPortalSessionStore implements PortalSessionStore {
  readonly items = new Map<string, PortalSessionRecord>();
  async create(session: PortalSessionRecord) {
    if (this.items.has(session.hash)) throw new Error('duplicate session');
    this.items.set(session.hash, clone(session));
  }
  async findByHash(hash: string) {
    const session = this.items.get(hash);
    return session && clone(session);
  }
  async list(tenantId: string) {
    return [...this.items.values()]
      .filter((session) => session.tenantId === tenantId)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
      .map(clone);
  }
  async delete(tenantId: string, id: string) {
    for (const [hash, session] of this.items) {
      if (session.tenantId === tenantId && session.id === id) return this.items.delete(hash);
    }
    return false;
  }
}

export class MemoryDeadLetterQueue implements DeadLetterQueue {
  readonly messages: { id: string; body: string; handle: string; hidden: boolean }[] = [];
  private n = 0;
  put(body: string) {
    const id = `m${++this.n}`;
    this.messages.push({ id, body, handle: `h-${id}`, hidden: false });
  }
  async depth() {
    return this.messages.length;
  }
  async receive(max: number) {
    const visible = this.messages.filter((m) => !m.hidden).slice(0, max);
    for (const m of visible) m.hidden = true;
    return visible.map(({ id, body, handle }) => ({ id, body, handle }));
  }
  async delete(handles: readonly string[]) {
    for (const h of handles) {
      const i = this.messages.findIndex((m) => m.handle === h);
      if (i !== -1) this.messages.splice(i, 1);
    }
  }
}

/** The limiter in memory, with the DynamoDB adapter's semantics (for unit tests). */
export class MemoryDeliveryLimiter implements DeliveryLimiter {
  readonly tats = new Map<string, number>();
  readonly leases = new Map<string, { holder: string; until: number }>();
  private n = 0;
  constructor(private readonly clock: Clock) {}

  async reserveRate(key: string, perSecond: number, maxWaitMs: number) {
    const now = this.clock.now();
    const tat = Math.max(this.tats.get(key) ?? now, now);
    if (tat - now > maxWaitMs) return { retryInMs: Math.ceil(tat - now - maxWaitMs) };
    this.tats.set(key, tat + 1000 / perSecond);
    return { waitMs: Math.ceil(tat - now) };
  }

  async acquireLease(key: string, max: number, ttlMs: number) {
    const now = this.clock.now();
    for (let slot = 0; slot < max; slot++) {
      const held = this.leases.get(`${key}#${slot}`);
      if (held && held.until >= now) continue;
      const holder = `h${++this.n}`;
      this.leases.set(`${key}#${slot}`, { holder, until: now + ttlMs });
      return { key, slot, holder };
    }
    return undefined;
  }

  async releaseLease(lease: Lease) {
    if (this.leases.get(`${lease.key}#${lease.slot}`)?.holder === lease.holder) this.leases.delete(`${lease.key}#${lease.slot}`);
  }

  /** Leases held now (for tests). */
  held(key: string): number {
    const now = this.clock.now();
    return [...this.leases.entries()].filter(([k, v]) => k.startsWith(`${key}#`) && v.until >= now).length;
  }
}

export class MemoryEventTypeStore implements EventTypeStore {
  readonly items = new Map<string, StoredEventType>();
  /** How many times the catalogue was read (ingest must not read it per event). */
  lists = 0;
  async put(def: StoredEventType) {
    this.items.set(def.type, clone(def));
  }
  async delete(type: string) {
    return this.items.delete(type);
  }
  async list() {
    this.lists++;
    return [...this.items.values()].map(clone);
  }
}
