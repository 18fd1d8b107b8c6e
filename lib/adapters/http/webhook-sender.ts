/**
 * The outbound webhook POST. One undici Agent keeps a keep-alive pool per
 * origin; every connection's DNS lookup goes through the SSRF guard; IP
 * literals are checked before connecting; redirects are never followed.
 * Timeouts bound connect, first byte and the whole exchange, and the response
 * body is read only up to a cap.
 */
import { Agent, request } from 'undici';
import { isIP } from 'node:net';
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
  private readonly agent: Agent;
  private readonly excerptBytes: number;
  private readonly maxReadBytes: number;

  constructor(
    private readonly guard: SsrfGuard,
    private readonly clock: Clock,
    private readonly options: SenderOptions,
  ) {
    this.excerptBytes = options.excerptBytes ?? 4096;
    this.maxReadBytes = options.maxReadBytes ?? 64 * 1024;
    this.agent = new Agent({
      connect: { timeout: options.connectTimeoutMs, lookup: guard.lookup },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
      connections: options.connectionsPerOrigin ?? 16,
    });
  }

  async post(req: OutboundRequest): Promise<OutboundResponse> {
    const started = this.clock.now();
    const elapsed = () => Math.max(0, this.clock.now() - started);
    try {
      const url = this.guard.parse(req.url);
      const host = bareHost(url.hostname);
      if (isIP(host)) this.guard.assertAddress(host);
    } catch (e) {
      return { blocked: true, error: isBillhookError(e) ? e.message : 'url not allowed', durationMs: elapsed() };
    }

    const signal = AbortSignal.timeout(this.options.timeoutMs);
    try {
      const res = await request(req.url, {
        method: 'POST',
        headers: req.headers,
        body: req.body,
        dispatcher: this.agent,
        signal,
      });
      const { text, truncated } = await readCapped(res.body, this.maxReadBytes, this.excerptBytes);
      const retryAfter = res.headers['retry-after'];
      const out: OutboundResponse = { statusCode: res.statusCode, durationMs: elapsed() };
      if (text) out.responseBody = truncated ? text + '…' : text;
      if (retryAfter !== undefined) out.retryAfter = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter;
      return out;
    } catch (e) {
      return { error: describeError(e, this.options), blocked: isBlocked(e), durationMs: elapsed() };
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

async function readCapped(
  body: AsyncIterable<Buffer> & { destroy(err?: Error): void },
  maxRead: number,
  excerpt: number,
): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let total = 0;
  let truncated = false;
  for await (const chunk of body) {
    if (total < excerpt) chunks.push(chunk);
    total += chunk.length;
    if (total > maxRead) {
      truncated = true;
      body.destroy();
      break;
    }
  }
  const buf = Buffer.concat(chunks);
  if (buf.length > excerpt) truncated = true;
  return { text: new TextDecoder('utf-8', { fatal: false }).decode(buf.subarray(0, excerpt)), truncated };
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
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `connect timeout: no connection within ${options.connectTimeoutMs} ms`;
    case 'UND_ERR_HEADERS_TIMEOUT':
      return `timeout: no response headers within ${options.timeoutMs} ms`;
    case 'UND_ERR_BODY_TIMEOUT':
      return `timeout: response body stalled for ${options.timeoutMs} ms`;
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection reset by the endpoint';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'DNS lookup failed: host not found';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
  }
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return `timeout: no complete response within ${options.timeoutMs} ms`;
  if (code && /CERT|SSL|TLS|ERR_TLS/i.test(code)) return `TLS error: ${code}`;
  return `request failed: ${code ?? err?.message ?? 'unknown error'}`;
}
