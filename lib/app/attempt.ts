/**
 * The part of an attempt that can fail for reasons of the endpoint's own
 * configuration rather than the network: building, signing and sending the
 * request. It never throws, so a stored endpoint that cannot be sent to
 * (a header value HTTP refuses, a URL that no longer parses, a signing key
 * that does not load) becomes a recorded, failed attempt with a clear error,
 * instead of an exception that returns the message to SQS until only the
 * dead-letter queue knows about it.
 *
 * Such faults follow the retry policy: they are fixed by changing the
 * endpoint (PATCH, rotate), and the next scheduled attempt then reads the
 * fixed configuration. Refusals by the deployment's SSRF policy stay final
 * (`blocked`), as the sender reports them.
 */
import { invalidHeaderNames } from '../core/header-value.ts';
import type { EndpointRecord } from '../core/model.ts';
import type { Clock, OutboundRequest, OutboundResponse, WebhookSender } from '../ports.ts';

/** Longest piece of an exception's message kept in an attempt's error. */
const MAX_DETAIL = 200;

/**
 * Build the request with `build` and POST it; whatever throws on the way is
 * answered as a failed, unsent attempt (`error` set, no status code).
 *
 * @example
 *   const response = await sendAttempt(deps, endpoint, () => ({ url: endpoint.url, headers, body }));
 */
export async function sendAttempt(
  deps: { http: WebhookSender; clock: Clock },
  endpoint: Pick<EndpointRecord, 'id' | 'headers'>,
  build: () => OutboundRequest,
): Promise<OutboundResponse> {
  const started = deps.clock.now();
  const unsent = (error: string): OutboundResponse => ({ error, durationMs: Math.max(0, deps.clock.now() - started) });
  // Endpoints stored before header values were checked at create may hold values HTTP refuses.
  const bad = invalidHeaderNames(endpoint.headers ?? {});
  if (bad.length) {
    return unsent(`not sent: the value of header ${bad.map((n) => JSON.stringify(n)).join(', ')} is not a valid HTTP field value; fix the endpoint's headers`);
  }
  let request: OutboundRequest;
  try {
    request = build();
  } catch (e) {
    return unsent(`not sent: the request could not be built or signed (${detail(e)})`);
  }
  try {
    return await deps.http.post(request);
  } catch (e) {
    // The port promises not to throw; an adapter that does still must not lose the attempt.
    return unsent(`not sent: the request could not be sent (${detail(e)})`);
  }
}

/** A short, value-free description of an exception (Node's messages name a header, never its value). */
function detail(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown; name?: unknown };
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const message = typeof err?.message === 'string' ? err.message.slice(0, MAX_DETAIL) : undefined;
  if (code && message) return `${code}: ${message}`;
  return message ?? code ?? (typeof err?.name === 'string' ? err.name : 'unknown error');
}
