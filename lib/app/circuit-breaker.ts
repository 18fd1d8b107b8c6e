/**
 * Per-endpoint circuit breakers, in the memory of one sender instance.
 * After `threshold` consecutive failed attempts the circuit opens: deliveries
 * are deferred (re-queued without spending an attempt) until the cooldown
 * ends; then one probe goes through (half-open). A successful probe closes
 * the circuit; a failed one opens it again for twice as long (capped).
 */
export interface BreakerOptions {
  threshold: number;
  cooldownMs: number;
  maxCooldownMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = { threshold: 5, cooldownMs: 30_000, maxCooldownMs: 600_000 };

type State = { failures: number; openUntil: number; cooldownMs: number; probing: boolean };

export type BreakerDecision = { kind: 'closed' } | { kind: 'probe' } | { kind: 'open'; retryInMs: number };

export class CircuitBreakers {
  private readonly states = new Map<string, State>();

  constructor(
    private readonly now: () => number,
    private readonly options: BreakerOptions = DEFAULT_BREAKER,
  ) {}

  /** May a request to this endpoint go out now? */
  check(key: string): BreakerDecision {
    const s = this.states.get(key);
    if (!s || s.failures < this.options.threshold) return { kind: 'closed' };
    const now = this.now();
    if (now < s.openUntil) return { kind: 'open', retryInMs: s.openUntil - now };
    if (s.probing) return { kind: 'open', retryInMs: Math.min(5_000, s.cooldownMs) };
    s.probing = true;
    return { kind: 'probe' };
  }

  /** Record the outcome of a request that went out. */
  record(key: string, ok: boolean): void {
    if (ok) {
      this.states.delete(key);
      return;
    }
    const s = this.states.get(key) ?? { failures: 0, openUntil: 0, cooldownMs: this.options.cooldownMs, probing: false };
    s.failures++;
    if (s.probing) s.cooldownMs = Math.min(s.cooldownMs * 2, this.options.maxCooldownMs);
    s.probing = false;
    if (s.failures >= this.options.threshold) s.openUntil = this.now() + s.cooldownMs;
    this.states.set(key, s);
    if (this.states.size > 10_000) this.states.delete(this.states.keys().next().value!);
  }
}
