/**
 * Deployment-wide delivery limits in DynamoDB (the `limits` table), shared
 * by every sender instance.
 *
 * Rate: GCRA with no burst. One item per endpoint holds `tat`, the earliest
 * time (epoch ms) the next request may start. A reservation moves it on by
 * 1/rate with a conditional write, so requests are spaced 1/rate apart
 * across the deployment: one write per request when the endpoint is below
 * its rate, two when senders contend for it.
 *
 * Concurrency leases: `max` slot items per endpoint (`lease#<key>#<n>`); a
 * sender takes a free or lapsed slot with a conditional put and deletes it
 * after the request (two writes per request). A crashed holder's slot
 * lapses after its TTL, so a crash cannot leak capacity for long.
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock, DeliveryLimiter, Lease } from '../../ports.ts';
import { conditionFailureItem, isConditionalCheckFailed } from './client.ts';

/** Slots tried per acquisition before the message is held (each failed try is a write). */
const LEASE_PROBES = 3;
const CAS_ROUNDS = 5;

export class DynamoDeliveryLimiter implements DeliveryLimiter {
  /** Slots this instance gave back most recently, per key: the likeliest to be free, so tried first. */
  private readonly released = new Map<string, number[]>();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: Clock,
    private readonly random: () => number = Math.random,
  ) {}

  async reserveRate(key: string, perSecond: number, maxWaitMs: number): Promise<{ waitMs: number } | { retryInMs: number }> {
    const spacing = 1000 / perSecond;
    const pk = `rate#${key}`;
    let known: number | undefined;
    for (let round = 0; round < CAS_ROUNDS; round++) {
      const now = this.clock.now();
      const exp = Math.floor(now / 1000) + 3600;
      try {
        if (known === undefined || known <= now) {
          // Idle endpoint: the slot is now.
          await this.db.send(
            new UpdateCommand({
              TableName: this.table,
              Key: { pk },
              UpdateExpression: 'SET tat = :next, expiresAt = :exp',
              ConditionExpression: 'attribute_not_exists(tat) OR tat <= :now',
              ExpressionAttributeValues: { ':next': now + spacing, ':now': now, ':exp': exp },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
          );
          return { waitMs: 0 };
        }
        if (known - now > maxWaitMs) return { retryInMs: Math.ceil(known - now - maxWaitMs) };
        await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk },
            UpdateExpression: 'SET tat = :next, expiresAt = :exp',
            ConditionExpression: 'tat = :old',
            ExpressionAttributeValues: { ':next': known + spacing, ':old': known, ':exp': exp },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { waitMs: Math.max(0, Math.ceil(known - now)) };
      } catch (e) {
        if (!isConditionalCheckFailed(e)) throw e;
        const tat = conditionFailureItem(e)?.tat;
        known = tat === undefined ? undefined : Number(tat);
      }
    }
    // Heavily contended: come back after one spacing.
    return { retryInMs: Math.ceil(spacing) };
  }

  async acquireLease(key: string, max: number, ttlMs: number): Promise<Lease | undefined> {
    const holder = randomUUID();
    const start = Math.floor(this.random() * max);
    const recent = (this.released.get(key) ?? []).filter((s) => s < max);
    this.released.delete(key);
    const probes = [...new Set([...recent.slice(-LEASE_PROBES), ...Array.from({ length: Math.min(max, LEASE_PROBES) }, (_, i) => (start + i) % max)])].slice(0, LEASE_PROBES + 1);
    for (const slot of probes) {
      const now = this.clock.now();
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: { pk: `lease#${key}#${slot}`, holder, until: now + ttlMs, expiresAt: Math.floor((now + ttlMs) / 1000) + 3600 },
            ConditionExpression: 'attribute_not_exists(pk) OR #until < :now',
            ExpressionAttributeNames: { '#until': 'until' },
            ExpressionAttributeValues: { ':now': now },
          }),
        );
        return { key, slot, holder };
      } catch (e) {
        if (!isConditionalCheckFailed(e)) throw e;
      }
    }
    return undefined;
  }

  async releaseLease(lease: Lease): Promise<void> {
    const recent = this.released.get(lease.key) ?? [];
    recent.push(lease.slot);
    if (recent.length > LEASE_PROBES) recent.shift();
    this.released.set(lease.key, recent);
    if (this.released.size > 10_000) this.released.delete(this.released.keys().next().value!);
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: `lease#${lease.key}#${lease.slot}` },
          ConditionExpression: 'holder = :h',
          ExpressionAttributeValues: { ':h': lease.holder },
        }),
      );
    } catch (e) {
      if (!isConditionalCheckFailed(e)) throw e;
    }
  }
}
