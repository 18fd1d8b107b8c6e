import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { BillhookStack } from '../../lib/infra/billhook-stack.ts';
import { REPO_ROOT } from '../../lib/infra/webhook-delivery.ts';

const CDK_CONTEXT = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;

function synth(context: Record<string, unknown> = {}) {
  const app = new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context } });
  return Template.fromStack(new BillhookStack(app, 'Billhook-ops'));
}

describe('DeliveryMonitoring', () => {
  let template: Template;
  beforeAll(() => {
    template = synth({ alarmEmail: 'oncall@example.com' });
  });

  it('sends every alarm, and its recovery, to one encrypted topic', () => {
    const topics = template.findResources('AWS::SNS::Topic');
    const [topicId, topic] = Object.entries(topics)[0]!;
    expect(Object.keys(topics)).toHaveLength(1);
    expect(topic.Properties.KmsMasterKeyId).toBeDefined();
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(14);
    for (const a of alarms) {
      expect(a.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
      expect(a.Properties.OKActions).toEqual([{ Ref: topicId }]);
      expect(a.Properties.AlarmDescription.length).toBeGreaterThan(60);
    }
  });

  it.each([
    ['ApproximateNumberOfMessagesVisible', 'AWS/SQS', 1],
    ['ApproximateAgeOfOldestMessage', 'AWS/SQS', 900],
    ['Throttles', 'AWS/Lambda', 1],
    ['DeliveriesExhausted', 'Billhook', 10],
    ['TargetErrorCount', 'AWS/Scheduler', 1],
    ['InvocationDroppedCount', 'AWS/Scheduler', 1],
    ['Errors', 'AWS/Lambda', 5],
    ['IteratorAge', 'AWS/Lambda', 300_000],
    ['StatsOvercounted', 'Billhook', 1],
  ])('alarms on %s (%s) at %i', (metric, namespace, threshold) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: metric, Namespace: namespace, Threshold: threshold, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
  });

  it('alarms on the API 5xx rate with metric math over the HTTP API metrics', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 1,
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: '100 * errors / MAX([requests, 1])' }),
        Match.objectLike({ Id: 'errors', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: '5xx', Namespace: 'AWS/ApiGateway' }) }) }),
      ]),
    });
  });

  it('takes the CloudWatch log retention from context, and refuses one CloudWatch does not offer', () => {
    const t = synth({ cloudWatchLogRetentionDays: 90 });
    const groups = Object.values(t.findResources('AWS::Logs::LogGroup'));
    expect(groups.length).toBeGreaterThanOrEqual(5);
    expect(groups.every((g) => g.Properties.RetentionInDays === 90)).toBe(true);
    expect(() => synth({ cloudWatchLogRetentionDays: 42 })).toThrow(/not a CloudWatch Logs retention/);
  });

  it('subscribes the alarm e-mail only when given, and refuses a malformed one', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
    expect(Object.keys(synth().findResources('AWS::SNS::Subscription'))).toHaveLength(0);
    expect(() => synth({ alarmEmail: 'not-an-address' })).toThrow(/not an e-mail address/);
  });

  it('alarms when the stats function falls behind the logs stream, fails, gives a batch up, or counts twice', () => {
    const byId = Object.entries(template.findResources('AWS::CloudWatch::Alarm'));
    const named = (prefix: string) => byId.find(([id]) => id.includes(prefix))?.[1].Properties;
    expect(named('StatsFallingBehind')).toMatchObject({ MetricName: 'IteratorAge', Statistic: 'Maximum', Threshold: 300_000 });
    expect(named('StatsErrors')).toMatchObject({ MetricName: 'Errors', Namespace: 'AWS/Lambda' });
    expect(named('StatsDlqNotEmpty')).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1 });
    expect(named('StatsOvercounted')).toMatchObject({ MetricName: 'StatsOvercounted', Namespace: 'Billhook' });
  });

  it('builds a dashboard of deliveries, latency, queues, DLQs and every function, and outputs its URL', () => {
    const [dash] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dash!.Properties.DashboardBody);
    for (const needle of ['DeliveriesSucceeded', 'AttemptLatency', 'ApproximateAgeOfOldestMessage', 'Dead-letter queues', 'ingest:', 'sender:', 'fanout:', 'api:', 'stats:', 'IteratorAge', 'StatsAttemptsCounted']) expect(body).toContain(needle);
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['AlarmTopicArn', 'CloudWatchDashboardUrl']));
    expect(JSON.stringify(outputs.CloudWatchDashboardUrl!.Value)).toContain('#dashboards:name=');
  });
});
