/**
 * Local mode: the real Lambda handlers on real emulators. DynamoDB Local and
 * the SQS emulator with the stack's tables and queues, an API Gateway shim in
 * front of the HTTP functions, and pollers in front of the queue consumers.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadConfig, toEnvironment, type Config } from '../config.ts';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { instrumentClient } from '../adapters/aws-instrumentation.ts';
import { CONSUMERS, FUNCTION_TIMEOUT_SECONDS, STREAM_CONSUMERS, TABLES, type QueueKey } from '../definitions.ts';
import { ensureTables, LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoLocal, type DynamoLocal } from './dynamodb.ts';
import { createHttpShim, type HttpHandler } from './http-shim.ts';
import { startPoller, type SqsHandler, type SqsPoller } from './poller.ts';
import { startSqsLocal, type SqsLocal } from './sqs.ts';
import { startSchedulerEmulator, type SchedulerEmulator } from './scheduler.ts';
import { fileCheckpoints, memoryCheckpoints, startStreamPoller, type StreamHandler, type StreamPoller } from './streams.ts';

export type ConsumerName = keyof typeof CONSUMERS;
export type FunctionName = (typeof CONSUMERS)[ConsumerName]['function'];

export interface LocalHandlers {
  ingest: HttpHandler;
  api: HttpHandler;
  sender: SqsHandler;
  fanout: SqsHandler;
  /** The logs table's stream consumer (STREAM_CONSUMERS); absent: no stream poller runs, and no stats are counted. */
  stats?: StreamHandler;
}

export interface StartLocalOptions {
  /** HTTP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** DynamoDB data (and the generated admin key) live here and survive restarts. Absent: in memory. */
  dataDir?: string;
  /** The admin key. Absent: read from `<dataDir>/admin-key`, else generated (and saved there when there is a data dir). */
  adminKey?: string;
  /**
   * Settings for the handlers, as environment variables (e.g.
   * BILLHOOK_RETRY_SCHEDULE); they win over what startLocal sets. Parsed
   * with the rest by `loadConfig`, so a bad value fails the start.
   */
  env?: Record<string, string>;
  /**
   * The functions to run. Default: each `lambdas/<name>/handler.ts`'s
   * `createHandler(config)`. A function is called with the configuration
   * once the emulators are up. Nothing is written to `process.env`, so local
   * mode can start and stop any number of times in one process.
   */
  handlers?: LocalHandlers | ((config: Config) => Promise<LocalHandlers>);
  /**
   * Run the built bundles in this folder (`<dir>/<name>/index.mjs`, as
   * `npm run build` writes them) instead of the TypeScript sources: each
   * bundle's `createHandler(config)`, the very factory its Lambda `handler`
   * calls. The api serves the dashboard built beside its bundle, as on
   * Lambda. Ignored when `handlers` is given.
   */
  bundlesDir?: string;
  /**
   * Polling loops per event source (Lambda concurrency). Default sender 20
   * (enough that two endpoints' default maxInFlight of 10 cannot take every
   * loop), retries 2, fanout 1.
   */
  concurrency?: Partial<Record<ConsumerName, number>>;
  /** Long-poll wait of the pollers; bounds how long stop() takes when idle. Default 1 s. */
  pollWaitSeconds?: number;
  /**
   * The stream pollers' batching window (ms). Default 0: each poll's records
   * are handed over at once, so a chart counts an attempt within a poll
   * (STREAM_CONSUMERS.stats.localPollMs). The bench sets the stack's window
   * to measure what the deployed batching costs.
   */
  streamBatchWindowMs?: number;
  /**
   * Build the web dashboard into a temporary folder the api handler serves
   * (the bundle is rebuilt at each start, so it always matches the source).
   * Default true; false leaves /dashboard answering 503.
   */
  dashboard?: boolean;
  /** Progress lines. Default: silent. */
  log?: (line: string) => void;
  /** Handler and emulator failures. Default: console.error. */
  logError?: (line: string) => void;
}

export interface LocalTimings {
  /** DynamoDB Local spawn → first answer. */
  dynamodbBootMs: number;
  /** Creating or checking the tables. */
  tablesMs: number;
  /** fauxqs start. */
  sqsBootMs: number;
  /** Creating the queues. */
  queuesMs: number;
  /** Loading the handlers. */
  handlersMs: number;
  /** Building the dashboard (alongside the emulators' boot). */
  dashboardMs: number;
  /** startLocal from call to ready. */
  totalMs: number;
}

export interface LocalSystem {
  /** Base URL of the API, e.g. http://127.0.0.1:3000. */
  readonly apiUrl: string;
  readonly dashboardUrl: string;
  readonly adminKey: string;
  /** Where the admin key came from. */
  readonly adminKeySource: 'option' | 'file' | 'generated';
  /** Absolute data folder, or undefined when in memory. */
  readonly dataDir: string | undefined;
  readonly port: number;
  readonly sqsEndpoint: string;
  /** The EventBridge Scheduler emulator, and how many schedules it created and fired. */
  readonly schedulerEndpoint: string;
  readonly schedulerStats: { readonly created: number; readonly fired: number };
  readonly dynamodbEndpoint: string;
  readonly queueUrls: Record<QueueKey, string>;
  readonly tables: Record<keyof typeof TABLES, string>;
  /** The handlers' settings as environment variables (`toEnvironment(config)`, with `options.env`). */
  readonly env: Readonly<Record<string, string>>;
  /** The configuration the handlers were built from: `loadConfig(env)`. */
  readonly config: Config;
  readonly timings: LocalTimings;
  /** Resolve once every stream record written before the call has been handed to its function (stats counted). */
  drainStreams(timeoutMs?: number): Promise<void>;
  /** Stop the HTTP server, the pollers (awaiting batches in flight), fauxqs and DynamoDB Local, in that order. Safe to call twice. */
  stop(): Promise<void>;
}

const DEFAULT_CONCURRENCY: Record<ConsumerName, number> = { sender: 20, retries: 2, fanout: 1 };
const ADMIN_KEY_FILE = 'admin-key';
/** Where the stream pollers keep each shard's position, in the data folder. */
export const STREAM_CHECKPOINTS_FILE = 'stream-checkpoints.json';
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A fresh admin key: `bh_admin_` and 32 random bytes, base64url. */
export function generateAdminKey(): string {
  return `bh_admin_${randomBytes(32).toString('base64url')}`;
}

/**
 * The admin key to use: the explicit one; else the one saved in the data
 * folder; else a new one, saved there (mode 0600) when there is a folder, so
 * a restart keeps it.
 */
export async function resolveAdminKey(explicit: string | undefined, dataDir: string | undefined): Promise<{ key: string; source: LocalSystem['adminKeySource'] }> {
  if (explicit !== undefined && explicit !== '') {
    if (explicit.length < 16) throw new Error('BILLHOOK_ADMIN_KEY must be at least 16 characters');
    return { key: explicit, source: 'option' };
  }
  if (dataDir === undefined) return { key: generateAdminKey(), source: 'generated' };
  const file = path.join(dataDir, ADMIN_KEY_FILE);
  try {
    const saved = (await readFile(file, 'utf8')).trim();
    if (saved.length >= 16) return { key: saved, source: 'file' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = generateAdminKey();
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return { key, source: 'generated' };
}

/** What a handler module exports (lambdas/<name>/handler.ts, and each bundle built from it). */
export interface HandlerModule {
  createHandler?: unknown;
  handler?: unknown;
}

const FUNCTIONS = ['ingest', 'api', 'sender', 'fanout', 'stats'] as const satisfies readonly (keyof LocalHandlers)[];

/** Build every function from its module's `createHandler(config)`; `where` names a module in errors. */
export async function handlersFrom(load: (name: keyof LocalHandlers) => Promise<HandlerModule>, where: (name: string) => string, config: Config): Promise<LocalHandlers> {
  const built = await Promise.all(
    FUNCTIONS.map(async (name) => {
      const mod = await load(name);
      if (typeof mod.createHandler !== 'function') throw new Error(`${where(name)} does not export a function named createHandler`);
      return [name, (mod.createHandler as (c: Config) => unknown)(config)] as const;
    }),
  );
  return Object.fromEntries(built) as unknown as LocalHandlers;
}

/** The real handlers, from lambdas/<name>/handler.ts, built for `config`. */
export async function importRealHandlers(config: Config): Promise<LocalHandlers> {
  const where = (name: string) => `lambdas/${name}/handler.ts`;
  const load = async (name: string): Promise<HandlerModule> => {
    try {
      return (await import(pathToFileURL(path.join(REPO_ROOT, where(name))).href)) as HandlerModule;
    } catch (err) {
      throw new Error(`could not load the ${name} handler (${where(name)}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  };
  return handlersFrom(load, where, config);
}

/**
 * Start local mode. The HTTP port is bound first, so a taken port fails at
 * once, before any emulator has started; until the handlers are loaded the
 * server answers 503.
 *
 * @example
 * const local = await startLocal({ port: 0, env: { BILLHOOK_RETRY_SCHEDULE: '1,1' } });
 * await fetch(`${local.apiUrl}/v1/health`);
 * await local.stop();
 */
export async function startLocal(options: StartLocalOptions = {}): Promise<LocalSystem> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const logError = options.logError ?? ((line: string) => console.error(line));
  const dataDir = options.dataDir === undefined ? undefined : path.resolve(options.dataDir);
  const { key: adminKey, source: adminKeySource } = await resolveAdminKey(options.adminKey ?? options.env?.BILLHOOK_ADMIN_KEY, dataDir);

  const shim = createHttpShim({ logError });
  await shim.listen(options.port ?? 0, options.host ?? '127.0.0.1');

  let dynamo: DynamoLocal | undefined;
  let sqs: SqsLocal | undefined;
  let scheduler: SchedulerEmulator | undefined;
  let dashboardDir: string | undefined;
  const pollers: SqsPoller[] = [];
  const streamPollers: StreamPoller[] = [];

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await shim.close();
      await Promise.allSettled(pollers.map((p) => p.stop()));
      await Promise.allSettled(streamPollers.map((p) => p.stop()));
      await Promise.allSettled([scheduler?.stop()]);
      await Promise.allSettled([sqs?.stop()]);
      await Promise.allSettled([dynamo?.stop()]);
      if (dashboardDir) await rm(dashboardDir, { recursive: true, force: true });
      log('billhook local: stopped');
    })();
    return stopping;
  };

  try {
    const dashboard = (async () => {
      if (options.dashboard === false || options.env?.BILLHOOK_DASHBOARD_DIR || options.bundlesDir) return 0;
      const t = performance.now();
      dashboardDir = await mkdtemp(path.join(tmpdir(), 'billhook-dashboard-'));
      // Loaded here, not at the top: esbuild is a build tool that only local mode needs.
      const { buildDashboard } = await import('../dashboard/build.ts');
      await buildDashboard(dashboardDir);
      return Math.round(performance.now() - t);
    })();
    const [d, s, b] = await Promise.allSettled([
      startDynamoLocal({ dbPath: dataDir === undefined ? undefined : path.join(dataDir, 'dynamodb'), log }).then(async (db) => {
        const t = performance.now();
        try {
          const result = await ensureTables(db.client);
          if (result.created.length) log(`dynamodb local: created ${result.created.join(', ')}`);
          if (result.streamsEnabled.length) log(`dynamodb local: turned on the stream of ${result.streamsEnabled.join(', ')} (counts start now; earlier deliveries are not in the stats)`);
          return { db, tablesMs: Math.round(performance.now() - t), streams: result.streams };
        } catch (err) {
          await db.stop();
          throw err;
        }
      }),
      (async () => {
        const t = performance.now();
        const q = await startSqsLocal({ log });
        return { q, queuesMs: Math.max(0, Math.round(performance.now() - t) - q.bootMs) };
      })(),
      dashboard,
    ]);
    if (d.status === 'fulfilled') dynamo = d.value.db;
    if (s.status === 'fulfilled') sqs = s.value.q;
    if (d.status === 'rejected') throw d.reason;
    if (s.status === 'rejected') throw s.reason;
    if (b.status === 'rejected') throw new Error(`could not build the dashboard: ${b.reason instanceof Error ? b.reason.message : String(b.reason)}`, { cause: b.reason });
    const tablesMs = d.value.tablesMs;
    const db = dynamo!;
    const queue = sqs!;

    scheduler = await startSchedulerEmulator({
      sqs: queue.client,
      queueUrlByArn: Object.fromEntries((Object.keys(queue.queueUrls) as QueueKey[]).map((k) => [queue.queueArns[k], queue.queueUrls[k]])),
      ...(dataDir === undefined ? {} : { dataDir }),
      log,
    });

    const env: Record<string, string> = {
      ...toEnvironment({
        tables: Object.fromEntries(Object.entries(TABLES).map(([key, def]) => [key, def.localName])) as Config['tables'],
        queues: queue.queueUrls,
        region: LOCAL_REGION,
        endpoints: { dynamodb: db.endpoint, sqs: queue.endpoint, scheduler: scheduler.endpoint },
        scheduler: {
          group: 'billhook-local',
          roleArn: 'arn:aws:iam::000000000000:role/billhook-scheduler',
          queueArn: queue.queueArns.retries,
          deadLetterArn: queue.queueArns.schedulerDlq,
        },
        // Receivers on this machine: plain http and loopback allowed; other private addresses stay refused.
        outbound: { allowHttp: true, allowLoopback: true },
        // Portal links point at this server (there is no API Gateway Host to go by).
        publicUrl: shim.url,
        ...(dashboardDir ? { dashboardDir } : {}),
      }),
      ...options.env,
      BILLHOOK_ADMIN_KEY: adminKey,
    };
    const config = loadConfig(env);

    const t = performance.now();
    const handlers =
      typeof options.handlers === 'function'
        ? await options.handlers(config)
        : (options.handlers ?? (options.bundlesDir ? await (await import('./bundles.ts')).importBundleHandlers(options.bundlesDir, config) : await importRealHandlers(config)));
    const handlersMs = Math.round(performance.now() - t);

    for (const [name, consumer] of Object.entries(CONSUMERS) as [ConsumerName, (typeof CONSUMERS)[ConsumerName]][]) {
      pollers.push(
        startPoller({
          name,
          client: queue.client,
          queueUrl: queue.queueUrls[consumer.queue],
          queueArn: queue.queueArns[consumer.queue],
          handler: handlers[consumer.function],
          batchSize: consumer.batchSize,
          concurrency: options.concurrency?.[name] ?? DEFAULT_CONCURRENCY[name],
          waitTimeSeconds: options.pollWaitSeconds ?? 1,
          timeoutSeconds: FUNCTION_TIMEOUT_SECONDS[consumer.function],
          log,
          logError,
        }),
      );
    }
    const streamsClient = instrumentClient(new DynamoDBStreamsClient({ endpoint: db.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 3 }));
    const checkpoints = dataDir === undefined ? memoryCheckpoints() : fileCheckpoints(path.join(dataDir, STREAM_CHECKPOINTS_FILE));
    for (const [name, consumer] of Object.entries(STREAM_CONSUMERS)) {
      const handler = handlers[consumer.function];
      const streamArn = d.value.streams[TABLES[consumer.table].localName];
      if (!handler || !streamArn) continue;
      const dlqUrl = queue.queueUrls[consumer.onFailure];
      streamPollers.push(
        startStreamPoller({
          name,
          client: streamsClient,
          streamArn,
          handler,
          batchSize: consumer.batchSize,
          pollMs: consumer.localPollMs,
          batchWindowMs: options.streamBatchWindowMs ?? 0,
          eventNames: consumer.eventNames,
          retryAttempts: consumer.retryAttempts,
          timeoutSeconds: FUNCTION_TIMEOUT_SECONDS[consumer.function],
          checkpoints,
          onFailure: async (failure) => void (await queue.client.send(new SendMessageCommand({ QueueUrl: dlqUrl, MessageBody: JSON.stringify(failure) }))),
          log,
          logError,
        }),
      );
    }
    shim.setHandlers({ ingest: handlers.ingest, api: handlers.api });

    const timings: LocalTimings = {
      dynamodbBootMs: db.bootMs,
      tablesMs,
      sqsBootMs: queue.bootMs,
      queuesMs: s.value.queuesMs,
      handlersMs,
      dashboardMs: b.value,
      totalMs: Math.round(performance.now() - started),
    };
    log(`billhook local: ready in ${timings.totalMs} ms`);
    return {
      apiUrl: shim.url,
      dashboardUrl: `${shim.url}/dashboard`,
      adminKey,
      adminKeySource,
      dataDir,
      port: shim.port,
      sqsEndpoint: queue.endpoint,
      schedulerEndpoint: scheduler.endpoint,
      schedulerStats: scheduler.stats,
      dynamodbEndpoint: db.endpoint,
      queueUrls: queue.queueUrls,
      tables: Object.fromEntries(Object.entries(TABLES).map(([key, def]) => [key, def.localName])) as Record<keyof typeof TABLES, string>,
      env,
      config,
      timings,
      drainStreams: async (timeoutMs) => void (await Promise.all(streamPollers.map((p) => p.drain(timeoutMs)))),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
