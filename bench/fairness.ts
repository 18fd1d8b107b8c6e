/**
 * Fairness figures, in one run against local mode (the FIFO lanes in the
 * SQS emulator, the limits table in DynamoDB Local):
 *
 * - isolation: a quiet tenant's p99 latency (ingest call → its receiver)
 *   while another tenant's slow endpoint has a backlog, divided by the same
 *   p99 with no neighbour;
 * - ordering: the throughput of an endpoint with `ordering: "key"` over
 *   100 keys, divided by an unordered endpoint's, same events, same receiver.
 *
 * Ratios of figures measured in the same run, so they compare across
 * machines. Nothing here is a test assertion.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startLocal } from '../lib/local/system.ts';
import { percentile } from './percentile.ts';

export interface FairnessProfile {
  /** Events the quiet tenant sends, one at a time, in each phase. */
  quietEvents: number;
  /** The noisy tenant's backlog, and how long its endpoint takes to answer. */
  noisyBacklog: number;
  noisyDelayMs: number;
  /** Events per throughput run, over `keys` ordering keys. */
  orderedEvents: number;
  keys: number;
}

export const FAIRNESS_PROFILES = {
  smoke: { quietEvents: 20, noisyBacklog: 100, noisyDelayMs: 1000, orderedEvents: 200, keys: 20 },
  default: { quietEvents: 100, noisyBacklog: 1000, noisyDelayMs: 2000, orderedEvents: 2000, keys: 100 },
} satisfies Record<string, FairnessProfile>;

export interface FairnessFigures {
  quietAloneP50Ms: number;
  quietAloneP99Ms: number;
  quietNoisyP50Ms: number;
  quietNoisyP99Ms: number;
  /** quietNoisyP99Ms ÷ quietAloneP99Ms. */
  isolationRatio: number;
  /** Of the noisy backlog, how much had been delivered when the quiet tenant's last event arrived. */
  noisyDeliveredShare: number;
  /** Most concurrent requests the noisy endpoint saw (its maxInFlight is the default, 10). */
  noisyMaxInFlight: number;
  unorderedPerSecond: number;
  orderedPerSecond: number;
  /** orderedPerSecond ÷ unorderedPerSecond. */
  orderedRatio: number;
  keys: number;
  /** Requests to the ordered endpoint that arrived after a later event of the same key. */
  orderViolations: number;
}

/** A receiver that answers each path after its delay, and records arrivals by webhook-id. */
async function receiver() {
  const arrivals = new Map<string, number>();
  const delays = new Map<string, number>();
  const open = new Map<string, { now: number; max: number }>();
  const highest = new Map<string, number>();
  let orderViolations = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const id = String(req.headers['webhook-id']);
      if (!arrivals.has(id)) arrivals.set(id, performance.now());
      const { data } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: { key?: string; n: number } };
      if (data.key !== undefined && path.startsWith('/ordered')) {
        const lane = `${path} ${data.key}`;
        if (data.n < (highest.get(lane) ?? -1)) orderViolations++;
        highest.set(lane, Math.max(data.n, highest.get(lane) ?? -1));
      }
      const c = open.get(path) ?? { now: 0, max: 0 };
      open.set(path, c);
      c.now++;
      c.max = Math.max(c.max, c.now);
      res.on('close', () => c.now--);
      const answer = () => res.writeHead(200).end('ok');
      const delay = delays.get(path) ?? 0;
      if (delay) setTimeout(answer, delay);
      else answer();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrivals,
    delay: (path: string, ms: number) => void delays.set(path, ms),
    maxOpen: (path: string) => open.get(path)?.max ?? 0,
    orderViolations: () => orderViolations,
    stop: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export async function measureFairness(p: FairnessProfile, log: (line: string) => void = () => {}): Promise<FairnessFigures> {
  const rx = await receiver();
  const local = await startLocal({ port: 0, env: { BILLHOOK_LOG_LEVEL: 'error' }, dashboard: false });
  const headers = { authorization: `Bearer ${local.adminKey}`, 'content-type': 'application/json' };
  const call = async (path: string, body: unknown) => {
    const res = await fetch(local.apiUrl + path, { method: 'POST', headers, body: JSON.stringify(body) });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status >= 400) throw new Error(`POST ${path} → ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const until = async (what: string, done: () => boolean, timeoutMs = 300_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`fairness: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const endpoint = async (tenant: string, path: string, extra: Record<string, unknown> = {}) => {
    await call('/v1/tenants', { name: tenant, id: tenant });
    await call(`/v1/tenants/${tenant}/endpoints`, { url: rx.url + path, ...extra });
  };
  /** The quiet tenant's events, one at a time: latency from the ingest call to arrival. */
  const quietRun = async (tenant: string) => {
    const latencies: number[] = [];
    for (let i = 0; i < p.quietEvents; i++) {
      const sent = performance.now();
      const { id } = (await call(`/v1/tenants/${tenant}/events`, { type: 'invoice.paid', data: { n: i } })) as { id: string };
      await until('a quiet delivery', () => rx.arrivals.has(id), 60_000);
      latencies.push(rx.arrivals.get(id)! - sent);
      await new Promise((r) => setTimeout(r, 20));
    }
    return latencies;
  };
  const batches = (tenant: string, events: Record<string, unknown>[]) =>
    (async () => {
      const ids: string[] = [];
      for (let i = 0; i < events.length; i += 100) {
        const out = (await call(`/v1/tenants/${tenant}/events/batch`, { events: events.slice(i, i + 100) })) as { data: { id: string }[] };
        ids.push(...out.data.map((e) => e.id));
      }
      return ids;
    })();

  try {
    // Isolation. Warm up, then the quiet tenant alone, then beside a noisy backlog.
    await endpoint('ten_quiet', '/quiet');
    await quietRun('ten_quiet');
    log(`fairness: quiet tenant alone, ${p.quietEvents} events`);
    const alone = await quietRun('ten_quiet');
    await endpoint('ten_noisy', '/noisy');
    rx.delay('/noisy', p.noisyDelayMs);
    const noisyIds = await batches('ten_noisy', Array.from({ length: p.noisyBacklog }, (_, n) => ({ type: 'invoice.paid', data: { n } })));
    await until('the noisy backlog to start', () => rx.maxOpen('/noisy') >= 5, 60_000);
    log(`fairness: beside a backlog of ${p.noisyBacklog} to an endpoint answering after ${p.noisyDelayMs} ms`);
    const noisy = await quietRun('ten_quiet');
    const noisyDelivered = noisyIds.filter((id) => rx.arrivals.has(id)).length;

    // Ordered over `keys` keys vs unordered, same events, a receiver that answers at once.
    const events = (ordered: boolean) =>
      Array.from({ length: p.orderedEvents }, (_, n) => ({ type: 'invoice.paid', ...(ordered ? { orderingKey: `sub_${n % p.keys}` } : {}), data: { n, key: `sub_${n % p.keys}` } }));
    const throughput = async (tenant: string, path: string, ordered: boolean) => {
      await endpoint(tenant, path, ordered ? { ordering: 'key' } : {});
      const started = performance.now();
      const ids = await batches(tenant, events(ordered));
      await until(`${path} deliveries`, () => ids.every((id) => rx.arrivals.has(id)));
      return (ids.length / (performance.now() - started)) * 1000;
    };
    log(`fairness: ${p.orderedEvents} events unordered, then ordered over ${p.keys} keys`);
    const unorderedPerSecond = await throughput('ten_unordered', '/unordered', false);
    const orderedPerSecond = await throughput('ten_ordered', '/ordered', true);

    return {
      quietAloneP50Ms: percentile(alone, 50),
      quietAloneP99Ms: percentile(alone, 99),
      quietNoisyP50Ms: percentile(noisy, 50),
      quietNoisyP99Ms: percentile(noisy, 99),
      isolationRatio: percentile(noisy, 99) / percentile(alone, 99),
      noisyDeliveredShare: noisyDelivered / p.noisyBacklog,
      noisyMaxInFlight: rx.maxOpen('/noisy'),
      unorderedPerSecond,
      orderedPerSecond,
      orderedRatio: orderedPerSecond / unorderedPerSecond,
      keys: p.keys,
      orderViolations: rx.orderViolations(),
    };
  } finally {
    await local.stop();
    await rx.stop();
  }
}

