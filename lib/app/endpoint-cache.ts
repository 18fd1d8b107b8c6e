import type { EndpointHealth, EndpointRecord } from '../core/model.ts';
import type { Clock, EndpointStore } from '../ports.ts';
import type { EndpointReader } from './deps.ts';

/**
 * The sender's short-lived endpoint cache, so the steady path does no
 * DynamoDB read per delivery (the hot path's cost: one write per attempt,
 * no read). An entry is used while it is
 * younger than `ttlMs` and at least as new as the version the message was
 * enqueued with; otherwise it is read again.
 */
export class CachedEndpointReader implements EndpointReader {
  private readonly entries = new Map<string, { record: EndpointRecord | undefined; at: number }>();
  private readonly inflight = new Map<string, Promise<EndpointRecord | undefined>>();

  constructor(
    private readonly store: Pick<EndpointStore, 'get'>,
    private readonly clock: Clock,
    private readonly ttlMs = 30_000,
    private readonly maxEntries = 10_000,
  ) {}

  invalidate(tenantId: string, id: string): void {
    this.entries.delete(`${tenantId}/${id}`);
  }

  noteHealth(tenantId: string, id: string, health: EndpointHealth | undefined): void {
    const hit = this.entries.get(`${tenantId}/${id}`);
    if (!hit?.record) return;
    const record = { ...hit.record };
    if (health) record.health = health;
    else delete record.health;
    this.entries.set(`${tenantId}/${id}`, { record, at: hit.at });
  }

  async get(tenantId: string, id: string, minVersion: number): Promise<EndpointRecord | undefined> {
    const key = `${tenantId}/${id}`;
    const hit = this.entries.get(key);
    if (hit && this.clock.now() - hit.at < this.ttlMs && (hit.record === undefined || hit.record.version >= minVersion)) {
      return hit.record;
    }
    // Concurrent deliveries to one endpoint share a single read.
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.store.get(tenantId, id).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    const record = await pending;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { record, at: this.clock.now() });
    return record;
  }
}
