/**
 * A node:http server that stands in for API Gateway (HTTP API): each request
 * becomes a payload format 2.0 event for the function `functionFor` picks,
 * and the function's result becomes the response, as the gateway would do.
 */
import { isUtf8 } from 'node:buffer';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { FUNCTION_TIMEOUT_SECONDS, functionFor, type HttpFunction } from '../definitions.ts';
import { createLambdaContext, FunctionTimeoutError, LOCAL_ACCOUNT_ID, withTimeout } from './lambda-context.ts';

/** An HTTP API Lambda handler, payload format 2.0. */
export type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2<unknown>>;
export type HttpHandlers = Record<HttpFunction, HttpHandler>;

/** API Gateway's request payload limit (10 MB). */
export const MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024;
/** API Gateway's integration timeout for HTTP APIs. */
export const GATEWAY_TIMEOUT_SECONDS = 30;
/**
 * A client gets this long to send its request headers, and REQUEST_TIMEOUT_MS
 * for the whole request, body included; then the connection is answered 408
 * and closed. Node's defaults (60 s, 300 s) let a slow client hold a socket
 * open for minutes; a request to local mode is a few KB over loopback.
 */
export const HEADERS_TIMEOUT_MS = 10_000;
/** The whole request, body included (API Gateway's own limit is its 30 s integration timeout). */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Past this, an oversized body is no longer drained politely: the connection is cut. */
const MAX_DRAIN_BYTES = 64 * 1024 * 1024;
const LOCAL_API_ID = 'local';

export interface HttpShimOptions {
  /** The functions; until given (here or with setHandlers) requests get 503 "starting". */
  handlers?: HttpHandlers;
  /** Request body limit; default API Gateway's 10 MB. */
  maxBodyBytes?: number;
  /** Time to receive the request headers; default HEADERS_TIMEOUT_MS. */
  headersTimeoutMs?: number;
  /** Time to receive the whole request, body included; default REQUEST_TIMEOUT_MS. */
  requestTimeoutMs?: number;
  /** Per-function timeouts; default FUNCTION_TIMEOUT_SECONDS, capped by the gateway's 30 s. */
  timeoutSeconds?: Partial<Record<HttpFunction, number>>;
  /** One line per request (method, path, function, status, ms). Default: silent. */
  log?: (line: string) => void;
  /** Handler failures. Default: console.error. */
  logError?: (line: string) => void;
}

export interface HttpShim {
  readonly server: http.Server;
  /** `http://host:port` once listening. */
  readonly url: string;
  readonly port: number;
  setHandlers(handlers: HttpHandlers): void;
  /** Listen; rejects with "port N is already in use: set PORT to another port" on EADDRINUSE. */
  listen(port: number, host?: string): Promise<void>;
  /** Stop accepting, close idle connections, wait for in-flight requests. Safe to call twice. */
  close(): Promise<void>;
}

/** Error thrown when the HTTP port is taken. */
export class PortInUseError extends Error {
  readonly code = 'EADDRINUSE';
  constructor(readonly port: number, options?: { cause?: unknown }) {
    super(`port ${port} is already in use: set PORT to another port`, options);
    this.name = 'PortInUseError';
  }
}

/** Create the gateway (not yet listening). */
export function createHttpShim(options: HttpShimOptions = {}): HttpShim {
  let handlers = options.handlers;
  const maxBody = options.maxBodyBytes ?? MAX_REQUEST_BODY_BYTES;
  const logError = options.logError ?? ((line: string) => console.error(line));
  let url = '';
  let port = 0;

  const headersTimeout = options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS;
  const requestTimeout = Math.max(options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS, headersTimeout);
  // Node enforces both timeouts on a periodic sweep (default every 30 s): sweep often enough to honour them.
  const checkEvery = Math.max(50, Math.min(1000, Math.floor(headersTimeout / 2)));
  const server = http.createServer({ headersTimeout, requestTimeout, connectionsCheckingInterval: checkEvery }, (req, res) => {
    void serve(req, res).catch((err: unknown) => {
      // A client that went away (or was cut off by the request timeout, which already answered 408) is no failure.
      if (req.destroyed && (err as { code?: string })?.code === 'ECONNRESET') return;
      logError(`http shim: ${req.method} ${req.url} failed outside the handler: ${describeError(err)}`);
      if (!res.headersSent) problem(res, 500, 'internal_error', 'The local gateway failed; see its log.');
      else res.destroy();
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const requestId = randomBytes(10).toString('base64').replace(/=+$/, '=');
    res.setHeader('apigw-requestid', requestId);

    const body = await readBody(req, maxBody);
    if (body === 'too-large') {
      problem(res, 413, 'payload_too_large', `Request body exceeds the gateway limit of ${maxBody} bytes.`);
      return;
    }
    if (!handlers) {
      res.setHeader('retry-after', '1');
      problem(res, 503, 'starting', 'Billhook is starting; retry in a moment.');
      return;
    }

    const event = buildEventV2({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      httpVersion: req.httpVersion,
      rawHeaders: req.rawHeaders,
      body,
      sourceIp: normalizeIp(req.socket.remoteAddress),
      localPort: req.socket.localPort,
      requestId,
    });
    const fn = functionFor(event.requestContext.http.method, event.rawPath);
    const timeoutSeconds = Math.min(options.timeoutSeconds?.[fn] ?? FUNCTION_TIMEOUT_SECONDS[fn], GATEWAY_TIMEOUT_SECONDS);
    const context = createLambdaContext({ name: fn, timeoutSeconds });
    const handler = handlers[fn];
    let result: APIGatewayProxyResultV2<unknown>;
    try {
      result = await withTimeout(fn, timeoutSeconds, () => handler(event, context));
    } catch (err) {
      if (err instanceof FunctionTimeoutError) {
        logError(`http shim: ${event.requestContext.http.method} ${event.rawPath} → ${fn}: ${err.message} (request ${requestId})`);
        problem(res, 503, 'function_timeout', `The ${fn} function did not answer within ${timeoutSeconds} s.`);
      } else {
        logError(`http shim: ${event.requestContext.http.method} ${event.rawPath} → ${fn} threw (request ${requestId}): ${describeError(err)}`);
        problem(res, 500, 'internal_error', 'The function failed; see the server log.');
      }
      return;
    }
    writeResult(res, result);
    options.log?.(`${event.requestContext.http.method} ${event.rawPath} → ${fn} ${res.statusCode} ${Math.round(performance.now() - started)} ms`);
  }

  let closing: Promise<void> | undefined;
  return {
    server,
    get url() {
      return url;
    },
    get port() {
      return port;
    },
    setHandlers(h) {
      handlers = h;
    },
    listen(wanted, host = '127.0.0.1') {
      return new Promise<void>((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException) => {
          reject(err.code === 'EADDRINUSE' ? new PortInUseError(wanted, { cause: err }) : err);
        };
        server.once('error', onError);
        server.listen({ port: wanted, host }, () => {
          server.removeListener('error', onError);
          port = (server.address() as AddressInfo).port;
          url = `http://${displayHost(host)}:${port}`;
          resolve();
        });
      });
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

/** Create and listen in one step. */
export async function startHttpShim(options: HttpShimOptions & { port?: number; host?: string }): Promise<HttpShim> {
  const shim = createHttpShim(options);
  await shim.listen(options.port ?? 0, options.host);
  return shim;
}

function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

function normalizeIp(ip: string | undefined): string {
  if (!ip) return '127.0.0.1';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

function describeError(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

/** Read the whole body, or report it too large after draining it (so the client reads the 413 instead of a reset). */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number(req.headers['content-length'] ?? 0) > max;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) tooLarge = true;
      if (tooLarge) {
        chunks.length = 0;
        if (size > MAX_DRAIN_BYTES) {
          req.destroy();
          resolve('too-large');
        }
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export interface RawRequest {
  method: string;
  /** Request target as received: path and query, still percent-encoded. */
  url: string;
  httpVersion: string;
  /** Alternating names and values, as node gives them (duplicates kept). */
  rawHeaders: string[];
  body: Buffer;
  sourceIp: string;
  localPort?: number;
  requestId: string;
  now?: Date;
}

/**
 * Content types API Gateway passes as text; everything else (including no
 * content type and form posts) arrives base64-encoded, `isBase64Encoded: true`.
 */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    /^application\/([\w.+-]+\+)?(json|xml)$/.test(type) ||
    type === 'application/javascript' ||
    type === 'application/graphql' ||
    type === 'application/yaml'
  );
}

/**
 * Translate a request into an API Gateway HTTP API payload 2.0 event:
 * headers lower-cased with duplicates joined by commas, cookies in their own
 * list, query values decoded with duplicates joined by commas.
 */
export function buildEventV2(req: RawRequest): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const value = req.rawHeaders[i + 1]!;
    if (name === 'cookie') {
      cookies.push(...value.split(';').map((c) => c.trim()).filter(Boolean));
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${req.sourceIp}` : req.sourceIp;
  headers['x-forwarded-proto'] ??= 'http';
  if (req.localPort) headers['x-forwarded-port'] ??= String(req.localPort);

  const q = req.url.indexOf('?');
  const rawPath = q === -1 ? req.url : req.url.slice(0, q);
  const rawQueryString = q === -1 ? '' : req.url.slice(q + 1);
  let queryStringParameters: Record<string, string> | undefined;
  if (rawQueryString) {
    queryStringParameters = {};
    for (const [k, v] of new URLSearchParams(rawQueryString)) {
      queryStringParameters[k] = k in queryStringParameters ? `${queryStringParameters[k]},${v}` : v;
    }
  }

  const now = req.now ?? new Date();
  const domainName = headers.host ?? `localhost${req.localPort ? `:${req.localPort}` : ''}`;
  const method = req.method.toUpperCase();
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    ...(cookies.length ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: LOCAL_API_ID,
      domainName,
      domainPrefix: domainName.split(/[.:]/)[0] ?? domainName,
      http: {
        method,
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: req.requestId,
      routeKey: '$default',
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
  if (req.body.length > 0) {
    // Invalid UTF-8 travels as bytes (base64), not as text with U+FFFD in place of the bad bytes:
    // the handler must see what was sent to answer 400, never accept an altered payload.
    if (isTextContentType(headers['content-type']) && isUtf8(req.body)) {
      event.body = req.body.toString('utf8');
    } else {
      event.body = req.body.toString('base64');
      event.isBase64Encoded = true;
    }
  }
  return event;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `12/Mar/2020:19:03:58 +0000`, the gateway's requestContext.time format. */
function clfTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/**
 * Write a function result as the gateway would: a structured result (one
 * with `statusCode`) as given; anything else as a 200 JSON body.
 */
export function writeResult(res: ServerResponse, result: APIGatewayProxyResultV2<unknown>): void {
  if (result !== null && typeof result === 'object' && 'statusCode' in result && typeof result.statusCode === 'number') {
    const r = result as { statusCode: number; headers?: Record<string, unknown>; cookies?: string[]; body?: string; isBase64Encoded?: boolean };
    for (const [name, value] of Object.entries(r.headers ?? {})) {
      if (value !== undefined && value !== null) res.setHeader(name, String(value));
    }
    if (r.cookies?.length) {
      const existing = res.getHeader('set-cookie');
      res.setHeader('set-cookie', [...(existing === undefined ? [] : [String(existing)]), ...r.cookies]);
    }
    const body = r.body === undefined || r.body === null ? Buffer.alloc(0) : r.isBase64Encoded ? Buffer.from(r.body, 'base64') : Buffer.from(r.body, 'utf8');
    res.statusCode = r.statusCode;
    if (r.statusCode === 204 || r.statusCode === 304 || r.statusCode < 200) {
      res.end();
    } else {
      res.setHeader('content-length', body.length);
      res.end(body);
    }
    return;
  }
  const body = Buffer.from(typeof result === 'string' ? result : (JSON.stringify(result) ?? 'null'), 'utf8');
  res.statusCode = 200;
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', body.length);
  res.end(body);
}

function problem(res: ServerResponse, status: number, code: string, detail: string): void {
  const titles: Record<number, string> = {
    413: 'Payload Too Large',
    500: 'Internal Server Error',
    503: 'Service Unavailable',
  };
  const body = JSON.stringify({
    type: `https://billhook.dev/problems/${code.replaceAll('_', '-')}`,
    title: titles[status] ?? 'Error',
    status,
    detail,
    code,
  });
  res.statusCode = status;
  res.setHeader('content-type', 'application/problem+json');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body);
}
