/**
 * The benchmark's webhook receiver on loopback. Every request is verified
 * with the official `standardwebhooks` library (as a customer's receiver
 * would), then counted against the run named in its payload, so one server
 * serves the pipeline, the emulator floor and the raw POST loop alike, and
 * the three pay the same verification cost.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** What a benchmark event carries in `data`, so the receiver knows which run and which event it is. */
export interface BenchData {
  run: string;
  seq: number;
  [k: string]: unknown;
}

/**
 * Decide the status for a request: `attempt` counts the requests this
 * delivery (webhook-id + path) has had, this one included.
 */
export type FaultPolicy = (seq: number, attempt: number) => number;

/** One measured run: which events were sent when, and what arrived. */
export class Run {
  /** performance.now() at which each event (by seq) was sent. */
  readonly sentAt: number[] = [];
  /** Milliseconds from send to verified arrival, one per delivered delivery. */
  readonly latencies: number[] = [];
  /** Requests per delivery key (webhook-id + path). */
  readonly attempts = new Map<string, number>();
  expected = 0;
  delivered = 0;
  requests = 0;
  failedOnPurpose = 0;
  /** Successful requests for a delivery that had already succeeded (at-least-once duplicates). */
  duplicates = 0;
  firstSentAt = Number.POSITIVE_INFINITY;
  lastArrivalAt = 0;
  private readonly succeeded = new Set<string>();
  private waiters: (() => void)[] = [];

  constructor(
    readonly id: string,
    readonly fault?: FaultPolicy,
  ) {}

  /** Note that `seq` was sent now. */
  markSent(seq: number, at = performance.now()): void {
    this.sentAt[seq] = at;
    if (at < this.firstSentAt) this.firstSentAt = at;
  }

  /** Deliveries sent but not yet arrived, given how many are expected so far. */
  get outstanding(): number {
    return this.expected - this.delivered;
  }

  get complete(): boolean {
    return this.expected > 0 && this.delivered >= this.expected;
  }

  /** Wall time from the first send to the last arrival. */
  get wallMs(): number {
    return this.lastArrivalAt - this.firstSentAt;
  }

  /** Record a request; returns the status to answer. */
  record(key: string, seq: number, at: number): number {
    this.requests++;
    const attempt = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempt);
    const status = this.fault?.(seq, attempt) ?? 200;
    if (status >= 300) {
      this.failedOnPurpose++;
      return status;
    }
    if (this.succeeded.has(key)) {
      this.duplicates++;
      return status;
    }
    this.succeeded.add(key);
    this.delivered++;
    this.lastArrivalAt = at;
    const sent = this.sentAt[seq];
    if (sent !== undefined) this.latencies.push(at - sent);
    this.wake();
    return status;
  }

  /** Resolve once `ready()` holds; re-checked after every arrival. Rejects after `timeoutMs` without an arrival. */
  async until(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
    while (!ready()) {
      const before = this.delivered;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (!ready() && this.delivered === before) {
        throw new Error(`run ${this.id}: no delivery arrived for ${timeoutMs} ms while waiting for ${what} (${this.delivered}/${this.expected} delivered, ${this.requests} requests)`);
      }
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** The receiver server. Start it once; `track` a Run before sending its events. */
export class VerifyingReceiver {
  /** Requests whose signature did not verify, or that belonged to no run: both are bugs of the run, never expected. */
  unverified = 0;
  stray = 0;
  /** At-least-once duplicates of the runs forgotten so far (legitimate, but worth seeing). */
  duplicates = 0;
  readonly problems: string[] = [];
  url = '';
  private readonly runs = new Map<string, Run>();
  private readonly verifier: Webhook;
  private server: Server | undefined;

  constructor(readonly secret: string) {
    this.verifier = new Webhook(secret);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const at = performance.now();
        const body = Buffer.concat(chunks);
        let payload: { data?: BenchData };
        try {
          payload = this.verifier.verify(body, req.headers as Record<string, string>) as { data?: BenchData };
        } catch (err) {
          this.unverified++;
          if (this.problems.length < 5) this.problems.push(`signature did not verify on ${req.url}: ${err instanceof Error ? err.message : String(err)}`);
          res.writeHead(400).end();
          return;
        }
        const run = payload.data?.run === undefined ? undefined : this.runs.get(payload.data.run);
        if (!run) {
          this.stray++;
          res.writeHead(200).end();
          return;
        }
        const status = run.record(`${String(req.headers['webhook-id'])} ${req.url}`, payload.data!.seq, at);
        res.writeHead(status).end();
      });
    });
    // Many concurrent keep-alive connections from one process: no per-server cap.
    this.server.maxConnections = 0;
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Count requests carrying `run.id` against `run`. */
  track(run: Run): Run {
    this.runs.set(run.id, run);
    return run;
  }

  /** Forget a finished run (late duplicates then count as stray, which is harmless). */
  forget(run: Run): void {
    this.duplicates += run.duplicates;
    this.runs.delete(run.id);
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

/** The payload of benchmark event `seq` of `run`: an invoice of a realistic size (~0.5 KB). */
export function benchEventData(run: string, seq: number): BenchData {
  return {
    run,
    seq,
    invoiceId: `in_${run}_${seq}`,
    customerId: `cus_${(seq % 997).toString(36).padStart(6, '0')}`,
    status: 'paid',
    currency: 'EUR',
    amountDue: 4200 + (seq % 100),
    amountPaid: 4200 + (seq % 100),
    periodStart: '2026-11-01T00:00:00Z',
    periodEnd: '2026-12-01T00:00:00Z',
    lines: [
      { description: 'Pro plan (monthly)', quantity: 1, unitAmount: 3900, taxRates: ['txr_vat_de'] },
      { description: 'Extra seats', quantity: 3, unitAmount: 100, taxRates: ['txr_vat_de'] },
    ],
    metadata: { orderRef: `ord_${seq}`, channel: 'web' },
  };
}
