/**
 * What the people on call for Billhook watch: alarms to an SNS topic (with an
 * optional e-mail subscription) and a CloudWatch dashboard. Wiring only; the
 * metrics come from the queues, the functions, the HTTP API and the EMF
 * metrics the handlers emit (namespace `Billhook`, dimension service=billhook).
 */
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { WebhookDelivery } from './webhook-delivery.ts';
import { METRICS, METRICS_NAMESPACE, METRICS_SERVICE, type MetricName } from '../metrics.ts';

export interface DeliveryMonitoringProps {
  /** The delivery system to watch. */
  readonly delivery: WebhookDelivery;
  /**
   * Address subscribed to the alarm topic (it must confirm the subscription).
   * @default - no subscription; subscribe to the `AlarmTopicArn` output yourself
   */
  readonly alarmEmail?: string;
  /**
   * Alarm when the oldest message on the deliveries queue is older than this.
   * @default 900 (deliveries are falling behind by 15 minutes)
   */
  readonly oldestMessageAgeSeconds?: number;
  /**
   * Alarm when this many deliveries are exhausted within 5 minutes.
   * @default 10
   */
  readonly exhaustedThreshold?: number;
  /**
   * Alarm when the sender fails (errors, not endpoint failures) this many times in 5 minutes.
   * @default 5
   */
  readonly senderErrorsThreshold?: number;
  /**
   * Alarm when the stats function fails this many times in 5 minutes.
   * @default 5
   */
  readonly statsErrorsThreshold?: number;
  /**
   * Alarm when the stats function is this many seconds behind the logs stream (iterator age).
   * @default 300
   */
  readonly statsLagSeconds?: number;
  /**
   * Dashboard name. Dashboards are global to the account, so the default
   * names the region too: the same stage deployed in two regions gets two.
   * @default `<stack name>-<region>`, e.g. `Billhook-dev-eu-west-1`
   */
  readonly dashboardName?: string;
  /**
   * What happens to the alarm topic's KMS key when it leaves the stack (a
   * destroyed key is deleted after a 7-day waiting period).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

const SERVICE = { service: METRICS_SERVICE };
const FIVE_MINUTES = Duration.minutes(5);

export class DeliveryMonitoring extends Construct {
  public readonly alarmTopic: sns.Topic;
  public readonly alarms: cloudwatch.Alarm[] = [];
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: DeliveryMonitoringProps) {
    super(scope, id);
    const d = props.delivery;
    const stack = Stack.of(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const key = new kms.Key(this, 'AlarmTopicKey', {
      enableKeyRotation: true,
      description: 'Encrypts Billhook alarm notifications',
      removalPolicy,
      ...(removalPolicy === RemovalPolicy.DESTROY ? { pendingWindow: Duration.days(7) } : {}),
    });
    key.grantEncryptDecrypt(new iam.ServicePrincipal('cloudwatch.amazonaws.com'));
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', { displayName: 'Billhook alarms', masterKey: key, enforceSSL: true });
    // A topic policy replaces SNS's default one, and enforceSSL's is a lone Deny: without
    // this Allow, CloudWatch could not publish and every alarm would fire into the void.
    this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisAccountsAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        },
      }),
    );
    if (props.alarmEmail) this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    const emf = (metricName: MetricName, statistic = 'Sum') => new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: SERVICE, statistic, period: FIVE_MINUTES });
    const alarm = (name: string, metric: cloudwatch.IMetric, threshold: number, description: string, comparison = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD) => {
      const a = new cloudwatch.Alarm(this, name, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: comparison,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(new actions.SnsAction(this.alarmTopic));
      a.addOkAction(new actions.SnsAction(this.alarmTopic));
      this.alarms.push(a);
      return a;
    };

    alarm(
      'DeliveriesDlqNotEmpty',
      d.queues.deliveriesDlq.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
      1,
      'Deliveries are in the dead-letter queue (exhausted, or unprocessable). Inspect GET /v1/dlq and GET /v1/tenants/{t}/deliveries?status=exhausted; fix the receiver, then POST /v1/dlq/redrive.',
    );
    alarm(
      'JobsDlqNotEmpty',
      d.queues.fanoutDlq.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
      1,
      'A fan-out, recover or operational-event job failed five times. Read the jobs function logs for the error; the event is stored, so a recover of the affected endpoints re-sends it.',
    );
    alarm(
      'DeliveriesFallingBehind',
      d.queues.deliveries.metricApproximateAgeOfOldestMessage({ period: FIVE_MINUTES, statistic: 'Maximum' }),
      props.oldestMessageAgeSeconds ?? 900,
      'The oldest delivery waiting on the queue is older than the threshold: the sender is throttled, failing, or outpaced. Check sender errors, throttles and concurrency.',
    );
    alarm(
      'SenderErrors',
      d.functions.sender.metricErrors({ period: FIVE_MINUTES }),
      props.senderErrorsThreshold ?? 5,
      'The sender function failed (not an endpoint failure: a crash or timeout). Its logs name the error; messages are retried by SQS and end in the DLQ after 5 receives.',
    );
    alarm(
      'SenderThrottles',
      d.functions.sender.metricThrottles({ period: FIVE_MINUTES }),
      1,
      'The sender is throttled by Lambda concurrency. Raise the account or function concurrency, or the event source maximum concurrency.',
    );
    alarm(
      'ApiServerErrors',
      new cloudwatch.MathExpression({
        // The handlers answer a failure with a 5xx rather than crash, so count answers, not Lambda errors.
        expression: '100 * errors / MAX([requests, 1])',
        usingMetrics: {
          errors: d.httpApi.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
          requests: d.httpApi.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' }),
        },
        period: FIVE_MINUTES,
        label: 'API 5xx rate (%)',
      }),
      1,
      'More than 1 % of API requests (event submissions included) answered 5xx: billing events may not be accepted. Read the ingest and api logs (request failed) at once.',
    );
    alarm(
      'DeliveriesExhausted',
      emf(METRICS.deliveriesExhausted),
      props.exhaustedThreshold ?? 10,
      'Deliveries are running out of retries. Find the failing endpoints (GET /v1/tenants/{t}/deliveries?status=exhausted) and their last errors; recover them once fixed.',
    );
    alarm(
      'SchedulerTargetErrors',
      new cloudwatch.Metric({ namespace: 'AWS/Scheduler', metricName: 'TargetErrorCount', dimensionsMap: { ScheduleGroup: d.scheduleGroup.ref }, statistic: 'Sum', period: FIVE_MINUTES }),
      1,
      'EventBridge Scheduler could not send a long retry back to the deliveries queue. Check the scheduler role and the queue policy; affected deliveries show failed with a past nextAttemptAt: recover them.',
    );

    const schedulerMetric = (metricName: string) =>
      new cloudwatch.Metric({ namespace: 'AWS/Scheduler', metricName, dimensionsMap: { ScheduleGroup: d.scheduleGroup.ref }, statistic: 'Sum', period: FIVE_MINUTES });
    alarm(
      'SchedulerInvocationsDropped',
      schedulerMetric('InvocationDroppedCount'),
      1,
      'EventBridge Scheduler dropped a long retry (it could not send it and had no dead-letter queue to keep it in). The delivery shows failed with a past nextAttemptAt: recover its endpoint.',
    );
    alarm(
      'SchedulerDlqNotEmpty',
      d.queues.schedulerDlq.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
      1,
      'Long retries that EventBridge Scheduler could not send to the deliveries queue are parked in the scheduler DLQ. Fix the cause (scheduler role, queue), then move them back: aws sqs start-message-move-task --source-arn <SchedulerDlq ARN> --destination-arn <DeliveriesQueue ARN>.',
    );

    // Stats: the charts' counters. A failing batch is retried (split in two), so errors alone mean delay, not loss;
    // loss is a batch reported to the stats DLQ, and a lag is the stream's iterator age.
    alarm(
      'StatsErrors',
      d.functions.stats.metricErrors({ period: FIVE_MINUTES }),
      props.statsErrorsThreshold ?? 5,
      'The stats function failed on batches of the logs stream (its logs name the error). They are retried, split in two, up to 10 times; the charts lag meanwhile. Deliveries are not affected.',
    );
    alarm(
      'StatsFallingBehind',
      new cloudwatch.Metric({ namespace: 'AWS/Lambda', metricName: 'IteratorAge', dimensionsMap: { FunctionName: d.functions.stats.functionName }, statistic: 'Maximum', period: FIVE_MINUTES }),
      (props.statsLagSeconds ?? 300) * 1000,
      'The stats function is behind the logs stream by more than the threshold: the charts are late. Check its errors and throttles; records older than 6 h are given up (StatsDlqNotEmpty).',
    );
    alarm(
      'StatsDlqNotEmpty',
      d.queues.statsDlq.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
      1,
      'The stats function gave up on a batch of the logs stream: the attempts in it are missing from the charts (the delivery log still has them). Each message names the shard and sequence numbers; read the function logs for the cause.',
    );
    alarm(
      'StatsOvercounted',
      emf(METRICS.statsOvercounted),
      1,
      'A failed stats batch could not take back the counts it had written before failing, so its retry counted some attempts twice: the charts of that hour are high by at most the metric value. Deliveries are not affected.',
    );

    const fnWidgets = (['ingest', 'api', 'sender', 'fanout', 'stats'] as const).map(
      (k) =>
        new cloudwatch.GraphWidget({
          title: `${k}: errors, throttles, duration p99`,
          left: [d.functions[k].metricErrors(), d.functions[k].metricThrottles()],
          right: [d.functions[k].metricDuration({ statistic: 'p99' })],
          width: k === 'stats' ? 12 : 6,
        }),
    );
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? `${stack.stackName}-${stack.region}`,
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Deliveries by outcome',
            left: [METRICS.deliveriesSucceeded, METRICS.deliveriesFailed, METRICS.deliveriesExhausted, METRICS.deliveriesDeferred, METRICS.deliveriesSkipped].map((m) => emf(m)),
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Attempt latency (ms)',
            left: ['p50', 'p95', 'p99'].map((p) => emf(METRICS.attemptLatency, p)),
            width: 12,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Deliveries queue: depth and age of oldest (s)',
            left: [d.queues.deliveries.metricApproximateNumberOfMessagesVisible()],
            right: [d.queues.deliveries.metricApproximateAgeOfOldestMessage()],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Dead-letter queues',
            left: [d.queues.deliveriesDlq, d.queues.fanoutDlq, d.queues.schedulerDlq].map((q) => q.metricApproximateNumberOfMessagesVisible()),
            width: 12,
          }),
        ],
        [
          new cloudwatch.GraphWidget({ title: 'Events accepted and fan-out size', left: [emf(METRICS.eventsAccepted)], right: [emf(METRICS.fanoutSize, 'Average')], width: 12 }),
          new cloudwatch.GraphWidget({ title: 'API requests and server errors', left: [emf(METRICS.requests), emf(METRICS.serverErrors)], right: [emf(METRICS.queueLag, 'p99')], width: 12 }),
        ],
        fnWidgets.slice(0, 4),
        [
          fnWidgets[4]!,
          new cloudwatch.GraphWidget({
            title: 'Stats: attempts counted, and how far behind the logs stream (ms)',
            left: [emf(METRICS.statsAttemptsCounted), emf(METRICS.statsDeltasWritten)],
            right: [new cloudwatch.Metric({ namespace: 'AWS/Lambda', metricName: 'IteratorAge', dimensionsMap: { FunctionName: d.functions.stats.functionName }, statistic: 'Maximum' })],
            width: 12,
          }),
        ],
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 })],
      ],
    });
  }
}
