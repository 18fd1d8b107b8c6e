/**
 * Soak: many events across endpoints that fail at random, through the whole
 * local pipeline; then reconcile what Billhook logged with what the
 * receivers saw. Used by `npm run soak` and, small, by the test suite.
 */
import { BillhookClient } from '../lib/client/index.ts';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startLocal } from '../lib/local/system.ts';

export interface SoakOptions {
  events: number;
  endpoints: number;
  failRate: number;
  /** BILLHOOK_RETRY_SCHEDULE for the run. */
  schedule: string;
  /** Deterministic failures (a linear congruential generator seeded here). */
  seed?: number;
  timeoutMs?: number;
  log?: (line: string) => void;
  /** How many of the endpoints have `ordering: "key"` (default 0). */
  orderedEndpoints?: number;
  /** Ordering keys per batch of 100 events (default 10): each key's events are in one batch, so array order is ingest order. */
  keysPerBatch?: number;
}

export interface SoakReport {
  events: number;
  deliveriesExpected: number;
  deliveries: number;
  attempts: number;
  retries: number;
  succeeded: number;
  exhausted: number;
  /** Deliveries whose logged attempts differ from the requests their receiver saw. */
  mismatches: number;
  /** Deliveries with more attempts logged than the schedule allows. */
  duplicates: number;
  receiverRequests: number;
  /** Requests to an ordered endpoint that arrived after a later event of the same key. */
  orderViolations: number;
  wallMs: number;
  deliveriesPerSecond: number;
  problems: string[];
}

/** A receiver that fails a share of requests (500) at random and counts requests per webhook-id and path. */
async function flakyReceiver(failRate: number, seed: number) {
  let state = seed >>> 0 || 1;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const seen = new Map<string, number>();
  // Per path and ordering key, the highest event number seen so far, and the requests that came after a later one.
  const highest = new Map<string, number>();
  const orderedPaths = new Set<string>();
  let orderViolations = 0;
  let total = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      total++;
      const key = `${req.url} ${req.headers['webhook-id']}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      const { data } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: { n: number; key?: string } };
      if (data.key !== undefined && orderedPaths.has(req.url ?? '')) {
        const lane = `${req.url} ${data.key}`;
        if (data.n < (highest.get(lane) ?? -1)) orderViolations++;
        highest.set(lane, Math.max(data.n, highest.get(lane) ?? -1));
      }
      res.writeHead(random() < failRate ? 500 : 200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: (path: string, webhookId: string) => seen.get(`${path} ${webhookId}`) ?? 0,
    total: () => total,
    orderViolations: () => orderViolations,
    /** Check per-key order on this path. */
    watchOrder: (path: string) => void orderedPaths.add(path),
    stop: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const log = o.log ?? (() => {});
  const receiver = await flakyReceiver(o.failRate, o.seed ?? 20261123);
  const local = await startLocal({ port: 0, env: { BILLHOOK_RETRY_SCHEDULE: o.schedule, BILLHOOK_LOG_LEVEL: 'error', BILLHOOK_FANOUT_THRESHOLD: '1000' } });
  const client = new BillhookClient({ baseUrl: local.apiUrl, key: local.adminKey });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await client.request(method, path, body === undefined ? {} : { body });
    if (res.status >= 400) throw new Error(`${method} ${path} → ${res.status} ${res.text}`);
    return res.body as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const maxAttempts = o.schedule.split(',').filter(Boolean).length + 1;
  const problems: string[] = [];
  const started = Date.now();
  try {
    const tenant = 'ten_soak';
    await call('POST', '/v1/tenants', { name: 'Soak', id: tenant });
    const paths: Record<string, string> = {};
    const ordered = new Set<string>();
    for (let i = 0; i < o.endpoints; i++) {
      const isOrdered = i < (o.orderedEndpoints ?? 0);
      const ep = await call('POST', `/v1/tenants/${tenant}/endpoints`, { url: `${receiver.url}/e${i}`, ...(isOrdered ? { ordering: 'key' } : {}) });
      paths[ep.id] = `/e${i}`;
      if (isOrdered) {
        ordered.add(`/e${i}`);
        receiver.watchOrder(`/e${i}`);
      }
    }
    const keysPerBatch = o.keysPerBatch ?? 10;
    // Post the events in batches of 100, four calls at a time.
    const expected = new Map<string, number>();
    const batches = Array.from({ length: Math.ceil(o.events / 100) }, (_, b) =>
      Array.from({ length: Math.min(100, o.events - b * 100) }, (_, i) => {
        const key = `b${b}-k${i % keysPerBatch}`;
        return { type: 'invoice.paid', data: { n: b * 100 + i, key }, id: `soak-${b * 100 + i}`, orderingKey: key };
      }),
    );
    for (let i = 0; i < batches.length; i += 4) {
      const answers = await Promise.all(batches.slice(i, i + 4).map((events) => call('POST', `/v1/tenants/${tenant}/events/batch`, { events })));
      for (const a of answers) for (const e of a.data as { id: string; deliveries: number }[]) expected.set(e.id, e.deliveries);
    }
    const deliveriesExpected = [...expected.values()].reduce((a, b) => a + b, 0);
    log(`posted ${o.events} events → ${deliveriesExpected} deliveries in ${Date.now() - started} ms; waiting for every delivery to finish`);

    // Wait until every delivery is logged and final.
    const deadline = Date.now() + (o.timeoutMs ?? 600_000);
    let all: { id: string; eventId: string; endpointId: string; status: string; attemptCount: number }[] = [];
    for (;;) {
      all = [];
      let cursor: string | null = null;
      do {
        const page: { data: typeof all; nextCursor: string | null } = await call('GET', `/v1/tenants/${tenant}/deliveries?limit=250${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        all.push(...page.data);
        cursor = page.nextCursor;
      } while (cursor);
      const final = all.filter((d) => d.status === 'succeeded' || d.status === 'exhausted').length;
      if (all.length === deliveriesExpected && final === deliveriesExpected) break;
      if (Date.now() > deadline) {
        problems.push(`timed out: ${all.length}/${deliveriesExpected} deliveries logged, ${final} final`);
        break;
      }
      log(`  ${final}/${deliveriesExpected} final`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const wallMs = Date.now() - started;

    // Reconcile: per event, per delivery, against the receivers.
    const byEvent = new Map<string, number>();
    for (const d of all) byEvent.set(d.eventId, (byEvent.get(d.eventId) ?? 0) + 1);
    for (const [eventId, count] of expected) if ((byEvent.get(eventId) ?? 0) !== count) problems.push(`event ${eventId}: ${byEvent.get(eventId) ?? 0} deliveries logged, ${count} routed`);
    if (new Set(all.map((d) => d.id)).size !== all.length) problems.push('a delivery id is listed twice');
    let mismatches = 0;
    let duplicates = 0;
    let attempts = 0;
    for (const d of all) {
      attempts += d.attemptCount;
      if (d.attemptCount > maxAttempts) duplicates++;
      const seen = receiver.requests(paths[d.endpointId]!, d.eventId);
      if (seen !== d.attemptCount) mismatches++;
    }
    if (duplicates) problems.push(`${duplicates} deliveries have more attempts than the schedule allows`);
    if (mismatches) problems.push(`${mismatches} deliveries logged a different number of attempts than their receiver saw`);
    const orderViolations = receiver.orderViolations();
    if (orderViolations) problems.push(`${orderViolations} requests to ordered endpoints arrived after a later event of their key`);
    const succeeded = all.filter((d) => d.status === 'succeeded').length;
    return {
      events: o.events,
      deliveriesExpected,
      deliveries: all.length,
      attempts,
      retries: attempts - all.length,
      succeeded,
      exhausted: all.length - succeeded,
      mismatches,
      duplicates,
      receiverRequests: receiver.total(),
      orderViolations,
      wallMs,
      deliveriesPerSecond: Math.round((all.length / wallMs) * 1000),
      problems,
    };
  } finally {
    await local.stop();
    await receiver.stop();
  }
}

export function formatReport(r: SoakReport): string {
  const rows: [string, string | number][] = [
    ['events', r.events],
    ['deliveries (routed / logged)', `${r.deliveriesExpected} / ${r.deliveries}`],
    ['attempts', r.attempts],
    ['retries', r.retries],
    ['succeeded', r.succeeded],
    ['exhausted', r.exhausted],
    ['attempts logged twice', r.duplicates],
    ['log ≠ receiver', r.mismatches],
    ['receiver requests', r.receiverRequests],
    ['order violations (ordered endpoints)', r.orderViolations],
    ['wall time', `${(r.wallMs / 1000).toFixed(1)} s`],
    ['deliveries/s', r.deliveriesPerSecond],
  ];
  return rows.map(([k, v]) => `${k.padEnd(30)} ${v}`).join('\n') + (r.problems.length ? `\nPROBLEMS:\n- ${r.problems.join('\n- ')}` : '\nreconciled: OK');
}
