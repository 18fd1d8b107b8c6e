import { ConflictException, CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryDeliveryQueue } from '../../lib/adapters/memory/stores.ts';
import { atExpression, EventBridgeRetryScheduler, scheduleName } from '../../lib/adapters/scheduler/eventbridge-scheduler.ts';
import type { DeliveryMessage } from '../../lib/core/model.ts';

const scheduler = mockClient(SchedulerClient);
const now = Date.parse('2026-11-23T10:00:00.000Z');
const message: DeliveryMessage = { v: 1, deliveryId: 'dlv_abc', tenantId: 'ten_a', endpointId: 'ep_1', endpointVersion: 1, event: { id: 'evt_1', type: 'invoice.paid', createdAt: 'x', dataJson: JSON.stringify({}) }, attempt: 4, trigger: 'scheduled', createdAt: 'x' };
const target = { group: 'billhook-prod', roleArn: 'arn:aws:iam::1:role/sched', queueArn: 'arn:aws:sqs:us-east-1:1:deliveries' };

describe('EventBridgeRetryScheduler', () => {
  beforeEach(() => scheduler.reset());

  it('creates a one-shot at() schedule, deleted after completion, sending the message to the queue', async () => {
    // Arrange
    const queue = new MemoryDeliveryQueue();
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    // Act
    await new EventBridgeRetryScheduler(new SchedulerClient({ region: 'us-east-1' }), target, queue, { now: () => now }).scheduleAt(message, '2026-11-23T11:30:00.250Z');
    // Assert
    const input = scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input;
    expect(input).toEqual({
      Name: 'dlv_abc-c0-a4',
      GroupName: 'billhook-prod',
      ScheduleExpression: 'at(2026-11-23T11:30:01)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      Target: { Arn: target.queueArn, RoleArn: target.roleArn, Input: JSON.stringify(message) },
    });
    expect(queue.sent).toHaveLength(0);
  });

  it('names the target dead-letter queue when it has one, so a send that fails for good is kept, not dropped', async () => {
    // Arrange
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    const withDlq = { ...target, deadLetterArn: 'arn:aws:sqs:us-east-1:1:scheduler-dlq' };
    // Act
    await new EventBridgeRetryScheduler(new SchedulerClient({ region: 'us-east-1' }), withDlq, new MemoryDeliveryQueue(), { now: () => now }).scheduleAt(message, '2026-11-23T11:30:00.000Z');
    // Assert
    expect(scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input.Target).toEqual({
      Arn: target.queueArn,
      RoleArn: target.roleArn,
      Input: JSON.stringify(message),
      DeadLetterConfig: { Arn: withDlq.deadLetterArn },
    });
  });

  it('treats an existing schedule (a duplicate request) as done', async () => {
    scheduler.on(CreateScheduleCommand).rejects(new ConflictException({ message: 'exists', Message: 'exists', $metadata: {} }));
    await expect(new EventBridgeRetryScheduler(new SchedulerClient({ region: 'us-east-1' }), target, new MemoryDeliveryQueue(), { now: () => now }).scheduleAt(message, '2026-11-23T12:00:00.000Z')).resolves.toBeUndefined();
  });

  it('enqueues directly when the time is too near for the scheduler', async () => {
    const queue = new MemoryDeliveryQueue();
    await new EventBridgeRetryScheduler(new SchedulerClient({ region: 'us-east-1' }), target, queue, { now: () => now }).scheduleAt(message, '2026-11-23T10:00:30.000Z');
    expect(scheduler.commandCalls(CreateScheduleCommand)).toHaveLength(0);
    expect(queue.sent).toEqual([{ message, delaySeconds: 30 }]);
  });

  it('makes its client on the first long retry only, and once (the SDK stays off the cold start)', async () => {
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    let made = 0;
    const lazy = new EventBridgeRetryScheduler(async () => (made++, new SchedulerClient({ region: 'us-east-1' })), target, new MemoryDeliveryQueue(), { now: () => now });
    expect(made).toBe(0);
    await lazy.scheduleAt(message, '2026-11-23T10:00:30.000Z'); // near: straight to the queue
    expect(made).toBe(0);
    await lazy.scheduleAt(message, '2026-11-23T11:00:00.000Z');
    await lazy.scheduleAt({ ...message, attempt: 5 }, '2026-11-23T12:00:00.000Z');
    expect(made).toBe(1);
    expect(scheduler.commandCalls(CreateScheduleCommand)).toHaveLength(2);
  });

  it('names and expressions follow the service rules', () => {
    expect(atExpression('2026-01-01T00:00:00.000Z')).toBe('at(2026-01-01T00:00:00)');
    expect(atExpression('2026-01-01T00:00:00.001Z')).toBe('at(2026-01-01T00:00:01)');
    expect(scheduleName({ deliveryId: 'dlv_' + 'x'.repeat(80), attempt: 2, chain: 1 })).toHaveLength(64);
    expect(scheduleName({ deliveryId: 'dlv_a', attempt: 2, chain: 1 })).toMatch(/^[0-9A-Za-z_.-]+$/);
  });
});
