/**
 * The Lambda handlers with their AWS calls mocked (aws-sdk-client-mock):
 * what each handler asks of DynamoDB and SQS, in what order, and what it
 * answers; plus the shape of their logs and EMF metrics.
 */
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ChangeMessageVisibilityCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHandler as createApi } from '../../lambdas/api/handler.ts';
import { createHandler as createIngest } from '../../lambdas/ingest/handler.ts';
import { createHandler as createSender } from '../../lambdas/sender/handler.ts';
import { DEFAULT_CONFIG, type Config } from '../../lib/config.ts';
import { fingerprint } from '../../lib/core/canonical-json.ts';
import { idempotentEventId } from '../../lib/core/ids.ts';
import { endpointRecord } from '../unit/fixtures.ts';

const ADMIN = 'handler-test-admin-key-0123456789';
const ddb = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
const context = { awsRequestId: 'req-1', functionName: 'billhook-test', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

type HttpHandler = (e: APIGatewayProxyEventV2, c: Context) => Promise<APIGatewayProxyStructuredResultV2>;
type SqsHandler = (e: SQSEvent, c: Context) => Promise<SQSBatchResponse>;

function httpEvent(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...headers },
    requestContext: { http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' }, requestId: 'r-' + Math.random().toString(36).slice(2), routeKey: '$default', stage: '$default', time: '', timeEpoch: 0, accountId: '1', apiId: 'a', domainName: 'x', domainPrefix: 'x' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
  } as APIGatewayProxyEventV2;
}

/** A record as Lambda delivers it; from the FIFO deliveries queue when it names a group, else from the retries queue. */
const sqsRecord = (body: string, id: string, group: string | null = 'ep_1.s0') => ({
  messageId: id,
  receiptHandle: 'h-' + id,
  body,
  attributes: {
    ApproximateReceiveCount: '1',
    SentTimestamp: String(Date.now()),
    SenderId: 's',
    ApproximateFirstReceiveTimestamp: String(Date.now()),
    ...(group ? { MessageGroupId: group, MessageDeduplicationId: `d-${id}`, SequenceNumber: '1' } : {}),
  },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: group ? 'arn:aws:sqs:us-east-1:000000000000:billhook-deliveries.fifo' : 'arn:aws:sqs:us-east-1:000000000000:billhook-retries',
  awsRegion: 'us-east-1',
});

let stdout: string[] = [];
const originalWrite = process.stdout.write.bind(process.stdout);

/** The handlers' configuration: each test builds its handler from it, no module state to reset. */
const config: Config = {
  ...DEFAULT_CONFIG,
  adminKey: ADMIN,
  queues: {
    deliveries: 'https://sqs.us-east-1.amazonaws.com/000000000000/deliveries.fifo',
    retries: 'https://sqs.us-east-1.amazonaws.com/000000000000/retries',
    deliveriesDlq: 'https://sqs.us-east-1.amazonaws.com/000000000000/dlq',
    fanout: 'https://sqs.us-east-1.amazonaws.com/000000000000/jobs',
  },
  outbound: { ...DEFAULT_CONFIG.outbound, allowHttp: true, allowLoopback: true },
  retrySchedule: [5, 300],
  region: 'us-east-1',
};

beforeAll(() => {
  // Powertools' own variables, as on Lambda: metrics on (EMF to stdout), tracing off (no X-Ray daemon here).
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x', AWS_LAMBDA_FUNCTION_NAME: 'billhook-test', POWERTOOLS_TRACE_ENABLED: 'false' });
});

beforeEach(() => {
  ddb.reset();
  sqs.reset();
  stdout = [];
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
});

afterEach(() => {
  process.stdout.write = originalWrite;
});

afterAll(() => {
  delete process.env.AWS_LAMBDA_FUNCTION_NAME;
});

const jsonLines = () => stdout.join('').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

const ingestHandler = async (): Promise<HttpHandler> => createIngest(config) as unknown as HttpHandler;

const TENANT = 'ten_h';

/** The catalogue's Query (partition EVENTTYPES): no stored definitions. Declared after a test's other Query answers, so it wins for that partition. */
const noStoredEventTypes = () => ddb.on(QueryCommand, { ExpressionAttributeValues: { ':pk': 'EVENTTYPES' } }).resolves({ Items: [] });
const endpoints = [
  endpointRecord(TENANT, 'ep_1', { eventTypes: ['invoice.*'] }),
  endpointRecord(TENANT, 'ep_2', { eventTypes: ['*'] }),
  endpointRecord(TENANT, 'ep_3', { eventTypes: ['subscription.*'] }),
];

describe('ingest handler', () => {
  it('enqueues one batched SQS send for the matching endpoints, then stores the event conditionally', async () => {
    // Arrange
    const handler = await ingestHandler();
    ddb.on(GetCommand).callsFake((input) => (input.Key?.sk === 'TENANT' ? { Item: { id: TENANT, name: 'H', createdAt: 'x' } } : {}));
    ddb.on(QueryCommand).resolves({ Items: endpoints.map((e) => ({ pk: `TENANT#${TENANT}`, sk: `EP#${e.id}`, ...e })) });
    noStoredEventTypes();
    ddb.on(PutCommand).resolves({});
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [{ Id: '0', MessageId: 'm0', MD5OfMessageBody: '' }, { Id: '1', MessageId: 'm1', MD5OfMessageBody: '' }], Failed: [] });
    // Act
    const res = await handler(httpEvent('POST', `/v1/tenants/${TENANT}/events`, { type: 'invoice.paid', data: { amount: 5 } }), context);
    // Assert
    expect(res.statusCode).toBe(202);
    expect(JSON.parse(res.body!)).toMatchObject({ type: 'invoice.paid', deliveries: 2 });
    const sends = sqs.commandCalls(SendMessageBatchCommand);
    expect(sends).toHaveLength(1);
    const bodies = sends[0]!.args[0].input.Entries!.map((e) => JSON.parse(e.MessageBody!));
    expect(bodies.map((b) => b.endpointId).sort()).toEqual(['ep_1', 'ep_2']);
    // The data travels as the text that was sent.
    expect(bodies[0]).toMatchObject({ v: 1, attempt: 1, trigger: 'scheduled', event: { type: 'invoice.paid', dataJson: '{"amount":5}' } });
    const puts = ddb.commandCalls(PutCommand);
    expect(puts).toHaveLength(1);
    expect(puts[0]!.args[0].input.ConditionExpression).toBe('attribute_not_exists(id)');
    // Order: the deliveries are enqueued before the event is stored.
    expect(sends[0]!.calledBefore(puts[0]!)).toBe(true);
    // The catalogue: one strongly consistent Query of its partition, then the cache (a second event reads it no more).
    await handler(httpEvent('POST', `/v1/tenants/${TENANT}/events`, { type: 'invoice.paid', data: { amount: 6 } }), context);
    const catalogueReads = ddb.commandCalls(QueryCommand).filter((c) => c.args[0].input.ExpressionAttributeValues?.[':pk'] === 'EVENTTYPES');
    expect(catalogueReads.map((c) => c.args[0].input.ConsistentRead)).toEqual([true]);
  });

  it('never stores an event whose deliveries could not be enqueued', async () => {
    const handler = await ingestHandler();
    ddb.on(GetCommand).callsFake((input) => (input.Key?.sk === 'TENANT' ? { Item: { id: TENANT, name: 'H', createdAt: 'x' } } : {}));
    ddb.on(QueryCommand).resolves({ Items: endpoints.map((e) => ({ ...e })) });
    noStoredEventTypes();
    sqs.on(SendMessageBatchCommand).rejects(new Error('SQS is down'));
    const res = await handler(httpEvent('POST', `/v1/tenants/${TENANT}/events`, { type: 'invoice.paid', data: {} }), context);
    expect(res.statusCode).toBe(500);
    expect(JSON.parse(res.body!)).toMatchObject({ code: 'internal_error' });
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('replays a stored idempotent event without enqueueing, and refuses the key with another body', async () => {
    const handler = await ingestHandler();
    const id = idempotentEventId(TENANT, 'key-7');
    const stored = { tenantId: TENANT, id, type: 'invoice.paid', createdAt: '2026-01-01T00:00:00.000Z', dataJson: '{"a":1}', deliveries: 2, fingerprint: fingerprint({ type: 'invoice.paid', data: { a: 1 } }) };
    ddb.on(GetCommand).callsFake((input) => (input.Key?.sk === 'TENANT' ? { Item: { id: TENANT, name: 'H', createdAt: 'x' } } : { Item: stored }));
    noStoredEventTypes();
    const same = await handler(httpEvent('POST', `/v1/tenants/${TENANT}/events`, { type: 'invoice.paid', data: { a: 1 } }, { 'idempotency-key': 'key-7' }), context);
    const other = await handler(httpEvent('POST', `/v1/tenants/${TENANT}/events`, { type: 'invoice.paid', data: { a: 2 } }, { 'idempotency-key': 'key-7' }), context);
    expect(same.statusCode).toBe(202);
    expect(same.headers!['idempotent-replayed']).toBe('true');
    expect(JSON.parse(same.body!)).toEqual({ id, type: 'invoice.paid', createdAt: '2026-01-01T00:00:00.000Z', deliveries: 2 });
    expect(other.statusCode).toBe(409);
    expect(JSON.parse(other.body!).code).toBe('idempotency_key_reused');
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it.each([
    ['no key', { authorization: '' }, '{"type":"invoice.paid","data":{}}', 401, 'unauthorized'],
    ['bad JSON', {}, '{"type"', 400, 'invalid_json'],
    ['schema', {}, '{"type":"invoice.paid","data":"x"}', 422, 'validation_failed'],
    ['too large', {}, JSON.stringify({ type: 'invoice.paid', data: { s: 'x'.repeat(300_000) } }), 413, 'payload_too_large'],
  ] as const)('%s → %s problem+json, no AWS call', async (_, headers, body, status, code) => {
    const handler = await ingestHandler();
    const res = await handler(httpEvent('POST', `/v1/tenants/${TENANT}/events`, body, headers), context);
    expect(res.statusCode).toBe(status);
    expect(res.headers!['content-type']).toBe('application/problem+json');
    expect(JSON.parse(res.body!).code).toBe(code);
    expect(ddb.calls()).toHaveLength(0);
    expect(sqs.calls()).toHaveLength(0);
  });

  it('logs structured JSON with the Lambda context and emits EMF metrics', async () => {
    const handler = await ingestHandler();
    ddb.on(GetCommand).callsFake((input) => (input.Key?.sk === 'TENANT' ? { Item: { id: TENANT, name: 'H', createdAt: 'x' } } : {}));
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(PutCommand).resolves({});
    await handler(httpEvent('POST', `/v1/tenants/${TENANT}/events`, { type: 'invoice.paid', data: {} }), context);
    const lines = jsonLines();
    const request = lines.find((l) => l.message === 'request');
    expect(request).toMatchObject({ level: 'INFO', service: 'billhook', function_name: 'billhook-test', function_request_id: 'req-1', method: 'POST', status: 202 });
    const emf = lines.find((l) => l._aws !== undefined) as { _aws: { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[] }[] }; EventsAccepted: number; FanoutSize: number } | undefined;
    expect(emf?._aws.CloudWatchMetrics[0]!.Namespace).toBe('Billhook');
    expect(emf?._aws.CloudWatchMetrics[0]!.Metrics.map((m) => m.Name)).toEqual(expect.arrayContaining(['EventsAccepted', 'FanoutSize']));
    expect(emf).toMatchObject({ EventsAccepted: 1, FanoutSize: 0 });
  });
});

describe('sender handler', () => {
  let server: Server;
  let url = '';
  const received: { headers: Record<string, string>; body: string }[] = [];
  let status = 200;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers as Record<string, string>, body });
        res.writeHead(status).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const message = (id: string) =>
    JSON.stringify({ v: 1, deliveryId: `dlv_${id}`, tenantId: TENANT, endpointId: 'ep_1', endpointVersion: 1, event: { id: `evt_${id}`, type: 'invoice.paid', createdAt: '2026-01-01T00:00:00.000Z', data: { n: id } }, attempt: 1, trigger: 'scheduled', createdAt: '2026-01-01T00:00:00.000Z' });

  const senderHandler = async (): Promise<SqsHandler> => createSender(config) as unknown as SqsHandler;

  it('POSTs signed, writes one UpdateItem per attempt, reports only the bad record, and re-enqueues a failure', async () => {
    // Arrange
    const handler = await senderHandler();
    const endpoint = endpointRecord(TENANT, 'ep_1', { url });
    ddb.on(GetCommand).resolves({ Item: { pk: 'x', sk: 'y', ...endpoint } });
    ddb.on(UpdateCommand).resolves({});
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [{ Id: '0', MessageId: 'm', MD5OfMessageBody: '' }], Failed: [] });
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    received.length = 0;
    status = 200;
    // Act: one good message, one garbage
    const ok = await handler({ Records: [sqsRecord(message('a'), 'm-a'), sqsRecord('not json', 'm-bad')] } as SQSEvent, context);
    status = 500;
    const failed = await handler({ Records: [sqsRecord(message('b'), 'm-b')] } as SQSEvent, context);
    // Assert
    expect(ok).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-bad' }] });
    expect(failed).toEqual({ batchItemFailures: [] });
    expect(received).toHaveLength(2);
    expect(new Webhook(endpoint.secret).verify(received[0]!.body, received[0]!.headers)).toEqual({ id: 'evt_a', type: 'invoice.paid', createdAt: '2026-01-01T00:00:00.000Z', data: { n: 'a' } });
    // One log write per attempt (keyed by delivery id); the failure also starts the endpoint's failure run.
    const all = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    const updates = all.filter((u) => 'id' in (u.Key ?? {}));
    expect(updates).toHaveLength(2);
    expect(all.filter((u) => 'pk' in (u.Key ?? {})).map((u) => u.UpdateExpression)).toEqual(['SET failingSince = if_not_exists(failingSince, :at)']);
    expect(updates.map((u) => u.ExpressionAttributeValues![':status'])).toEqual(['succeeded', 'failed']);
    expect(updates[0]!.ConditionExpression).toBe('attribute_not_exists(id) OR NOT contains(attemptKeys, :key)');
    // The unordered retry leaves its lane: it waits in the retries queue (FIFO queues take no per-message delay).
    const send = sqs.commandCalls(SendMessageBatchCommand)[0]!.args[0].input;
    expect(send.QueueUrl).toBe(config.queues.retries);
    const retry = send.Entries![0]!;
    expect(JSON.parse(retry.MessageBody!)).toMatchObject({ deliveryId: 'dlv_b', attempt: 2 });
    expect(retry.DelaySeconds).toBeGreaterThanOrEqual(4);
    expect(retry.DelaySeconds).toBeLessThanOrEqual(6);
    // The garbage record is made visible at once, so the redrive policy takes it out of its lane quickly.
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: config.queues.deliveries, ReceiptHandle: 'h-m-bad', VisibilityTimeout: 0 },
    ]);
  });

  it('forwards due messages from the retries queue into their FIFO lanes, in one batched send', async () => {
    const handler = await senderHandler();
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [{ Id: '0', MessageId: 'm', MD5OfMessageBody: '' }], Failed: [] });
    const withGroup = (id: string) => JSON.stringify({ ...JSON.parse(message(id)), attempt: 2, group: 'ep_1.s3' });
    const out = await handler({ Records: [sqsRecord(withGroup('r1'), 'm-r1', null), sqsRecord(withGroup('r2'), 'm-r2', null)] } as SQSEvent, context);
    expect(out).toEqual({ batchItemFailures: [] });
    const calls = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.QueueUrl).toBe(config.queues.deliveries);
    expect(calls[0]!.Entries!.map((e) => [e.MessageGroupId, e.DelaySeconds])).toEqual([
      ['ep_1.s3', undefined],
      ['ep_1.s3', undefined],
    ]);
    expect(new Set(calls[0]!.Entries!.map((e) => e.MessageDeduplicationId)).size).toBe(2);
    // Nothing was POSTed: the attempt happens when the lane hands the message out.
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('returns a record whose log write failed to the queue', async () => {
    const handler = await senderHandler();
    ddb.on(GetCommand).resolves({ Item: { ...endpointRecord(TENANT, 'ep_1', { url }) } });
    ddb.on(UpdateCommand).rejects(new Error('throttled'));
    status = 200;
    const out = await handler({ Records: [sqsRecord(message('c'), 'm-c')] } as SQSEvent, context);
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-c' }] });
    const emf = jsonLines().find((l) => l._aws !== undefined) as Record<string, unknown> | undefined;
    expect(emf).toMatchObject({ AttemptsSucceeded: 1 });
    expect(typeof emf?.AttemptLatency).toBe('number');
  });
});

describe('api handler: dashboard responses', () => {
  it('carries the security headers on every dashboard response, 404s and 405s included', async () => {
    // Arrange: a tiny "built" dashboard
    const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/billhook-dash-`);
    mkdirSync(`${dir}/assets`);
    writeFileSync(`${dir}/index.html`, '<!doctype html><title>x</title>');
    writeFileSync(`${dir}/assets/app-1.js`, 'export {}');
    try {
      const api = createApi({ ...config, dashboardDir: dir }) as unknown as HttpHandler;
      // Act
      const answers = await Promise.all(
        [
          ['GET', '/dashboard'],
          ['GET', '/dashboard/assets/app-1.js'],
          ['GET', '/dashboard/assets/nope.js'],
          ['GET', '/dashboard/assets/a/b.js'],
          ['GET', '/dashboard/nope'],
          ['POST', '/dashboard'],
        ].map(async ([method, path]) => [method, path, await api(httpEvent(method!, path!), context)] as const),
      );
      // Assert
      expect(answers.map(([m, p, r]) => [m, p, r.statusCode])).toEqual([
        ['GET', '/dashboard', 200],
        ['GET', '/dashboard/assets/app-1.js', 200],
        ['GET', '/dashboard/assets/nope.js', 404],
        ['GET', '/dashboard/assets/a/b.js', 404],
        ['GET', '/dashboard/nope', 404],
        ['POST', '/dashboard', 405],
      ]);
      for (const [m, p, r] of answers) {
        expect([m, p, r.headers]).toEqual([
          m,
          p,
          expect.objectContaining({
            'content-security-policy': expect.stringContaining("frame-ancestors 'none'"),
            'x-frame-options': 'DENY',
            'x-content-type-options': 'nosniff',
            'referrer-policy': 'no-referrer',
          }),
        ]);
      }
      // API routes are not dashboard pages: no page CSP there.
      ddb.on(QueryCommand).resolves({ Items: [] });
      expect((await api(httpEvent('GET', '/v1/health'), context)).headers?.['content-security-policy']).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
