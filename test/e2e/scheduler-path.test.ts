/**
 * Retries longer than the SQS delay limit go through EventBridge Scheduler:
 * here its local emulator, with the limit lowered to 1 s so a 3 s retry
 * takes that path.
 */
import { GetScheduleCommand, SchedulerClient, CreateScheduleCommand } from '@aws-sdk/client-scheduler';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSchedulerEmulator } from '../../lib/local/scheduler.ts';
import { startSqsLocal } from '../../lib/local/sqs.ts';
import { startLocal } from '../../lib/local/system.ts';
import { apiClient } from '../support/api-client.ts';
import { Receiver, waitFor } from '../support/receiver.ts';

describe('retries through the scheduler (local mode)', () => {
  let local: Awaited<ReturnType<typeof startLocal>>;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await new Receiver().start();
    local = await startLocal({ port: 0, env: { BILLHOOK_MAX_SQS_DELAY: '1', BILLHOOK_RETRY_SCHEDULE: '3', BILLHOOK_LOG_LEVEL: 'error' } });
  }, 90_000);

  afterAll(async () => {
    await local?.stop();
    await receiver?.stop();
  });

  it('a failed attempt is retried via a one-shot schedule, and the delivery succeeds', async () => {
    // Arrange
    const api = apiClient(local.apiUrl, local.adminKey);
    await api.post('/v1/tenants', { name: 'S', id: 'ten_sched' });
    await api.post('/v1/tenants/ten_sched/endpoints', { url: `${receiver.url}/sched` });
    receiver.script('/sched', { status: 503 });
    // Act
    const ev = (await api.post('/v1/tenants/ten_sched/events', { type: 'invoice.paid', data: {} })).body;
    const done = await waitFor('retried via the scheduler', async () => {
      const list = (await api.get(`/v1/tenants/ten_sched/deliveries?eventId=${ev.id}`)).body.data;
      return list[0]?.status === 'succeeded' ? list[0] : undefined;
    }, 20_000);
    // Assert
    expect(done.attemptCount).toBe(2);
    expect(local.schedulerStats.created).toBeGreaterThanOrEqual(1);
    expect(local.schedulerStats.fired).toBeGreaterThanOrEqual(1);
    const [first, second] = receiver.on('/sched');
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(2000); // 3 s ± 20 % jitter, rounded up to the second
  });
});

describe('scheduler emulator', () => {
  it('speaks the SDK protocol, refuses duplicates, fires into SQS and survives a restart', async () => {
    // Arrange
    const dir = await mkdtemp(path.join(tmpdir(), 'bh-sched-'));
    const sqs = await startSqsLocal({ queues: { q: { id: 'Q', localName: 'sched-test', envVar: 'X', visibilityTimeoutSeconds: 30, retentionSeconds: 3600 } } });
    const arn = sqs.queueArns.q;
    const start = () => startSchedulerEmulator({ sqs: sqs.client, queueUrlByArn: { [arn]: sqs.queueUrls.q }, dataDir: dir });
    let emulator = await start();
    const client = () => new SchedulerClient({ endpoint: emulator.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const at = (ms: number) => `at(${new Date(Math.ceil((Date.now() + ms) / 1000) * 1000).toISOString().slice(0, 19)})`;
    const create = (name: string, ms: number) =>
      client().send(new CreateScheduleCommand({ Name: name, GroupName: 'g', ScheduleExpression: at(ms), FlexibleTimeWindow: { Mode: 'OFF' }, ActionAfterCompletion: 'DELETE', Target: { Arn: arn, RoleArn: 'arn:aws:iam::0:role/r', Input: `{"name":"${name}"}` } }));
    try {
      // Act + Assert: create, read back, refuse a duplicate
      await create('soon', 1500);
      expect((await client().send(new GetScheduleCommand({ Name: 'soon', GroupName: 'g' }))).Target?.Input).toBe('{"name":"soon"}');
      await expect(create('soon', 1500)).rejects.toMatchObject({ name: 'ConflictException' });
      // A later one survives a restart
      await create('later', 4000);
      await emulator.stop();
      emulator = await start();
      const bodies = await waitFor('both fired into the queue', async () => {
        const out = await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: sqs.queueUrls.q, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
        received.push(...(out.Messages ?? []).map((m) => m.Body));
        return received.length >= 2 ? received : undefined;
      }, 15_000);
      expect(bodies.sort()).toEqual(['{"name":"later"}', '{"name":"soon"}']);
      await expect(client().send(new GetScheduleCommand({ Name: 'later', GroupName: 'g' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    } finally {
      await emulator.stop();
      await sqs.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

const received: (string | undefined)[] = [];
