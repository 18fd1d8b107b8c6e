/**
 * The Billhook API client, derived from the route definitions (lib/contract):
 * `call('createEndpoint', { params, body })` is typed by the definition, so it
 * cannot drift from the server. Browser-safe (fetch only, no node:*), used by
 * the CLI, the dashboard, the tests and the bench.
 *
 * @example
 * const billhook = new BillhookClient({ baseUrl: 'https://api.example.com', key: tenantKey });
 * const endpoint = await billhook.call('createEndpoint', { params: { tenantId: 'ten_acme' }, body: { url: 'https://example.com/hooks' } });
 *
 * Event `data` keeps its exact text on the wire; `JSON.parse` may round big
 * numbers, so read `callText(...).text` (and lib/core/json-text.ts) where the
 * exact numbers matter.
 */
import { API, type Api, type BodyInputOf, type OperationId, type ParamsOf, type ProblemBody, type QueryOf, type RouteDef, type SuccessBodyOf } from '../contract/index.ts';
import { findRoute, responseProblem } from '../contract/check.ts';

export { API, type Api, type OperationId } from '../contract/index.ts';
export type * from './types.ts';
export { DELIVERY_STATUSES } from '../core/model.ts';

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
  /** Check every answer against its definition and throw ContractViolation if it differs (the tests turn this on). */
  validate?: boolean;
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

type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  body?: unknown;
  /** JSON text sent as is (event data exactly as the caller wrote it). */
  rawBody?: string;
  headers?: Record<string, string>;
  query?: Query;
}

/** What `call` takes for an operation: its path parameters, query, body and headers. */
export type CallInput<D extends RouteDef> = (keyof ParamsOf<D> extends never ? { params?: undefined } : { params: ParamsOf<D> }) & {
  query?: Partial<QueryOf<D>>;
  headers?: Record<string, string>;
} & (BodyInputOf<D> extends undefined ? { body?: undefined; rawBody?: undefined } : { body?: BodyInputOf<D>; rawBody?: string });

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

export class BillhookClient {
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
    if (this.options.validate) {
      const contentType = res.headers.get('content-type');
      const wrong = responseProblem(findRoute(method, path), res.status, contentType, contentType?.includes('json') ? body : text || undefined);
      if (wrong) throw new ContractViolation(`${method} ${path}: ${wrong}`);
    }
    return raw;
  }

  /** One operation, typed by its definition: the success body, or ApiError. */
  async call<K extends OperationId>(op: K, ...[input]: CallArgs<K>): Promise<SuccessBodyOf<Api[K]>> {
    return (await this.callText(op, ...([input] as CallArgs<K>))).value;
  }

  /** `call`, with the answer's exact text beside the parsed value (for event data). */
  async callText<K extends OperationId>(op: K, ...[input]: CallArgs<K>): Promise<{ value: SuccessBodyOf<Api[K]>; text: string; status: number; headers: Headers }> {
    const def: RouteDef = API[op];
    const i = (input ?? {}) as { params?: Record<string, string>; query?: Query; body?: unknown; rawBody?: string; headers?: Record<string, string> };
    const withBody = def.body && i.body === undefined && i.rawBody === undefined && def.bodyOptional !== true ? { body: {} } : {};
    const res = await this.request(def.method, pathOf(def, i.params), { ...withBody, ...i });
    if (res.status >= 400) throw new ApiError(res.status, res.body as Partial<ProblemBody> | undefined, res);
    return { value: res.body as SuccessBodyOf<Api[K]>, text: res.text, status: res.status, headers: res.headers };
  }
}

type CallArgs<K extends OperationId> = keyof ParamsOf<Api[K]> extends never ? [input?: CallInput<Api[K]>] : [input: CallInput<Api[K]>];
