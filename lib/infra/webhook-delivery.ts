/**
 * `WebhookDelivery`: every AWS resource Billhook needs to take billing events
 * in over HTTP and deliver them, signed and retried, to customer endpoints.
 *
 * Tables, queues and routes come from lib/definitions.ts (the same data local
 * mode uses), so the stack and `npm start` cannot drift. The construct only
 * wires; behaviour lives in lib/app and the handlers.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnResource, Duration, Lazy, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULT_CONFIG, loadConfig, toEnvironment, type ConfigInput } from '../config.ts';
import { externalModules, LAMBDA_BUNDLING, LAMBDA_SDK } from './bundling.ts';
import type { EventTypeDef } from '../core/event-types.ts';
import {
  CONSUMERS,
  FUNCTION_TIMEOUT_SECONDS,
  INGEST_ROUTES,
  QUEUES,
  TABLES,
  type KeyDef,
  type QueueKey,
  type TableDef,
  type TableKey,
} from '../definitions.ts';

/** The repository root: handler entries, package-lock.json and tsconfig.json live here. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The four Lambda functions, by the folder name of their handler under lambdas/. */
export type FunctionKey = 'ingest' | 'api' | 'sender' | 'fanout';
export const FUNCTION_KEYS: readonly FunctionKey[] = ['ingest', 'api', 'sender', 'fanout'];

export type { TableKey } from '../definitions.ts';

/** Rate limits for the HTTP API's default stage (per account and region, shared by all routes). */
export interface ThrottleProps {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Requests allowed in a burst above the steady rate. */
  readonly burstLimit: number;
}

export interface WebhookDeliveryProps {
  /**
   * Delays in seconds before each retry that follows the first, immediate
   * attempt (`[5, 300]` means three attempts in all). Endpoints may override it.
   *
   * @default DEFAULT_RETRY_SCHEDULE from lib/core/retry-policy.ts (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h)
   */
  readonly retrySchedule?: readonly number[];

  /**
   * Days an item of the delivery log (a delivery and its attempts) is kept
   * before DynamoDB TTL removes it (env `BILLHOOK_LOG_RETENTION_DAYS`).
   *
   * @default 30
   */
  readonly logRetentionDays?: number;

  /**
   * Days a stored event is kept before DynamoDB TTL removes it
   * (env `BILLHOOK_EVENT_RETENTION_DAYS`); replays and reconciliation reach back this far.
   *
   * @default 90
   */
  readonly eventRetentionDays?: number;

  /**
   * Number of matching endpoints above which ingest hands the routing of an
   * event to the fan-out queue instead of enqueuing every delivery itself
   * (env `BILLHOOK_FANOUT_THRESHOLD`).
   *
   * @default 50
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
   * What happens to the tables, the admin key secret and the log groups when
   * they leave the stack. Queues hold only in-flight work and are always deleted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * DynamoDB deletion protection on the three tables.
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

export const DEFAULT_THROTTLE: ThrottleProps = { rateLimit: 1000, burstLimit: 2000 };
export const DEFAULT_MEMORY_MB = 512;
export const DEFAULT_INGEST_RESERVED_CONCURRENCY = 100;

export { ESM_REQUIRE_BANNER } from './bundling.ts';

/** DynamoDB actions each function needs, per table. Index ARNs are added for Query. */
const TABLE_ACCESS: Record<FunctionKey, Partial<Record<TableKey, readonly string[]>>> = {
  ingest: {
    entities: ['dynamodb:GetItem', 'dynamodb:Query'],
    // BatchGetItem: a batch's replays are found in one read per 100 keys.
    events: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem'],
  },
  api: {
    entities: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'],
    // PutItem: test events sent from the api are stored like ingested ones. BatchGetItem: listing
    // events reads the page's items (the index holds keys and type only).
    events: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem'],
    logs: ['dynamodb:GetItem', 'dynamodb:Query'],
  },
  sender: {
    // The endpoint cache reads endpoints; health counters and disabling are in-place UpdateItems.
    entities: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    // Attempts are logged by one conditional UpdateItem; a retry first reads the delivery.
    logs: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    // Rate slots (UpdateItem) and concurrency leases (PutItem, DeleteItem): conditional writes only.
    limits: ['dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
  },
  fanout: {
    entities: ['dynamodb:GetItem', 'dynamodb:Query'],
    // Recover steps read deliveries (byEndpoint index) and their events; operational events are ingested.
    events: ['dynamodb:GetItem', 'dynamodb:PutItem'],
    logs: ['dynamodb:Query'],
  },
};

/** Queues each function sends to (consuming is granted by the event source). */
const QUEUE_SENDS: Record<FunctionKey, readonly QueueKey[]> = {
  ingest: ['deliveries', 'fanout'],
  // fanout: recover and drain jobs; retries: a drain's paced re-sends.
  api: ['deliveries', 'retries', 'fanout'],
  // retries: unordered retries and deferrals; fanout: operational events (endpoint.disabled, …) are emitted as jobs.
  sender: ['deliveries', 'retries', 'deliveriesDlq', 'fanout'],
  fanout: ['deliveries', 'retries', 'fanout'],
};

/** Functions that authenticate callers and so read the admin key. */
const READS_ADMIN_KEY: readonly FunctionKey[] = ['ingest', 'api'];

/**
 * Billhook's delivery pipeline: an HTTP API in front of an `ingest` function
 * (hot path) and an `api` function (everything else), SQS queues with
 * dead-letter queues feeding the `sender` and `fanout` functions, three
 * DynamoDB tables and the admin key secret.
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

    const throttle = props.throttle ?? DEFAULT_THROTTLE;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const deletionProtection = props.deletionProtection ?? removalPolicy === RemovalPolicy.RETAIN;
    const cloudWatchLogRetention = props.cloudWatchLogRetention ?? logs.RetentionDays.ONE_MONTH;
    const projectRoot = props.projectRoot ?? REPO_ROOT;
    const ingestReservedConcurrency = props.ingestReservedConcurrency ?? DEFAULT_INGEST_RESERVED_CONCURRENCY;
    validateConcurrency(ingestReservedConcurrency, props.consumerMaxConcurrency ?? {});
    if (!(throttle.rateLimit > 0) || !(throttle.burstLimit > 0)) throw new Error(`throttle: rateLimit and burstLimit must be positive, got ${JSON.stringify(throttle)}`);
    // What every function is told, as a partial Config: the settings the stack pins, whatever the code's defaults.
    const settings: ConfigInput = {
      retrySchedule: [...(props.retrySchedule ?? DEFAULT_CONFIG.retrySchedule)],
      logRetentionDays: props.logRetentionDays ?? DEFAULT_CONFIG.logRetentionDays,
      eventRetentionDays: props.eventRetentionDays ?? DEFAULT_CONFIG.eventRetentionDays,
      fanoutThreshold: props.fanoutThreshold ?? DEFAULT_CONFIG.fanoutThreshold,
      version: props.version ?? packageVersion(projectRoot),
      ...(props.extraEventTypes?.length ? { extraEventTypes: [...props.extraEventTypes] } : {}),
      ...(props.allowPrivateCidrs?.length ? { outbound: { allowPrivateCidrs: [...props.allowPrivateCidrs] } } : {}),
    };
    checkSettings(settings);

    // --- Storage -----------------------------------------------------------
    this.tables = {
      entities: this.table(TABLES.entities, removalPolicy, deletionProtection),
      events: this.table(TABLES.events, removalPolicy, deletionProtection),
      logs: this.table(TABLES.logs, removalPolicy, deletionProtection),
      limits: this.table(TABLES.limits, removalPolicy, deletionProtection),
    };

    // Dead-letter queues first: the main queues' redrive policies point at them.
    const queues: Partial<Record<QueueKey, sqs.Queue>> = {};
    const order = (Object.keys(QUEUES) as QueueKey[]).sort((a, b) => Number(QUEUES[a].deadLetterQueue !== undefined) - Number(QUEUES[b].deadLetterQueue !== undefined));
    for (const key of order) {
      const def = QUEUES[key];
      const dlq = def.deadLetterQueue ? queues[def.deadLetterQueue] : undefined;
      if (def.deadLetterQueue && !dlq) throw new Error(`queue ${key}: dead-letter queue ${def.deadLetterQueue} is not defined`);
      queues[key] = new sqs.Queue(this, def.id, {
        ...(def.fifo
          ? { fifo: true, deduplicationScope: sqs.DeduplicationScope.MESSAGE_GROUP, fifoThroughputLimit: sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID }
          : {}),
        visibilityTimeout: Duration.seconds(def.visibilityTimeoutSeconds),
        retentionPeriod: Duration.seconds(def.retentionSeconds),
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        ...(dlq ? { deadLetterQueue: { queue: dlq, maxReceiveCount: def.maxReceiveCount ?? 5 } } : {}),
      });
    }
    this.queues = queues as Record<QueueKey, sqs.Queue>;

    this.adminKeySecret = new secretsmanager.Secret(this, 'AdminKey', {
      description: 'Billhook admin API key (Bearer token for every route and tenant).',
      generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
      removalPolicy,
    });
    Validations.of(this.adminKeySecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The admin key is a bearer token held by the billing platform; rotating it automatically would lock that client out. ' +
        'It is rotated by hand (new secret version, then client update); the functions re-read it on cold start.',
    });

    // --- Retry scheduler (delays beyond 900 s) --------------------------------
    this.scheduleGroup = new scheduler.CfnScheduleGroup(this, 'RetrySchedules', {});
    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
      description: 'Assumed by one-shot retry schedules: may only send to the retries queue',
    });
    // The target, and the target's dead-letter queue (Scheduler writes it with this role too).
    this.schedulerRole.addToPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queues.retries.queueArn, this.queues.schedulerDlq.queueArn] }));
    Validations.of(this.queues.schedulerDlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is a dead-letter queue itself: the target DLQ of the retry schedules (Scheduler DeadLetterConfig, set per schedule at run time), not a queue redriven by SQS.',
    });

    // --- Functions -----------------------------------------------------------
    const shared: ConfigInput = {
      ...settings,
      tables: mapRecord(this.tables, (t) => t.tableName),
      queues: mapRecord(this.queues, (q) => q.queueUrl),
    };

    const roles: Partial<Record<FunctionKey, iam.Role>> = {};
    const functions: Partial<Record<FunctionKey, NodejsFunction>> = {};
    for (const key of FUNCTION_KEYS) {
      const name = pascal(key);
      const logGroup = new logs.LogGroup(this, `${name}LogGroup`, { retention: cloudWatchLogRetention, removalPolicy });
      const role = new iam.Role(this, `${name}Role`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `Billhook ${key} function`,
      });
      // Instead of AWSLambdaBasicExecutionRole: write to this function's own log group only.
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
      );
      const fn = new NodejsFunction(this, `${name}Function`, {
        entry: path.join(projectRoot, 'lambdas', key, 'handler.ts'),
        handler: 'handler',
        projectRoot,
        depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
        runtime: lambda.Runtime.NODEJS_22_X,
        architecture: lambda.Architecture.ARM_64,
        memorySize: props.memorySizeMb?.[key] ?? DEFAULT_MEMORY_MB,
        timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS[key]),
        tracing: lambda.Tracing.ACTIVE,
        ...(key === 'ingest' && ingestReservedConcurrency > 0 ? { reservedConcurrentExecutions: ingestReservedConcurrency } : {}),
        role,
        logGroup,
        environment: {
          NODE_OPTIONS: '--enable-source-maps',
          ...toEnvironment({
            ...shared,
            ...(READS_ADMIN_KEY.includes(key) ? { adminKeySecretArn: this.adminKeySecret.secretArn } : {}),
            ...(key === 'sender'
              ? {
                  scheduler: {
                    group: this.scheduleGroup.ref,
                    roleArn: this.schedulerRole.roleArn,
                    queueArn: this.queues.retries.queueArn,
                    deadLetterArn: this.queues.schedulerDlq.queueArn,
                  },
                }
              : {}),
          }),
        },
        bundling: {
          // The settings `npm run build` uses too (lib/infra/bundling.ts), so local mode can run what ships.
          format: OutputFormat.ESM,
          minify: LAMBDA_BUNDLING.minify,
          sourceMap: LAMBDA_BUNDLING.sourcemap,
          // Stack traces resolve through the map's mappings; the original sources need not ship.
          sourcesContent: false,
          target: LAMBDA_BUNDLING.target,
          mainFields: [...LAMBDA_BUNDLING.mainFields],
          banner: LAMBDA_BUNDLING.banner,
          // The AWS SDK is bundled (LAMBDA_SDK says why): [] overrides NodejsFunction's default of leaving it to the runtime.
          externalModules: externalModules(LAMBDA_SDK),
          forceDockerBundling: false,
          // The api function serves the web dashboard from `dashboard/` beside its bundle.
          ...(key === 'api'
            ? {
                commandHooks: {
                  beforeBundling: () => [],
                  beforeInstall: () => [],
                  afterBundling: (inputDir: string, outputDir: string) => [`cd "${inputDir}" && npx --no-install tsx bin/build-dashboard.ts "${outputDir}/dashboard"`],
                },
              }
            : {}),
        },
      });
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          'nodejs22.x is pinned on purpose: bundles target node22 and the code is tested on Node 20/22 (nodejs24.x is not yet verified for this app). ' +
          'Moving to a newer runtime is a deliberate upgrade, not a synth-time default.',
      });
      // Tracing.ACTIVE adds xray:PutTraceSegments/PutTelemetryRecords on "*" to the role's default policy.
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions; "*" is the only valid resource (added by Tracing.ACTIVE).',
      });
      dropRedundantRoleDependency(fn, role);
      roles[key] = role;
      functions[key] = fn;
    }
    this.roles = roles as Record<FunctionKey, iam.Role>;
    this.functions = functions as Record<FunctionKey, NodejsFunction>;

    // --- Least-privilege grants ---------------------------------------------
    for (const key of FUNCTION_KEYS) {
      const role = this.roles[key];
      for (const [tableKey, actions] of Object.entries(TABLE_ACCESS[key]) as [TableKey, readonly string[]][]) {
        this.grantTable(role, tableKey, actions);
      }
      const sendTo = QUEUE_SENDS[key].map((q) => this.queues[q].queueArn);
      if (sendTo.length) role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: sendTo }));
      if (READS_ADMIN_KEY.includes(key)) {
        role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [this.adminKeySecret.secretArn] }));
      }
    }
    // The sender creates one-shot schedules in its group, handing them the scheduler role only.
    this.roles.sender.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['scheduler:CreateSchedule'],
        resources: [Stack.of(this).formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${this.scheduleGroup.ref}/*` })],
      }),
    );
    Validations.of(this.roles.sender).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/<${Stack.of(this).getLogicalId(this.scheduleGroup)}>/*]`,
      reason:
        'Retry schedules are created at run time, one per delivery attempt, with names not known at deploy time; "*" covers only schedules in Billhook\'s own group, with CreateSchedule as the sole action.',
    });
    this.roles.sender.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    // The api reads the dead-letter queues for their depth and redrive (moving messages back to the deliveries queue).
    this.roles.api.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
        resources: [this.queues.deliveriesDlq.queueArn, this.queues.retriesDlq.queueArn],
      }),
    );

    // --- Queue consumers ---------------------------------------------------
    // The event source's grant includes ChangeMessageVisibility, which holds a message in its lane.
    for (const [name, c] of Object.entries(CONSUMERS) as [keyof typeof CONSUMERS, (typeof CONSUMERS)[keyof typeof CONSUMERS]][]) {
      this.functions[c.function].addEventSource(
        new SqsEventSource(this.queues[c.queue], {
          batchSize: c.batchSize,
          maxConcurrency: props.consumerMaxConcurrency?.[name] ?? c.maxConcurrency,
          reportBatchItemFailures: true,
          ...(c.maxBatchingWindowSeconds > 0 ? { maxBatchingWindow: Duration.seconds(c.maxBatchingWindowSeconds) } : {}),
        }),
      );
    }

    // --- HTTP API --------------------------------------------------------------
    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'Billhook webhook delivery API',
      createDefaultStage: false,
      // Everything that is not an ingest route goes to the api function, which routes itself.
      defaultIntegration: new HttpLambdaIntegration('ApiIntegration', this.functions.api),
    });
    const ingestIntegration = new HttpLambdaIntegration('IngestIntegration', this.functions.ingest);
    for (const route of INGEST_ROUTES) {
      this.httpApi.addRoutes({ path: route.path, methods: [route.method as HttpMethod], integration: ingestIntegration });
    }

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogGroup', { retention: cloudWatchLogRetention, removalPolicy });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: throttle.rateLimit, burstLimit: throttle.burstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        // No headers: the Authorization header must never reach a log.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            method: '$context.httpMethod',
            path: '$context.path',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    this.apiUrl = this.stage.url;

    // Routes carry no gateway authorizer: the functions check Bearer keys themselves.
    Validations.of(this.httpApi).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Authorization is enforced in the ingest and api functions (Bearer admin key from Secrets Manager, or hashed tenant keys scoped per tenant, per API.md); ' +
        'a gateway authorizer cannot express tenant scoping, and /v1/health and /openapi.json are public by contract.',
    });
  }

  private table(def: TableDef, removalPolicy: RemovalPolicy, deletionProtection: boolean): dynamodb.Table {
    const table = new dynamodb.Table(this, def.id, {
      partitionKey: attribute(def.partitionKey),
      ...(def.sortKey ? { sortKey: attribute(def.sortKey) } : {}),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection,
      removalPolicy,
      ...(def.ttlAttribute ? { timeToLiveAttribute: def.ttlAttribute } : {}),
    });
    for (const index of def.indexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
        ...(index.include
          ? { projectionType: dynamodb.ProjectionType.INCLUDE, nonKeyAttributes: [...index.include] }
          : { projectionType: dynamodb.ProjectionType.ALL }),
      });
    }
    return table;
  }

  /** Grant exactly `actions` on the table; Query also on its indexes, which need their own ARN. */
  private grantTable(role: iam.Role, key: TableKey, actions: readonly string[]): void {
    const table = this.tables[key];
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...actions], resources: [table.tableArn] }));
    if (actions.includes('dynamodb:Query') && TABLES[key].indexes.length > 0) {
      const indexArn = `${table.tableArn}/index/*`;
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [indexArn] }));
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(table.node.defaultChild as dynamodb.CfnTable)}.Arn>/index/*]`,
        reason: `Query on the ${key} table's global secondary indexes, which are addressed by index ARN; "*" covers only that table's indexes, with Query as the sole action.`,
      });
    }
  }
}

/**
 * A function depends on its role twice: through `Role: !GetAtt` and through
 * the DependsOn CDK adds for the role construct (role and default policy).
 * Keep only the default policy (its grants must exist before the first
 * invocation); the role is already ordered by the GetAtt (cfn-lint W3005).
 */
function dropRedundantRoleDependency(fn: NodejsFunction, role: iam.Role): void {
  const cfnFn = fn.node.defaultChild as lambda.CfnFunction;
  const cfnRole = role.node.defaultChild as iam.CfnRole;
  cfnFn.addOverride(
    'DependsOn',
    Lazy.list({ produce: () => cfnFn.obtainDependencies().filter((d) => d !== cfnRole).map((d) => Stack.of(fn).getLogicalId(d as CfnResource)).sort() }, { omitEmpty: true }),
  );
}

function validateConcurrency(ingestReserved: number, consumers: Partial<Record<string, number>>): void {
  if (!Number.isInteger(ingestReserved) || ingestReserved < 0) throw new Error(`ingestReservedConcurrency: expected an integer ≥ 0, got ${ingestReserved}`);
  for (const [name, n] of Object.entries(consumers)) {
    // The SQS event source's maximumConcurrency range.
    if (n !== undefined && (!Number.isInteger(n) || n < 2 || n > 1000)) throw new Error(`${name} maximum concurrency: expected an integer in 2..1000, got ${n}`);
  }
}

function attribute(key: KeyDef): dynamodb.Attribute {
  return { name: key.name, type: key.type === 'N' ? dynamodb.AttributeType.NUMBER : dynamodb.AttributeType.STRING };
}

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function packageVersion(root: string): string {
  try {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * Refuse at synth time what the functions would refuse at their first
 * start: the settings are checked by the very parser they will run.
 */
function checkSettings(settings: ConfigInput): void {
  try {
    loadConfig(toEnvironment(settings));
  } catch (err) {
    throw new Error(`WebhookDelivery: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

function mapRecord<K extends string, V, W>(record: Readonly<Record<K, V>>, f: (v: V) => W): Record<K, W> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v as V)])) as Record<K, W>;
}
