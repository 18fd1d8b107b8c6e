/**
 * The dashboard's only way out: same-origin calls to Billhook's own API with
 * the key the user signed in with. Errors keep the API's problem+json fields,
 * so forms can show a message next to the field it is about.
 */
import { memberTexts } from '../../core/json-text.ts';
// The transport only: the dashboard ships no schemas (types come from the shared client types, erased at build).
import { HttpClient, UnreachableError, type RawResponse } from '../../client/http.ts';
import type { EndpointView, EventType, EventView, ProblemBody } from '../../client/index.ts';

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
/** Who a key belongs to (`tenantId` only for tenant keys). */
export interface Who {
  kind: 'admin' | 'tenant';
  tenantId?: string;
}

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
  private catalogue: Promise<EventType[]> | undefined;

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

  /** The event-type catalogue: fixed for a deployment, so read once per sign-in and shared by every view. */
  eventTypes(): Promise<EventType[]> {
    this.catalogue ??= this.get<{ data: EventType[] }>('/v1/event-types').then(
      (r) => r.data,
      (err: unknown) => {
        this.catalogue = undefined; // a later view asks again
        throw err;
      },
    );
    return this.catalogue;
  }
}

/** Check a key without keeping it: who it belongs to, or the API's error. */
export async function whoami(key: string): Promise<Who> {
  return new Api(key, () => {}).get<Who>('/v1/whoami');
}
