/**
 * The five Lambda functions (lambdas/<name>/handler.ts, bundled as `npm run
 * build` bundles them), each with its own log group and an explicit role,
 * told its settings by `toEnvironment`; the SQS event sources of the queue
 * consumers and the DynamoDB stream event source of the stats function. A
 * builder that adds to the given scope (see storage.ts for why).
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CfnResource, Duration, Lazy, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Role, ServicePrincipal, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { toEnvironment, type ConfigInput } from '../../config.ts';
import { CONSUMERS, FUNCTION_TIMEOUT_SECONDS, STREAM_CONSUMERS, type QueueKey, type TableKey } from '../../definitions.ts';
import { externalModules, LAMBDA_BUNDLING, LAMBDA_SDK } from '../bundling.ts';

/** The repository root: handler entries, package-lock.json and tsconfig.json live here. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The Lambda functions, by the folder name of their handler under lambdas/. */
export type FunctionKey = 'ingest' | 'api' | 'sender' | 'fanout' | 'stats';
export const FUNCTION_KEYS: readonly FunctionKey[] = ['ingest', 'api', 'sender', 'fanout', 'stats'];

export const DEFAULT_MEMORY_MB = 512;
export const DEFAULT_INGEST_RESERVED_CONCURRENCY = 100;

export interface DeliveryFunctionsProps {
  /** What every function is told (tables, queues, settings), as a partial `Config`. */
  readonly settings: ConfigInput;
  /** What each function alone is told on top (the admin key's secret, the scheduler). @default - nothing */
  readonly settingsOf?: Partial<Record<FunctionKey, ConfigInput>>;
  /** @default - the repository this file belongs to */
  readonly projectRoot?: string;
  /** Memory (MB) per function. @default 512 for each function */
  readonly memorySizeMb?: Partial<Record<FunctionKey, number>>;
  /** Concurrency reserved for ingest, 0 for none. @default 100 */
  readonly ingestReservedConcurrency?: number;
  /** Retention of the functions' log groups. @default logs.RetentionDays.ONE_MONTH */
  readonly cloudWatchLogRetention?: logs.RetentionDays;
  /** What happens to the log groups when they leave the stack. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

export interface DeliveryFunctions {
  readonly functions: Record<FunctionKey, NodejsFunction>;
  readonly roles: Record<FunctionKey, iam.Role>;
}

export function buildFunctions(scope: Construct, props: DeliveryFunctionsProps): DeliveryFunctions {
  const projectRoot = props.projectRoot ?? REPO_ROOT;
  const reserved = props.ingestReservedConcurrency ?? DEFAULT_INGEST_RESERVED_CONCURRENCY;
  if (!Number.isInteger(reserved) || reserved < 0) throw new Error(`ingestReservedConcurrency: expected an integer ≥ 0, got ${reserved}`);
  const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
  const roles: Partial<Record<FunctionKey, iam.Role>> = {};
  const functions: Partial<Record<FunctionKey, NodejsFunction>> = {};
  for (const key of FUNCTION_KEYS) {
    const name = pascal(key);
    const logGroup = new logs.LogGroup(scope, `${name}LogGroup`, { retention: props.cloudWatchLogRetention ?? logs.RetentionDays.ONE_MONTH, removalPolicy });
    const role = new Role(scope, `${name}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com'), description: `Billhook ${key} function` });
    // Instead of AWSLambdaBasicExecutionRole: write to this function's own log group only.
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
    const fn = new NodejsFunction(scope, `${name}Function`, {
      entry: path.join(projectRoot, 'lambdas', key, 'handler.ts'),
      handler: 'handler',
      projectRoot,
      depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySizeMb?.[key] ?? DEFAULT_MEMORY_MB,
      timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS[key]),
      tracing: lambda.Tracing.ACTIVE,
      ...(key === 'ingest' && reserved > 0 ? { reservedConcurrentExecutions: reserved } : {}),
      role,
      logGroup,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...toEnvironment({ ...props.settings, ...props.settingsOf?.[key] }) },
      bundling: bundling(key),
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
  return { functions: functions as Record<FunctionKey, NodejsFunction>, roles: roles as Record<FunctionKey, iam.Role> };
}

/** The settings `npm run build` uses too (lib/infra/bundling.ts), so local mode can run what ships. */
function bundling(key: FunctionKey) {
  return {
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
  };
}

export interface QueueConsumersProps {
  readonly functions: Readonly<Record<FunctionKey, NodejsFunction>>;
  readonly queues: Readonly<Record<QueueKey, sqs.IQueue>>;
  /** Most concurrent invocations per event source (2–1000). @default - CONSUMERS in lib/definitions.ts */
  readonly maxConcurrency?: Partial<Record<keyof typeof CONSUMERS, number>>;
}

/** The SQS event sources (CONSUMERS), reporting partial batch failures. Their grant includes ChangeMessageVisibility, which holds a message in its lane. */
export function addQueueConsumers(props: QueueConsumersProps): void {
  for (const [name, n] of Object.entries(props.maxConcurrency ?? {})) {
    // The SQS event source's maximumConcurrency range.
    if (n !== undefined && (!Number.isInteger(n) || n < 2 || n > 1000)) throw new Error(`${name} maximum concurrency: expected an integer in 2..1000, got ${n}`);
  }
  for (const [name, c] of Object.entries(CONSUMERS) as [keyof typeof CONSUMERS, (typeof CONSUMERS)[keyof typeof CONSUMERS]][]) {
    props.functions[c.function].addEventSource(
      new SqsEventSource(props.queues[c.queue], {
        batchSize: c.batchSize,
        maxConcurrency: props.maxConcurrency?.[name] ?? c.maxConcurrency,
        reportBatchItemFailures: true,
        ...(c.maxBatchingWindowSeconds > 0 ? { maxBatchingWindow: Duration.seconds(c.maxBatchingWindowSeconds) } : {}),
      }),
    );
  }
}

export interface StreamConsumersProps {
  readonly functions: Readonly<Record<FunctionKey, NodejsFunction>>;
  readonly roles: Readonly<Record<FunctionKey, iam.Role>>;
  readonly tables: Readonly<Record<TableKey, dynamodb.ITable>>;
  readonly queues: Readonly<Record<QueueKey, sqs.IQueue>>;
}

/**
 * The DynamoDB stream event sources (STREAM_CONSUMERS): from the start of
 * the stream (TRIM_HORIZON, so nothing written before the mapping is
 * running is missed), batches of up to 1,000 in a 5 s window, a failing
 * batch split and retried a bounded number of times and then reported to
 * the on-failure queue; only INSERT and MODIFY records invoke the function
 * (TTL removals are filtered out by Lambda, not paid for). A mapping rather
 * than DynamoEventSource: that one grants `dynamodb:ListStreams` through
 * `grantStreamRead` itself; permissions.ts grants the stream reads instead,
 * with each statement stated and tested. The mapping waits for the role's
 * policy, or Lambda could try the stream before it may read it.
 */
export function addStreamConsumers(props: StreamConsumersProps): lambda.EventSourceMapping[] {
  return Object.entries(STREAM_CONSUMERS).map(([name, c]) => {
    const table = props.tables[c.table];
    if (!table.tableStreamArn) throw new Error(`stream consumer ${name}: table ${c.table} has no stream (lib/definitions.ts)`);
    const mapping = props.functions[c.function].addEventSourceMapping(`${pascal(name)}Stream`, {
      eventSourceArn: table.tableStreamArn,
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: c.batchSize,
      maxBatchingWindow: Duration.seconds(c.maxBatchingWindowSeconds),
      bisectBatchOnError: true,
      retryAttempts: c.retryAttempts,
      maxRecordAge: Duration.seconds(c.maxRecordAgeSeconds),
      parallelizationFactor: 1,
      onFailure: new SqsDlq(props.queues[c.onFailure]),
      filters: [lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.or(...c.eventNames) })],
    });
    const policy = props.roles[c.function].node.tryFindChild('DefaultPolicy');
    if (policy) mapping.node.addDependency(policy);
    Validations.of(props.queues[c.onFailure]).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `This queue is a dead-letter queue itself: the on-failure destination of the ${name} function's stream event source (Lambda writes what it gave up on here), not a queue redriven by SQS.`,
    });
    return mapping;
  });
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

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
