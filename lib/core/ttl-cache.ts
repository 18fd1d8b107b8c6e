/**
 * Answers of an async lookup (found or not) kept for `ttlMs`, per process:
 * credentials by hash, tenants by id. A change shows within `ttlMs` on every
 * warm instance, and a hot key costs one read per window. Unknown keys are
 * kept too, so a flood of made-up ones costs one read each per window.
 */
export class TtlCache<R> {
  private readonly cache = new Map<string, { value: R | undefined; at: number }>();

  constructor(
    private readonly find: (key: string) => Promise<R | undefined>,
    private readonly now: () => number,
    private readonly ttlMs: number,
    /** Past this many keys the cache starts over (bounded memory). */
    private readonly maxKeys = 10_000,
  ) {}

  /** The cached answer if younger than the TTL, else a fresh one; `fresh` always asks `find`. */
  async get(key: string, fresh = false): Promise<R | undefined> {
    const hit = fresh ? undefined : this.cache.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.value;
    const value = await this.find(key);
    if (this.cache.size > this.maxKeys) this.cache.clear();
    this.cache.set(key, { value, at: this.now() });
    return value;
  }
}
