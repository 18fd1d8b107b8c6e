/**
 * What a real deploy would trip over and the emulators accept: each finding of
 * issue 14 (cfn-lint, SNS policy semantics, account-global names, DynamoDB
 * projection rules, concurrency, Scheduler drops, key retention), asserted on
 * the template of the app exactly as `npm run synth` builds it.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONSUMERS, TABLES, type TableDef } from '../../lib/definitions.ts';
import { appTags, createBillhookApp, UNTAGGED_RESOURCE_TYPES } from '../../lib/infra/app.ts';
import type { BillhookStack } from '../../lib/infra/billhook-stack.ts';
import { DEFAULT_INGEST_RESERVED_CONCURRENCY, REPO_ROOT } from '../../lib/infra/webhook-delivery.ts';

const CDK_CONTEXT = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;

type Resources = Record<string, { Type: string; Properties?: Record<string, any>; DependsOn?: string[]; DeletionPolicy?: string; UpdateReplacePolicy?: string }>;

/** The app as bin/billhook.ts builds it (tags and all), bundling skipped. */
function synth(context: Record<string, unknown> = {}): { app: App; stack: BillhookStack; resources: Resources } {
  const { app, stack } = createBillhookApp({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context } });
  const resources = Template.fromStack(stack).toJSON().Resources as Resources;
  return { app, stack, resources };
}

const ofType = (resources: Resources, type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

describe('Deploy findings (issue 14)', () => {
  let resources: Resources;
  beforeAll(() => {
    ({ resources } = synth());
  });

  describe('alarm topic policy', () => {
    it('lets CloudWatch alarms of this account publish, beside the deny of non-TLS publishing', () => {
      // Arrange
      const [[topicId]] = ofType(resources, 'AWS::SNS::Topic') as [[string, unknown]];
      const [[, policy]] = ofType(resources, 'AWS::SNS::TopicPolicy') as [[string, Resources[string]]];
      const statements = policy.Properties!.PolicyDocument.Statement as Record<string, any>[];
      // Act
      const allow = statements.filter((s) => s.Effect === 'Allow');
      const deny = statements.filter((s) => s.Effect === 'Deny');
      // Assert: a topic policy replaces SNS's default one, so without an Allow nothing may publish.
      expect(allow).toEqual([
        expect.objectContaining({
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: { Ref: topicId },
          Condition: {
            StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
            ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':alarm:*']] } },
          },
        }),
      ]);
      expect(deny).toEqual([expect.objectContaining({ Principal: '*', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]);
    });
  });

  describe('tags', () => {
    it('tags every taggable resource with app and stage, and leaves the types without Tags untagged', () => {
      const withTags = Object.values(resources).filter((r) => r.Properties?.Tags !== undefined);
      expect(withTags.length).toBeGreaterThan(10);
      for (const r of withTags) {
        expect(UNTAGGED_RESOURCE_TYPES).not.toContain(r.Type);
        const tags = r.Properties!.Tags as { Key: string; Value: string }[] | Record<string, string>;
        const asMap = Array.isArray(tags) ? Object.fromEntries(tags.map((t) => [t.Key, t.Value])) : tags;
        expect(asMap, r.Type).toMatchObject(appTags('dev'));
      }
      expect(ofType(resources, 'AWS::CloudWatch::Dashboard')).toHaveLength(1);
      for (const [, d] of ofType(resources, 'AWS::CloudWatch::Dashboard')) expect(d.Properties!.Tags).toBeUndefined();
    });
  });

  describe('dashboard name', () => {
    it('names the region, since dashboards are global to the account', () => {
      const [[, dashboard]] = ofType(resources, 'AWS::CloudWatch::Dashboard') as [[string, Resources[string]]];
      expect(dashboard.Properties!.DashboardName).toEqual({ 'Fn::Join': ['', ['Billhook-dev-', { Ref: 'AWS::Region' }]] });
    });
  });

  describe('index projections', () => {
    type IndexDef = TableDef['indexes'][number];
    const keyAttributes = (table: TableDef, index: IndexDef) =>
      [table.partitionKey, table.sortKey, index.partitionKey, index.sortKey].filter((k) => k !== undefined).map((k) => k.name);

    it.each(Object.entries(TABLES).flatMap(([name, t]) => (t as TableDef).indexes.map((i) => [`${name}.${i.indexName}`, t as TableDef, i as IndexDef] as const)))(
      '%s lists no key attribute among its INCLUDE attributes (the real service refuses one)',
      (_name, table, index) => {
        const keys = keyAttributes(table, index);
        expect((index.include ?? []).filter((a) => keys.includes(a))).toEqual([]);
      },
    );

    it('and so does every INCLUDE projection in the template', () => {
      for (const [id, t] of ofType(resources, 'AWS::DynamoDB::Table')) {
        const tableKeys = (t.Properties!.KeySchema as { AttributeName: string }[]).map((k) => k.AttributeName);
        for (const gsi of (t.Properties!.GlobalSecondaryIndexes ?? []) as Record<string, any>[]) {
          const keys = [...tableKeys, ...(gsi.KeySchema as { AttributeName: string }[]).map((k) => k.AttributeName)];
          const include = (gsi.Projection.NonKeyAttributes ?? []) as string[];
          expect(include.filter((a) => keys.includes(a)), `${id} ${gsi.IndexName}`).toEqual([]);
        }
      }
    });
  });

  describe('concurrency', () => {
    const fnByHandlerEnv = (r: Resources, roleSuffix: string) => ofType(r, 'AWS::Lambda::Function').find(([id]) => id.startsWith(`Delivery${roleSuffix}Function`))![1];

    it('reserves concurrency for ingest only, and bounds the sender and fan-out event sources', () => {
      expect(fnByHandlerEnv(resources, 'Ingest').Properties!.ReservedConcurrentExecutions).toBe(DEFAULT_INGEST_RESERVED_CONCURRENCY);
      for (const k of ['Api', 'Sender', 'Fanout']) expect(fnByHandlerEnv(resources, k).Properties!.ReservedConcurrentExecutions).toBeUndefined();
      // The SQS event sources (the stats function's stream source scales by shard, not by a maximum).
      const max = ofType(resources, 'AWS::Lambda::EventSourceMapping').filter(([, m]) => m.Properties!.StartingPosition === undefined).map(([, m]) => m.Properties!.ScalingConfig?.MaximumConcurrency as number);
      expect(max.sort((a, b) => a - b)).toEqual([CONSUMERS.fanout.maxConcurrency, CONSUMERS.retries.maxConcurrency, CONSUMERS.sender.maxConcurrency].sort((a, b) => a - b));
    });

    it('takes all three from context, 0 reserving nothing, and refuses values Lambda would refuse', () => {
      const { resources: r } = synth({ ingestReservedConcurrency: '40', senderMaxConcurrency: '200', fanoutMaxConcurrency: 3 });
      expect(fnByHandlerEnv(r, 'Ingest').Properties!.ReservedConcurrentExecutions).toBe(40);
      const max = ofType(r, 'AWS::Lambda::EventSourceMapping').filter(([, m]) => m.Properties!.StartingPosition === undefined).map(([, m]) => m.Properties!.ScalingConfig.MaximumConcurrency as number);
      expect(max.sort((a, b) => a - b)).toEqual([3, CONSUMERS.retries.maxConcurrency, 200].sort((a, b) => a - b));
      const { resources: none } = synth({ ingestReservedConcurrency: 0 });
      expect(fnByHandlerEnv(none, 'Ingest').Properties!.ReservedConcurrentExecutions).toBeUndefined();
      expect(() => synth({ senderMaxConcurrency: 1 })).toThrow(/2\.\.1000/);
      expect(() => synth({ ingestReservedConcurrency: -1 })).toThrow(/ingestReservedConcurrency/);
    });
  });

  describe('Scheduler dead letters', () => {
    it('gives the retry schedules a target dead-letter queue the scheduler role may write, and tells the sender its ARN', () => {
      const [[dlqId]] = Object.entries(resources).filter(([id, r]) => r.Type === 'AWS::SQS::Queue' && id.startsWith('DeliverySchedulerDlq')) as [[string, unknown]];
      const [roleId] = ofType(resources, 'AWS::IAM::Role').find(([, r]) => JSON.stringify(r.Properties!.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'))!;
      const statements = ofType(resources, 'AWS::IAM::Policy')
        .filter(([, p]) => JSON.stringify(p.Properties!.Roles).includes(roleId))
        .flatMap(([, p]) => p.Properties!.PolicyDocument.Statement as Record<string, any>[]);
      expect(statements).toEqual([
        expect.objectContaining({ Action: 'sqs:SendMessage', Resource: expect.arrayContaining([{ 'Fn::GetAtt': [dlqId, 'Arn'] }]) }),
      ]);
      const [, sender] = ofType(resources, 'AWS::Lambda::Function').find(([id]) => id.startsWith('DeliverySenderFunction'))!;
      expect(sender.Properties!.Environment.Variables.BILLHOOK_SCHEDULER_DLQ_ARN).toEqual({ 'Fn::GetAtt': [dlqId, 'Arn'] });
    });

    it('alarms on dropped invocations of the schedule group and on a non-empty scheduler DLQ', () => {
      const [[groupId]] = ofType(resources, 'AWS::Scheduler::ScheduleGroup') as [[string, unknown]];
      const alarms = ofType(resources, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties!);
      expect(alarms).toContainEqual(
        expect.objectContaining({ Namespace: 'AWS/Scheduler', MetricName: 'InvocationDroppedCount', Dimensions: [{ Name: 'ScheduleGroup', Value: { Ref: groupId } }], Threshold: 1 }),
      );
      const dlqId = Object.keys(resources).find((id) => id.startsWith('DeliverySchedulerDlq'))!;
      expect(alarms).toContainEqual(
        expect.objectContaining({ MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }] }),
      );
    });
  });

  describe('removal policy', () => {
    it('keeps the alarm topic key by default and deletes it with -c removalPolicy=destroy', () => {
      const [[, kept]] = ofType(resources, 'AWS::KMS::Key') as [[string, Resources[string]]];
      expect([kept.DeletionPolicy, kept.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
      const { resources: r } = synth({ removalPolicy: 'destroy' });
      const [[, destroyed]] = ofType(r, 'AWS::KMS::Key') as [[string, Resources[string]]];
      expect([destroyed.DeletionPolicy, destroyed.UpdateReplacePolicy]).toEqual(['Delete', 'Delete']);
      expect(destroyed.Properties!.PendingWindowInDays).toBe(7);
    });
  });

  describe('DependsOn', () => {
    it('names no resource a function already references (cfn-lint W3005), and keeps the role policy before the function', () => {
      for (const [id, fn] of ofType(resources, 'AWS::Lambda::Function')) {
        const referenced = new Set(JSON.stringify(fn.Properties).match(/"(?:Ref|Fn::GetAtt)":\s*\[?"([A-Za-z0-9]+)"/g)?.map((m) => /"([A-Za-z0-9]+)"$/.exec(m)![1]) ?? []);
        expect((fn.DependsOn ?? []).filter((d) => referenced.has(d)), id).toEqual([]);
        expect(fn.DependsOn, id).toEqual([expect.stringMatching(/RoleDefaultPolicy/)]);
      }
    });
  });
});
