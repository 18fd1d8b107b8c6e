/**
 * Deploy the synthesized stack into moto (`moto_server`, an AWS API emulator)
 * and check what CloudFormation created against lib/definitions.ts.
 *
 *   npm run deploy:moto [-- --keep]     (--keep leaves moto running and prints its endpoint)
 *
 * Steps: synthesize the app (lib/infra/app.ts, bundling for real) into a
 * temporary cdk.out; start moto_server on a free loopback port; "bootstrap"
 * it (the asset bucket and the bootstrap-version parameter `cdk bootstrap`
 * would create); upload every asset the template expects; patch out only
 * what moto's CloudFormation cannot create (MOTO_PATCHES, each with its
 * reason); create the stack; then read back, with the AWS SDK and the aws
 * CLI, every table, index, TTL, stream, queue, redrive policy and event
 * source mapping and compare it with TABLES, QUEUES, CONSUMERS and
 * STREAM_CONSUMERS.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CONSUMERS, QUEUES, STREAM_CONSUMERS, TABLES, type QueueDef, type QueueKey, type TableDef } from '../lib/definitions.ts';
import { createBillhookApp } from '../lib/infra/app.ts';

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));
const REGION = 'us-east-1';
/** moto's fixed account. */
const ACCOUNT = '123456789012';
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const BOOTSTRAP_QUALIFIER = 'hnb659fds';

type Json = Record<string, unknown>;
interface Template {
  Resources: Record<string, { Type: string; Properties?: Json; DependsOn?: string | string[]; [k: string]: unknown }>;
  Outputs?: Record<string, { Value: unknown; [k: string]: unknown }>;
  [k: string]: unknown;
}

/** What moto's CloudFormation cannot create (moto 5.2), and so is patched out of the template it gets. */
export const MOTO_PATCHES = [
  {
    types: ['AWS::ApiGatewayV2::Api', 'AWS::ApiGatewayV2::Integration', 'AWS::ApiGatewayV2::Route', 'AWS::ApiGatewayV2::Stage'],
    why: "moto's CloudFormation has no ApiGatewayV2 resources (HTTP APIs); the routes and integrations are asserted on the template in test/infra/stack.test.ts instead",
  },
  { types: ['AWS::CloudWatch::Alarm'], why: "moto's CloudFormation cannot create CloudWatch alarms; they are asserted on the template (test/infra/monitoring.test.ts)" },
  { types: ['AWS::SNS::TopicPolicy'], why: "moto's CloudFormation cannot create SNS topic policies; the policy is asserted on the template (test/infra/deploy-findings.test.ts)" },
  { types: ['AWS::SQS::QueuePolicy'], why: "moto's CloudFormation cannot create SQS queue policies (the enforce-TLS denies); asserted on the template (test/infra/stack.test.ts)" },
  { types: ['AWS::Scheduler::ScheduleGroup'], why: "moto's CloudFormation cannot create EventBridge Scheduler schedule groups; the sender gets a placeholder group name" },
  { types: ['AWS::SecretsManager::Secret'], why: "moto's CloudFormation cannot create Secrets Manager secrets (GenerateSecretString); ingest and api get a placeholder ARN" },
] as const;

/** Property patches: the resource is created, minus what moto mishandles. */
export const MOTO_PROPERTY_PATCHES = [{ type: 'AWS::KMS::Key', property: 'Tags', why: "moto's KMS crashes creating a key with tags through CloudFormation; the key is created untagged" }] as const;

export interface AppliedPatch {
  /** Resource types removed, or `<type>.<property>` removed from resources of that type. */
  what: string;
  logicalIds: string[];
  why: string;
}

export interface Check {
  what: string;
  ok: boolean;
  expected?: unknown;
  actual?: unknown;
}

export interface MotoDeployResult {
  stackName: string;
  stackStatus: string;
  /** Resources moto created, by type. */
  created: Record<string, number>;
  patches: AppliedPatch[];
  /** Outputs dropped because they named a patched-out resource. */
  droppedOutputs: string[];
  checks: Check[];
  /** What moto does not report, so could not be checked (emulator gaps, not failures). */
  gaps: string[];
  ok: boolean;
}

export interface MotoDeployOptions {
  /** Extra CDK context (cdk.json's is always used). */
  context?: Record<string, unknown>;
  log?: (line: string) => void;
  /** Leave moto running (the caller stops it). */
  keep?: boolean;
}

/** Replace every Ref / GetAtt / Sub reference to `removed` with a placeholder, and drop DependsOn on them. */
function scrubReferences(value: unknown, removed: ReadonlySet<string>): unknown {
  if (Array.isArray(value)) return value.map((v) => scrubReferences(v, removed));
  if (value === null || typeof value !== 'object') return value;
  const o = value as Json;
  if (typeof o.Ref === 'string' && removed.has(o.Ref)) return placeholder(o.Ref);
  const getAtt = o['Fn::GetAtt'];
  if (Array.isArray(getAtt) && removed.has(String(getAtt[0]))) return placeholder(String(getAtt[0]), String(getAtt[1]));
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, scrubReferences(v, removed)]));
}

const placeholder = (logicalId: string, attribute?: string) => `arn:aws:moto-patched:${REGION}:${ACCOUNT}:${logicalId}${attribute ? `/${attribute}` : ''}`;

const mentions = (value: unknown, ids: ReadonlySet<string>): boolean => {
  const text = JSON.stringify(value);
  return [...ids].some((id) => text.includes(`"${id}"`));
};

/**
 * The template moto gets: MOTO_PATCHES' types removed (and Lambda
 * permissions for a removed API with them), references to them replaced by
 * placeholders, outputs naming them dropped, MOTO_PROPERTY_PATCHES applied.
 */
export function patchForMoto(template: Template): { template: Template; patches: AppliedPatch[]; droppedOutputs: string[] } {
  const t = structuredClone(template);
  const patches: AppliedPatch[] = [];
  const removed = new Set<string>();
  for (const p of MOTO_PATCHES) {
    const ids = Object.entries(t.Resources).filter(([, r]) => (p.types as readonly string[]).includes(r.Type)).map(([id]) => id);
    if (ids.length === 0) continue;
    ids.forEach((id) => removed.add(id));
    patches.push({ what: p.types.join(', '), logicalIds: ids, why: p.why });
  }
  // A permission for API Gateway to invoke a function names the (removed) API in its SourceArn.
  const permissions = Object.entries(t.Resources)
    .filter(([, r]) => r.Type === 'AWS::Lambda::Permission' && mentions(r.Properties, removed))
    .map(([id]) => id);
  if (permissions.length) {
    permissions.forEach((id) => removed.add(id));
    patches.push({ what: 'AWS::Lambda::Permission (for the removed HTTP API)', logicalIds: permissions, why: 'they grant the removed ApiGatewayV2 API the right to invoke ingest and api' });
  }
  for (const id of removed) delete t.Resources[id];
  for (const r of Object.values(t.Resources)) {
    if (r.DependsOn !== undefined) {
      const deps = (Array.isArray(r.DependsOn) ? r.DependsOn : [r.DependsOn]).filter((d) => !removed.has(d));
      if (deps.length) r.DependsOn = deps;
      else delete r.DependsOn;
    }
    if (r.Properties) r.Properties = scrubReferences(r.Properties, removed) as Json;
  }
  const droppedOutputs: string[] = [];
  for (const [name, o] of Object.entries(t.Outputs ?? {})) {
    if (mentions(o, removed)) {
      delete t.Outputs![name];
      droppedOutputs.push(name);
    }
  }
  for (const p of MOTO_PROPERTY_PATCHES) {
    const ids = Object.entries(t.Resources).filter(([, r]) => r.Type === p.type && r.Properties?.[p.property] !== undefined).map(([id]) => id);
    for (const id of ids) delete t.Resources[id]!.Properties![p.property];
    if (ids.length) patches.push({ what: `${p.type}.${p.property}`, logicalIds: ids, why: p.why });
  }
  // CloudFormation names an unnamed FIFO queue `<stack>-<id>-<random>.fifo` itself; moto refuses it instead.
  const fifo = Object.entries(t.Resources).filter(([, r]) => r.Type === 'AWS::SQS::Queue' && r.Properties?.FifoQueue === true && r.Properties.QueueName === undefined);
  for (const [id, r] of fifo) r.Properties!.QueueName = `${id}.fifo`;
  if (fifo.length) {
    patches.push({ what: 'AWS::SQS::Queue.QueueName (FIFO)', logicalIds: fifo.map(([id]) => id), why: "moto's CloudFormation does not generate the `.fifo` name AWS gives an unnamed FIFO queue; the moto template names them `<logical id>.fifo`" });
  }
  return { template: t, patches, droppedOutputs };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Moto {
  endpoint: string;
  stop(): Promise<void>;
}

/** Start moto_server on a free loopback port and wait until it answers. */
export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${stderr}`);
    try {
      await fetch(`${endpoint}/moto-api/`);
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill();
        throw new Error(`moto_server did not answer on ${endpoint} within 30 s: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    endpoint,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The aws CLI against moto, JSON out. */
function awsCli(endpoint: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey, AWS_DEFAULT_REGION: REGION, AWS_PAGER: '' };
  // Never a real account: no profile, no session token from the caller's shell.
  delete env.AWS_PROFILE;
  delete env.AWS_SESSION_TOKEN;
  return async <T = Json>(...args: string[]): Promise<T> => {
    const { stdout } = await run('aws', ['--endpoint-url', endpoint, '--output', 'json', ...args], { env, maxBuffer: 64 * 1024 * 1024 });
    return (stdout.trim() ? JSON.parse(stdout) : {}) as T;
  };
}

/** Synthesize the app into `outdir` as `npm run synth` would (bundling included). */
async function synthesize(outdir: string, context: Record<string, unknown>): Promise<{ stackName: string; templateFile: string; assetsFile: string }> {
  const cdkJson = JSON.parse(await readFile(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  const { app, stack } = createBillhookApp({ outdir, context: { ...cdkJson.context, ...context } });
  const assembly = app.synth();
  const artifact = assembly.getStackByName(stack.stackName);
  return { stackName: stack.stackName, templateFile: artifact.templateFullPath, assetsFile: path.join(outdir, `${stack.stackName}.assets.json`) };
}

interface AssetManifest {
  files: Record<string, { source: { path: string; packaging?: 'zip' | 'file' }; destinations: Record<string, { bucketName: string; objectKey: string }> }>;
}

/** Upload every file asset where the template expects it, zipping directories as the CDK CLI does. */
async function uploadAssets(aws: ReturnType<typeof awsCli>, outdir: string, assetsFile: string, work: string): Promise<number> {
  const manifest = JSON.parse(await readFile(assetsFile, 'utf8')) as AssetManifest;
  let count = 0;
  for (const [hash, asset] of Object.entries(manifest.files)) {
    const source = path.join(outdir, asset.source.path);
    let body = source;
    if (asset.source.packaging === 'zip' || (await stat(source)).isDirectory()) {
      body = path.join(work, `${hash}.zip`);
      await run('zip', ['-qrX', body, '.'], { cwd: source });
    }
    for (const d of Object.values(asset.destinations)) {
      const bucket = d.bucketName.replace('${AWS::AccountId}', ACCOUNT).replace('${AWS::Region}', REGION);
      await aws('s3api', 'put-object', '--bucket', bucket, '--key', d.objectKey, '--body', body);
      count++;
    }
  }
  return count;
}

const sameSet = (a: readonly string[] = [], b: readonly string[] = []) => a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
const keySchema = (pk: { name: string }, sk?: { name: string }) => [{ AttributeName: pk.name, KeyType: 'HASH' }, ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' }] : [])];

/** Compare one table with its definition; returns its latest stream ARN, if it has one. */
async function checkTable(ddb: DynamoDBClient, key: string, def: TableDef, name: string, templateTtl: unknown, checks: Check[], gaps: string[]): Promise<string | undefined> {
  const { Table: t } = await ddb.send(new DescribeTableCommand({ TableName: name }));
  const push = (what: string, expected: unknown, actual: unknown, ok = JSON.stringify(expected) === JSON.stringify(actual)) => checks.push({ what: `table ${key}: ${what}`, ok, expected, actual });
  push('key schema', keySchema(def.partitionKey, def.sortKey), t?.KeySchema);
  push('billing mode', 'PAY_PER_REQUEST', t?.BillingModeSummary?.BillingMode);
  const gsis = t?.GlobalSecondaryIndexes ?? [];
  push('indexes', def.indexes.map((i) => i.indexName).sort(), gsis.map((g) => g.IndexName).sort());
  for (const index of def.indexes) {
    const g = gsis.find((x) => x.IndexName === index.indexName);
    push(`index ${index.indexName} key schema`, keySchema(index.partitionKey, index.sortKey), g?.KeySchema);
    const projection = index.include ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.include].sort() } : { ProjectionType: 'ALL' };
    const actual = { ProjectionType: g?.Projection?.ProjectionType, ...(g?.Projection?.NonKeyAttributes ? { NonKeyAttributes: [...g.Projection.NonKeyAttributes].sort() } : {}) };
    push(`index ${index.indexName} projection`, projection, actual, projection.ProjectionType === actual.ProjectionType && sameSet(projection.NonKeyAttributes, actual.NonKeyAttributes));
  }
  push('stream', def.stream ? { StreamEnabled: true, StreamViewType: def.stream } : undefined, t?.StreamSpecification?.StreamEnabled ? { StreamEnabled: true, StreamViewType: t.StreamSpecification.StreamViewType } : undefined);
  const ttl = (await ddb.send(new DescribeTimeToLiveCommand({ TableName: name }))).TimeToLiveDescription;
  const wantTtl = def.ttlAttribute ? { AttributeName: def.ttlAttribute, Enabled: true } : undefined;
  if (def.ttlAttribute && ttl?.TimeToLiveStatus !== 'ENABLED' && JSON.stringify(templateTtl) === JSON.stringify(wantTtl)) {
    // moto's CloudFormation drops TimeToLiveSpecification; the template it was given asks for it.
    gaps.push(`table ${key}: moto's CloudFormation ignores TimeToLiveSpecification (the deployed template has ${JSON.stringify(templateTtl)}; checked there)`);
    return t?.LatestStreamArn;
  }
  push('TTL', def.ttlAttribute ? { status: 'ENABLED', attribute: def.ttlAttribute } : { status: 'DISABLED' }, def.ttlAttribute || ttl?.AttributeName ? { status: ttl?.TimeToLiveStatus, attribute: ttl?.AttributeName } : { status: ttl?.TimeToLiveStatus ?? 'DISABLED' });
  return t?.LatestStreamArn;
}

/** A queue's definition as SQS attributes (FIFO queues carry FifoQueue, whatever else their definition adds). */
function expectedQueueAttributes(def: QueueDef, arnOf: (k: QueueKey) => string): Record<string, string | undefined> {
  const fifo = (def as QueueDef & { fifo?: boolean }).fifo === true || def.localName.endsWith('.fifo');
  return {
    VisibilityTimeout: String(def.visibilityTimeoutSeconds),
    MessageRetentionPeriod: String(def.retentionSeconds),
    RedrivePolicy: def.deadLetterQueue ? JSON.stringify({ deadLetterTargetArn: arnOf(def.deadLetterQueue), maxReceiveCount: def.maxReceiveCount ?? 5 }) : undefined,
    FifoQueue: fifo ? 'true' : undefined,
  };
}

/**
 * Deploy into a fresh moto and check it. Resolves with the report; `ok` is
 * false when the stack did not reach CREATE_COMPLETE or a check failed.
 */
export async function deployToMoto(options: MotoDeployOptions = {}): Promise<MotoDeployResult & { moto?: Moto }> {
  const log = options.log ?? (() => {});
  const work = await mkdtemp(path.join(tmpdir(), 'billhook-moto-'));
  const outdir = path.join(work, 'cdk.out');
  let moto: Moto | undefined;
  try {
    log('synthesizing (bundling included)...');
    const [{ stackName, templateFile, assetsFile }, started] = await Promise.all([synthesize(outdir, options.context ?? {}), startMoto()]);
    moto = started;
    log(`moto_server on ${moto.endpoint}`);
    const aws = awsCli(moto.endpoint);

    // What `cdk bootstrap` would have made: the asset bucket and the version parameter the template's rule reads.
    const bucket = `cdk-${BOOTSTRAP_QUALIFIER}-assets-${ACCOUNT}-${REGION}`;
    await aws('s3api', 'create-bucket', '--bucket', bucket);
    await aws('ssm', 'put-parameter', '--name', `/cdk-bootstrap/${BOOTSTRAP_QUALIFIER}/version`, '--value', '30', '--type', 'String');
    const uploaded = await uploadAssets(aws, outdir, assetsFile, work);
    log(`uploaded ${uploaded} assets to s3://${bucket}`);

    const { template, patches, droppedOutputs } = patchForMoto(JSON.parse(await readFile(templateFile, 'utf8')) as Template);
    for (const p of patches) log(`patch: ${p.what} (${p.logicalIds.length}): ${p.why}`);
    // Too large for TemplateBody (51,200 bytes): from the bucket, as the CDK CLI does.
    const templateKey = `${stackName}.moto.template.json`;
    const templatePath = path.join(work, templateKey);
    await writeFile(templatePath, JSON.stringify(template));
    await aws('s3api', 'put-object', '--bucket', bucket, '--key', templateKey, '--body', templatePath);
    await aws('cloudformation', 'create-stack', '--stack-name', stackName, '--template-url', `https://${bucket}.s3.amazonaws.com/${templateKey}`, '--capabilities', 'CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND');

    let status = '';
    let stackInfo: Json = {};
    const deadline = Date.now() + 120_000;
    for (;;) {
      const { Stacks } = await aws<{ Stacks: Json[] }>('cloudformation', 'describe-stacks', '--stack-name', stackName);
      stackInfo = Stacks[0] ?? {};
      status = String(stackInfo.StackStatus);
      if (!status.endsWith('_IN_PROGRESS') || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    log(`stack ${stackName}: ${status}`);
    const checks: Check[] = [{ what: 'stack status', ok: status === 'CREATE_COMPLETE', expected: 'CREATE_COMPLETE', actual: status }];
    const gaps: string[] = [];
    const { StackResources: resources } = await aws<{ StackResources: { LogicalResourceId: string; PhysicalResourceId: string; ResourceType: string; ResourceStatus: string }[] }>(
      'cloudformation',
      'describe-stack-resources',
      '--stack-name',
      stackName,
    );
    const created: Record<string, number> = {};
    for (const r of resources) created[r.ResourceType] = (created[r.ResourceType] ?? 0) + 1;
    const expectedCount = Object.keys(template.Resources).length;
    checks.push({ what: 'every resource of the patched template created', ok: resources.length === expectedCount && resources.every((r) => r.ResourceStatus === 'CREATE_COMPLETE'), expected: expectedCount, actual: resources.length });
    if (status !== 'CREATE_COMPLETE') {
      const { StackEvents } = await aws<{ StackEvents: Json[] }>('cloudformation', 'describe-stack-events', '--stack-name', stackName);
      for (const e of StackEvents.filter((x) => String(x.ResourceStatus).endsWith('FAILED'))) checks.push({ what: `event ${String(e.LogicalResourceId)}`, ok: false, actual: e.ResourceStatusReason });
      return { stackName, stackStatus: status, created, patches, droppedOutputs, checks, gaps, ok: false };
    }
    const outputs = Object.fromEntries(((stackInfo.Outputs ?? []) as { OutputKey: string; OutputValue: string }[]).map((o) => [o.OutputKey, o.OutputValue]));

    const clientConfig = { endpoint: moto.endpoint, region: REGION, credentials: CREDENTIALS };
    const ddb = new DynamoDBClient(clientConfig);
    const sqs = new SQSClient(clientConfig);
    try {
      // Tables, from the `<id>Name` outputs the stack prints for every table in TABLES.
      const streamArns: Record<string, string | undefined> = {};
      for (const [key, def] of Object.entries(TABLES) as [string, TableDef][]) {
        const name = outputs[`${def.id}Name`];
        if (!name) {
          checks.push({ what: `table ${key}: output ${def.id}Name`, ok: false });
          continue;
        }
        const logicalId = resources.find((r) => r.ResourceType === 'AWS::DynamoDB::Table' && r.PhysicalResourceId === name)?.LogicalResourceId;
        const templateTtl = logicalId ? template.Resources[logicalId]?.Properties?.TimeToLiveSpecification : undefined;
        streamArns[key] = await checkTable(ddb, key, def, name, templateTtl, checks, gaps);
      }
      // Queues, from the `<id>Url` outputs.
      const urls = {} as Record<QueueKey, string>;
      const attributes = {} as Record<QueueKey, Record<string, string>>;
      for (const [key, def] of Object.entries(QUEUES) as [QueueKey, QueueDef][]) {
        const url = outputs[`${def.id}Url`];
        if (!url) {
          checks.push({ what: `queue ${key}: output ${def.id}Url`, ok: false });
          continue;
        }
        urls[key] = url;
        attributes[key] = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes ?? {};
      }
      for (const [key, def] of Object.entries(QUEUES) as [QueueKey, QueueDef][]) {
        const actual = attributes[key];
        if (!actual) continue;
        const expected = expectedQueueAttributes(def, (k) => attributes[k]?.QueueArn ?? `(queue ${k} missing)`);
        for (const [attr, value] of Object.entries(expected)) {
          const got = attr === 'RedrivePolicy' && actual[attr] ? JSON.stringify(JSON.parse(actual[attr]!) as Json, ['deadLetterTargetArn', 'maxReceiveCount']) : actual[attr];
          const norm = attr === 'RedrivePolicy' && got ? JSON.stringify({ ...(JSON.parse(got) as Json), maxReceiveCount: Number((JSON.parse(got) as Json).maxReceiveCount) }) : got;
          checks.push({ what: `queue ${key}: ${attr}`, ok: norm === value, expected: value, actual: norm });
        }
        checks.push({ what: `queue ${key}: SQS-managed encryption`, ok: actual.SqsManagedSseEnabled === 'true', expected: 'true', actual: actual.SqsManagedSseEnabled });
      }

      // Event source mappings: each consumer function fed by its queue with its batch settings.
      const { EventSourceMappings: mappings } = await aws<{ EventSourceMappings: Json[] }>('lambda', 'list-event-source-mappings');
      const functionsByLogicalId = new Map(resources.filter((r) => r.ResourceType === 'AWS::Lambda::Function').map((r) => [r.LogicalResourceId, r.PhysicalResourceId]));
      const mappingCount = Object.keys(CONSUMERS).length + Object.keys(STREAM_CONSUMERS).length;
      checks.push({ what: 'event source mappings', ok: mappings.length === mappingCount, expected: mappingCount, actual: mappings.length });
      for (const [fn, c] of Object.entries(CONSUMERS) as [string, (typeof CONSUMERS)[keyof typeof CONSUMERS]][]) {
        // The event source's name (sender, retries, fanout) and the function it feeds (sender, fanout).
        const pascal = c.function.charAt(0).toUpperCase() + c.function.slice(1);
        const fnName = [...functionsByLogicalId].find(([id]) => id.startsWith(`Delivery${pascal}Function`))?.[1];
        const queueArn = attributes[c.queue]?.QueueArn;
        const m = mappings.find((x) => String(x.FunctionArn).endsWith(`:function:${fnName}`) && x.EventSourceArn === queueArn);
        checks.push({ what: `${fn}: fed by queue ${c.queue}`, ok: m !== undefined, expected: { function: fnName, queue: queueArn }, actual: mappings.map((x) => ({ function: x.FunctionArn, queue: x.EventSourceArn })) });
        if (!m) continue;
        checks.push({ what: `${fn}: batch size`, ok: m.BatchSize === c.batchSize, expected: c.batchSize, actual: m.BatchSize });
        const types = (m.FunctionResponseTypes ?? []) as string[];
        if (m.FunctionResponseTypes === undefined) gaps.push(`${fn}: moto does not report FunctionResponseTypes (ReportBatchItemFailures is asserted on the template)`);
        else checks.push({ what: `${fn}: partial batch failures`, ok: types.includes('ReportBatchItemFailures'), expected: ['ReportBatchItemFailures'], actual: types });
        const scaling = m.ScalingConfig as { MaximumConcurrency?: number } | undefined;
        if (scaling?.MaximumConcurrency === undefined) gaps.push(`${fn}: moto does not report ScalingConfig.MaximumConcurrency (asserted on the template)`);
        else checks.push({ what: `${fn}: maximum concurrency`, ok: scaling.MaximumConcurrency === c.maxConcurrency, expected: c.maxConcurrency, actual: scaling.MaximumConcurrency });
      }
      // Stream event sources: each consumer function fed by its table's stream.
      for (const [name, c] of Object.entries(STREAM_CONSUMERS)) {
        const pascal = c.function.charAt(0).toUpperCase() + c.function.slice(1);
        const fnName = [...functionsByLogicalId].find(([id]) => id.startsWith(`Delivery${pascal}Function`))?.[1];
        const streamArn = streamArns[c.table];
        const m = mappings.find((x) => String(x.FunctionArn).endsWith(`:function:${fnName}`) && x.EventSourceArn === streamArn);
        checks.push({ what: `${name}: fed by the ${c.table} table's stream`, ok: streamArn !== undefined && m !== undefined, expected: { function: fnName, stream: streamArn }, actual: mappings.map((x) => ({ function: x.FunctionArn, source: x.EventSourceArn })) });
        if (!m) continue;
        checks.push({ what: `${name}: batch size`, ok: m.BatchSize === c.batchSize, expected: c.batchSize, actual: m.BatchSize });
        checks.push({ what: `${name}: starting position`, ok: m.StartingPosition === 'TRIM_HORIZON', expected: 'TRIM_HORIZON', actual: m.StartingPosition });
        for (const [field, want] of [
          ['MaximumRetryAttempts', c.retryAttempts],
          ['BisectBatchOnFunctionError', true],
          ['MaximumBatchingWindowInSeconds', c.maxBatchingWindowSeconds],
        ] as const) {
          if (m[field] === undefined) gaps.push(`${name}: moto does not report ${field} (asserted on the template)`);
          else checks.push({ what: `${name}: ${field}`, ok: m[field] === want, expected: want, actual: m[field] });
        }
        const onFailure = (m.DestinationConfig as { OnFailure?: { Destination?: string } } | undefined)?.OnFailure?.Destination;
        if (onFailure === undefined) gaps.push(`${name}: moto does not report DestinationConfig (the on-failure queue is asserted on the template)`);
        else checks.push({ what: `${name}: on-failure destination`, ok: onFailure === attributes[c.onFailure]?.QueueArn, expected: attributes[c.onFailure]?.QueueArn, actual: onFailure });
        if (m.FilterCriteria === undefined) gaps.push(`${name}: moto does not report FilterCriteria (asserted on the template)`);
      }
      // Every function: the runtime and the table and queue names it is told about.
      for (const [logicalId, name] of functionsByLogicalId) {
        const conf = await aws<{ Runtime: string; Handler: string; Architectures?: string[]; Environment?: { Variables?: Record<string, string> } }>('lambda', 'get-function-configuration', '--function-name', name);
        checks.push({ what: `${logicalId}: runtime`, ok: conf.Runtime === 'nodejs22.x', expected: 'nodejs22.x', actual: conf.Runtime });
        const env = conf.Environment?.Variables ?? {};
        const want = Object.fromEntries([
          ...Object.values(TABLES).map((d) => [d.envVar, outputs[`${d.id}Name`]]),
          ...Object.values(QUEUES).map((d) => [d.envVar, outputs[`${d.id}Url`]]),
        ]);
        const wrong = Object.entries(want).filter(([k, v]) => env[k] !== v);
        checks.push({ what: `${logicalId}: table and queue environment`, ok: wrong.length === 0, expected: 'TABLES/QUEUES envVar → created names', actual: wrong.length ? Object.fromEntries(wrong.map(([k]) => [k, env[k]])) : 'all match' });
      }
    } finally {
      ddb.destroy();
      sqs.destroy();
    }
    return { stackName, stackStatus: status, created, patches, droppedOutputs, checks, gaps: [...new Set(gaps)], ok: checks.every((c) => c.ok), ...(options.keep ? { moto } : {}) };
  } finally {
    if (!options.keep) await moto?.stop();
    await rm(work, { recursive: true, force: true });
  }
}

/** The report as text: patches, created resources, failed checks. */
export function formatMotoReport(r: MotoDeployResult): string {
  const lines = [`moto deploy of ${r.stackName}: ${r.stackStatus}`, '', 'patched (moto cannot create these):'];
  for (const p of r.patches) lines.push(`  - ${p.what} ×${p.logicalIds.length}: ${p.why}`);
  if (r.droppedOutputs.length) lines.push(`  - outputs naming them dropped: ${r.droppedOutputs.join(', ')}`);
  lines.push('', 'created:');
  for (const [type, n] of Object.entries(r.created).sort()) lines.push(`  ${String(n).padStart(3)} ${type}`);
  const failed = r.checks.filter((c) => !c.ok);
  lines.push('', `checks: ${r.checks.length - failed.length}/${r.checks.length} match lib/definitions.ts`);
  for (const c of failed) lines.push(`  FAIL ${c.what}: expected ${JSON.stringify(c.expected)}, got ${JSON.stringify(c.actual)}`);
  if (r.gaps.length) lines.push('', 'not checkable in moto:', ...r.gaps.map((g) => `  - ${g}`));
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const keep = process.argv.includes('--keep');
  const result = await deployToMoto({ keep, log: (line) => console.error(`[moto] ${line}`) });
  console.log(formatMotoReport(result));
  if (keep && result.moto) console.log(`\nmoto_server left running on ${result.moto.endpoint} (Ctrl+C to stop)`);
  if (!result.ok) process.exitCode = 1;
}
