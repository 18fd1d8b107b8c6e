/**
 * Id generation. Random ids are time-ordered (48-bit millisecond timestamp +
 * 80 random bits, Crockford base32, like ULID) so that lists sort by creation.
 * Derived ids are stable hashes, so retries of the same request land on the
 * same id. Time and randomness are injected.
 */
import { createHash } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function encodeBase32(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const b of bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += CROCKFORD[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += CROCKFORD[(buffer << (5 - bits)) & 31];
  return out;
}

export type RandomBytes = (n: number) => Uint8Array;

/** 26-character time-ordered id body. */
export function timeOrderedId(nowMs: number, randomBytes: RandomBytes): string {
  const bytes = new Uint8Array(16);
  let t = nowMs;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = t % 256;
    t = Math.floor(t / 256);
  }
  bytes.set(randomBytes(10), 6);
  return encodeBase32(bytes).slice(0, 26);
}

/** 26-character id body derived from its parts (sha256, base32). */
export function derivedId(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\u0000');
  return encodeBase32(h.digest().subarray(0, 17)).slice(0, 26);
}

export interface IdGenerator {
  tenant(): string;
  endpoint(): string;
  event(): string;
  key(): string;
  portalSession(): string;
}

export function idGenerator(now: () => number, randomBytes: RandomBytes): IdGenerator {
  const make = (prefix: string) => () => prefix + timeOrderedId(now(), randomBytes);
  return { tenant: make('ten_'), endpoint: make('ep_'), event: make('evt_'), key: make('key_'), portalSession: make('ps_') };
}

/** The event id for an idempotent request: the same key always gives the same id. */
export const idempotentEventId = (tenantId: string, key: string): string => 'evt_' + derivedId('event', tenantId, key);

/** One delivery per (event, endpoint): the id is derived so re-enqueues agree. */
export const deliveryId = (eventId: string, endpointId: string): string => 'dlv_' + derivedId('delivery', eventId, endpointId);
