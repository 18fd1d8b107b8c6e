/**
 * Retry policy as data. A schedule lists the delays (seconds) before each
 * retry that follows the first, immediate attempt: `[5, 300]` means three
 * attempts in all. Jitter is applied by the caller-provided random source.
 */

/** Immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const DEFAULT_RETRY_SCHEDULE: readonly number[] = [5, 300, 1800, 7200, 18000, 36000, 36000];
export const DEFAULT_JITTER = 0.2;

export type RetryDecision = { kind: 'retry'; delaySeconds: number } | { kind: 'give_up' };

/**
 * What follows a failed attempt.
 *
 * @param attempt the 1-based number of the attempt that just failed
 * @param random  a number in [0, 1) (injected so tests are deterministic)
 * @param minDelaySeconds a floor, e.g. from a `Retry-After` header
 *
 * @example
 * nextRetry([5, 300], 1, 0.5) // → { kind: 'retry', delaySeconds: 5 }
 * nextRetry([5, 300], 3, 0.5) // → { kind: 'give_up' }
 */
export function nextRetry(
  schedule: readonly number[],
  attempt: number,
  random: number,
  options: { jitter?: number; minDelaySeconds?: number; maxDelaySeconds?: number } = {},
): RetryDecision {
  const base = schedule[attempt - 1];
  if (base === undefined) return { kind: 'give_up' };
  const jitter = options.jitter ?? DEFAULT_JITTER;
  // Symmetric jitter: random 0.5 gives exactly the scheduled delay.
  let delay = Math.round(base * (1 + jitter * (2 * random - 1)));
  if (options.minDelaySeconds !== undefined) delay = Math.max(delay, options.minDelaySeconds);
  if (options.maxDelaySeconds !== undefined) delay = Math.min(delay, options.maxDelaySeconds);
  return { kind: 'retry', delaySeconds: Math.max(0, delay) };
}

/** Parse a comma-separated schedule such as `5,300,1800`. */
export function parseRetrySchedule(raw: string): number[] {
  const trimmed = raw.trim();
  if (trimmed === '') return [];
  return trimmed.split(',').map((part) => {
    const n = Number(part.trim());
    if (!Number.isInteger(n) || n < 0) throw new Error(`invalid retry delay ${JSON.stringify(part.trim())}: expected whole seconds >= 0`);
    return n;
  });
}
