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
import { ApiError, HttpClient, pathOf, type Query, type ResponseCheck } from './http.ts';

export * from './http.ts';

export { API, type Api, type OperationId } from '../contract/index.ts';
export type * from './types.ts';

/** What `call` takes for an operation: its path parameters, query, body and headers. */
export type CallInput<D extends RouteDef> = (keyof ParamsOf<D> extends never ? { params?: undefined } : { params: ParamsOf<D> }) & {
  query?: Partial<QueryOf<D>>;
  headers?: Record<string, string>;
} & (BodyInputOf<D> extends undefined ? { body?: undefined; rawBody?: undefined } : { body?: BodyInputOf<D>; rawBody?: string });

/** Checks an answer against the definition of the route that served it. */
export const checkAgainstDefinitions: ResponseCheck = (method, path, status, contentType, body) => responseProblem(findRoute(method, path), status, contentType, body);

/** The client: typed operations from the route definitions, on the HttpClient transport. */
export class BillhookClient extends HttpClient {
  protected override check(): ResponseCheck | undefined {
    return this.options.validate === true ? checkAgainstDefinitions : super.check();
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
