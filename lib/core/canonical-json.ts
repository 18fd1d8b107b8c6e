import { createHash } from 'node:crypto';

/** JSON with object keys sorted, so equal values always serialise the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return '[' + value.map(canonicalJson).join(',') + ']';
  const keys = Object.keys(value).sort();
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalJson((value as Record<string, unknown>)[k])).join(',') + '}';
}

/** sha256 (hex) of the canonical JSON of a value. */
export const fingerprint = (value: unknown): string => createHash('sha256').update(canonicalJson(value)).digest('hex');

/** Marks fingerprints taken over the request as sent; older ones hash the canonical JSON of the parsed value. */
const AS_SENT = 'v2:';

/**
 * The idempotency fingerprint of an event: its type and its data text as
 * sent, minified. So whitespace does not count, but `1.0` and `1`, key order
 * or an escape do: the same key with such a body is another request.
 */
export const eventFingerprint = (type: string, dataJson: string, orderingKey?: string): string => {
  const h = createHash('sha256').update(JSON.stringify(type)).update('\n').update(dataJson);
  // The ordering key is part of the request: the same idempotency key with another key is a conflict.
  if (orderingKey !== undefined) h.update('\n').update(JSON.stringify(orderingKey));
  return AS_SENT + h.digest('hex');
};

/** Whether a stored fingerprint is this event's request; reads fingerprints stored before `eventFingerprint` too. */
export function sameEventRequest(stored: string, type: string, dataJson: string, orderingKey?: string): boolean {
  if (stored.startsWith(AS_SENT)) return stored === eventFingerprint(type, dataJson, orderingKey);
  return stored === fingerprint({ type, data: JSON.parse(dataJson) as unknown });
}
