/**
 * Queue and job messages are their schemas: a message carrying every field
 * its type declares comes out of its parser whole. The fixtures are typed
 * `Required<…>`, so a field added to a schema must be added here too.
 */
import { describe, expect, it } from 'vitest';
import {
  deliveryMessageSchema,
  jobMessageSchema,
  type DeliveryMessage,
  type EmitJob,
  type FanoutMessage,
  type RecoverJob,
} from '../../lib/core/model.ts';

const event = { id: 'evt_1', type: 'invoice.paid', createdAt: '2026-01-01T00:00:00.000Z', dataJson: '{"amount":1.50}' };

const delivery: Required<DeliveryMessage> = {
  v: 1,
  deliveryId: 'dlv_1',
  tenantId: 'ten_1',
  endpointId: 'ep_1',
  endpointVersion: 3,
  event,
  attempt: 2,
  trigger: 'manual',
  createdAt: '2026-01-01T00:00:00.000Z',
  notBefore: '2026-01-01T01:00:00.000Z',
  chain: 1,
  attemptKey: 'm-1',
  onFailure: 'failed',
  orderingKey: 'sub_1',
  group: 'ep_1.k7',
  hop: 2,
};
const fanout: Required<FanoutMessage> = { v: 1, kind: 'fanout', tenantId: 'ten_1', event, orderingKey: 'sub_1', exceptOrdered: true, cursor: 'c1' };
const recover: Required<RecoverJob> = {
  v: 1,
  kind: 'recover',
  tenantId: 'ten_1',
  endpointId: 'ep_1',
  since: '2026-01-01T00:00:00.000Z',
  until: '2026-01-02T00:00:00.000Z',
  jobId: 'job_1',
  cursor: 'c1',
  statuses: ['failed', 'skipped'],
  ratePerSecond: 2.5,
};
const emit: Required<EmitJob> = { v: 1, kind: 'emit', tenantId: 'ten_1', type: 'endpoint.disabled', data: { endpointId: 'ep_1' }, key: 'k1' };

describe('queue messages', () => {
  it('keeps every field of a delivery message through its parser', () => {
    expect(deliveryMessageSchema.parse(JSON.parse(JSON.stringify(delivery)))).toEqual(delivery);
  });

  it.each([fanout, recover, emit])('keeps every field of a $kind job through the jobs parser', (job) => {
    expect(jobMessageSchema.parse(JSON.parse(JSON.stringify(job)))).toEqual(job);
  });

  it('still reads a message from before payloads travelled as text (data as a value)', () => {
    const { dataJson: _, ...old } = event;
    const parsed = deliveryMessageSchema.parse({ ...delivery, event: { ...old, data: { amount: 1.5 } } });
    expect(parsed.event).toEqual({ ...old, dataJson: '{"amount":1.5}' });
  });

  it('drops what no schema declares', () => {
    expect(deliveryMessageSchema.parse({ ...delivery, surprise: 1 })).not.toHaveProperty('surprise');
  });
});
