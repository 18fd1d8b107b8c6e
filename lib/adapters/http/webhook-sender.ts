/**
 * The outbound webhook POST, on Node's own http/https (no HTTP library in the
 * sender's bundle). One keep-alive Agent per scheme keeps a pool per origin
 * (`maxSockets` is per host:port); every connection's DNS lookup goes through
 * the SSRF guard; IP literals are checked before connecting; redirects are
 * never followed. Timeouts bound the connect and the whole exchange, and the
 * response body is read only up to a cap.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { isBillhookError } from '../../core/errors.ts';
import type { Clock, OutboundRequest, OutboundResponse, WebhookSender } from '../../ports.ts';
import { bareHost, SsrfGuard } from './url-guard.ts';

export interface SenderOptions {
  timeoutMs: number;
  connectTimeoutMs: number;
  /** Bytes of the response kept for the log. */
  excerptBytes?: number;
  /** Bytes read before the rest of a response is dropped (and the connection closed). */
  maxReadBytes?: number;
  connectionsPerOrigin?: number;
}

export class HttpWebhookSender implements WebhookSender {
  private readonly agents: { 'http:': http.Agent; 'https:': https.Agent };
  private readonly excerptBytes: number;
  private readonly maxReadBytes: number;

  constructor(
    private readonly guard: SsrfGuard,
    private readonly clock: Clock,
    private readonly options: SenderOptions,
  ) {
    this.excerptBytes = options.excerptBytes ?? 4096;
    this.maxReadBytes = options.maxReadBytes ?? 64 * 1024;
    const pool = {
      keepAlive: true,
      maxSockets: options.connectionsPerOrigin ?? 16,
      maxFreeSockets: options.connectionsPerOrigin ?? 16,
      // The most recently used socket first: the others age out instead of being kept half-warm.
      scheduling: 'lifo' as const,
      // Passed to net/tls.connect: the SSRF guard resolves, checks and pins the address.
      lookup: guard.lookup,
    };
    this.agents = { 'http:': new http.Agent(pool), 'https:': new https.Agent(pool) };
  }

  post(req: OutboundRequest): Promise<OutboundResponse> {
    const started = this.clock.now();
    const elapsed = () => Math.max(0, this.clock.now() - started);
    let url: URL;
    try {
      url = this.guard.parse(req.url);
      const host = bareHost(url.hostname);
      if (isIP(host)) this.guard.assertAddress(host);
    } catch (e) {
      // A policy refusal (address, scheme, port, credentials) is final; a stored URL that no longer
      // parses is a configuration fault the tenant can fix, so it follows the retry policy.
      if (isBillhookError(e) && e.code === 'validation_failed') return Promise.resolve({ error: `not sent: the endpoint URL does not parse`, durationMs: elapsed() });
      return Promise.resolve({ blocked: true, error: isBillhookError(e) ? e.message : 'url not allowed', durationMs: elapsed() });
    }

    return new Promise<OutboundResponse>((resolve) => {
      const body = Buffer.from(req.body, 'utf8');
      const timers: NodeJS.Timeout[] = [];
      let settled = false;
      const finish = (result: OutboundResponse) => {
        if (settled) return;
        settled = true;
        for (const t of timers) clearTimeout(t);
        resolve(result);
      };
      const fail = (error: string, blocked = false) => finish({ error, ...(blocked ? { blocked } : {}), durationMs: elapsed() });

      // Which step the exchange is in, for a timeout message that says where it stalled.
      let phase: 'connect' | 'headers' | 'body' = 'connect';
      const secure = url.protocol === 'https:';
      let request: http.ClientRequest;
      try {
        request = this.request(secure, url, { ...req.headers, 'content-length': String(body.length) }, (res) => {
          phase = 'body';
          readCapped(res, this.maxReadBytes, this.excerptBytes, (text, truncated) => {
            const out: OutboundResponse = { statusCode: res.statusCode ?? 0, durationMs: elapsed() };
            if (text) out.responseBody = truncated ? text + '…' : text;
            const retryAfter = res.headers['retry-after'];
            if (retryAfter !== undefined) out.retryAfter = retryAfter;
            finish(out);
          });
          res.on('error', (e) => fail(describeError(e, this.options)));
        });
      } catch (e) {
        // Node validates headers synchronously (ERR_INVALID_CHAR, ERR_INVALID_HTTP_TOKEN): nothing was sent.
        return fail(describeError(e, this.options));
      }
      request.on('socket', (socket: Socket) => {
        if (!socket.connecting) {
          phase = 'headers'; // a kept-alive connection
          return;
        }
        const connected = socket instanceof TLSSocket ? 'secureConnect' : 'connect';
        const timer = setTimeout(() => {
          fail(`connect timeout: no connection within ${this.options.connectTimeoutMs} ms`);
          request.destroy();
        }, this.options.connectTimeoutMs);
        timers.push(timer);
        socket.once(connected, () => {
          clearTimeout(timer);
          phase = 'headers';
        });
      });
      timers.push(
        setTimeout(() => {
          fail(
            phase === 'body'
              ? `timeout: response body not complete within ${this.options.timeoutMs} ms`
              : phase === 'headers'
                ? `timeout: no response headers within ${this.options.timeoutMs} ms`
                : `timeout: no connection within ${this.options.timeoutMs} ms`,
          );
          request.destroy();
        }, this.options.timeoutMs),
      );
      request.on('error', (e) => fail(describeError(e, this.options), isBlocked(e)));
      request.end(body);
    });
  }

  private request(secure: boolean, url: URL, headers: Record<string, string>, onResponse: (res: IncomingMessage) => void): http.ClientRequest {
    const options = { method: 'POST', headers, agent: secure ? this.agents['https:'] : this.agents['http:'] };
    return secure ? https.request(url, options, onResponse) : http.request(url, options, onResponse);
  }

  async close(): Promise<void> {
    this.agents['http:'].destroy();
    this.agents['https:'].destroy();
  }
}

/** Keep the first `excerpt` bytes; stop reading (and drop the connection) past `maxRead`. */
function readCapped(res: IncomingMessage, maxRead: number, excerpt: number, done: (text: string, truncated: boolean) => void): void {
  const chunks: Buffer[] = [];
  let kept = 0;
  let total = 0;
  const finish = (truncated: boolean) => {
    const buf = Buffer.concat(chunks);
    done(new TextDecoder('utf-8', { fatal: false }).decode(buf.subarray(0, excerpt)), truncated || buf.length > excerpt);
  };
  res.on('data', (chunk: Buffer) => {
    if (kept < excerpt) {
      chunks.push(chunk);
      kept += chunk.length;
    }
    total += chunk.length;
    if (total > maxRead) {
      res.destroy();
      finish(true);
    }
  });
  res.on('end', () => finish(false));
}

function isBlocked(e: unknown): boolean {
  const err = e as { code?: string; cause?: { code?: string } };
  return err?.code === 'BILLHOOK_ADDRESS_BLOCKED' || err?.cause?.code === 'BILLHOOK_ADDRESS_BLOCKED';
}

/** A clear, secret-free text for a failed exchange. */
export function describeError(e: unknown, options: { timeoutMs: number; connectTimeoutMs: number }): string {
  const err = e as { name?: string; code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = err?.code ?? err?.cause?.code;
  switch (code) {
    case 'BILLHOOK_ADDRESS_BLOCKED':
      return err.message ?? err.cause?.message ?? 'address blocked';
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'connection reset by the endpoint';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'DNS lookup failed: host not found';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'ETIMEDOUT':
      return `connect timeout: no connection within ${options.connectTimeoutMs} ms`;
    case 'ERR_INVALID_CHAR':
    case 'ERR_INVALID_HTTP_TOKEN':
      // Node's message names the header, never its value.
      return `not sent: ${err.message ?? 'invalid header'}`;
    case 'ERR_INVALID_URL':
      return 'not sent: the endpoint URL does not parse';
    case 'HPE_INVALID_CONSTANT':
    case 'HPE_INVALID_STATUS':
    case 'HPE_INVALID_HEADER_TOKEN':
      return 'invalid HTTP response from the endpoint';
  }
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return `timeout: no complete response within ${options.timeoutMs} ms`;
  if (code && /CERT|SSL|TLS|ERR_TLS/i.test(code)) return `TLS error: ${code}`;
  return `request failed: ${code ?? err?.message ?? 'unknown error'}`;
}
