/**
 * The deployable stack: reads its settings from CDK context (cdk.json or
 * `-c key=value`), builds one `WebhookDelivery` and prints what an operator
 * needs. Wiring only.
 */
import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { parseExtraEventTypes } from '../core/event-types.ts';
import { parseRetrySchedule } from '../core/retry-policy.ts';
import { QUEUES, TABLES, type QueueKey } from '../definitions.ts';
import { DeliveryMonitoring } from './delivery-monitoring.ts';
import { WebhookDelivery, type WebhookDeliveryProps } from './webhook-delivery.ts';

/**
 * Context keys read by the stack. Values from `-c` arrive as strings, values
 * from cdk.json may be numbers; both are accepted. Empty means "use the default".
 */
export const CONTEXT_KEYS = {
  stage: 'stage',
  cloudWatchLogRetentionDays: 'cloudWatchLogRetentionDays',
  alarmEmail: 'alarmEmail',
  retrySchedule: 'retrySchedule',
  logRetentionDays: 'logRetentionDays',
  eventRetentionDays: 'eventRetentionDays',
  fanoutThreshold: 'fanoutThreshold',
  extraEventTypes: 'extraEventTypes',
  allowPrivateCidrs: 'allowPrivateCidrs',
  removalPolicy: 'removalPolicy',
  throttleRateLimit: 'throttleRateLimit',
  throttleBurstLimit: 'throttleBurstLimit',
  ingestReservedConcurrency: 'ingestReservedConcurrency',
  senderMaxConcurrency: 'senderMaxConcurrency',
  fanoutMaxConcurrency: 'fanoutMaxConcurrency',
  portalProductName: 'portalProductName',
  portalAccentColor: 'portalAccentColor',
  publicUrl: 'publicUrl',
} as const;

export interface BillhookStackProps extends StackProps {
  /**
   * Deployment stage, e.g. `dev` or `prod`.
   *
   * @default - context `stage`, else `dev`
   */
  readonly stage?: string;
}

export class BillhookStack extends Stack {
  public readonly delivery: WebhookDelivery;
  public readonly monitoring: DeliveryMonitoring;
  public readonly stage: string;

  constructor(scope: Construct, id: string, props: BillhookStackProps = {}) {
    super(scope, id, props);
    this.stage = props.stage ?? (contextString(this, CONTEXT_KEYS.stage) || 'dev');

    const deliveryProps = deliveryPropsFromContext(this);
    this.delivery = new WebhookDelivery(this, 'Delivery', deliveryProps);
    const alarmEmail = contextString(this, CONTEXT_KEYS.alarmEmail);
    if (alarmEmail && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail)) throw new Error(`context ${CONTEXT_KEYS.alarmEmail}: "${alarmEmail}" is not an e-mail address`);
    this.monitoring = new DeliveryMonitoring(this, 'Monitoring', {
      delivery: this.delivery,
      ...(deliveryProps.removalPolicy ? { removalPolicy: deliveryProps.removalPolicy } : {}),
      ...(alarmEmail ? { alarmEmail } : {}),
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.alarmTopic.topicArn, description: 'SNS topic of the Billhook alarms' });
    new CfnOutput(this, 'CloudWatchDashboardUrl', {
      value: `https://${this.region}.console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${this.monitoring.dashboard.dashboardName}`,
      description: 'Operations dashboard',
    });

    new CfnOutput(this, 'Stage', { value: this.stage });
    new CfnOutput(this, 'ApiUrl', { value: this.delivery.apiUrl, description: 'Base URL of the Billhook HTTP API' });
    new CfnOutput(this, 'DashboardUrl', { value: `${this.delivery.apiUrl}dashboard`, description: 'Web dashboard (sign in with the admin key or a tenant key)' });
    new CfnOutput(this, 'AdminKeySecretArn', {
      value: this.delivery.adminKeySecret.secretArn,
      description: 'Secrets Manager secret holding the admin API key (aws secretsmanager get-secret-value --secret-id <arn>)',
    });
    for (const key of Object.keys(TABLES) as (keyof typeof TABLES)[]) {
      new CfnOutput(this, `${TABLES[key].id}Name`, { value: this.delivery.tables[key].tableName, description: `env ${TABLES[key].envVar}` });
    }
    for (const key of Object.keys(QUEUES) as QueueKey[]) {
      new CfnOutput(this, `${QUEUES[key].id}Url`, { value: this.delivery.queues[key].queueUrl, description: `env ${QUEUES[key].envVar}` });
    }
  }
}

/** Build `WebhookDeliveryProps` from the context of `scope`; unset keys keep the construct's defaults. */
export function deliveryPropsFromContext(scope: Construct): WebhookDeliveryProps {
  const props: { -readonly [K in keyof WebhookDeliveryProps]: WebhookDeliveryProps[K] } = {};

  const schedule = contextString(scope, CONTEXT_KEYS.retrySchedule);
  if (schedule) props.retrySchedule = parseRetrySchedule(schedule);

  const logDays = contextInt(scope, CONTEXT_KEYS.logRetentionDays);
  if (logDays !== undefined) props.logRetentionDays = logDays;
  const eventDays = contextInt(scope, CONTEXT_KEYS.eventRetentionDays);
  if (eventDays !== undefined) props.eventRetentionDays = eventDays;
  const threshold = contextInt(scope, CONTEXT_KEYS.fanoutThreshold);
  if (threshold !== undefined) props.fanoutThreshold = threshold;

  const extra = contextString(scope, CONTEXT_KEYS.extraEventTypes);
  if (extra) props.extraEventTypes = parseExtraEventTypes(extra);

  const cidrs = contextString(scope, CONTEXT_KEYS.allowPrivateCidrs);
  if (cidrs) props.allowPrivateCidrs = cidrs.split(',').map((s) => s.trim()).filter(Boolean);

  const removal = contextString(scope, CONTEXT_KEYS.removalPolicy).toLowerCase();
  if (removal) {
    if (removal !== 'retain' && removal !== 'destroy') throw new Error(`context ${CONTEXT_KEYS.removalPolicy}: expected "retain" or "destroy", got "${removal}"`);
    props.removalPolicy = removal === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
  }

  const cwDays = contextInt(scope, CONTEXT_KEYS.cloudWatchLogRetentionDays);
  if (cwDays !== undefined) {
    if (!Object.values(logs.RetentionDays).includes(cwDays as logs.RetentionDays)) {
      throw new Error(`context ${CONTEXT_KEYS.cloudWatchLogRetentionDays}: ${cwDays} is not a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, …)`);
    }
    props.cloudWatchLogRetention = cwDays as logs.RetentionDays;
  }

  const reserved = contextInt(scope, CONTEXT_KEYS.ingestReservedConcurrency);
  if (reserved !== undefined) props.ingestReservedConcurrency = reserved;
  const senderMax = contextInt(scope, CONTEXT_KEYS.senderMaxConcurrency);
  const fanoutMax = contextInt(scope, CONTEXT_KEYS.fanoutMaxConcurrency);
  if (senderMax !== undefined || fanoutMax !== undefined) {
    props.consumerMaxConcurrency = { ...(senderMax !== undefined ? { sender: senderMax } : {}), ...(fanoutMax !== undefined ? { fanout: fanoutMax } : {}) };
  }

  const productName = contextString(scope, CONTEXT_KEYS.portalProductName);
  const accentColor = contextString(scope, CONTEXT_KEYS.portalAccentColor);
  if (productName || accentColor) props.portalBranding = { ...(productName ? { productName } : {}), ...(accentColor ? { accentColor } : {}) };
  const publicUrl = contextString(scope, CONTEXT_KEYS.publicUrl);
  if (publicUrl) props.publicUrl = publicUrl;

  const rate = contextInt(scope, CONTEXT_KEYS.throttleRateLimit);
  const burst = contextInt(scope, CONTEXT_KEYS.throttleBurstLimit);
  if (rate !== undefined || burst !== undefined) {
    props.throttle = { rateLimit: rate ?? 1000, burstLimit: burst ?? Math.max(2000, rate ?? 0) };
  }
  return props;
}

function contextString(scope: Construct, key: string): string {
  const v: unknown = scope.node.tryGetContext(key);
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.join(',');
  return String(v).trim();
}

function contextInt(scope: Construct, key: string): number | undefined {
  const raw = contextString(scope, key);
  if (raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new Error(`context ${key}: expected an integer, got "${raw}"`);
  return n;
}
