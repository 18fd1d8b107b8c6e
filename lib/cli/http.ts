/**
 * The CLI's HTTP client for the Billhook API: where to connect and with which
 * key, problem+json turned into readable errors, and exit codes by outcome
 * (4xx → 1, unreachable → 3, 5xx → 4).
 */
import { elementTexts, memberTexts } from '../core/json-text.ts';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BillhookClient, UnreachableError, type RawResponse } from '../client/index.ts';
import { CliError, EXIT, usageError } from './errors.ts';

export const DEFAULT_URL = 'http://127.0.0.1:3000';
/** Where local mode (`npm start`) keeps the admin key it generated. */
export const LOCAL_KEY_FILE = path.join('.billhook', 'admin-key');
const REQUEST_TIMEOUT_MS = 60_000;

export interface Connection {
  baseUrl: string;
  key: string | undefined;
  /** Where the key came from, for hints. */
  keySource: 'flag' | 'env' | 'file' | 'none';
}

/** `--url`/`--key`, else BILLHOOK_URL/BILLHOOK_KEY, else the default URL and `.billhook/admin-key` of the current folder. */
export function resolveConnection(
  flags: { url?: string | undefined; key?: string | undefined },
  env: Record<string, string | undefined>,
  cwd: string,
  note: (s: string) => void,
): Connection {
  const raw = (flags.url ?? (env.BILLHOOK_URL || undefined) ?? DEFAULT_URL).trim();
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`the API URL "${raw}" is not a URL (expected e.g. ${DEFAULT_URL} or https://abc.execute-api.eu-west-1.amazonaws.com)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`the API URL must be http:// or https://, got "${raw}"`);
  const baseUrl = raw.replace(/\/+$/, '');
  if (flags.key) return { baseUrl, key: flags.key, keySource: 'flag' };
  if (env.BILLHOOK_KEY) return { baseUrl, key: env.BILLHOOK_KEY, keySource: 'env' };
  const file = path.join(cwd, LOCAL_KEY_FILE);
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    if (key) {
      note(`note: using the local admin key from ${LOCAL_KEY_FILE} (pass --key or set BILLHOOK_KEY to use another)`);
      return { baseUrl, key, keySource: 'file' };
    }
  }
  return { baseUrl, key: undefined, keySource: 'none' };
}

export interface ApiResponse<T> {
  status: number;
  headers: Headers;
  body: T;
  /** The answer as sent: print from it where a value must not pass through JSON.parse (an event's data). */
  text: string;
}

export type { Page } from '../client/index.ts';
import type { Page } from '../client/index.ts';

interface ProblemBody {
  title?: string;
  code?: string;
  detail?: string;
  message?: string;
  errors?: { path?: string; message?: string }[];
}

/** `/v1/tenants/{t}/endpoints/{ep}` with every segment URL-encoded. */
export function apiPath(...segments: (string | undefined)[]): string {
  return segments
    .filter((s): s is string => s !== undefined)
    .map((s, i) => (i === 0 ? s : encodeURIComponent(s)))
    .join('/');
}

export class ApiClient {
  constructor(
    readonly connection: Connection,
    fetchImpl: typeof fetch = fetch,
  ) {
    this.client = new BillhookClient({ baseUrl: connection.baseUrl, key: connection.key, fetch: fetchImpl, timeoutMs: REQUEST_TIMEOUT_MS });
  }

  private readonly client: BillhookClient;

  /** `rawBody` is sent as is (JSON text the caller built, e.g. around event data as the user wrote it). */
  async request<T>(
    method: string,
    p: string,
    options: { body?: unknown; rawBody?: string; headers?: Record<string, string>; query?: Record<string, string | undefined> } = {},
  ): Promise<ApiResponse<T>> {
    let res: RawResponse;
    try {
      res = await this.client.request(method, p, options);
    } catch (e) {
      throw e instanceof UnreachableError ? this.unreachable(e.cause) : e;
    }
    const { status, headers, body, text } = res;
    if (status >= 400) throw this.problem(method, p, res, body as ProblemBody | undefined, text);
    if (text && body === undefined) {
      throw new CliError(EXIT.api, `error: ${method} ${this.connection.baseUrl}${p} answered ${status} with something that is not JSON (${JSON.stringify(text.slice(0, 80))}); is ${this.connection.baseUrl} the Billhook API?`);
    }
    return { status, headers, body: body as T, text };
  }

  get = async <T>(p: string, query?: Record<string, string | undefined>): Promise<T> => (await this.request<T>('GET', p, query ? { query } : {})).body;
  post = async <T>(p: string, body?: unknown, headers?: Record<string, string>): Promise<T> => (await this.request<T>('POST', p, { body: body ?? {}, ...(headers ? { headers } : {}) })).body;
  patch = async <T>(p: string, body: unknown): Promise<T> => (await this.request<T>('PATCH', p, { body })).body;
  delete = async (p: string): Promise<void> => void (await this.request('DELETE', p));

  /** One page (or, with `all`, every page concatenated and `nextCursor: null`). */
  async list<T>(p: string, query: Record<string, string | undefined>, all: boolean): Promise<Page<T>> {
    return (await this.listText<T>(p, query, all)).page;
  }

  /**
   * `list`, with the answer also as JSON text built from the pages' own
   * texts (so `--json` prints event data exactly as the API sent it).
   */
  async listText<T>(p: string, query: Record<string, string | undefined>, all: boolean): Promise<{ page: Page<T>; text: string }> {
    let res = await this.request<Page<T>>('GET', p, { query });
    if (!all) return { page: res.body, text: res.text };
    const data = [...res.body.data];
    const texts = elementTexts(memberTexts(res.text).get('data') ?? '[]');
    const seen = new Set<string>();
    while (res.body.nextCursor && !seen.has(res.body.nextCursor)) {
      seen.add(res.body.nextCursor);
      res = await this.request<Page<T>>('GET', p, { query: { ...query, cursor: res.body.nextCursor } });
      data.push(...res.body.data);
      texts.push(...elementTexts(memberTexts(res.text).get('data') ?? '[]'));
    }
    return { page: { data, nextCursor: null }, text: `{"data":[${texts.join(',')}],"nextCursor":null}` };
  }

  private unreachable(e: unknown): CliError {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const timedOut = err.name === 'TimeoutError' || err.name === 'AbortError';
    const why = timedOut ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s` : (err.cause?.code ?? err.cause?.message ?? err.message);
    const local = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:|\/|$)/.test(this.connection.baseUrl);
    return new CliError(
      EXIT.unreachable,
      `error: cannot reach the Billhook API at ${this.connection.baseUrl} (${why})\n` +
        (local
          ? `  Is local mode running? Start it with: npm start   (or point --url / BILLHOOK_URL at a deployment)`
          : `  Check --url / BILLHOOK_URL (the stack output ApiUrl), or run local mode with: npm start`),
    );
  }

  private problem(method: string, p: string, res: RawResponse, body: ProblemBody | undefined, text: string): CliError {
    const status = res.status;
    const title = body?.title ?? (res.statusText || `HTTP ${status}`);
    const code = body?.code ?? `http_${status}`;
    const detail = body?.detail ?? body?.message ?? (text && !body ? text.trim().split('\n')[0]!.slice(0, 200) : `${method} ${p}`);
    const lines = [`error: ${title} (${code}): ${detail}`];
    for (const f of body?.errors ?? []) lines.push(`  ${f.path || '(body)'}: ${f.message ?? 'invalid'}`);
    if (status === 401) {
      lines.push(
        this.connection.keySource === 'none'
          ? `  hint: no API key given: pass --key or set BILLHOOK_KEY (local mode writes its admin key to ${LOCAL_KEY_FILE})`
          : `  hint: the key from ${{ flag: '--key', env: 'BILLHOOK_KEY', file: LOCAL_KEY_FILE }[this.connection.keySource]} is not accepted by ${this.connection.baseUrl}`,
      );
    }
    if (code === 'route_not_found' || (status === 404 && !body?.code)) {
      lines.push(`  hint: ${this.connection.baseUrl} has no route ${method} ${p.split('?')[0]}: an older Billhook, or --url is not the API's base URL`);
    }
    const requestId = res.headers.get('x-request-id');
    if (status >= 500 && requestId) lines.push(`  request id: ${requestId}`);
    return new CliError(status >= 500 ? EXIT.server : EXIT.api, lines.join('\n'));
  }
}
