/**
 * A scripted webhook receiver on loopback, for end-to-end tests. Each path
 * answers from a queue of scripted responses (then 200), and every request is
 * recorded with its headers and raw body.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface ScriptedResponse {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Misbehave instead of answering: never answer, drip a byte a second, reset the connection, or send this many bytes. */
  fault?: 'hang' | 'drip' | 'reset' | { bytes: number };
  /** Answer after this long. */
  delayMs?: number;
}

/** Requests a path is serving right now, and the most it ever served at once. */
export interface Concurrency {
  now: number;
  max: number;
}

export class Receiver {
  readonly received: Received[] = [];
  private readonly scripts = new Map<string, ScriptedResponse[]>();
  private readonly behaviours = new Map<string, (r: Received) => ScriptedResponse>();
  private readonly concurrency = new Map<string, Concurrency>();
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        const received: Received = { path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
        this.received.push(received);
        const next = this.scripts.get(path)?.shift() ?? this.behaviours.get(path)?.(received) ?? { status: 200, body: 'ok' };
        const c = this.concurrency.get(path) ?? { now: 0, max: 0 };
        this.concurrency.set(path, c);
        c.now++;
        c.max = Math.max(c.max, c.now);
        res.on('close', () => c.now--);
        if (next.delayMs) setTimeout(() => this.answer(req, res, next), next.delayMs);
        else this.answer(req, res, next);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  private answer(req: IncomingMessage, res: ServerResponse, next: ScriptedResponse): void {
    const fault = next.fault;
    if (fault === 'hang') return;
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    res.writeHead(next.status, { 'content-type': 'text/plain', ...next.headers });
    if (fault === 'drip') {
      const timer = setInterval(() => res.write('.'), 1000);
      res.on('close', () => clearInterval(timer));
      return;
    }
    if (fault && typeof fault === 'object') {
      res.end(Buffer.alloc(fault.bytes, 'x'));
      return;
    }
    res.end(next.body ?? '');
  }

  /** How a path answers once its script has run out (default 200). */
  behave(path: string, fn: (r: Received) => ScriptedResponse): void {
    this.behaviours.set(path, fn);
  }

  concurrencyOn(path: string): Concurrency {
    return this.concurrency.get(path) ?? { now: 0, max: 0 };
  }

  /** Queue responses for a path; after they run out the path answers 200. */
  script(path: string, ...responses: ScriptedResponse[]): void {
    this.scripts.set(path, [...(this.scripts.get(path) ?? []), ...responses]);
  }

  on(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

/** Poll a condition until it holds or the deadline passes (no fixed sleeps). */
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 15_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (last) return last as NonNullable<T>;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}
