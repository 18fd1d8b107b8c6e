/**
 * `npm run bench`: measures, in one run against local mode and a loopback
 * receiver, what the README promises about cost and speed, each figure
 * beside its target. Everything is a ratio or a count measured in the same
 * run, so the figures compare across machines; nothing here gates CI.
 *
 * Used by bench/bench.ts (the command) and test/bench/bench-smoke.test.ts.
 */
import { BillhookClient } from '../lib/client/index.ts';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { LIMITS } from '../lib/core/model.ts';
import { CONSUMERS, INGEST_ROUTES, STREAM_CONSUMERS } from '../lib/definitions.ts';
import { DEFAULT_MEMORY_MB } from '../lib/infra/webhook-delivery.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../lib/local/dynamodb.ts';
import { importRealHandlers, startLocal, type LocalSystem } from '../lib/local/system.ts';
import { AwsMeter, diffSnapshots, type MeterSnapshot } from './aws-meter.ts';
import { measureColdStart, median, type ColdStartFigures } from './cold-start.ts';
import { cpuMeter, findDynamoLocalPid, type CpuSplit } from './cpu.ts';
import { workFigures, type WorkFigures } from './cost-model.ts';
import { billhookProducer, drive, EmulatorFloor, keepAliveAgent, postJson, rawPostLoop } from './load.ts';
import { FAIRNESS_PROFILES, measureFairness, type FairnessFigures } from './fairness.ts';
import { percentile } from './percentile.ts';
import { benchEventData, Run, VerifyingReceiver, type FaultPolicy } from './verifying-receiver.ts';

export type BenchMode = 'smoke' | 'default' | 'full';

/** How much of everything a mode runs. */
export interface BenchProfile {
  /** Events through the pipeline and the floor before anything is measured (JIT, connection pools, caches). */
  warmupEvents: number;
  /** Events per throughput run, and rounds of (floor, pipeline) alternated. */
  throughputEvents: number;
  throughputRounds: number;
  rawPosts: number;
  /** Event counts of the scaling table. */
  scale: number[];
  /** Events per cost scenario (the 10-endpoint one makes ten deliveries each). */
  scenarioEvents: { single: number; batch: number; tenEndpoints: number; failures: number };
  fanoutEndpoints: number;
  fanoutSamples: number;
  /** Events to every endpoint of the fan-out tenant in the stats run (each attempt of a batch to a different endpoint). */
  statsManyEvents: number;
  coldStartRuns: number;
  /** A run with no delivery arriving for this long has failed. */
  stallMs: number;
}

export const PROFILES: Record<BenchMode, BenchProfile> = {
  smoke: {
    warmupEvents: 50,
    throughputEvents: 100,
    throughputRounds: 1,
    rawPosts: 200,
    scale: [100],
    scenarioEvents: { single: 20, batch: 100, tenEndpoints: 5, failures: 20 },
    fanoutEndpoints: 20,
    fanoutSamples: 1,
    statsManyEvents: 1,
    coldStartRuns: 1,
    stallMs: 15_000,
  },
  default: {
    warmupEvents: 1_000,
    throughputEvents: 5_000,
    throughputRounds: 3,
    rawPosts: 5_000,
    scale: [1_000, 10_000],
    scenarioEvents: { single: 1_000, batch: 2_000, tenEndpoints: 200, failures: 1_000 },
    fanoutEndpoints: 1_000,
    fanoutSamples: 5,
    statsManyEvents: 3,
    coldStartRuns: 5,
    stallMs: 30_000,
  },
  full: {
    warmupEvents: 1_000,
    throughputEvents: 5_000,
    throughputRounds: 3,
    rawPosts: 5_000,
    scale: [1_000, 10_000, 100_000],
    scenarioEvents: { single: 1_000, batch: 2_000, tenEndpoints: 200, failures: 1_000 },
    fanoutEndpoints: 1_000,
    fanoutSamples: 5,
    statsManyEvents: 3,
    coldStartRuns: 5,
    stallMs: 30_000,
  },
};

/**
 * Concurrency, the same for Billhook and for the loops it is compared with.
 * The consumer side is local mode's default sender concurrency, the SQS batch
 * size of the stack, and the sender's pool of 16 sockets per origin
 * (HttpWebhookSender's default).
 */
export const LOAD = {
  /** Ingest calls in flight (throughput, scaling and single-event scenarios). */
  producers: 4,
  /**
   * Events per POST /events/batch and per floor produce step in the
   * throughput and scaling runs: batched, yet small enough that latency is
   * not mostly the time to ingest one big batch.
   */
  batch: 25,
  /** Events per request in the batch-ingest cost scenario: the route's maximum, the cheapest way in. */
  costBatch: LIMITS.batchEvents,
  /** Deliveries outstanding at most. */
  window: 200,
  consumers: 4,
  batchSize: CONSUMERS.sender.batchSize,
  connections: 16,
  pollWaitSeconds: 1,
} as const;

/**
 * Retry schedule of the run: the first retry after 1 s instead of 5 s, so the
 * 10 % failure scenario ends quickly. It takes the same path (SQS
 * DelaySeconds), so it costs the same.
 */
export const BENCH_RETRY_SCHEDULE = '1,300,1800,7200,18000,36000,36000';

export interface MachineInfo {
  cpu: string;
  cores: number;
  node: string;
  platform: string;
  totalMemoryGb: number;
  date: string;
}

/** The code measured: its commit, and how many files outside bench/ and test/ differ from it. */
export interface SourceInfo {
  commit: string;
  uncommittedFiles: number;
}

export interface Check {
  figure: string;
  value: string;
  target: string;
  status: 'PASS' | 'MISS' | 'info';
}

export interface ThroughputFigures {
  events: number;
  pipelineDps: number[];
  floorDps: number[];
  rawDps: number;
  /** Median pipeline over median floor. */
  ratioToFloor: number;
  ratioToRaw: number;
  /** AWS work of the last pipeline and floor rounds, for comparison. */
  pipelineWork: WorkFigures;
  floorWork: WorkFigures;
  /** CPU ms per delivery over all rounds, this process and DynamoDB Local: which side bounds the rate. */
  pipelineCpu: CpuSplit;
  floorCpu: CpuSplit;
}

export interface ScenarioResult {
  key: 'single' | 'batch' | 'tenEndpoints' | 'failures';
  title: string;
  events: number;
  /** Undefined when the scenario cannot run (e.g. no batch route). */
  work?: WorkFigures;
  note?: string;
}

export interface FanoutFigures {
  endpoints: number;
  samples: number;
  /** Ingest answer times (ms): an event routed to 1 endpoint (a one-endpoint tenant), to all endpoints, and to 1 of the large tenant's. */
  oneMs: number[];
  manyMs: number[];
  sameTenantOneMs: number[];
  /** From POST to the last of the many deliveries arriving. */
  manyAllDeliveredMs: number[];
  /** From POST to the one delivery arriving, for the one-endpoint tenant: latency of an idle pipeline. */
  oneDeliveredMs: number[];
  ratio: number;
  sameTenantRatio: number;
}

export interface ScalingRow {
  events: number;
  deliveries: number;
  wallMs: number;
  deliveriesPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  peakRssMb: number;
  peakHeapUsedMb: number;
  costPerMillion: number;
  awsRequestsPerDelivery: number;
}

/** One API call of a stats view and the DynamoDB reads it made (the api function's, all tables). */
export interface StatsView {
  view: string;
  path: string;
  /** Deliveries of the tenant counted so far (context: reads must not grow with them). */
  tenantDeliveries: number;
  /** Buckets or endpoints in the answer. */
  rows: number;
  dynamoRequests: number;
  itemsRead: number;
  rcu: number;
}

export interface StatsFigures {
  /** The many-endpoint run: events to every endpoint of the fan-out tenant. */
  manyEndpoints: { events: number; endpoints: number; work: WorkFigures };
  views: StatsView[];
  /** The tenant chart of the single-endpoint tenant, early (after the warm-up) and at the end of the run. */
  growth: { early: StatsView; late: StatsView };
  /** The batching window the stream poller used (the stack's). */
  batchWindowSeconds: number;
}

export interface BenchReport {
  mode: BenchMode;
  profile: BenchProfile;
  load: typeof LOAD;
  machine: MachineInfo;
  source: SourceInfo;
  /** Lambda memory used for GB-seconds. */
  memoryMb: number;
  throughput: ThroughputFigures;
  scenarios: ScenarioResult[];
  fanout: FanoutFigures;
  scaling: ScalingRow[];
  coldStart: ColdStartFigures;
  /** Isolation from a noisy neighbour, and ordered vs unordered throughput. */
  fairness: FairnessFigures;
  /** What the stats cost: writes per delivery and reads per view. */
  stats: StatsFigures;
  checks: Check[];
  /** Real errors (signatures that did not verify, handler failures, work that never settled). Empty on a good run. */
  problems: string[];
  receiver: { unverified: number; stray: number; duplicates: number };
  durationMs: number;
}

export interface BenchOptions {
  mode: BenchMode;
  /** Progress lines. Default: silent. */
  log?: (line: string) => void;
}

/** The machine, for the report. */
export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    totalMemoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    date: new Date().toISOString(),
  };
}

/** The commit under measurement; 'unknown' outside a git checkout. The bench's own files do not count as changes. */
export function sourceInfo(): SourceInfo {
  const cwd = fileURLToPath(new URL('../', import.meta.url));
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, encoding: 'utf8' });
    const changed = status
      .split('\n')
      .map((l) => l.slice(3))
      .filter((f) => f && !f.startsWith('bench/') && !f.startsWith('test/') && f !== 'BENCHMARKS.md');
    return { commit, uncommittedFiles: changed.length };
  } catch {
    return { commit: 'unknown', uncommittedFiles: 0 };
  }
}

export { percentile } from './percentile.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dps = (run: Run) => (run.delivered / run.wallMs) * 1000;

/** Peak RSS and heap while it runs, sampled every 100 ms (the emulators but DynamoDB Local live in this process). */
function memorySampler(): { stop(): { peakRssMb: number; peakHeapUsedMb: number } } {
  let rss = 0;
  let heap = 0;
  const tick = () => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  tick();
  const timer = setInterval(tick, 100);
  return {
    stop() {
      clearInterval(timer);
      tick();
      return { peakRssMb: rss / 2 ** 20, peakHeapUsedMb: heap / 2 ** 20 };
    },
  };
}

/**
 * Wait until the pipeline is idle: no handler running and every message the
 * pollers received since `since` deleted. The receiver has everything before
 * the sender has logged its last attempts and deleted its last messages.
 */
async function settle(meter: AwsMeter, since: MeterSnapshot, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let quietChecks = 0;
  while (Date.now() < deadline) {
    const all = diffSnapshots(meter.snapshot(), since).operations.filter((o) => o.service === 'SQS');
    const d = all.filter((o) => o.actor === 'platform');
    const received = d.filter((o) => o.operation.startsWith('ReceiveMessage')).reduce((n, o) => n + o.messages, 0);
    // The event source deletes at the end of a batch; the sender itself deletes what a long batch has handled.
    const deleted = all.filter((o) => (o.actor === 'platform' || o.actor === 'sender') && o.operation.startsWith('DeleteMessage')).reduce((n, o) => n + o.messages, 0);
    quietChecks = meter.inFlight() === 0 && received === deleted ? quietChecks + 1 : 0;
    if (quietChecks >= 3) return true;
    await sleep(20);
  }
  return false;
}

/** Run the benchmark. Throws on a real error (a run that stalls, an ingest that fails); MISSes are figures, not errors. */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const started = performance.now();
  const profile = PROFILES[options.mode];
  const log = options.log ?? (() => {});
  const problems: string[] = [];
  const meter = new AwsMeter().install();
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const receiver = await new VerifyingReceiver(secret).start();
  const agent = keepAliveAgent(64);
  const memoryMb = () => DEFAULT_MEMORY_MB;
  const hasBatchRoute = INGEST_ROUTES.some((r) => r.method === 'POST' && r.path.endsWith('/events/batch'));
  const throughputMode = hasBatchRoute ? 'batch' : 'single';
  let local: LocalSystem | undefined;
  let floor: EmulatorFloor | undefined;
  let runCounter = 0;

  try {
    log('starting local mode (DynamoDB Local, SQS emulator, handlers)');
    local = await startLocal({
      port: 0,
      env: { BILLHOOK_LOG_LEVEL: 'error', BILLHOOK_RETRY_SCHEDULE: BENCH_RETRY_SCHEDULE },
      // The meter wraps each function: invocations are timed and AWS calls attributed to it.
      handlers: async (config) => meter.wrapHandlers(await importRealHandlers(config)),
      concurrency: { sender: LOAD.consumers, fanout: 1 },
      pollWaitSeconds: LOAD.pollWaitSeconds,
      // The stack's batching window, so the stats writes per delivery are what the deployed event source would cause.
      streamBatchWindowMs: STREAM_CONSUMERS.stats.maxBatchingWindowSeconds * 1000,
      logError: (line) => {
        problems.push(line.slice(0, 500));
        log(`ERROR ${line}`);
      },
    });
    const sys = local;
    const dynamoPid = findDynamoLocalPid(Number(new URL(sys.dynamodbEndpoint).port));
    const auth = { authorization: `Bearer ${sys.adminKey}` };
    // Setup goes through the package's client; the load loops keep undici's keep-alive agent (they measure the API, not the client).
    const client = new BillhookClient({ baseUrl: sys.apiUrl, key: sys.adminKey });
    const call = async (path: string, body: unknown) => {
      const res = await client.request('POST', path, { body });
      if (res.status >= 300) throw new Error(`POST ${path} → ${res.status} ${res.text.slice(0, 300)}`);
      return res.body as { id: string; deliveries?: number };
    };
    const tenant = async (id: string, endpoints: { path: string; eventTypes: string[] }[]) => {
      await call('/v1/tenants', { name: id, id });
      for (let i = 0; i < endpoints.length; i += 16) {
        // maxInFlight = the consumers' capacity (loops × batch size), so an endpoint's lanes are not what is measured.
        await Promise.all(
          endpoints.slice(i, i + 16).map((e) => call(`/v1/tenants/${id}/endpoints`, { url: receiver.url + e.path, secret, eventTypes: e.eventTypes, maxInFlight: LOAD.consumers * LOAD.batchSize })),
        );
      }
    };
    log('creating tenants and endpoints');
    await tenant('ten_bench_one', [{ path: '/one', eventTypes: ['invoice.*'] }]);
    await tenant('ten_bench_ten', Array.from({ length: 10 }, (_, i) => ({ path: `/ten/e${i}`, eventTypes: ['invoice.*'] })));
    await tenant('ten_bench_flaky', [{ path: '/flaky', eventTypes: ['invoice.*'] }]);
    await tenant('ten_bench_fan', [
      ...Array.from({ length: profile.fanoutEndpoints }, (_, i) => ({ path: `/fan/e${i}`, eventTypes: ['invoice.*'] })),
      { path: '/fan/customer', eventTypes: ['customer.created'] },
    ]);

    floor = new EmulatorFloor({
      sqsEndpoint: sys.sqsEndpoint,
      dynamodbEndpoint: sys.dynamodbEndpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      tables: { events: sys.tables.events, logs: sys.tables.logs },
      receiverUrl: receiver.url,
      secret,
      meter,
      consumers: LOAD.consumers,
      batchSize: LOAD.batchSize,
      connections: LOAD.connections,
      waitTimeSeconds: LOAD.pollWaitSeconds,
    });
    await floor.setup();
    const theFloor = floor;

    /** Hand every stream record written so far to the stats function (the batching window cut short at the end of a run). */
    const drainStats = async (what: string) => {
      try {
        await sys.drainStreams(profile.stallMs);
      } catch (err) {
        problems.push(`${what}: the stats stream did not drain: ${err instanceof Error ? err.message : String(err)}`);
      }
    };

    /** One stats view as the API serves it, and the api function's DynamoDB reads for it. */
    const statsView = async (view: string, tenantId: string, query: string): Promise<StatsView> => {
      await drainStats(`view ${view}`);
      const path = `/v1/tenants/${tenantId}/stats${query}`;
      const before = meter.snapshot();
      const res = await client.request('GET', path);
      if (res.status !== 200) throw new Error(`GET ${path} → ${res.status} ${res.text.slice(0, 300)}`);
      const reads = diffSnapshots(meter.snapshot(), before).operations.filter((o) => o.actor === 'api' && o.service === 'DynamoDB');
      const body = res.body as { data: { succeeded: number; failed: number; exhausted: number }[] };
      const totals = await client.request('GET', `/v1/tenants/${tenantId}/stats/endpoints?since=${encodeURIComponent(new Date(Date.now() - 6 * 86_400_000).toISOString())}`);
      const counted = (totals.body as { data: { succeeded: number; failed: number; exhausted: number }[] }).data.reduce((n, e) => n + e.succeeded + e.exhausted, 0);
      return {
        view,
        path,
        tenantDeliveries: counted,
        rows: body.data.length,
        dynamoRequests: reads.reduce((n, o) => n + o.requests, 0),
        itemsRead: reads.reduce((n, o) => n + o.items, 0),
        rcu: reads.reduce((n, o) => n + o.rcu, 0),
      };
    };

    /** One pipeline run: drive, wait until idle, and return what it did. */
    const pipeline = async (o: { tenantId: string; mode: 'single' | 'batch'; events: number; deliveriesPerEvent: number; fault?: FaultPolicy; batch?: number; memory?: boolean }) => {
      const run = receiver.track(new Run(`r${++runCounter}`, o.fault));
      const before = meter.snapshot();
      const mem = o.memory ? memorySampler() : undefined;
      const cpu = cpuMeter(dynamoPid);
      await drive({
        run,
        events: o.events,
        batch: o.mode === 'batch' ? (o.batch ?? LOAD.batch) : 1,
        producers: LOAD.producers,
        window: LOAD.window,
        deliveriesPerEvent: o.deliveriesPerEvent,
        produce: billhookProducer({ agent, apiUrl: sys.apiUrl, adminKey: sys.adminKey, tenantId: o.tenantId, mode: o.mode, deliveriesPerEvent: o.deliveriesPerEvent, run }),
        stallMs: profile.stallMs,
      });
      const memory = mem?.stop();
      const cpuUsed = cpu.stop();
      if (!(await settle(meter, before, profile.stallMs))) problems.push(`run ${run.id}: the pipeline did not settle (a handler still running or received messages never deleted)`);
      await drainStats(`run ${run.id}`);
      const diff = diffSnapshots(meter.snapshot(), before);
      receiver.forget(run);
      return { run, diff, memory, cpu: cpuUsed, work: workFigures(diff, run.delivered, run.requests, memoryMb) };
    };

    const floorRun = async (events: number) => {
      const run = receiver.track(new Run(`r${++runCounter}`));
      const before = meter.snapshot();
      const stop = new AbortController();
      const consumers = theFloor.consume(run, stop.signal);
      const cpu = cpuMeter(dynamoPid);
      try {
        await drive({ run, events, batch: LOAD.batch, producers: LOAD.producers, window: LOAD.window, deliveriesPerEvent: 1, produce: theFloor.producer(run), stallMs: profile.stallMs });
      } finally {
        stop.abort();
        await consumers;
      }
      // The floor writes attempts to the logs table too: let the stats function count them inside this window.
      await drainStats(`floor run ${run.id}`);
      const cpuUsed = cpu.stop();
      const diff = diffSnapshots(meter.snapshot(), before);
      receiver.forget(run);
      return { run, cpu: cpuUsed, work: workFigures(diff, run.delivered, run.requests, memoryMb, new Set(['floor'])) };
    };

    // Warm-up: JIT, connection pools, the sender's endpoint cache, DynamoDB Local's own warm-up.
    log(`warm-up: ${profile.warmupEvents} events through the pipeline and the floor`);
    await pipeline({ tenantId: 'ten_bench_one', mode: throughputMode, events: profile.warmupEvents, deliveriesPerEvent: 1 });
    await floorRun(Math.min(profile.warmupEvents, 500));
    const earlyChart = await statsView('tenant chart, hours (24 h)', 'ten_bench_one', '');

    // 1. Throughput, alternating floor and pipeline so drift hits both.
    const pipelineDps: number[] = [];
    const floorDps: number[] = [];
    let pipelineWork: WorkFigures | undefined;
    let floorWork: WorkFigures | undefined;
    const cpuTotals = { pipeline: { nodeMs: 0, dynamoMs: 0, deliveries: 0 }, floor: { nodeMs: 0, dynamoMs: 0, deliveries: 0 } };
    const addCpu = (into: { nodeMs: number; dynamoMs: number; deliveries: number }, cpu: CpuSplit, deliveries: number) => {
      into.nodeMs += cpu.nodeMs;
      into.dynamoMs += cpu.dynamoMs;
      into.deliveries += deliveries;
    };
    const perDelivery = (t: { nodeMs: number; dynamoMs: number; deliveries: number }): CpuSplit => ({ nodeMs: t.nodeMs / t.deliveries, dynamoMs: t.dynamoMs / t.deliveries });
    for (let round = 1; round <= profile.throughputRounds; round++) {
      const f = await floorRun(profile.throughputEvents);
      floorDps.push(dps(f.run));
      floorWork = f.work;
      addCpu(cpuTotals.floor, f.cpu, f.run.delivered);
      const p = await pipeline({ tenantId: 'ten_bench_one', mode: throughputMode, events: profile.throughputEvents, deliveriesPerEvent: 1 });
      pipelineDps.push(dps(p.run));
      pipelineWork = p.work;
      addCpu(cpuTotals.pipeline, p.cpu, p.run.delivered);
      log(`throughput round ${round}: floor ${Math.round(floorDps.at(-1)!)}/s, pipeline ${Math.round(pipelineDps.at(-1)!)}/s`);
    }
    const rawRun = receiver.track(new Run(`r${++runCounter}`));
    await rawPostLoop({ run: rawRun, receiverUrl: receiver.url, secret, count: profile.rawPosts, concurrency: LOAD.consumers * LOAD.batchSize, connections: LOAD.connections, stallMs: profile.stallMs });
    receiver.forget(rawRun);
    const rawDps = dps(rawRun);
    log(`raw POST loop: ${Math.round(rawDps)}/s`);
    const throughput: ThroughputFigures = {
      events: profile.throughputEvents,
      pipelineDps,
      floorDps,
      rawDps,
      ratioToFloor: median(pipelineDps) / median(floorDps),
      ratioToRaw: median(pipelineDps) / rawDps,
      pipelineWork: pipelineWork!,
      floorWork: floorWork!,
      pipelineCpu: perDelivery(cpuTotals.pipeline),
      floorCpu: perDelivery(cpuTotals.floor),
    };

    // 5. Scaling.
    const scaling: ScalingRow[] = [];
    for (const events of profile.scale) {
      log(`scaling: ${events} events`);
      const r = await pipeline({ tenantId: 'ten_bench_one', mode: throughputMode, events, deliveriesPerEvent: 1, memory: true });
      scaling.push({
        events,
        deliveries: r.run.delivered,
        wallMs: r.run.wallMs,
        deliveriesPerSecond: dps(r.run),
        p50Ms: percentile(r.run.latencies, 50),
        p95Ms: percentile(r.run.latencies, 95),
        p99Ms: percentile(r.run.latencies, 99),
        peakRssMb: r.memory!.peakRssMb,
        peakHeapUsedMb: r.memory!.peakHeapUsedMb,
        costPerMillion: r.work.cost.total,
        awsRequestsPerDelivery: r.work.awsRequestsPerDelivery,
      });
    }

    // 2 and 3. AWS work and cost per scenario.
    const scenarios: ScenarioResult[] = [];
    const ev = profile.scenarioEvents;
    log('scenario: single events, 1 endpoint');
    scenarios.push({ key: 'single', title: 'single events → 1 endpoint', events: ev.single, work: (await pipeline({ tenantId: 'ten_bench_one', mode: 'single', events: ev.single, deliveriesPerEvent: 1 })).work });
    if (hasBatchRoute) {
      log('scenario: batch ingest, 1 endpoint');
      scenarios.push({ key: 'batch', title: `batch ingest (${LOAD.costBatch} per request) → 1 endpoint`, events: ev.batch, work: (await pipeline({ tenantId: 'ten_bench_one', mode: 'batch', events: ev.batch, deliveriesPerEvent: 1, batch: LOAD.costBatch })).work });
    } else {
      scenarios.push({ key: 'batch', title: 'batch ingest → 1 endpoint', events: 0, note: 'n/a: no batch route' });
    }
    log('scenario: 1 event to 10 endpoints');
    scenarios.push({ key: 'tenEndpoints', title: 'single events → 10 endpoints', events: ev.tenEndpoints, work: (await pipeline({ tenantId: 'ten_bench_ten', mode: 'single', events: ev.tenEndpoints, deliveriesPerEvent: 10 })).work });
    log('scenario: 10 % first attempts fail');
    // Every tenth event's first attempt gets a 500; its retry (1 s later, via SQS DelaySeconds) succeeds.
    const tenPercent: FaultPolicy = (seq, attempt) => (attempt === 1 && seq % 10 === 0 ? 500 : 200);
    scenarios.push({ key: 'failures', title: 'single events → 1 endpoint, 10 % first attempts fail', events: ev.failures, work: (await pipeline({ tenantId: 'ten_bench_flaky', mode: 'single', events: ev.failures, deliveriesPerEvent: 1, fault: tenPercent })).work });

    // 8. Stats: a run whose attempts each go to a different endpoint (the most writes per delivery), then reads per view.
    log(`stats: ${profile.statsManyEvents} event(s) to each of ${profile.fanoutEndpoints} endpoints, then the views`);
    const manyRun = receiver.track(new Run(`r${++runCounter}`));
    const manyBefore = meter.snapshot();
    for (let i = 0; i < profile.statsManyEvents; i++) {
      manyRun.markSent(i, performance.now());
      const res = await postJson(agent, `${sys.apiUrl}/v1/tenants/ten_bench_fan/events`, { type: 'invoice.paid', data: benchEventData(manyRun.id, i) }, { ...auth, 'idempotency-key': `${manyRun.id}-${i}` });
      if (res.status !== 202) throw new Error(`stats: ingest answered ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
      manyRun.expected += (res.body as { deliveries: number }).deliveries;
    }
    await manyRun.until(() => manyRun.complete, profile.stallMs * 4, 'the many-endpoint deliveries');
    if (!(await settle(meter, manyBefore, profile.stallMs))) problems.push('stats many-endpoint run: the pipeline did not settle');
    await drainStats('stats many-endpoint run');
    receiver.forget(manyRun);
    const manyWork = workFigures(diffSnapshots(meter.snapshot(), manyBefore), manyRun.delivered, manyRun.requests, memoryMb);
    const { body: fanEndpoints } = await client.request('GET', '/v1/tenants/ten_bench_fan/endpoints?limit=1');
    const oneFanEndpoint = (fanEndpoints as { data: { id: string }[] }).data[0]!.id;
    const views: StatsView[] = [
      await statsView('tenant chart, hours (24 h)', 'ten_bench_one', ''),
      await statsView('tenant chart, days (30 days)', 'ten_bench_one', '?bucket=day'),
      await statsView('endpoint chart, hours (24 h)', 'ten_bench_fan', `?endpointId=${oneFanEndpoint}`),
      await statsView('tenant chart, hours (24 h)', 'ten_bench_fan', ''),
      await statsView('endpoint list totals (24 h)', 'ten_bench_one', '/endpoints'),
      await statsView('endpoint list totals (24 h)', 'ten_bench_ten', '/endpoints'),
      await statsView(`endpoint list totals (24 h)`, 'ten_bench_fan', '/endpoints'),
    ];
    const stats: StatsFigures = {
      manyEndpoints: { events: profile.statsManyEvents, endpoints: profile.fanoutEndpoints, work: manyWork },
      views,
      growth: { early: earlyChart, late: views[0]! },
      batchWindowSeconds: STREAM_CONSUMERS.stats.maxBatchingWindowSeconds,
    };

    // 4. Fan-out: ingest answer time, 1 endpoint vs all of a large tenant's.
    log(`fan-out: ${profile.fanoutEndpoints} endpoints, ${profile.fanoutSamples} samples`);
    const fanSample = async (tenantId: string, type: string) => {
      const run = receiver.track(new Run(`r${++runCounter}`));
      const before = meter.snapshot();
      const t = performance.now();
      run.markSent(0, t);
      const res = await postJson(agent, `${sys.apiUrl}/v1/tenants/${tenantId}/events`, { type, data: benchEventData(run.id, 0) }, { ...auth, 'idempotency-key': run.id });
      const ingestMs = performance.now() - t;
      if (res.status !== 202) throw new Error(`fan-out: ingest answered ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
      run.expected = (res.body as { deliveries: number }).deliveries;
      await run.until(() => run.complete, profile.stallMs, 'fan-out deliveries');
      receiver.forget(run);
      // Let the sender finish logging before the next sample, so samples do not overlap.
      if (!(await settle(meter, before, profile.stallMs))) problems.push(`fan-out sample ${run.id}: the pipeline did not settle`);
      return { ingestMs, deliveries: run.expected, allMs: run.lastArrivalAt - t };
    };
    const fan: FanoutFigures = { endpoints: profile.fanoutEndpoints, samples: profile.fanoutSamples, oneMs: [], manyMs: [], sameTenantOneMs: [], manyAllDeliveredMs: [], oneDeliveredMs: [], ratio: 0, sameTenantRatio: 0 };
    // One unmeasured round first: the large tenant's first event pays for cold paths.
    await fanSample('ten_bench_fan', 'invoice.paid');
    for (let i = 0; i < profile.fanoutSamples; i++) {
      const one = await fanSample('ten_bench_one', 'invoice.paid');
      fan.oneMs.push(one.ingestMs);
      fan.oneDeliveredMs.push(one.allMs);
      const many = await fanSample('ten_bench_fan', 'invoice.paid');
      if (many.deliveries !== profile.fanoutEndpoints) throw new Error(`fan-out: routed to ${many.deliveries} endpoints, expected ${profile.fanoutEndpoints}`);
      fan.manyMs.push(many.ingestMs);
      fan.manyAllDeliveredMs.push(many.allMs);
      fan.sameTenantOneMs.push((await fanSample('ten_bench_fan', 'customer.created')).ingestMs);
    }
    fan.ratio = median(fan.manyMs) / median(fan.oneMs);
    fan.sameTenantRatio = median(fan.manyMs) / median(fan.sameTenantOneMs);

    await local.stop();
    local = undefined;
    floor.close();
    floor = undefined;

    // 6. Fairness, on a local mode of its own (the default sender concurrency, as `npm start` runs).
    log('fairness: a noisy neighbour, and ordered delivery');
    const fairness = await measureFairness(options.mode === 'smoke' ? FAIRNESS_PROFILES.smoke : FAIRNESS_PROFILES.default, log);

    // 7. Cold start, with the emulators gone so the children have the machine.
    log(`cold start: building bundles, ${profile.coldStartRuns} import run(s) each`);
    const coldStart = await measureColdStart({ runs: profile.coldStartRuns });

    if (receiver.unverified > 0) problems.push(`${receiver.unverified} requests did not verify: ${receiver.problems.join('; ')}`);
    if (receiver.stray > 0) problems.push(`${receiver.stray} requests belonged to no run`);
    const report: Omit<BenchReport, 'checks'> = {
      mode: options.mode,
      profile,
      load: LOAD,
      machine: machineInfo(),
      source: sourceInfo(),
      memoryMb: DEFAULT_MEMORY_MB,
      throughput,
      scenarios,
      fanout: fan,
      scaling,
      coldStart,
      fairness,
      stats,
      problems,
      receiver: { unverified: receiver.unverified, stray: receiver.stray, duplicates: receiver.duplicates },
      durationMs: performance.now() - started,
    };
    return { ...report, checks: checksOf(report) };
  } finally {
    await local?.stop();
    floor?.close();
    await receiver.stop();
    await agent.close();
    meter.dispose();
  }
}

const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : String(n));
const verdict = (ok: boolean): Check['status'] => (ok ? 'PASS' : 'MISS');

/** Every figure that has a target, with PASS or MISS (and a few for context). */
export function checksOf(r: Omit<BenchReport, 'checks'>): Check[] {
  const checks: Check[] = [];
  const t = r.throughput;
  checks.push({ figure: 'throughput ÷ emulator floor', value: fmt(t.ratioToFloor), target: '≥ 0.8', status: verdict(t.ratioToFloor >= 0.8) });
  checks.push({ figure: 'throughput ÷ raw POST loop', value: fmt(t.ratioToRaw), target: 'context', status: 'info' });
  const byKey = new Map(r.scenarios.map((s) => [s.key, s]));
  const single = byKey.get('single')?.work;
  const batch = byKey.get('batch')?.work;
  const failures = byKey.get('failures')?.work;
  if (single) {
    checks.push({ figure: 'sender DynamoDB reads / delivery (steady, single → 1 ep)', value: fmt(single.senderReadsPerDelivery, 3), target: '0 (≤ 0.01: cache refreshes)', status: verdict(single.senderReadsPerDelivery <= 0.01) });
    checks.push({ figure: 'sender DynamoDB writes / attempt (single → 1 ep)', value: fmt(single.senderWritesPerAttempt), target: '≤ 1', status: verdict(single.senderWritesPerAttempt <= 1) });
  }
  if (failures) checks.push({ figure: 'sender DynamoDB writes / attempt (10 % failures)', value: fmt(failures.senderWritesPerAttempt), target: '≤ 1', status: verdict(failures.senderWritesPerAttempt <= 1) });
  for (const [label, w] of [['single → 1 ep', single], ['batch → 1 ep', batch]] as const) {
    if (!w) continue;
    checks.push({ figure: `AWS requests / delivery (${label})`, value: fmt(w.awsRequestsPerDelivery), target: '≤ 1.5', status: verdict(w.awsRequestsPerDelivery <= 1.5) });
  }
  for (const [label, w] of [['single → 1 ep', single], ['batch → 1 ep', batch]] as const) {
    if (!w) continue;
    checks.push({ figure: `cost per 1M deliveries (${label})`, value: `$${fmt(w.cost.total)}`, target: '≤ $1.50', status: verdict(w.cost.total <= 1.5) });
  }
  if (!batch) checks.push({ figure: 'cost per 1M deliveries (batch → 1 ep)', value: 'n/a: no batch route', target: '≤ $1.50', status: 'info' });
  checks.push({ figure: `fan-out: ingest time ${r.fanout.endpoints} endpoints ÷ 1 endpoint`, value: fmt(r.fanout.ratio), target: '≤ 3', status: verdict(r.fanout.ratio <= 3) });
  if (r.scaling.length > 1) {
    const costs = r.scaling.map((s) => s.costPerMillion);
    const spread = Math.max(...costs) / Math.min(...costs);
    checks.push({ figure: `cost per delivery, ${r.scaling.map((s) => s.events).join(' / ')} events (max ÷ min)`, value: fmt(spread), target: '≤ 1.1 (linear)', status: verdict(spread <= 1.1) });
  }
  const f = r.fairness;
  checks.push({ figure: `isolation: quiet tenant p99 beside a noisy backlog ÷ alone`, value: fmt(f.isolationRatio), target: '≤ 2', status: verdict(f.isolationRatio <= 2) });
  checks.push({ figure: `ordered endpoint throughput (${f.keys} keys) ÷ unordered`, value: fmt(f.orderedRatio), target: '≥ 0.5', status: verdict(f.orderedRatio >= 0.5) });
  checks.push({ figure: 'order violations on the ordered endpoint', value: String(f.orderViolations), target: '0', status: verdict(f.orderViolations === 0) });
  const st = r.stats;
  for (const [label, w] of [['single → 1 ep', single], ['batch → 1 ep', batch]] as const) {
    if (w) checks.push({ figure: `stats writes (WCU) / delivery (${label})`, value: fmt(w.stats.wcuPerDelivery, 4), target: '≤ 0.05 (a batch folds into a few counters)', status: verdict(w.stats.wcuPerDelivery <= 0.05) });
  }
  checks.push({ figure: `stats writes (WCU) / delivery (1 event → ${st.manyEndpoints.endpoints} endpoints)`, value: fmt(st.manyEndpoints.work.stats.wcuPerDelivery), target: '≤ 2.1 (2 per endpoint per batch, + the tenant)', status: verdict(st.manyEndpoints.work.stats.wcuPerDelivery <= 2.1) });
  const chart = st.views[0]!;
  checks.push({ figure: 'stats reads (RCU) per tenant chart view (24 h of hours)', value: fmt(chart.rcu, 1), target: '≤ 10', status: verdict(chart.rcu <= 10) });
  const list = st.views.at(-1)!;
  checks.push({ figure: `stats reads (RCU) per endpoint-list view (${list.rows} endpoints)`, value: fmt(list.rcu, 1), target: 'context', status: 'info' });
  const growth = st.growth.late.rcu / st.growth.early.rcu;
  checks.push({
    figure: `chart view reads after ${Math.round(st.growth.late.tenantDeliveries / Math.max(1, st.growth.early.tenantDeliveries))}× the deliveries ÷ before`,
    value: fmt(growth),
    target: '≤ 1 (does not grow with traffic)',
    status: verdict(growth <= 1.0001 && st.growth.late.itemsRead <= st.growth.early.itemsRead + 1),
  });
  const batchWork = byKey.get('batch')?.work;
  if (batchWork) checks.push({ figure: 'SQS requests / delivery (batch → 1 ep), of which FIFO', value: `${fmt(batchWork.sqsRequestsPerDelivery)} (${fmt(batchWork.sqsFifoRequestsPerDelivery)})`, target: 'context', status: 'info' });
  const shipped = r.coldStart.bundles.filter((b) => b.shipped);
  for (const b of shipped) {
    // Billhook's own code and dependencies; the bundled AWS SDK is reported beside it.
    if (b.name === 'sender') {
      checks.push({ figure: 'sender bundle size, less the bundled AWS SDK', value: `${fmt((b.bytes - b.sdkBytes) / 1024, 0)} KB`, target: '≤ 300 KB', status: verdict(b.bytes - b.sdkBytes <= 300 * 1024) });
      checks.push({ figure: 'sender bundle size, AWS SDK included', value: `${fmt(b.bytes / 1024, 0)} KB`, target: 'context', status: 'info' });
    }
  }
  for (const b of shipped) {
    checks.push({ figure: `${b.name} import time ÷ empty module`, value: fmt(b.importRatio, 0), target: '≤ 10', status: verdict(b.importRatio <= 10) });
  }
  for (const b of shipped) {
    const other = r.coldStart.bundles.find((o) => o.name === b.name && !o.shipped);
    if (other) checks.push({ figure: `${b.name} import time, SDK ${b.sdk} ÷ SDK ${other.sdk}`, value: fmt(b.importMs / other.importMs), target: 'context', status: 'info' });
  }
  return checks;
}
