/**
 * `WebhookDelivery`: every AWS resource Billhook needs to take billing events
 * in over HTTP and deliver them, signed and retried, to customer endpoints.
 *
 * Tables, queues and routes come from lib/definitions.ts (the same data local
 * mode uses), so the stack and `npm start` cannot drift; what the functions
 * are told is a partial `Config`, written by `toEnvironment` (lib/config.ts),
 * the one writer of what they read. The construct only wires, from the
 * parts in lib/infra/delivery/: storage, queues, the retry scheduler, the
 * functions and their permissions, and the HTTP API.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { RemovalPolicy } from 'aws-cdk-lib';
import type { HttpApi, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULT_CONFIG, loadConfig, toEnvironment, type ConfigInput } from '../config.ts';
import type { EventTypeDef } from '../core/event-types.ts';
import type { CONSUMERS, QueueKey, TableKey } from '../definitions.ts';
import { addQueueConsumers, addStreamConsumers, buildFunctions, REPO_ROOT, type FunctionKey } from './delivery/functions.ts';
import { buildHttpApi, type ThrottleProps } from './delivery/http-api.ts';
import { grantFunctionPermissions, READS_ADMIN_KEY } from './delivery/permissions.ts';
import { buildQueues } from './delivery/queues.ts';
import { buildRetryScheduler } from './delivery/scheduler.ts';
import { buildAdminKeySecret, buildTables } from './delivery/storage.ts';

export type { TableKey } from '../definitions.ts';
export { DEFAULT_INGEST_RESERVED_CONCURRENCY, DEFAULT_MEMORY_MB, FUNCTION_KEYS, REPO_ROOT, type FunctionKey } from './delivery/functions.ts';
export { DEFAULT_THROTTLE, type ThrottleProps } from './delivery/http-api.ts';
export { ESM_REQUIRE_BANNER } from './bundling.ts';

export interface WebhookDeliveryProps {
  /**
   * Delays in seconds before each retry that follows the first, immediate
   * attempt (`[5, 300]` means three attempts in all). Endpoints may override it.
   *
   * @default - DEFAULT_CONFIG.retrySchedule from lib/config.ts (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h)
   */
  readonly retrySchedule?: readonly number[];

  /**
   * Days an item of the delivery log (a delivery and its attempts) is kept
   * before DynamoDB TTL removes it (env `BILLHOOK_LOG_RETENTION_DAYS`), 1–3650.
   *
   * @default - DEFAULT_CONFIG.logRetentionDays from lib/config.ts (30)
   */
  readonly logRetentionDays?: number;

  /**
   * Days a stored event is kept before DynamoDB TTL removes it
   * (env `BILLHOOK_EVENT_RETENTION_DAYS`), 1–3650; replays and reconciliation reach back this far.
   *
   * @default - DEFAULT_CONFIG.eventRetentionDays from lib/config.ts (90)
   */
  readonly eventRetentionDays?: number;

  /**
   * Number of matching endpoints above which ingest hands the routing of an
   * event to the fan-out queue instead of enqueuing every delivery itself
   * (env `BILLHOOK_FANOUT_THRESHOLD`), at least 1.
   *
   * @default - DEFAULT_CONFIG.fanoutThreshold from lib/config.ts (50)
   */
  readonly fanoutThreshold?: number;

  /**
   * Event types added to the built-in catalogue (env `BILLHOOK_EXTRA_EVENT_TYPES`).
   * Types look like `usage.reported`; descriptions may not contain commas.
   *
   * @default - the built-in catalogue only
   */
  readonly extraEventTypes?: readonly EventTypeDef[];

  /**
   * CIDR ranges of private addresses that endpoints may nevertheless resolve to
   * (env `BILLHOOK_ALLOW_PRIVATE_CIDRS`), e.g. a peered VPC receiving webhooks.
   * Loopback, link-local and metadata addresses stay blocked.
   *
   * @default - none: every private address is refused
   */
  readonly allowPrivateCidrs?: readonly string[];

  /**
   * The customer portal's branding (env `BILLHOOK_PORTAL_PRODUCT_NAME`,
   * `BILLHOOK_PORTAL_ACCENT_COLOR`): the product name is the page title, the
   * accent a `#rrggbb` colour.
   *
   * @default - DEFAULT_CONFIG.portalBranding from lib/config.ts ({ productName: 'Billhook', accentColor: '#1f5fbf' })
   */
  readonly portalBranding?: { readonly productName?: string; readonly accentColor?: string };

  /**
   * Base URL that portal links (`POST …/portal-sessions`) point to, e.g. a
   * custom domain in front of the HTTP API (env `BILLHOOK_PUBLIC_URL`).
   *
   * @default - `https://` and the Host header of the request that created the session
   */
  readonly publicUrl?: string;

  /**
   * What happens to the tables, the admin key secret and the log groups when
   * they leave the stack. Queues hold only in-flight work and are always deleted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * DynamoDB deletion protection on the tables.
   *
   * @default - true when `removalPolicy` is RETAIN, false otherwise (so a
   * development stack created with DESTROY can really be destroyed)
   */
  readonly deletionProtection?: boolean;

  /**
   * Throttling of the HTTP API's `$default` stage.
   *
   * @default { rateLimit: 1000, burstLimit: 2000 }
   */
  readonly throttle?: ThrottleProps;

  /**
   * Retention of the CloudWatch log groups of the functions and of the API access log.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly cloudWatchLogRetention?: logs.RetentionDays;

  /**
   * Memory (MB) per function.
   *
   * @default 512 for each function
   */
  readonly memorySizeMb?: Partial<Record<FunctionKey, number>>;

  /**
   * Concurrency reserved for the ingest function: billing events are accepted
   * even while the sender drains a backlog on an account with a low quota.
   * Reserved concurrency is also ingest's ceiling, so size it for the API's
   * rate × ingest's duration (1000 req/s × ~100 ms ≈ 100). 0 reserves nothing
   * (needed on accounts whose concurrency quota is below this + 100, the
   * unreserved minimum Lambda keeps).
   *
   * @default 100
   */
  readonly ingestReservedConcurrency?: number;

  /**
   * Most concurrent invocations each queue consumer's event source starts
   * (SQS event source `maximumConcurrency`, 2–1000): bounds how much of the
   * account's concurrency a backlog can take.
   *
   * @default - CONSUMERS in lib/definitions.ts: sender 50, retries 5, fanout 10
   */
  readonly consumerMaxConcurrency?: Partial<Record<keyof typeof CONSUMERS, number>>;

  /**
   * Version reported in the `user-agent` of outbound webhooks (env `BILLHOOK_VERSION`).
   *
   * @default - the `version` of the repository's package.json
   */
  readonly version?: string;

  /**
   * Where handler entries (`lambdas/<name>/handler.ts`), package-lock.json and
   * tsconfig.json are found.
   *
   * @default - the repository this file belongs to
   */
  readonly projectRoot?: string;
}

/**
 * Billhook's delivery pipeline: an HTTP API in front of an `ingest` function
 * (hot path) and an `api` function (everything else), SQS queues with
 * dead-letter queues feeding the `sender` and `fanout` functions, the logs
 * table's stream feeding the `stats` function, the DynamoDB tables and the
 * admin key secret.
 *
 * @example
 * const delivery = new WebhookDelivery(stack, 'Delivery', {
 *   retrySchedule: [5, 60, 600],
 *   removalPolicy: RemovalPolicy.DESTROY,
 * });
 * new CfnOutput(stack, 'ApiUrl', { value: delivery.apiUrl });
 */
export class WebhookDelivery extends Construct {
  /** The DynamoDB tables, keyed as in TABLES. */
  public readonly tables: Readonly<Record<TableKey, dynamodb.Table>>;
  /** The SQS queues, keyed as in QUEUES. */
  public readonly queues: Readonly<Record<QueueKey, sqs.Queue>>;
  /** The Lambda functions. */
  public readonly functions: Readonly<Record<FunctionKey, NodejsFunction>>;
  /** The functions' execution roles (explicit, so no AWS managed policy is attached). */
  public readonly roles: Readonly<Record<FunctionKey, iam.Role>>;
  /** The HTTP API. */
  public readonly httpApi: HttpApi;
  /** The `$default` stage, throttled and access-logged. */
  public readonly stage: HttpStage;
  /** Base URL of the API, ending in `/`. */
  public readonly apiUrl: string;
  /** The generated admin API key (a plain string secret). */
  public readonly adminKeySecret: secretsmanager.Secret;
  /** The API access log. */
  public readonly accessLogGroup: logs.LogGroup;
  /** Schedule group for retries beyond SQS's 900 s delay, and the role its schedules assume. */
  public readonly scheduleGroup: scheduler.CfnScheduleGroup;
  public readonly schedulerRole: iam.Role;

  constructor(scope: Construct, id: string, props: WebhookDeliveryProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const logging = { cloudWatchLogRetention: props.cloudWatchLogRetention, removalPolicy };
    const settings = deploymentSettings(props);

    // Every part adds its resources to this construct, under the ids they always had.
    this.tables = buildTables(this, { removalPolicy, deletionProtection: props.deletionProtection });
    this.queues = buildQueues(this);
    this.adminKeySecret = buildAdminKeySecret(this, { removalPolicy });
    const retryScheduler = buildRetryScheduler(this, { target: this.queues.retries, deadLetterQueue: this.queues.schedulerDlq });
    this.scheduleGroup = retryScheduler.scheduleGroup;
    this.schedulerRole = retryScheduler.schedulerRole;

    const adminKey: ConfigInput = { adminKeySecretArn: this.adminKeySecret.secretArn };
    const built = buildFunctions(this, {
      ...logging,
      settings: { ...settings, tables: mapRecord(this.tables, (t) => t.tableName), queues: mapRecord(this.queues, (q) => q.queueUrl) },
      settingsOf: {
        ...Object.fromEntries(READS_ADMIN_KEY.map((key) => [key, adminKey])),
        sender: { scheduler: { group: this.scheduleGroup.ref, roleArn: this.schedulerRole.roleArn, queueArn: this.queues.retries.queueArn, deadLetterArn: this.queues.schedulerDlq.queueArn } },
      },
      projectRoot: props.projectRoot,
      memorySizeMb: props.memorySizeMb,
      ingestReservedConcurrency: props.ingestReservedConcurrency,
    });
    this.functions = built.functions;
    this.roles = built.roles;
    grantFunctionPermissions({ roles: this.roles, tables: this.tables, queues: this.queues, adminKeySecret: this.adminKeySecret, retryScheduler });
    addQueueConsumers({ functions: this.functions, queues: this.queues, maxConcurrency: props.consumerMaxConcurrency });
    addStreamConsumers({ functions: this.functions, roles: this.roles, tables: this.tables, queues: this.queues });

    const api = buildHttpApi(this, { ...logging, ingest: this.functions.ingest, api: this.functions.api, throttle: props.throttle });
    this.httpApi = api.httpApi;
    this.stage = api.stage;
    this.accessLogGroup = api.accessLogGroup;
    this.apiUrl = this.stage.url;
  }
}

/**
 * What every function is told, as a partial `Config`: the settings the stack
 * pins whatever the code's defaults, checked at synth time by the very
 * parser the functions run (so its bounds are not restated here).
 */
function deploymentSettings(props: WebhookDeliveryProps): ConfigInput {
  const settings: ConfigInput = {
    retrySchedule: [...(props.retrySchedule ?? DEFAULT_CONFIG.retrySchedule)],
    logRetentionDays: props.logRetentionDays ?? DEFAULT_CONFIG.logRetentionDays,
    eventRetentionDays: props.eventRetentionDays ?? DEFAULT_CONFIG.eventRetentionDays,
    fanoutThreshold: props.fanoutThreshold ?? DEFAULT_CONFIG.fanoutThreshold,
    version: props.version ?? packageVersion(props.projectRoot ?? REPO_ROOT),
    ...(props.extraEventTypes?.length ? { extraEventTypes: [...props.extraEventTypes] } : {}),
    ...(props.allowPrivateCidrs?.length ? { outbound: { allowPrivateCidrs: [...props.allowPrivateCidrs] } } : {}),
    ...(props.portalBranding && Object.keys(props.portalBranding).length ? { portalBranding: { ...props.portalBranding } } : {}),
    ...(props.publicUrl ? { publicUrl: props.publicUrl } : {}),
  };
  try {
    loadConfig(toEnvironment(settings));
  } catch (err) {
    throw new Error(`WebhookDelivery: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return settings;
}

function mapRecord<K extends string, V, W>(record: Readonly<Record<K, V>>, f: (v: V) => W): Record<K, W> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v as V)])) as Record<K, W>;
}

function packageVersion(root: string): string {
  try {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}
