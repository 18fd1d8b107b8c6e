/**
 * Classify the result of one HTTP attempt.
 *
 * 2xx → success. 410 → disable the endpoint. 429/502/503/504 → retry,
 * honouring Retry-After (clamped). 3xx → failure (redirects are never
 * followed). Other 4xx → retry unless configured permanent. Network errors
 * and timeouts → retry.
 */

export interface HttpResult {
  statusCode?: number;
  /** Raw `Retry-After` header, if any. */
  retryAfter?: string;
  /** Set when no response arrived (timeout, DNS, reset, TLS, refused, blocked). */
  error?: string;
  /** The request was refused before sending (e.g. SSRF guard): retrying cannot help. */
  blocked?: boolean;
}

export type Outcome =
  | { kind: 'success' }
  | { kind: 'retry'; minDelaySeconds?: number }
  | { kind: 'permanent'; reason: string }
  | { kind: 'disable'; reason: string };

export const MAX_RETRY_AFTER_SECONDS = 6 * 3600;

/** Seconds from a Retry-After header (delta-seconds or HTTP date), clamped to [0, max]. */
export function parseRetryAfter(value: string | undefined, nowMs: number, max = MAX_RETRY_AFTER_SECONDS): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  let seconds: number;
  if (/^\d+$/.test(trimmed)) seconds = Number(trimmed);
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return undefined;
    seconds = Math.ceil((at - nowMs) / 1000);
  }
  return Math.min(Math.max(seconds, 0), max);
}

export function classify(result: HttpResult, nowMs: number, options: { permanent4xx?: boolean } = {}): Outcome {
  if (result.blocked) return { kind: 'permanent', reason: result.error ?? 'request blocked' };
  const code = result.statusCode;
  if (code === undefined) return { kind: 'retry' };
  if (code >= 200 && code < 300) return { kind: 'success' };
  if (code === 410) return { kind: 'disable', reason: 'endpoint answered 410 Gone' };
  if (code === 429 || code === 502 || code === 503 || code === 504) {
    const after = parseRetryAfter(result.retryAfter, nowMs);
    return after === undefined ? { kind: 'retry' } : { kind: 'retry', minDelaySeconds: after };
  }
  if (code >= 400 && code < 500 && options.permanent4xx) return { kind: 'permanent', reason: `endpoint answered ${code}` };
  return { kind: 'retry' };
}
