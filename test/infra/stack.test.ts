/**
 * The CDK stack, asserted on its synthesized template. The stack is built once
 * with bundling skipped (context `aws:cdk:bundling-stacks: []`, the mechanism
 * `cdk list` uses) so these tests do not depend on the handlers compiling;
 * one test at the end bundles for real and checks the sender's asset.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnRole } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_RETRY_SCHEDULE } from '../../lib/core/retry-policy.ts';
import { CONSUMERS, FUNCTION_TIMEOUT_SECONDS, INGEST_ROUTES, QUEUES, STREAM_CONSUMERS, TABLES, type QueueKey } from '../../lib/definitions.ts';
import { buildLambdas } from '../../lib/bundles.ts';
import { BillhookStack } from '../../lib/infra/billhook-stack.ts';
import { FUNCTION_KEYS, REPO_ROOT, WebhookDelivery, type FunctionKey, type TableKey } from '../../lib/infra/webhook-delivery.ts';
import { brandIndexHtml, DEFAULT_BRANDING } from '../../lib/dashboard/serve.ts';

const CDK_CONTEXT = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;
const TABLE_KEYS = Object.keys(TABLES) as TableKey[];
const QUEUE_KEYS = Object.keys(QUEUES) as QueueKey[];

/** Build the stack as `cdk synth` would (cdk.json context), without bundling unless asked. */
function buildStack(context: Record<string, unknown> = {}, opts: { bundle?: boolean; outdir?: string } = {}) {
  const app = new App({
    ...(opts.outdir ? { outdir: opts.outdir } : {}),
    context: { ...CDK_CONTEXT, ...(opts.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...context },
  });
  const stack = new BillhookStack(app, 'Billhook-test');
  return { app, stack };
}

const logicalId = (c: IConstruct) => Stack.of(c).getLogicalId(c.node.defaultChild as CfnResource);

/** Render an intrinsic as a short string: `{Fn::GetAtt:[X,Arn]}` → `X.Arn`, `{Ref:X}` → `X`, joins concatenated. */
function render(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('Ref' in o) return String(o.Ref);
    if ('Fn::GetAtt' in o) return (o['Fn::GetAtt'] as string[]).join('.');
    if ('Fn::Join' in o) {
      const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(sep);
    }
  }
  return JSON.stringify(v);
}

const list = <T,>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

interface Grant {
  role: string;
  action: string;
  resource: string;
}

/** Every (role, action, resource) an Allow statement of an inline policy grants. */
function grants(template: Template): Grant[] {
  const out: Grant[] = [];
  for (const policy of Object.values(template.findResources('AWS::IAM::Policy'))) {
    const props = policy.Properties as { Roles: unknown[]; PolicyDocument: { Statement: { Effect: string; Action: string | string[]; Resource: unknown }[] } };
    for (const role of props.Roles.map(render)) {
      for (const s of props.PolicyDocument.Statement) {
        if (s.Effect !== 'Allow') continue;
        for (const action of list(s.Action)) for (const r of list(s.Resource)) out.push({ role, action, resource: render(r) });
      }
    }
  }
  return out;
}

describe('BillhookStack', () => {
  let stack: BillhookStack;
  let delivery: WebhookDelivery;
  let template: Template;
  let allGrants: Grant[];
  const ids = {
    table: {} as Record<TableKey, string>,
    queue: {} as Record<QueueKey, string>,
    fn: {} as Record<FunctionKey, string>,
    role: {} as Record<FunctionKey, string>,
    secret: '',
  };
  const grantsOf = (fn: FunctionKey) => allGrants.filter((g) => g.role === ids.role[fn]);
  const onTable = (t: TableKey) => (g: Grant) => g.resource === `${ids.table[t]}.Arn` || g.resource.startsWith(`${ids.table[t]}.Arn/`);

  beforeAll(() => {
    // Arrange + act, shared: synthesize once.
    ({ stack } = buildStack());
    delivery = stack.delivery;
    template = Template.fromStack(stack);
    allGrants = grants(template);
    for (const k of TABLE_KEYS) ids.table[k] = logicalId(delivery.tables[k]);
    for (const k of QUEUE_KEYS) ids.queue[k] = logicalId(delivery.queues[k]);
    for (const k of FUNCTION_KEYS) {
      ids.fn[k] = logicalId(delivery.functions[k]);
      ids.role[k] = Stack.of(stack).getLogicalId(delivery.roles[k].node.defaultChild as CfnRole);
    }
    ids.secret = logicalId(delivery.adminKeySecret);
  });

  describe('tables', () => {
    it('creates the five tables of TABLES, on demand, with PITR, SSE and deletion protection, retained', () => {
      template.resourceCountIs('AWS::DynamoDB::Table', 5);
      expect(TABLE_KEYS).toHaveLength(5);
      for (const k of TABLE_KEYS) {
        const res = template.toJSON().Resources[ids.table[k]];
        expect(res.DeletionPolicy).toBe('Retain');
        expect(res.Properties).toMatchObject({
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { SSEEnabled: true },
          DeletionProtectionEnabled: true,
        });
      }
    });

    it('uses the keys and GSIs of the shared definitions: delivery lists project a summary, others ALL', () => {
      for (const k of TABLE_KEYS) {
        const def = TABLES[k];
        const props = template.toJSON().Resources[ids.table[k]].Properties;
        const keySchema = [{ AttributeName: def.partitionKey.name, KeyType: 'HASH' }];
        if ('sortKey' in def) keySchema.push({ AttributeName: def.sortKey.name, KeyType: 'RANGE' });
        expect(props.KeySchema).toEqual(keySchema);
        expect((props.GlobalSecondaryIndexes ?? []).map((g: { IndexName: string }) => g.IndexName)).toEqual(def.indexes.map((i) => i.indexName));
        for (const [i, g] of ((props.GlobalSecondaryIndexes ?? []) as { Projection: unknown }[]).entries()) {
          const include = (def.indexes[i] as { include?: readonly string[] }).include;
          expect(g.Projection).toEqual(include ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...include] } : { ProjectionType: 'ALL' });
        }
      }
      // The delivery log's indexes hold summaries, never the attempts with their response excerpts.
      const logIndexes = template.toJSON().Resources[ids.table.logs].Properties.GlobalSecondaryIndexes as { Projection: { ProjectionType: string; NonKeyAttributes: string[] } }[];
      expect(logIndexes.map((g) => g.Projection.ProjectionType)).toEqual(['INCLUDE', 'INCLUDE']);
      for (const g of logIndexes) expect(g.Projection.NonKeyAttributes).not.toContain('attempts');
      // One spot-check by literal value, so a wrong definition cannot pass by mirroring itself.
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        GlobalSecondaryIndexes: Match.arrayWith([
          Match.objectLike({
            IndexName: 'byCreatedAt',
            KeySchema: [
              { AttributeName: 'tenantId', KeyType: 'HASH' },
              { AttributeName: 'createdAtId', KeyType: 'RANGE' },
            ],
          }),
        ]),
      });
      expect(template.toJSON().Resources[ids.table.logs].Properties.GlobalSecondaryIndexes).toHaveLength(2);
    });

    it('expires events and log items through TTL on expiresAt, and portal sessions in the entities table on purgeAt', () => {
      const props = (k: TableKey) => template.toJSON().Resources[ids.table[k]].Properties;
      expect(props('events').TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
      expect(props('logs').TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
      // Rate slots and lapsed leases clean themselves up.
      expect(props('limits').TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
      // Only portal session items carry purgeAt (their own expiresAt is an ISO string).
      expect(props('entities').TimeToLiveSpecification).toEqual({ AttributeName: 'purgeAt', Enabled: true });
      // Stats counters expire a week after the log items they count.
      expect(props('stats').TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    });

    it('streams the logs table (old and new images) and no other', () => {
      for (const k of TABLE_KEYS) {
        const spec = template.toJSON().Resources[ids.table[k]].Properties.StreamSpecification;
        expect(spec, k).toEqual(k === 'logs' ? { StreamViewType: 'NEW_AND_OLD_IMAGES' } : undefined);
      }
      expect(template.toJSON().Resources[ids.table.stats].Properties.KeySchema).toEqual([
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
    });
  });

  describe('queues', () => {
    it('makes the deliveries queue and its DLQ high-throughput FIFO, and the retries and fan-out queues standard', () => {
      template.resourceCountIs('AWS::SQS::Queue', QUEUE_KEYS.length);
      const res = template.toJSON().Resources;
      for (const k of ['deliveries', 'deliveriesDlq'] as const) {
        expect(res[ids.queue[k]].Properties).toMatchObject({ FifoQueue: true });
      }
      expect(res[ids.queue.deliveries].Properties).toMatchObject({ DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' });
      for (const k of ['retries', 'retriesDlq', 'fanout', 'fanoutDlq', 'schedulerDlq'] as const) expect(res[ids.queue[k]].Properties.FifoQueue).toBeUndefined();
    });

    it('redrives every queue to its DLQ: the FIFO lanes after 50 receives (held messages are received again), the others after 5', () => {
      const res = template.toJSON().Resources;
      expect(res[ids.queue.deliveries].Properties.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [ids.queue.deliveriesDlq, 'Arn'] },
        maxReceiveCount: 50,
      });
      expect(res[ids.queue.retries].Properties.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [ids.queue.retriesDlq, 'Arn'] },
        maxReceiveCount: 5,
      });
      expect(res[ids.queue.fanout].Properties.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [ids.queue.fanoutDlq, 'Arn'] },
        maxReceiveCount: 5,
      });
      for (const k of ['deliveriesDlq', 'retriesDlq', 'fanoutDlq', 'schedulerDlq'] as const) expect(res[ids.queue[k]].Properties.RedrivePolicy).toBeUndefined();
    });

    it('sets visibility to six times the consumer timeout and keeps messages 14 days', () => {
      const res = template.toJSON().Resources;
      expect(res[ids.queue.deliveries].Properties).toMatchObject({ VisibilityTimeout: 180, MessageRetentionPeriod: 1_209_600 });
      expect(res[ids.queue.fanout].Properties).toMatchObject({ VisibilityTimeout: 360, MessageRetentionPeriod: 1_209_600 });
      expect(res[ids.queue.deliveriesDlq].Properties.MessageRetentionPeriod).toBe(1_209_600);
    });

    it('encrypts every queue with SQS-managed SSE and denies non-TLS access', () => {
      for (const k of QUEUE_KEYS) {
        expect(template.toJSON().Resources[ids.queue[k]].Properties.SqsManagedSseEnabled).toBe(true);
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: ids.queue[k] }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            ]),
          },
        });
      }
    });
  });

  describe('functions', () => {
    it('runs five functions on nodejs22.x, arm64, traced, with their timeouts and 512 MB', () => {
      template.resourceCountIs('AWS::Lambda::Function', 5);
      for (const k of FUNCTION_KEYS) {
        expect(template.toJSON().Resources[ids.fn[k]].Properties).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          MemorySize: 512,
          Timeout: FUNCTION_TIMEOUT_SECONDS[k],
          TracingConfig: { Mode: 'Active' },
          Role: { 'Fn::GetAtt': [ids.role[k], 'Arn'] },
        });
      }
      expect(template.toJSON().Resources[ids.fn.fanout].Properties.Timeout).toBe(60);
    });

    it('gives every function the table names, queue URLs and delivery settings', () => {
      for (const k of FUNCTION_KEYS) {
        const env = template.toJSON().Resources[ids.fn[k]].Properties.Environment.Variables;
        for (const t of TABLE_KEYS) expect(env[TABLES[t].envVar]).toEqual({ Ref: ids.table[t] });
        for (const q of QUEUE_KEYS) expect(env[QUEUES[q].envVar]).toEqual({ Ref: ids.queue[q] });
        expect(env).toMatchObject({
          BILLHOOK_DELIVERIES_QUEUE_URL: { Ref: ids.queue.deliveries },
          BILLHOOK_DLQ_URL: { Ref: ids.queue.deliveriesDlq },
          BILLHOOK_RETRY_SCHEDULE: '5,300,1800,7200,18000,36000,36000',
          BILLHOOK_LOG_RETENTION_DAYS: '30',
          BILLHOOK_EVENT_RETENTION_DAYS: '90',
          BILLHOOK_FANOUT_THRESHOLD: '50',
          NODE_OPTIONS: '--enable-source-maps',
        });
        expect(env.BILLHOOK_RETRY_SCHEDULE).toBe(DEFAULT_RETRY_SCHEDULE.join(','));
        expect(env.BILLHOOK_EXTRA_EVENT_TYPES).toBeUndefined();
      }
    });

    it('passes the admin key secret ARN to ingest and api only', () => {
      const envOf = (k: FunctionKey) => template.toJSON().Resources[ids.fn[k]].Properties.Environment.Variables;
      expect(envOf('ingest').BILLHOOK_ADMIN_KEY_SECRET_ARN).toEqual({ Ref: ids.secret });
      expect(envOf('api').BILLHOOK_ADMIN_KEY_SECRET_ARN).toEqual({ Ref: ids.secret });
      expect(envOf('sender').BILLHOOK_ADMIN_KEY_SECRET_ARN).toBeUndefined();
      expect(envOf('fanout').BILLHOOK_ADMIN_KEY_SECRET_ARN).toBeUndefined();
    });

    it('logs each function to its own log group with a retention', () => {
      for (const k of FUNCTION_KEYS) {
        const lg = render(template.toJSON().Resources[ids.fn[k]].Properties.LoggingConfig.LogGroup);
        expect(template.toJSON().Resources[lg]).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } });
      }
    });
  });

  describe('queue consumers', () => {
    it('feeds the sender from the deliveries lanes and the retries queue in batches of 10 with partial batch failures', () => {
      template.resourceCountIs('AWS::Lambda::EventSourceMapping', Object.keys(CONSUMERS).length + Object.keys(STREAM_CONSUMERS).length);
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: ids.fn.sender },
        EventSourceArn: { 'Fn::GetAtt': [ids.queue.deliveries, 'Arn'] },
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: CONSUMERS.sender.maxConcurrency },
      });
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: ids.fn.sender },
        EventSourceArn: { 'Fn::GetAtt': [ids.queue.retries, 'Arn'] },
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: CONSUMERS.retries.maxConcurrency },
      });
    });

    it('lets the sender hold a message in its lane (ChangeMessageVisibility on the deliveries queue)', () => {
      expect(grantsOf('sender')).toContainEqual({ role: ids.role.sender, action: 'sqs:ChangeMessageVisibility', resource: `${ids.queue.deliveries}.Arn` });
    });

    it('feeds the stats function from the logs stream: from its start, batches of 1,000 in 5 s, bisected and bounded retries, failures to the stats DLQ, no TTL removals', () => {
      const [mappingId, mapping] = Object.entries(template.findResources('AWS::Lambda::EventSourceMapping')).find(([, m]) => m.Properties.FunctionName.Ref === ids.fn.stats)!;
      expect(mapping.Properties).toEqual({
        FunctionName: { Ref: ids.fn.stats },
        EventSourceArn: { 'Fn::GetAtt': [ids.table.logs, 'StreamArn'] },
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 1000,
        MaximumBatchingWindowInSeconds: 5,
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 10,
        MaximumRecordAgeInSeconds: 6 * 3600,
        ParallelizationFactor: 1,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [ids.queue.statsDlq, 'Arn'] } } },
        FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT', 'MODIFY'] }) }] },
      });
      // Created after the role's policy, so Lambda may read the stream from its first poll.
      expect(list(mapping.DependsOn)).toEqual(expect.arrayContaining([expect.stringMatching(/^DeliveryStatsRoleDefaultPolicy/)]));
      expect(mappingId).toMatch(/^DeliveryStatsFunctionStatsStream/);
    });

    it('feeds fan-out from the fan-out queue one job at a time', () => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: ids.fn.fanout },
        EventSourceArn: { 'Fn::GetAtt': [ids.queue.fanout, 'Arn'] },
        BatchSize: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 10 },
      });
    });
  });

  describe('HTTP API', () => {
    /** Route key → logical id of the function its integration invokes. */
    function routeTargets(): Record<string, string> {
      const res = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
      const out: Record<string, string> = {};
      for (const route of Object.values(template.findResources('AWS::ApiGatewayV2::Route'))) {
        const integrationId = render(route.Properties.Target).replace(/^integrations\//, '');
        const integration = res[integrationId]!;
        expect(integration.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
        out[route.Properties.RouteKey as string] = render(integration.Properties.IntegrationUri).replace(/\.Arn$/, '');
      }
      return out;
    }

    it('routes the two ingest routes to ingest and everything else ($default) to api', () => {
      // Act
      const targets = routeTargets();

      // Assert
      expect(targets).toEqual({
        'POST /v1/tenants/{tenantId}/events': ids.fn.ingest,
        'POST /v1/tenants/{tenantId}/events/batch': ids.fn.ingest,
        $default: ids.fn.api,
      });
      expect(INGEST_ROUTES).toHaveLength(2);
    });

    it('throttles and access-logs the $default stage without logging headers', () => {
      template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
      const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0]!.Properties;
      expect(stage).toMatchObject({
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
        AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [logicalId(delivery.accessLogGroup), 'Arn'] } },
      });
      const format = JSON.parse(stage.AccessLogSettings.Format) as Record<string, string>;
      expect(format.requestId).toBe('$context.requestId');
      expect(JSON.stringify(format)).not.toMatch(/header|authorization/i);
    });

    it('lets API Gateway invoke only the ingest and api functions', () => {
      const invoked = Object.values(template.findResources('AWS::Lambda::Permission')).map((p) => render(p.Properties.FunctionName).replace(/\.Arn$/, ''));
      expect(new Set(invoked)).toEqual(new Set([ids.fn.ingest, ids.fn.api]));
    });
  });

  describe('IAM', () => {
    it('uses no wildcard action, and "*" resources only for X-Ray and the stats function\'s ListStreams', () => {
      for (const g of allGrants) {
        expect(g.action, JSON.stringify(g)).not.toContain('*');
        if (g.resource === '*' && g.action === 'dynamodb:ListStreams') expect(g.role).toBe(ids.role.stats);
        else if (g.resource === '*') expect(g.action).toMatch(/^xray:Put(TraceSegments|TelemetryRecords)$/);
      }
    });

    it('lets the stats function add to the stats table and read the logs stream only, and the api only query the stats', () => {
      const stats = grantsOf('stats').filter((g) => !g.action.startsWith('logs:') && !g.action.startsWith('xray:'));
      expect(new Set(stats.map((g) => `${g.action} ${g.resource}`))).toEqual(
        new Set([
          `dynamodb:UpdateItem ${ids.table.stats}.Arn`,
          `dynamodb:DescribeStream ${ids.table.logs}.StreamArn`,
          `dynamodb:GetShardIterator ${ids.table.logs}.StreamArn`,
          `dynamodb:GetRecords ${ids.table.logs}.StreamArn`,
          'dynamodb:ListStreams *',
          // The on-failure destination.
          `sqs:SendMessage ${ids.queue.statsDlq}.Arn`,
          `sqs:GetQueueAttributes ${ids.queue.statsDlq}.Arn`,
          `sqs:GetQueueUrl ${ids.queue.statsDlq}.Arn`,
        ]),
      );
      expect(new Set(grantsOf('api').filter(onTable('stats')).map((g) => g.action))).toEqual(new Set(['dynamodb:Query']));
      for (const fn of ['ingest', 'sender', 'fanout'] as const) expect(grantsOf(fn).filter(onTable('stats'))).toEqual([]);
      expect(allGrants.filter((g) => g.resource.includes('StreamArn')).map((g) => g.role)).toEqual(Array(3).fill(ids.role.stats));
    });

    it('attaches no AWS managed policy to the function roles', () => {
      for (const k of FUNCTION_KEYS) expect(template.toJSON().Resources[ids.role[k]].Properties.ManagedPolicyArns).toBeUndefined();
    });

    it('lets the sender log attempts and keep endpoint health (UpdateItem) but not write events, and put/delete only its limits', () => {
      const sender = grantsOf('sender');
      expect(sender).toContainEqual({ role: ids.role.sender, action: 'dynamodb:UpdateItem', resource: `${ids.table.logs}.Arn` });
      expect(sender).toContainEqual({ role: ids.role.sender, action: 'dynamodb:GetItem', resource: `${ids.table.logs}.Arn` });
      expect(sender).toContainEqual({ role: ids.role.sender, action: 'dynamodb:GetItem', resource: `${ids.table.entities}.Arn` });
      expect(sender).toContainEqual({ role: ids.role.sender, action: 'dynamodb:UpdateItem', resource: `${ids.table.entities}.Arn` });
      expect(sender.filter(onTable('events'))).toEqual([]);
      const dynamoActions = sender.filter((g) => g.action.startsWith('dynamodb:') && !onTable('limits')(g)).map((g) => g.action);
      expect(dynamoActions).not.toContain('dynamodb:PutItem');
      expect(dynamoActions).not.toContain('dynamodb:DeleteItem');
      expect(new Set(dynamoActions)).toEqual(new Set(['dynamodb:GetItem', 'dynamodb:UpdateItem']));
      // Rate slots and leases: conditional writes on the limits table, no reads.
      expect(new Set(sender.filter(onTable('limits')).map((g) => g.action))).toEqual(new Set(['dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem']));
      for (const fn of ['ingest', 'api', 'fanout'] as const) expect(grantsOf(fn).filter(onTable('limits'))).toEqual([]);
    });

    it('lets the sender retry through the retries queue into the lanes and park exhausted deliveries in its DLQ', () => {
      const sends = grantsOf('sender').filter((g) => g.action === 'sqs:SendMessage').map((g) => g.resource);
      // + the jobs queue, for operational events.
      expect(new Set(sends)).toEqual(new Set([`${ids.queue.deliveries}.Arn`, `${ids.queue.retries}.Arn`, `${ids.queue.deliveriesDlq}.Arn`, `${ids.queue.fanout}.Arn`]));
      // Consuming comes from the event sources, on the deliveries and retries queues only.
      const receives = grantsOf('sender').filter((g) => g.action === 'sqs:ReceiveMessage').map((g) => g.resource);
      expect(new Set(receives)).toEqual(new Set([`${ids.queue.deliveries}.Arn`, `${ids.queue.retries}.Arn`]));
    });

    it('keeps ingest away from the logs table and limits it to reads of entities and get/put of events', () => {
      const ingest = grantsOf('ingest');
      expect(ingest.filter(onTable('logs'))).toEqual([]);
      expect(new Set(ingest.filter(onTable('entities')).map((g) => `${g.action} ${g.resource}`))).toEqual(
        new Set([`dynamodb:GetItem ${ids.table.entities}.Arn`, `dynamodb:Query ${ids.table.entities}.Arn`, `dynamodb:Query ${ids.table.entities}.Arn/index/*`]),
      );
      expect(new Set(ingest.filter(onTable('events')).map((g) => g.action))).toEqual(new Set(['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem']));
      const sends = ingest.filter((g) => g.action === 'sqs:SendMessage').map((g) => g.resource);
      expect(new Set(sends)).toEqual(new Set([`${ids.queue.deliveries}.Arn`, `${ids.queue.fanout}.Arn`]));
    });

    it('gives the api read/write on entities, read (+ put) on events and read-only on logs', () => {
      const api = grantsOf('api');
      const on = (t: TableKey) => new Set(api.filter(onTable(t)).filter((g) => !g.resource.endsWith('/index/*')).map((g) => g.action));
      expect(on('entities')).toEqual(
        new Set(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem']),
      );
      expect(on('events')).toEqual(new Set(['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem']));
      expect(on('logs')).toEqual(new Set(['dynamodb:GetItem', 'dynamodb:Query']));
      // Index ARNs carry Query and nothing else.
      const indexGrants = allGrants.filter((g) => g.resource.endsWith('/index/*'));
      expect(new Set(indexGrants.map((g) => g.action))).toEqual(new Set(['dynamodb:Query']));
      expect(api).toContainEqual({ role: ids.role.api, action: 'dynamodb:Query', resource: `${ids.table.logs}.Arn/index/*` });
      // Recover jobs (a drain's paced re-sends wait in the retries queue), and DLQ depth + redrive.
      const sends = api.filter((g) => g.action === 'sqs:SendMessage').map((g) => g.resource);
      expect(new Set(sends)).toEqual(new Set([`${ids.queue.deliveries}.Arn`, `${ids.queue.retries}.Arn`, `${ids.queue.fanout}.Arn`]));
      for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes']) {
        expect(new Set(api.filter((g) => g.action === action).map((g) => g.resource))).toEqual(new Set([`${ids.queue.deliveriesDlq}.Arn`, `${ids.queue.retriesDlq}.Arn`]));
      }
    });

    it('gives the jobs function entity reads, event get/put, log queries, and sends to the deliveries and jobs queues only', () => {
      const fanout = grantsOf('fanout');
      const on = (t: TableKey) => new Set(fanout.filter(onTable(t)).map((g) => `${g.action} ${g.resource}`));
      expect(on('entities')).toEqual(new Set([`dynamodb:GetItem ${ids.table.entities}.Arn`, `dynamodb:Query ${ids.table.entities}.Arn`, `dynamodb:Query ${ids.table.entities}.Arn/index/*`]));
      expect(on('events')).toEqual(new Set([`dynamodb:GetItem ${ids.table.events}.Arn`, `dynamodb:PutItem ${ids.table.events}.Arn`]));
      expect(on('logs')).toEqual(new Set([`dynamodb:Query ${ids.table.logs}.Arn`, `dynamodb:Query ${ids.table.logs}.Arn/index/*`]));
      const sends = fanout.filter((g) => g.action === 'sqs:SendMessage').map((g) => g.resource);
      expect(new Set(sends)).toEqual(new Set([`${ids.queue.deliveries}.Arn`, `${ids.queue.retries}.Arn`, `${ids.queue.fanout}.Arn`]));
    });

    it('sends long retries through a schedule group whose role may only send to the retries queue and its own DLQ', () => {
      const res = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;
      const [groupId] = Object.entries(res).find(([, r]) => r.Type === 'AWS::Scheduler::ScheduleGroup')!;
      const [roleId, role] = Object.entries(res).find(([, r]) => r.Type === 'AWS::IAM::Role' && JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'))!;
      expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Condition.StringEquals).toHaveProperty(['aws:SourceAccount']);
      const rolePolicies = Object.values(res).filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(roleId));
      expect(rolePolicies.flatMap((p) => p.Properties.PolicyDocument.Statement)).toEqual([
        { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: [{ 'Fn::GetAtt': [ids.queue.retries, 'Arn'] }, { 'Fn::GetAtt': [ids.queue.schedulerDlq, 'Arn'] }] },
      ]);
      const sender = grantsOf('sender');
      expect(sender.filter((g) => g.action === 'scheduler:CreateSchedule').map((g) => g.resource)).toEqual([expect.stringContaining(`schedule/${groupId}`)]);
      expect(sender.filter((g) => g.action === 'iam:PassRole').map((g) => g.resource)).toEqual([`${roleId}.Arn`]);
      const env = template.toJSON().Resources[ids.fn.sender].Properties.Environment.Variables;
      expect(env).toMatchObject({ BILLHOOK_SCHEDULER_GROUP: { Ref: groupId }, BILLHOOK_SCHEDULER_ROLE_ARN: { 'Fn::GetAtt': [roleId, 'Arn'] } });
      expect(template.toJSON().Resources[ids.fn.api].Properties.Environment.Variables.BILLHOOK_SCHEDULER_GROUP).toBeUndefined();
    });

    it('lets each function write only to its own log group', () => {
      for (const k of FUNCTION_KEYS) {
        const lg = render(template.toJSON().Resources[ids.fn[k]].Properties.LoggingConfig.LogGroup);
        const logGrants = grantsOf(k).filter((g) => g.action.startsWith('logs:'));
        expect(new Set(logGrants.map((g) => g.resource))).toEqual(new Set([`${lg}.Arn`]));
      }
    });
  });

  describe('admin key secret', () => {
    it('generates a long alphanumeric key, retained with the stack', () => {
      template.resourceCountIs('AWS::SecretsManager::Secret', 1);
      const secret = template.toJSON().Resources[ids.secret];
      expect(secret.DeletionPolicy).toBe('Retain');
      expect(secret.Properties.GenerateSecretString).toMatchObject({ ExcludePunctuation: true, IncludeSpace: false });
      expect(secret.Properties.GenerateSecretString.PasswordLength).toBeGreaterThanOrEqual(40);
      expect(secret.Properties.GenerateSecretString.SecretStringTemplate).toBeUndefined();
    });

    it('is readable by the ingest and api roles only', () => {
      const readers = allGrants.filter((g) => g.resource === ids.secret || g.action.startsWith('secretsmanager:'));
      expect(readers.every((g) => g.action === 'secretsmanager:GetSecretValue' && g.resource === ids.secret)).toBe(true);
      expect(new Set(readers.map((g) => g.role))).toEqual(new Set([ids.role.ingest, ids.role.api]));
    });
  });

  describe('outputs', () => {
    it('prints the API and dashboard URLs, the secret ARN, table names and queue URLs', () => {
      const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
      expect(render(outputs.ApiUrl!.Value)).toMatch(/^https:\/\/.+\/$/);
      expect(render(outputs.DashboardUrl!.Value)).toMatch(/^https:\/\/[^/].+[^/]\/dashboard$/);
      expect(outputs.AdminKeySecretArn!.Value).toEqual({ Ref: ids.secret });
      for (const t of TABLE_KEYS) expect(outputs[`${TABLES[t].id}Name`]!.Value).toEqual({ Ref: ids.table[t] });
      for (const q of QUEUE_KEYS) expect(outputs[`${QUEUES[q].id}Url`]!.Value).toEqual({ Ref: ids.queue[q] });
    });
  });

  describe('context', () => {
    it('takes the retry schedule, retention, extra event types and removal policy from context', () => {
      // Arrange
      const context = {
        retrySchedule: '5,60',
        logRetentionDays: '7',
        extraEventTypes: 'usage.reported=Metered usage was reported.',
        allowPrivateCidrs: '10.1.0.0/16',
        removalPolicy: 'destroy',
        throttleRateLimit: 50,
        throttleBurstLimit: 100,
      };

      // Act
      const t = Template.fromStack(buildStack(context).stack);

      // Assert
      const fn = Object.values(t.findResources('AWS::Lambda::Function'))[0]!;
      expect(fn.Properties.Environment.Variables).toMatchObject({
        BILLHOOK_RETRY_SCHEDULE: '5,60',
        BILLHOOK_LOG_RETENTION_DAYS: '7',
        BILLHOOK_EXTRA_EVENT_TYPES: 'usage.reported=Metered usage was reported.',
        BILLHOOK_ALLOW_PRIVATE_CIDRS: '10.1.0.0/16',
      });
      for (const table of Object.values(t.findResources('AWS::DynamoDB::Table'))) {
        expect(table.DeletionPolicy).toBe('Delete');
        expect(table.Properties.DeletionProtectionEnabled).toBe(false);
      }
      t.hasResourceProperties('AWS::ApiGatewayV2::Stage', { DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 } });
    });

    it('takes the portal branding and public URL from context, and refuses a colour that is not #rrggbb', () => {
      const t = Template.fromStack(buildStack({ portalProductName: 'Acme Billing', portalAccentColor: '#AA3300', publicUrl: 'https://hooks.acme.example' }).stack);
      const fn = Object.values(t.findResources('AWS::Lambda::Function'))[0]!;
      expect(fn.Properties.Environment.Variables).toMatchObject({
        BILLHOOK_PORTAL_PRODUCT_NAME: 'Acme Billing',
        BILLHOOK_PORTAL_ACCENT_COLOR: '#AA3300',
        BILLHOOK_PUBLIC_URL: 'https://hooks.acme.example',
      });
      expect(() => buildStack({ portalAccentColor: 'red' })).toThrow(/BILLHOOK_PORTAL_ACCENT_COLOR: must be a colour written #rrggbb/);
    });

    it('refuses a malformed retry schedule at synth time', () => {
      expect(() => buildStack({ retrySchedule: '5,soon' })).toThrow(/invalid retry delay/);
    });
  });

  describe('cdk-nag AwsSolutions', () => {
    it('reports no unacknowledged error or warning', () => {
      // Act
      const report = new AwsSolutionsChecks().validateScope(stack);

      // Assert
      const findings = report.violations
        .filter((v) => v.severity === 'error' || v.severity === 'warning')
        .map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
      expect(findings).toEqual([]);
      expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
      expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
      expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    });

    it('gives every acknowledgement a concrete reason', () => {
      // Arrange
      const acks: { id: string; reason: string }[] = [];
      for (const c of stack.node.findAll()) {
        for (const m of c.node.metadata) {
          if (m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
          for (const [id, reason] of Object.entries(m.data as Record<string, string>)) acks.push({ id, reason });
        }
      }

      // Assert
      expect(acks.length).toBeGreaterThan(0);
      for (const a of acks) {
        expect(a.id).toMatch(/AwsSolutions-/);
        expect(a.reason.length, a.id).toBeGreaterThanOrEqual(60);
      }
    });

    it('acknowledges only findings that would otherwise be reported (no stale acknowledgements)', () => {
      // Arrange: the same stack with every acknowledgement dropped.
      const spy = vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => {});
      let bare: Stack;
      try {
        bare = buildStack().stack;
      } finally {
        spy.mockRestore();
      }
      const acknowledged = new Set<string>();
      for (const c of stack.node.findAll()) {
        for (const m of c.node.metadata) {
          if (m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY) for (const id of Object.keys(m.data as object)) acknowledged.add(id.replace(/^annotation::/i, ''));
        }
      }

      // Act
      const reported = new Set(new AwsSolutionsChecks().validateScope(bare).violations.map((v) => v.ruleName));

      // Assert: the logical ids match because both stacks are built the same way.
      expect(reported).toEqual(acknowledged);
    });
  });

  describe('bundling', () => {
    const outdir = path.join(REPO_ROOT, 'test-output', `infra-bundle-${process.pid}`);
    afterAll(() => rmSync(outdir, { recursive: true, force: true }));

    it('bundles the sender, AWS SDK included, with local esbuild into the ESM file npm run build writes, that loads and exports handler, and ships the dashboard with the api', async () => {
      // Arrange
      mkdirSync(outdir, { recursive: true });
      const { app, stack: bundled } = buildStack({}, { bundle: true, outdir });

      // Act
      app.synth();

      // Assert
      const fn = Template.fromStack(bundled).toJSON().Resources[logicalId(bundled.delivery.functions.sender)];
      const assetDir = path.join(outdir, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
      const file = path.join(assetDir, 'index.mjs');
      expect(existsSync(file), file).toBe(true);
      expect(existsSync(`${file}.map`)).toBe(true);
      const code = readFileSync(file, 'utf8');
      expect(code.startsWith("import { createRequire } from 'module'; const require = createRequire(import.meta.url);")).toBe(true);
      expect(code).toMatch(/sourceMappingURL=index\.mjs\.map/);
      // The AWS SDK is bundled (LAMBDA_SDK, lib/infra/bundling.ts): nothing is left to the runtime's copy.
      expect(code).not.toMatch(/from\s*"@aws-sdk\//);
      expect(code).toMatch(/ReceiveMessage/);
      // Byte for byte what `npm run build` writes, so local mode's --bundles and the bundle e2e test run what ships.
      const dist = await buildLambdas({ outDir: path.join(outdir, 'npm-run-build') });
      const sender = dist.find((b) => b.name === 'sender')!;
      expect(readFileSync(sender.file, 'utf8') === code).toBe(true);
      // Cold start: the sender's own code stays small (Node's http, zod/mini); the SDK is the rest.
      expect(sender.bytes - sender.sdkBytes).toBeLessThan(300 * 1024);
      expect(statSync(file).size).toBeLessThan(1024 * 1024);
      // Node loads it as ESM (the banner makes CommonJS dependencies work) and finds the handler.
      const probe = `const m = await import(${JSON.stringify(pathToFileURL(file).href)}); if (typeof m.handler !== 'function') process.exit(3);`;
      expect(() => execFileSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: REPO_ROOT, stdio: 'pipe' })).not.toThrow();

      // The api function carries the built dashboard beside its bundle, and serves it from there.
      const api = Template.fromStack(bundled).toJSON().Resources[logicalId(bundled.delivery.functions.api)];
      const apiDir = path.join(outdir, `asset.${String(api.Properties.Code.S3Key).replace(/\.zip$/, '')}`);
      const html = readFileSync(path.join(apiDir, 'dashboard', 'index.html'), 'utf8');
      const script = /src="\/dashboard\/(assets\/app-[\w-]+\.js)"/.exec(html)?.[1];
      expect(script, html).toBeDefined();
      expect(existsSync(path.join(apiDir, 'dashboard', script!))).toBe(true);
      const serve = `
        const m = await import(${JSON.stringify(pathToFileURL(path.join(apiDir, 'index.mjs')).href)});
        const res = await m.handler({ rawPath: '/dashboard', headers: {}, requestContext: { http: { method: 'GET' }, requestId: 'r1' } }, { functionName: 'api', awsRequestId: 'r1', getRemainingTimeInMillis: () => 1000 });
        process.stdout.write(JSON.stringify({ status: res.statusCode, csp: res.headers['content-security-policy'], body: res.body }));`;
      const served = JSON.parse(
        execFileSync(process.execPath, ['--input-type=module', '-e', serve], {
          cwd: REPO_ROOT,
          stdio: ['ignore', 'pipe', 'pipe'],
          // Configured like the stack does, with queue URLs no request reaches: serving the page touches no AWS service.
          env: {
            PATH: process.env.PATH,
            POWERTOOLS_LOG_LEVEL: 'SILENT',
            POWERTOOLS_TRACE_ENABLED: 'false',
            BILLHOOK_ADMIN_KEY: 'x'.repeat(32),
            BILLHOOK_DLQ_URL: 'https://sqs.invalid/dlq',
            BILLHOOK_DELIVERIES_QUEUE_URL: 'https://sqs.invalid/deliveries.fifo',
            BILLHOOK_RETRIES_QUEUE_URL: 'https://sqs.invalid/retries',
            BILLHOOK_FANOUT_QUEUE_URL: 'https://sqs.invalid/fanout',
          },
        }).toString(),
      );
      // The shipped shell, with the deployment's branding (the default here) written in as it is served.
      expect(served).toMatchObject({ status: 200, body: brandIndexHtml(html, DEFAULT_BRANDING) });
      expect(served.csp).toContain("script-src 'self'");
    });
  });
});
