/**
 * The load loops the benchmark compares, all closed-loop against the same
 * verifying receiver:
 *
 * - `drive` feeds a Run from a few producers while keeping at most `window`
 *   deliveries outstanding, so queues stay short and latency is the
 *   pipeline's own, not the age of a backlog the driver piled up.
 * - `billhookProducer` posts events to Billhook's ingest routes.
 * - `EmulatorFloor` is the same delivery with no Billhook code: only the AWS
 *   calls a delivery cannot do without, batched, against the same emulators.
 * - `rawPostLoop` is keep-alive POSTs straight to the receiver.
 */
import { randomUUID } from 'node:crypto';
import { BatchWriteItemCommand, DynamoDBClient, type BatchWriteItemCommandOutput, PutItemCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import { Webhook } from 'standardwebhooks';
import { Agent, request } from 'undici';
import { instrumentClient } from '../lib/adapters/aws-instrumentation.ts';
import type { AwsMeter } from './aws-meter.ts';
import { benchEventData, type Run } from './verifying-receiver.ts';

/** The event type every benchmark event has. */
export const BENCH_EVENT_TYPE = 'invoice.paid';

export interface DriveOptions {
  run: Run;
  events: number;
  /** Events per produce() call. */
  batch: number;
  /** produce() calls in flight at once. */
  producers: number;
  /** Most deliveries outstanding (sent, not yet arrived) at once. */
  window: number;
  /** Deliveries each event makes (endpoints it routes to). */
  deliveriesPerEvent: number;
  /** Send events `seqs` of the run. */
  produce(seqs: number[]): Promise<void>;
  /** A run with no arrival for this long has failed. */
  stallMs: number;
}

/** Feed `events` events to the run and resolve when every delivery has arrived. */
export async function drive(o: DriveOptions): Promise<void> {
  let next = 0;
  let failed = false;
  const producer = async () => {
    while (!failed && next < o.events) {
      const room = () => o.run.outstanding + Math.min(o.batch, o.events - next) * o.deliveriesPerEvent <= o.window;
      await o.run.until(() => failed || next >= o.events || room(), o.stallMs, 'room in the window');
      const n = Math.min(o.batch, o.events - next);
      if (failed || n <= 0) break;
      const seqs = Array.from({ length: n }, (_, i) => next + i);
      next += n;
      o.run.expected += n * o.deliveriesPerEvent;
      const at = performance.now();
      for (const s of seqs) o.run.markSent(s, at);
      try {
        await o.produce(seqs);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: o.producers }, producer));
  await o.run.until(() => o.run.complete, o.stallMs, 'the last deliveries');
}

/** A keep-alive HTTP client for the driver and the loops; `connections` caps sockets per origin. */
export function keepAliveAgent(connections: number): Agent {
  return new Agent({ keepAliveTimeout: 30_000, keepAliveMaxTimeout: 60_000, connections });
}

/** POST JSON and return status and parsed body. */
export async function postJson(agent: Agent, url: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
  const res = await request(url, { method: 'POST', dispatcher: agent, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.body.text();
  return { status: res.statusCode, body: text ? (JSON.parse(text) as unknown) : undefined };
}

export interface BillhookProducerOptions {
  agent: Agent;
  apiUrl: string;
  adminKey: string;
  tenantId: string;
  /** `single`: POST /events per event with an Idempotency-Key; `batch`: POST /events/batch with body ids. */
  mode: 'single' | 'batch';
  deliveriesPerEvent: number;
  run: Run;
  eventType?: string;
}

/**
 * produce() for Billhook: every event carries an idempotency key, as
 * clients are told to send, so the cost figures include what that costs.
 */
export function billhookProducer(o: BillhookProducerOptions): (seqs: number[]) => Promise<void> {
  const headers = { authorization: `Bearer ${o.adminKey}` };
  const type = o.eventType ?? BENCH_EVENT_TYPE;
  const check = (status: number, body: unknown, deliveries: number[]) => {
    if (status !== 202) throw new Error(`ingest answered ${status}: ${JSON.stringify(body).slice(0, 500)}`);
    const wrong = deliveries.find((d) => d !== o.deliveriesPerEvent);
    if (wrong !== undefined) throw new Error(`ingest routed an event to ${wrong} endpoints, expected ${o.deliveriesPerEvent}`);
  };
  if (o.mode === 'single') {
    return async (seqs) => {
      for (const seq of seqs) {
        const key = `${o.run.id}-${seq}`;
        const res = await postJson(o.agent, `${o.apiUrl}/v1/tenants/${o.tenantId}/events`, { type, data: benchEventData(o.run.id, seq) }, { ...headers, 'idempotency-key': key });
        check(res.status, res.body, [(res.body as { deliveries?: number })?.deliveries ?? -1]);
      }
    };
  }
  return async (seqs) => {
    const events = seqs.map((seq) => ({ type, id: `${o.run.id}-${seq}`, data: benchEventData(o.run.id, seq) }));
    const res = await postJson(o.agent, `${o.apiUrl}/v1/tenants/${o.tenantId}/events/batch`, { events }, headers);
    const data = (res.body as { data?: { deliveries: number }[] })?.data ?? [];
    check(res.status, res.body, data.length === seqs.length ? data.map((d) => d.deliveries) : [-1]);
  };
}

/** Standard Webhooks headers for a body, signed with the standardwebhooks library (no Billhook code). */
function signedHeaders(signer: Webhook, id: string, body: string): Record<string, string> {
  const now = new Date();
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': signer.sign(id, now, body),
  };
}

/** The exact body Billhook sends for an event. */
function webhookBodyOf(id: string, type: string, createdAt: string, data: unknown): string {
  return JSON.stringify({ id, type, createdAt, data });
}

export interface FloorOptions {
  sqsEndpoint: string;
  dynamodbEndpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Billhook's tables, so the floor's writes pay for the same indexes. */
  tables: { events: string; logs: string };
  receiverUrl: string;
  secret: string;
  meter: AwsMeter;
  /** Consumer loops (the sender's poller concurrency) and messages per receive. */
  consumers: number;
  batchSize: number;
  /** Sockets to the receiver (the sender's pool size). */
  connections: number;
  /** Long-poll wait, as the local pollers use. */
  waitTimeSeconds: number;
}

interface FloorMessage {
  /** Delivery id, event id, path on the receiver, the webhook body. */
  d: string;
  e: string;
  p: string;
  b: string;
}

/**
 * The emulator floor: what delivering costs when nothing but the necessary
 * AWS calls is made. Producer: SendMessageBatch (10 per call) and
 * BatchWriteItem of the events (25 per call). Consumers: ReceiveMessage
 * (10), POST each message signed, PutItem its attempt, DeleteMessageBatch.
 * Items carry the attributes Billhook's indexes key on, so DynamoDB does the
 * same index writes for both.
 */
export class EmulatorFloor {
  private readonly sqs: SQSClient;
  private readonly db: DynamoDBClient;
  private readonly signer: Webhook;
  private readonly agent: Agent;
  private queueUrl = '';

  constructor(private readonly o: FloorOptions) {
    const common = { region: o.region, credentials: o.credentials, maxAttempts: 3 };
    this.sqs = instrumentClient(new SQSClient({ ...common, endpoint: o.sqsEndpoint }));
    this.db = instrumentClient(new DynamoDBClient({ ...common, endpoint: o.dynamodbEndpoint }));
    this.signer = new Webhook(o.secret);
    this.agent = keepAliveAgent(o.connections);
  }

  /** Create the floor's own queue (Billhook's pollers must not see its messages). */
  async setup(): Promise<void> {
    const out = await this.sqs.send(new CreateQueueCommand({ QueueName: 'billhook-bench-floor', Attributes: { VisibilityTimeout: '180' } }));
    if (!out.QueueUrl) throw new Error('CreateQueue returned no URL');
    this.queueUrl = out.QueueUrl;
  }

  /** produce() for the floor. */
  producer(run: Run): (seqs: number[]) => Promise<void> {
    return (seqs) =>
      this.o.meter.runAs('floor', async () => {
        const createdAt = new Date().toISOString();
        const messages: FloorMessage[] = [];
        const events: WriteRequest[] = [];
        for (const seq of seqs) {
          const eventId = `evt_${run.id}_${seq}`;
          const data = benchEventData(run.id, seq);
          messages.push({ d: `dlv_${run.id}_${seq}`, e: eventId, p: '/floor', b: webhookBodyOf(eventId, BENCH_EVENT_TYPE, createdAt, data) });
          events.push({
            PutRequest: {
              Item: marshall({
                tenantId: 'ten_floor',
                id: eventId,
                type: BENCH_EVENT_TYPE,
                createdAt,
                createdAtId: `${createdAt}#${eventId}`,
                dataJson: JSON.stringify(data),
                deliveries: 1,
                expiresAt: Math.floor(Date.now() / 1000) + 86_400,
              }),
            },
          });
        }
        const sends = chunks(messages, 10).map((batch) =>
          this.sqs.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: batch.map((m, i) => ({ Id: String(i), MessageBody: JSON.stringify(m) })) })).then((out) => {
            if (out.Failed?.length) throw new Error(`floor: SendMessageBatch failed ${out.Failed.length} entries`);
          }),
        );
        const writes = chunks(events, 25).map((batch) => this.batchWrite(batch));
        await Promise.all([...sends, ...writes]);
      });
  }

  /** Run the consumers until `run` is complete (or `signal` aborts). */
  async consume(run: Run, signal: AbortSignal): Promise<void> {
    await this.o.meter.runAs('floor', () => Promise.all(Array.from({ length: this.o.consumers }, () => this.consumerLoop(run, signal))));
  }

  close(): void {
    this.sqs.destroy();
    this.db.destroy();
    void this.agent.close();
  }

  private async batchWrite(requests: WriteRequest[]): Promise<void> {
    let pending: WriteRequest[] | undefined = requests;
    for (let round = 0; pending?.length && round < 5; round++) {
      const out: BatchWriteItemCommandOutput = await this.db.send(new BatchWriteItemCommand({ RequestItems: { [this.o.tables.events]: pending } }));
      pending = out.UnprocessedItems?.[this.o.tables.events];
    }
    if (pending?.length) throw new Error(`floor: ${pending.length} event writes stayed unprocessed`);
  }

  private async consumerLoop(run: Run, signal: AbortSignal): Promise<void> {
    while (!run.complete && !signal.aborted) {
      const out = await this.sqs.send(new ReceiveMessageCommand({ QueueUrl: this.queueUrl, MaxNumberOfMessages: this.o.batchSize, WaitTimeSeconds: this.o.waitTimeSeconds }));
      const received = out.Messages ?? [];
      if (received.length === 0) continue;
      await Promise.all(received.map((m) => this.deliver(JSON.parse(m.Body ?? '{}') as FloorMessage)));
      await this.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: received.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }));
    }
  }

  private async deliver(m: FloorMessage): Promise<void> {
    const started = performance.now();
    const res = await request(this.o.receiverUrl + m.p, { method: 'POST', dispatcher: this.agent, headers: signedHeaders(this.signer, m.e, m.b), body: m.b });
    await res.body.dump();
    const at = new Date().toISOString();
    await this.db.send(
      new PutItemCommand({
        TableName: this.o.tables.logs,
        Item: marshall({
          id: m.d,
          tenantId: 'ten_floor',
          eventId: m.e,
          endpointId: 'ep_floor',
          eventType: BENCH_EVENT_TYPE,
          createdAt: at,
          createdAtId: `${at}#${m.d}`,
          tenantEndpoint: 'ten_floor#ep_floor',
          tenantEvent: `ten_floor#${m.e}`,
          status: res.statusCode < 300 ? 'succeeded' : 'failed',
          attempts: [{ attempt: 1, at, statusCode: res.statusCode, durationMs: Math.round(performance.now() - started) }],
          attemptCount: 1,
          lastStatusCode: res.statusCode,
          lastAttemptAt: at,
          expiresAt: Math.floor(Date.now() / 1000) + 86_400,
        }),
      }),
    );
  }
}

/**
 * `count` signed keep-alive POSTs to the receiver, `concurrency` in flight:
 * what the receiver and the loopback can take at all.
 */
export async function rawPostLoop(o: { run: Run; receiverUrl: string; secret: string; count: number; concurrency: number; connections: number; stallMs: number }): Promise<void> {
  const agent = keepAliveAgent(o.connections);
  const signer = new Webhook(o.secret);
  const createdAt = new Date().toISOString();
  let next = 0;
  const worker = async () => {
    while (next < o.count) {
      const seq = next++;
      const id = `msg_${randomUUID()}`;
      const body = webhookBodyOf(id, BENCH_EVENT_TYPE, createdAt, benchEventData(o.run.id, seq));
      o.run.expected++;
      o.run.markSent(seq);
      const res = await request(`${o.receiverUrl}/raw`, { method: 'POST', dispatcher: agent, headers: signedHeaders(signer, id, body), body });
      await res.body.dump();
      if (res.statusCode !== 200) throw new Error(`raw loop: receiver answered ${res.statusCode}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: o.concurrency }, worker));
    await o.run.until(() => o.run.complete, o.stallMs, 'the last raw POSTs');
  } finally {
    await agent.close();
  }
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
