/**
 * The benchmark report as terminal tables and as a section of
 * BENCHMARKS.md. The file keeps one section per label (a baseline, the
 * latest run, ...): a run replaces its own label's section and leaves the
 * others, so a before/after comparison survives later runs.
 */
import { LIST_PRICES, type WorkFigures } from './cost-model.ts';
import { median } from './cold-start.ts';
import type { BenchReport, Check, ScenarioResult } from './bench-lib.ts';

type Cell = string | number;

const n0 = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : String(v));
const n2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : String(v));
const n3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : String(v));
const usd = (v: number) => `$${n2(v)}`;
const ms = (v: number) => `${Number.isFinite(v) ? (v < 10 ? v.toFixed(1) : Math.round(v).toString()) : String(v)} ms`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

/** A plain-text table with aligned columns. */
export function textTable(headers: string[], rows: Cell[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** A GitHub-flavoured Markdown table. */
export function mdTable(headers: string[], rows: Cell[][]): string {
  const esc = (c: Cell) => String(c).replace(/\|/g, '\\|');
  return [`| ${headers.map(esc).join(' | ')} |`, `|${headers.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

type Table = (headers: string[], rows: Cell[][]) => string;

const checkRows = (checks: Check[]): Cell[][] => checks.map((c) => [c.figure, c.value, c.target, c.status]);

function throughputRows(r: BenchReport): Cell[][] {
  const t = r.throughput;
  return [
    ['Billhook pipeline', t.pipelineDps.map(n0).join(', '), n0(median(t.pipelineDps)), n2(t.pipelineWork.awsRequestsPerDelivery), n2(t.pipelineCpu.nodeMs), n2(t.pipelineCpu.dynamoMs)],
    ['emulator floor (no Billhook code)', t.floorDps.map(n0).join(', '), n0(median(t.floorDps)), n2(t.floorWork.awsRequestsPerDelivery), n2(t.floorCpu.nodeMs), n2(t.floorCpu.dynamoMs)],
    ['raw keep-alive POST loop', n0(t.rawDps), n0(t.rawDps), '0', '', ''],
  ];
}

function scalingRows(r: BenchReport): Cell[][] {
  return r.scaling.map((s) => [n0(s.events), `${(s.wallMs / 1000).toFixed(1)} s`, n0(s.deliveriesPerSecond), ms(s.p50Ms), ms(s.p95Ms), ms(s.p99Ms), `${n0(s.peakRssMb)} MB`, `${n0(s.peakHeapUsedMb)} MB`, usd(s.costPerMillion), n2(s.awsRequestsPerDelivery)]);
}

const SCALING_HEADERS = ['events', 'wall', 'deliveries/s', 'p50', 'p95', 'p99', 'peak RSS', 'peak heap', '$ / 1M deliveries', 'AWS req / delivery'];

function lambdaInvocations(w: WorkFigures): number {
  return Object.values(w.lambda).reduce((n, l) => n + l.invocationsPerDelivery, 0);
}

function scenarioRows(scenarios: ScenarioResult[]): Cell[][] {
  return scenarios.map((s) => {
    const w = s.work;
    if (!w) return [s.title, s.note ?? 'n/a', '', '', '', '', '', '', '', '', ''];
    return [s.title, n0(w.deliveries), n0(w.attempts), n2(w.awsRequestsPerDelivery), n2(w.dynamoRequestsPerDelivery), n2(w.wcuPerDelivery), n3(w.rcuPerDelivery), `${n2(w.sqsRequestsPerDelivery)} (FIFO ${n2(w.sqsFifoRequestsPerDelivery)})`, n2(w.apiRequestsPerDelivery), n2(lambdaInvocations(w)), usd(w.cost.total)];
  });
}

const SCENARIO_HEADERS = ['scenario', 'deliveries', 'attempts', 'AWS req', 'DynamoDB req', 'WCU', 'RCU', 'SQS req (of which FIFO)', 'API GW req', 'Lambda inv', '$ / 1M deliveries'];

function costRows(scenarios: ScenarioResult[]): Cell[][] {
  return scenarios
    .filter((s) => s.work)
    .map((s) => {
      const c = s.work!.cost;
      return [s.title, usd(c.apiGateway), usd(c.lambdaRequests), usd(c.lambdaCompute), usd(c.dynamoWrites), usd(c.dynamoReads), usd(c.sqs), usd(c.scheduler), usd(c.total)];
    });
}

const COST_HEADERS = ['scenario', 'API Gateway', 'Lambda requests', 'Lambda GB-s', 'DynamoDB writes', 'DynamoDB reads', 'SQS', 'Scheduler', 'total'];

function operationRows(w: WorkFigures): Cell[][] {
  return w.operations.map((o) => [o.actor, o.service, o.operation, n3(o.requestsPerDelivery), o.wcuPerDelivery ? n2(o.wcuPerDelivery) : '', o.rcuPerDelivery ? n3(o.rcuPerDelivery) : '', o.messagesPerDelivery ? n2(o.messagesPerDelivery) : '']);
}

const OPERATION_HEADERS = ['made by', 'service', 'operation', 'requests', 'WCU', 'RCU', 'SQS messages'];

function lambdaRows(scenarios: ScenarioResult[]): Cell[][] {
  return scenarios.flatMap((s) => (s.work ? Object.entries(s.work.lambda).map(([fn, l]) => [s.title, fn, n3(l.invocationsPerDelivery), ms(l.meanBilledMs), l.gbSecondsPerDelivery.toExponential(2)]) : []));
}

function statsWriteRows(r: BenchReport): Cell[][] {
  const rows: [string, WorkFigures][] = r.scenarios.flatMap((s) => (s.work ? [[s.title, s.work] as [string, WorkFigures]] : []));
  rows.push([`${n0(r.stats.manyEndpoints.events)} event(s) → ${n0(r.stats.manyEndpoints.endpoints)} endpoints (each attempt of a batch to another endpoint)`, r.stats.manyEndpoints.work]);
  return rows.map(([title, w]) => [title, n0(w.deliveries), n3(w.stats.wcuPerDelivery), n3(w.stats.invocationsPerDelivery), usd(w.stats.costPerMillion), `${n0((w.stats.costPerMillion / w.cost.total) * 100)} %`]);
}

function statsViewRows(r: BenchReport): Cell[][] {
  const P = LIST_PRICES;
  return r.stats.views.map((v) => [v.view, v.path.replace(/^\/v1\/tenants\//, ''), n0(v.tenantDeliveries), n0(v.rows), n0(v.dynamoRequests), n0(v.itemsRead), n2(v.rcu), usd(v.rcu * P.dynamoRcu * 1e6)]);
}

function fanoutRows(r: BenchReport): Cell[][] {
  const f = r.fanout;
  return [
    ['1 endpoint (a one-endpoint tenant)', ms(median(f.oneMs)), f.oneMs.map((v) => Math.round(v)).join(', ')],
    [`${n0(f.endpoints)} endpoints`, ms(median(f.manyMs)), f.manyMs.map((v) => Math.round(v)).join(', ')],
    [`1 endpoint of the ${n0(f.endpoints)}-endpoint tenant`, ms(median(f.sameTenantOneMs)), f.sameTenantOneMs.map((v) => Math.round(v)).join(', ')],
  ];
}

function coldRows(r: BenchReport): Cell[][] {
  const c = r.coldStart;
  return [
    ['(empty module)', '', '0 KB', ms(c.emptyImportMs), '1', '', ms(c.emptyProcessMs)],
    ['(AWS SDK clients only, from node_modules)', '', '', ms(c.sdkImportMs), n0(c.sdkImportMs / c.emptyImportMs), '', ''],
    ...c.bundles.map((b) => [
      b.name,
      `${b.sdk}${b.shipped ? ' (shipped)' : ''}`,
      b.sdkBytes ? `${kb(b.bytes)} (SDK ${kb(b.sdkBytes)})` : kb(b.bytes),
      ms(b.importMs),
      n0(b.importRatio),
      b.ownRatio === undefined ? '' : n0(b.ownRatio),
      ms(b.processMs),
    ]),
  ];
}

function sections(r: BenchReport, table: Table, heading: (text: string) => string): string[] {
  const single = r.scenarios.find((s) => s.key === 'single')?.work;
  const out: string[] = [];
  out.push(heading('Targets'), table(['figure', 'value', 'target', 'result'], checkRows(r.checks)));
  out.push(heading(`Throughput: ${n0(r.throughput.events)} events, POST → verified at the receiver (deliveries/s)`), table(['loop', 'per round', 'median', 'AWS req / delivery', 'CPU ms / delivery: Node process', 'CPU ms / delivery: DynamoDB Local'], throughputRows(r)));
  out.push(
    heading(`Scaling (batch ingest, ${r.load.batch} per request, 1 endpoint, at most ${r.load.window} deliveries outstanding)`),
    table(SCALING_HEADERS, scalingRows(r)),
    `Latency under this load is mostly the wait behind the outstanding deliveries (Little's law: ${r.load.window} ÷ rate). An idle pipeline delivers one event (single POST) in ${ms(median(r.fanout.oneDeliveredMs))} (median of ${r.fanout.oneDeliveredMs.length}).`,
  );
  out.push(heading('AWS work per delivery, by scenario'), table(SCENARIO_HEADERS, scenarioRows(r.scenarios)));
  out.push(heading('Cost per 1M deliveries, by line (list prices)'), table(COST_HEADERS, costRows(r.scenarios)));
  for (const s of r.scenarios) {
    if (s.work && (s.key === 'single' || s.key === 'batch' || s.key === 'failures')) out.push(heading(`Requests per delivery by function and operation: ${s.title}`), table(OPERATION_HEADERS, operationRows(s.work)));
  }
  if (single) out.push(heading('Emulator floor, for comparison: requests per delivery'), table(OPERATION_HEADERS, operationRows(r.throughput.floorWork)));
  out.push(heading('Lambda per delivery'), table(['scenario', 'function', 'invocations', 'mean billed', 'GB-s'], lambdaRows(r.scenarios)));
  const g = r.stats.growth;
  out.push(
    heading(`Stats: writes per delivery (stream batching window ${r.stats.batchWindowSeconds} s) and reads per view`),
    table(['scenario', 'deliveries', 'stats WCU / delivery', 'stats Lambda invocations / delivery', 'stats $ / 1M deliveries', 'share of the total'], statsWriteRows(r)),
    table(['view', 'request', 'tenant deliveries counted', 'buckets or endpoints', 'DynamoDB requests', 'items read', 'RCU', 'reads $ / 1M views'], statsViewRows(r)),
    `The same tenant chart read ${n2(g.early.rcu)} RCU (${n0(g.early.itemsRead)} items) with ${n0(g.early.tenantDeliveries)} deliveries counted and ${n2(g.late.rcu)} RCU (${n0(g.late.itemsRead)} items) with ${n0(g.late.tenantDeliveries)}: reads follow the window's hours and endpoints, not the traffic. A view's reads include the tenant lookup (and the endpoint's, for one endpoint's chart).`,
  );
  out.push(
    heading(`Fan-out: ingest answer time (median of ${r.fanout.samples})`),
    table(['event routed to', 'median', 'samples (ms)'], fanoutRows(r)),
    `ratio ${n2(r.fanout.ratio)} (vs 1 endpoint of the same tenant: ${n2(r.fanout.sameTenantRatio)}); all ${n0(r.fanout.endpoints)} deliveries arrived in ${ms(median(r.fanout.manyAllDeliveredMs))} (median)`,
  );
  const f = r.fairness;
  out.push(
    heading('Fairness: a noisy neighbour, and ordered delivery'),
    table(
      ['figure', 'value'],
      [
        ['quiet tenant, alone: p50 / p99 (ingest call → receiver)', `${ms(f.quietAloneP50Ms)} / ${ms(f.quietAloneP99Ms)}`],
        ['quiet tenant, beside a noisy backlog: p50 / p99', `${ms(f.quietNoisyP50Ms)} / ${ms(f.quietNoisyP99Ms)}`],
        ['isolation ratio (p99 beside ÷ p99 alone)', n2(f.isolationRatio)],
        ["noisy backlog delivered by the quiet tenant's last arrival", `${n0(f.noisyDeliveredShare * 100)} %`],
        ['most concurrent requests at the noisy endpoint (maxInFlight 10)', n0(f.noisyMaxInFlight)],
        ['unordered endpoint, deliveries/s', n0(f.unorderedPerSecond)],
        [`ordered endpoint over ${f.keys} keys, deliveries/s`, n0(f.orderedPerSecond)],
        ['ordered ÷ unordered', n2(f.orderedRatio)],
        ['order violations', n0(f.orderViolations)],
      ],
    ),
  );
  out.push(heading(`Cold start (median of ${r.coldStart.runs} fresh processes)`), table(['function', 'AWS SDK', 'bundle', 'import()', '÷ empty', 'less the SDK, ÷ empty', 'process wall'], coldRows(r)));
  return out;
}

/** The report for a terminal. */
export function formatReport(r: BenchReport): string {
  const m = r.machine;
  const head = `Billhook benchmark (${r.mode}) — commit ${r.source.commit}${r.source.uncommittedFiles ? ' + changes' : ''} — ${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.date} — ${(r.durationMs / 1000).toFixed(0)} s`;
  const problems = r.problems.length ? `\nPROBLEMS:\n- ${r.problems.join('\n- ')}` : '';
  return [head, ...sections(r, textTable, (t) => `\n== ${t}`)].join('\n') + problems + '\n';
}

/** One labelled section of BENCHMARKS.md. */
export function renderSection(r: BenchReport, label: string): string {
  const m = r.machine;
  const lines = [
    `## ${label}`,
    '',
    `\`npm run bench${r.mode === 'default' ? '' : ` -- --${r.mode}`}\`, ${m.date.slice(0, 16).replace('T', ' ')} UTC, ${(r.durationMs / 1000).toFixed(0)} s.`,
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.totalMemoryGb} GB, ${m.platform}, Node ${m.node}.`,
    `Code: commit ${r.source.commit}${r.source.uncommittedFiles ? ` with ${r.source.uncommittedFiles} uncommitted file(s) outside bench/ and test/` : ''}.`,
  ];
  if (r.problems.length) lines.push('', `**Problems in this run:** ${r.problems.join('; ')}`);
  for (const block of sections(r, mdTable, (t) => `### ${t}`)) lines.push('', block);
  return lines.join('\n');
}

/** The method, regenerated at the top of BENCHMARKS.md on every run. */
export function renderMethod(r: BenchReport): string {
  const L = r.load;
  const P = LIST_PRICES;
  return `# Benchmarks

Produced by \`npm run bench\` (\`bench/bench.ts\`; \`--smoke\` for a 10-second check, \`--full\` adds 100k events).
Every section below is one run on one machine; compare ratios and counts, not absolute times, across machines.

## Method

- **Setup.** Local mode (\`startLocal\`): DynamoDB Local (Java, its own process), the fauxqs SQS
  emulator and the real handlers in this process behind the API Gateway shim; sender pollers
  ${L.consumers} × batches of ${L.batchSize}; the sender's keep-alive pool of ${L.connections} sockets.
  A loopback receiver verifies every request with the \`standardwebhooks\` library and answers 200.
  Every event carries an idempotency key (body \`id\` or \`Idempotency-Key\`) and a ~0.5 KB invoice payload.
  One warm-up run precedes the measurements.
- **Throughput.** Closed loop: ${L.producers} producers post batches of ${L.batch} events while at most
  ${L.window} deliveries are outstanding, so the figure is the pipeline's rate rather than a backlog's age;
  deliveries/s = deliveries ÷ (first POST → last verified arrival). The *emulator floor* does the same
  delivery with no Billhook code and only the AWS calls a delivery needs, batched: SendMessageBatch
  (10) + BatchWriteItem of the events (25) per produce step; ReceiveMessage (10), a signed POST per
  message, PutItem of its attempt, DeleteMessageBatch per consumer step; same tables (so the same index
  writes), same producers, window, consumer loops and socket pool. The *raw loop* is
  ${L.consumers * L.batchSize} concurrent signed keep-alive POSTs to the same receiver. Floor and pipeline
  rounds alternate; the ratio is of medians. CPU time of this process (handlers, fauxqs, receiver,
  driver) and of DynamoDB Local's JVM (from /proc) per delivery shows which side bounds the rate.
- **AWS work.** An AWS SDK middleware on every client (\`lib/adapters/aws-instrumentation.ts\`, also the
  local pollers' client, which stands in for Lambda's SQS event source mapping) counts requests (SDK
  retries included) per service and operation, attributed to the function whose invocation made them
  (\`platform\` = event source polling). It sets \`ReturnConsumedCapacity: TOTAL\` on DynamoDB calls:
  DynamoDB Local does report ConsumedCapacity (GSI writes included), so WCU and RCU are DynamoDB's own
  figures; a failed conditional write returns none and is counted as 1 WCU, and BatchGetItem (for which
  DynamoDB Local reports none) as 1 RCU per key asked for consistently, ½ eventually, found or not. Empty long polls are an
  idle, per-poller cost and are left out of per-delivery figures. Scenarios post with ${L.producers}
  concurrent clients; a window is measured from the first POST until the pipeline is
  idle (no invocation running, every received message deleted). The batch scenario posts ${L.costBatch}
  events per request (the route's maximum).
- **Cost.** List prices: API Gateway HTTP $${(P.apiGatewayRequest * 1e6).toFixed(2)}/M requests (one per ingest or
  api invocation), DynamoDB on-demand $${(P.dynamoWcu * 1e6).toFixed(3)}/M WCU and $${(P.dynamoRcu * 1e6).toFixed(3)}/M RCU, SQS
  $${(P.sqsRequest * 1e6).toFixed(2)}/M requests (each 64 KB of payload one request), Lambda $${(P.lambdaInvocation * 1e6).toFixed(2)}/M invocations +
  $${P.lambdaGbSecond}/GB-s, Scheduler $${(P.schedulerInvocation * 1e6).toFixed(2)}/M (each created schedule fires once).
  Lambda GB-s = measured in-process invocation time (rounded up to 1 ms) × ${r.memoryMb} MB
  (\`DEFAULT_MEMORY_MB\`, lib/infra); this over-states compute where local emulators are slower than the
  services, and uses the x86 price although the stack deploys arm64 (20 % cheaper). Not modelled:
  CloudWatch logs and metrics, X-Ray, KMS, data transfer, storage, idle polling.
- **Stats.** The logs table's stream feeds the real stats handler through local mode's stream poller
  with the stack's batching window (${r.stats.batchWindowSeconds} s, batches of up to 1,000; DynamoDB Local has one shard,
  a busy table on AWS has several, each batching on its own); each run ends by draining the stream, so
  its stats work is counted in it. The stats columns are the stats function's write units, invocations
  and GB-s; they are in the scenario totals. Lambda's reads of the stream cost nothing and are left out.
  A view is one API call; its reads are the api function's DynamoDB requests for it, with the items
  they returned.
- **10 % failures.** Every tenth event's first attempt gets a 500; the retry (after 1 s instead of 5 s
  in this run: same SQS DelaySeconds path, same cost) succeeds.
- **Fan-out.** Ingest answer time (POST → 202) of an event routed to every endpoint of a tenant with
  N endpoints, over one routed to a one-endpoint tenant, medians of alternated samples; after each
  sample the deliveries drain before the next.
- **Scaling.** The throughput loop at growing counts; latency is POST → verified arrival per delivery;
  memory is this process's RSS and V8 heap, sampled every 100 ms (DynamoDB Local's JVM not included).
- **Cold start.** Bundles built by \`buildLambdas\` (lib/bundles.ts, as \`npm run build\` and the stack); size of
  the .mjs (source map excluded). Each function is built twice: with the AWS SDK external (resolved
  from node_modules at import, as the runtime's copy is) and bundled (what the stack ships,
  \`LAMBDA_SDK\` in lib/infra/bundling.ts). Import time = \`await import(bundle)\` timed inside a fresh
  \`node\` process, over the same for an empty module; median of the runs, modules interleaved, after one
  unrecorded round. The empty module's import takes a few ms and moves with machine load, so the
  ratio is coarse; the absolute times and the process wall times are printed beside it. The AWS SDK
  clients every handler uses (DynamoDB, its document client, SQS) are timed alone too, and "less the
  SDK" is what an external-SDK bundle adds on top of them.
`;
}

const SECTION_START = (label: string) => `<!-- bench:section ${label} -->`;
const SECTION_END = '<!-- /bench:section -->';

/**
 * BENCHMARKS.md with the method regenerated and `label`'s section replaced
 * (or appended), keeping every other labelled section.
 */
export function updateBenchmarksFile(existing: string | undefined, method: string, label: string, section: string): string {
  const kept: { label: string; body: string }[] = [];
  const pattern = /<!-- bench:section (.+?) -->\n([\s\S]*?)\n<!-- \/bench:section -->/g;
  for (const m of (existing ?? '').matchAll(pattern)) kept.push({ label: m[1]!, body: m[2]! });
  const index = kept.findIndex((s) => s.label === label);
  if (index >= 0) kept[index] = { label, body: section };
  else kept.push({ label, body: section });
  return [method.trimEnd(), ...kept.map((s) => `${SECTION_START(s.label)}\n${s.body}\n${SECTION_END}`)].join('\n\n') + '\n';
}
