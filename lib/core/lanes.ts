/**
 * Delivery lanes: which SQS FIFO message group a delivery message travels
 * in. SQS hands out at most one in-flight message per group, across every
 * consumer of the queue, so the group layout *is* the deployment-wide
 * scheduling policy:
 *
 * - An endpoint's unordered traffic is spread over `maxInFlight` shard
 *   groups (`<endpoint>.s<n>`, n from a hash of the delivery id): the
 *   endpoint never has more than `maxInFlight` requests in flight, however
 *   many sender instances run, and its backlog waits in SQS (costing
 *   nothing) instead of occupying senders. Other endpoints' groups flow on.
 * - On an endpoint with `ordering: "key"`, the scheduled chain of a delivery
 *   whose event has an `orderingKey` travels in the key's group
 *   (`<endpoint>.k.<hash of key>`): the next event of the key is handed out
 *   only once the previous message is deleted (succeeded or exhausted).
 *   Keys never share a group, so they never block one another. Because
 *   there can be any number of key groups, such an endpoint's `maxInFlight`
 *   is enforced by a lease (see DeliveryLimiter), not by the group count.
 * - Out-of-band messages (manual retry, recover, redrive, drain) of an
 *   ordered endpoint use the shard groups, and take a lease like every
 *   message of an ordered endpoint.
 *
 * Pure: hashing only.
 */
import { createHash } from 'node:crypto';

export const ORDERING_MODES = ['none', 'key'] as const;
export type OrderingMode = (typeof ORDERING_MODES)[number];

/** Bounds of an endpoint's `maxInFlight`, as the API documents them (/openapi.json). */
export const MAX_IN_FLIGHT = { min: 1, max: 1000, default: 10 } as const;

/** What a lane depends on, of an endpoint. */
export interface LaneEndpoint {
  id: string;
  maxInFlight?: number | undefined;
  ordering?: OrderingMode | undefined;
}

/** What a lane depends on, of a delivery message. */
export interface LaneMessage {
  deliveryId: string;
  orderingKey?: string | undefined;
  trigger: 'scheduled' | 'manual' | 'recover';
  chain?: number | undefined;
}

export interface Lane {
  /** SQS MessageGroupId (≤ 128 characters of [A-Za-z0-9.-_]). */
  group: string;
  /**
   * The message holds its key's place: its retries wait in the message
   * (visibility) instead of leaving the group, so later events of the key wait too.
   */
  keyed: boolean;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** The effective concurrency cap of an endpoint. */
export const maxInFlightOf = (e: Pick<LaneEndpoint, 'maxInFlight'>, deploymentDefault: number = MAX_IN_FLIGHT.default): number =>
  Math.min(MAX_IN_FLIGHT.max, Math.max(MAX_IN_FLIGHT.min, Math.floor(e.maxInFlight ?? deploymentDefault)));

/** True when the message takes part in its key's order (the first, scheduled chain only). */
export const isKeyed = (e: Pick<LaneEndpoint, 'ordering'>, m: LaneMessage): boolean =>
  e.ordering === 'key' && m.orderingKey !== undefined && m.orderingKey !== '' && m.trigger === 'scheduled' && (m.chain ?? 0) === 0;

/**
 * The lane of a delivery message.
 *
 * @example
 * laneOf({ id: 'ep_1', maxInFlight: 4 }, { deliveryId: 'dlv_a', trigger: 'scheduled' }, 10)
 * // → { group: 'ep_1.s2', keyed: false }   (shard from the delivery id's hash)
 */
export function laneOf(e: LaneEndpoint, m: LaneMessage, deploymentDefault: number = MAX_IN_FLIGHT.default): Lane {
  if (isKeyed(e, m)) return { group: `${e.id}.k.${digest(m.orderingKey!).subarray(0, 16).toString('base64url')}`, keyed: true };
  const shard = digest(m.deliveryId).readUInt32BE(0) % maxInFlightOf(e, deploymentDefault);
  return { group: `${e.id}.s${shard}`, keyed: false };
}

/**
 * SQS MessageDeduplicationId of a message: the same delivery, attempt and
 * hop always give the same id, so a re-sent enqueue (ingest retried after a
 * crash) is dropped by SQS within its 5-minute window, while a deliberate
 * re-enqueue of the same attempt (a deferral) counts its hop and goes through.
 */
export const deduplicationId = (m: { deliveryId: string; hop?: number | undefined }, attemptKey: string): string =>
  digest(`${m.deliveryId}\u0000${attemptKey}\u0000${m.hop ?? 0}`).toString('base64url');

/** The longest a message can be held invisible in one go (SQS: 12 h), with a margin. */
export const MAX_HOLD_SECONDS = 12 * 3600 - 60;
