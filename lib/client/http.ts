/**
 * The transport of the Billhook client: any request by method and path, the
 * answer with its exact text, errors as values. It loads no schema, so a page
 * that only needs this (the dashboard) ships without zod; BillhookClient
 * (./index.ts) adds the typed operations. Browser-safe: fetch only.
 */
import type { ProblemBody, RouteDef } from '../contract/define.ts';

export { DELIVERY_STATUSES } from '../core/delivery-status.ts';

/** Says what is wrong with an answer, or undefined when it is as documented. */
export type ResponseCheck = (method: string, path: string, status: number, contentType: string | null, body: unknown) => string | undefined;

export interface ClientOptions {
  /** The API's base URL, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com`; `''` for same-origin (the dashboard). */
  baseUrl?: string;
  /** The admin key or a tenant API key. */
  key?: string | undefined;
  fetch?: typeof fetch;
  /** Abort a request after this long. Default: no limit. */
  timeoutMs?: number;
  /** Extra `fetch` options (`credentials`, `cache`). */
  init?: RequestInit;
  /** Check every answer (BillhookClient: `true` checks against the route definitions) and throw ContractViolation if it differs. */
  validate?: boolean | ResponseCheck;
}

/** An answer as received: parsed body (undefined when empty or not JSON) and the exact text. */
export interface RawResponse {
  status: number;
  statusText: string;
  headers: Headers;
  body: unknown;
  text: string;
}

/** A problem+json answer (or any 4xx/5xx), with its fields. */
export class ApiError extends Error {
  readonly code: string;
  readonly fields: { path: string; message: string }[];
  constructor(
    readonly status: number,
    readonly problem: Partial<ProblemBody> | undefined,
    readonly response: RawResponse,
  ) {
    super(problem?.detail ?? problem?.title ?? `Request failed (${status})`);
    this.name = 'ApiError';
    this.code = problem?.code ?? `http_${status}`;
    this.fields = problem?.errors ?? [];
  }
}

/** The request never got an answer (connection refused, DNS, timeout); `cause` says why. */
export class UnreachableError extends Error {
  constructor(readonly url: string, cause: unknown) {
    super(`cannot reach ${url}`, { cause });
    this.name = 'UnreachableError';
  }
}

/** An answer that its definition does not document. */
export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  body?: unknown;
  /** JSON text sent as is (event data exactly as the caller wrote it). */
  rawBody?: string;
  headers?: Record<string, string>;
  query?: Query;
}

/** `/v1/tenants/{tenantId}` with each parameter URL-encoded. */
export function pathOf(def: Pick<RouteDef, 'path'>, params: Record<string, string> = {}): string {
  return def.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const v = params[name];
    if (v === undefined) throw new TypeError(`${def.path}: missing path parameter ${name}`);
    return encodeURIComponent(v);
  });
}

export function queryString(query: Query = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export class HttpClient {
  readonly baseUrl: string;

  constructor(readonly options: ClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
  }

  /** Any request by method and path; the answer whatever its status (never throws ApiError). */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<RawResponse> {
    const { key, timeoutMs, init } = this.options;
    const payload = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    const qs = queryString(options.query);
    const url = `${this.baseUrl}${path}${qs ? (path.includes('?') ? '&' + qs.slice(1) : qs) : ''}`;
    let res: Response;
    let text: string;
    try {
      res = await (this.options.fetch ?? fetch)(url, {
        ...init,
        method,
        headers: {
          accept: 'application/json, application/problem+json',
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
        ...(payload === undefined ? {} : { body: payload }),
        ...(timeoutMs ? { signal: AbortSignal.timeout(timeoutMs) } : {}),
      });
      text = await res.text();
    } catch (e) {
      throw new UnreachableError(`${this.baseUrl || 'the API'}`, e);
    }
    let body: unknown;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
    }
    const raw: RawResponse = { status: res.status, statusText: res.statusText, headers: res.headers, body, text };
    const check = this.check();
    if (check) {
      const contentType = res.headers.get('content-type');
      const wrong = check(method, path, res.status, contentType, contentType?.includes('json') ? body : text || undefined);
      if (wrong) throw new ContractViolation(`${method} ${path}: ${wrong}`);
    }
    return raw;
  }

  protected check(): ResponseCheck | undefined {
    return typeof this.options.validate === 'function' ? this.options.validate : undefined;
  }
}
