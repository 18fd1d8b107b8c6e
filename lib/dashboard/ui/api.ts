/**
 * The dashboard's only way out: same-origin calls to Billhook's own API with
 * the key the user signed in with. Errors keep the API's problem+json fields,
 * so forms can show a message next to the field it is about.
 */
import { memberTexts } from '../../core/json-text.ts';
// The transport only: the dashboard ships no schemas (types come from the shared client types, erased at build).
import { HttpClient, UnreachableError, queryString, type RawResponse } from '../../client/http.ts';
import type { Delivery, EndpointView, EventType, EventView, Page, ProblemBody, Whoami, StatsSeriesView, StatsBucketView, EndpointTotalsView } from '../../client/index.ts';

export interface FieldError {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
  }
}

export type { Attempt, Delivery, DeliveryStatus, EndpointStats, EventType, Page, Tenant } from '../../client/index.ts';
export { DELIVERY_STATUSES } from '../../client/http.ts';
/** An endpoint as the API answers it. */
export type Endpoint = EndpointView;
/** Who a credential belongs to: the admin, a tenant key, or a customer-portal session (`GET /v1/whoami`). */
export type Who = Whoami;
export type PortalScope = Extract<Whoami, { kind: 'portal' }>['scope'];

/** One entry of `GET /v1/event-types`, with its schema and example when it has them. */
export type CatalogueEntry = EventType;

/** `GET /v1/tenants/{t}/stats`: every bucket of the window, oldest first. */
export type StatsSeries = StatsSeriesView;
export type StatsBucketSize = StatsSeries['bucket'];
/** One bucket: attempts by outcome, and latency percentiles (null: no attempt). */
export type StatsBucket = StatsBucketView;
/** `GET /v1/tenants/{t}/stats/endpoints`: each endpoint's totals (endpoints without attempts are absent). */
export type EndpointTotalsPage = EndpointTotalsView;
export type EndpointTotals = EndpointTotalsView['data'][number];

/** An event. Parsed by the browser, so big or long numbers in `data` may be rounded: show `dataText` instead. */
export type Event = EventView;

/** An event with its data as the exact JSON text the API answered (numbers and escapes as sent). */
export interface EventWithText extends Event {
  dataText: string;
}

/** The body a receiver gets for this event, as text: the envelope around the data as sent. */
export const webhookBodyText = (e: EventWithText): string =>
  `{"id":${JSON.stringify(e.id)},"type":${JSON.stringify(e.type)},"createdAt":${JSON.stringify(e.createdAt)},"data":${e.dataText}}`;

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export { queryString as queryOf } from '../../client/http.ts';

/** Build a path from segments, encoding each. */
export const pathOf = (...segments: string[]): string => '/' + segments.map(encodeURIComponent).join('/');

export class Api {
  private catalogue: Promise<CatalogueEntry[]> | undefined;

  private readonly client: HttpClient;

  constructor(
    key: string,
    private readonly onUnauthorized: () => void,
  ) {
    this.client = new HttpClient({ key, init: { cache: 'no-store', credentials: 'omit' } });
  }

  async call<T>(method: Method, path: string, body?: unknown): Promise<T> {
    return (await this.callText<T>(method, path, body)).value;
  }

  /** The answer parsed, and as the text it came as (for values that must not pass through JSON.parse). */
  private async callText<T>(method: Method, path: string, body?: unknown): Promise<{ value: T; text: string }> {
    let res: RawResponse;
    try {
      res = await this.client.request(method, path, body === undefined ? {} : { body });
    } catch (err) {
      if (err instanceof UnreachableError) throw new ApiError(0, 'network_error', 'Billhook could not be reached. Check your connection and try again.');
      throw err;
    }
    if (res.status >= 400) {
      const p = (res.body ?? {}) as Partial<ProblemBody>;
      if (res.status === 401) this.onUnauthorized();
      throw new ApiError(res.status, p.code ?? 'http_error', p.detail ?? p.title ?? `Request failed (${res.status})`, p.errors ?? []);
    }
    return { value: res.body as T, text: res.text };
  }

  /** One event, with its data as sent: extracted from the answer's text, never re-serialised. */
  async event(path: string): Promise<EventWithText> {
    const { value, text } = await this.callText<Event>('GET', path);
    return { ...value, dataText: memberTexts(text).get('data') ?? 'null' };
  }

  get = <T>(path: string) => this.call<T>('GET', path);
  post = <T>(path: string, body: unknown = {}) => this.call<T>('POST', path, body);
  patch = <T>(path: string, body: unknown) => this.call<T>('PATCH', path, body);
  del = (path: string) => this.call<void>('DELETE', path);

  /** Who this credential belongs to. */
  whoami = (): Promise<Who> => this.get<Who>('/v1/whoami');

  /**
   * The event-type catalogue, with descriptions, schemas and examples. Read
   * once per sign-in and shared by every view; `fresh` asks again (the
   * platform may have changed it since).
   */
  eventTypes(options: { fresh?: boolean } = {}): Promise<CatalogueEntry[]> {
    if (options.fresh) this.catalogue = undefined;
    this.catalogue ??= this.get<{ data: CatalogueEntry[] }>('/v1/event-types').then(
      (r) => r.data,
      (err: unknown) => {
        this.catalogue = undefined; // a later view asks again
        throw err;
      },
    );
    return this.catalogue;
  }

  /** Attempts by outcome and latency per bucket, for the tenant or one endpoint (the server's default window). */
  stats(tenantId: string, query: { bucket: StatsBucketSize; endpointId?: string | undefined }): Promise<StatsSeries> {
    return this.get<StatsSeries>(pathOf('v1', 'tenants', tenantId, 'stats') + queryString({ bucket: query.bucket, endpointId: query.endpointId }));
  }

  /** Every endpoint's totals for the last 24 h, in one request (for the endpoint list). */
  endpointTotals(tenantId: string): Promise<EndpointTotalsPage> {
    return this.get<EndpointTotalsPage>(pathOf('v1', 'tenants', tenantId, 'stats', 'endpoints'));
  }

  /** Send a test event to one endpoint: the type's catalogue example when it has one. Answers the delivery (202). */
  sendTest(tenantId: string, endpointId: string, type?: string): Promise<Delivery> {
    return this.post<Delivery>(pathOf('v1', 'tenants', tenantId, 'endpoints', endpointId, 'test'), type ? { type } : {});
  }

  /** Endpoints of a tenant, up to the API's page limit (for pickers). */
  endpointsForPicker(tenantId: string): Promise<Page<EndpointView>> {
    return this.get<Page<EndpointView>>(pathOf('v1', 'tenants', tenantId, 'endpoints') + queryString({ limit: 250 }));
  }
}

/** Check a key without keeping it: who it belongs to, or the API's error. */
export async function whoami(key: string): Promise<Who> {
  return new Api(key, () => {}).whoami();
}
