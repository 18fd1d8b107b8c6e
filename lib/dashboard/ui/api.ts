/**
 * The dashboard's only way out: same-origin calls to Billhook's own API with
 * the key the user signed in with. Errors keep the API's problem+json fields,
 * so forms can show a message next to the field it is about.
 */
import { memberTexts } from '../../core/json-text.ts';

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

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface Who {
  kind: 'admin' | 'tenant';
  tenantId?: string;
}

export interface Tenant {
  id: string;
  name: string;
  createdAt: string;
}

export interface Endpoint {
  id: string;
  tenantId: string;
  url: string;
  eventTypes: string[];
  description: string;
  status: 'enabled' | 'disabled';
  disabledReason?: string;
  signatureScheme: 'standard-webhooks' | 'standard-webhooks-ed25519' | 'hmac-sha256-hex';
  retrySchedule: number[];
  rateLimitPerSecond?: number;
  headerNames: string[];
  createdAt: string;
  updatedAt: string;
}

export interface EndpointStats {
  deliveries: number;
  succeeded: number;
  inFlight: number;
  exhausted: number;
  successRate: number | null;
  recentStatusCodes: number[];
  truncated: boolean;
}

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'exhausted' | 'skipped';
export const DELIVERY_STATUSES: DeliveryStatus[] = ['pending', 'succeeded', 'failed', 'exhausted', 'skipped'];

export interface Delivery {
  id: string;
  eventId: string;
  endpointId: string;
  eventType: string;
  status: DeliveryStatus;
  attemptCount: number;
  lastStatusCode?: number;
  lastAttemptAt?: string;
  nextAttemptAt?: string;
  createdAt: string;
}

export interface Attempt {
  attempt: number;
  at: string;
  trigger: 'scheduled' | 'manual' | 'recover';
  statusCode?: number;
  durationMs: number;
  error?: string;
  responseBody?: string;
}

export interface Event {
  id: string;
  type: string;
  createdAt: string;
  /** Parsed by the browser, so big or long numbers may be rounded: show `dataText` instead. */
  data: unknown;
  deliveries: number;
}

/** An event with its data as the exact JSON text the API answered (numbers and escapes as sent). */
export interface EventWithText extends Event {
  dataText: string;
}

/** The body a receiver gets for this event, as text: the envelope around the data as sent. */
export const webhookBodyText = (e: EventWithText): string =>
  `{"id":${JSON.stringify(e.id)},"type":${JSON.stringify(e.type)},"createdAt":${JSON.stringify(e.createdAt)},"data":${e.dataText}}`;

export interface EventType {
  type: string;
  description: string;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** Build a path from segments, encoding each. */
export const pathOf = (...segments: string[]): string => '/' + segments.map(encodeURIComponent).join('/');

/** A query string from the set values only. */
export function queryOf(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export class Api {
  private catalogue: Promise<EventType[]> | undefined;

  constructor(
    private readonly key: string,
    private readonly onUnauthorized: () => void,
  ) {}

  async call<T>(method: Method, path: string, body?: unknown): Promise<T> {
    return (await this.callText<T>(method, path, body)).value;
  }

  /** The answer parsed, and as the text it came as (for values that must not pass through JSON.parse). */
  private async callText<T>(method: Method, path: string, body?: unknown): Promise<{ value: T; text: string }> {
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        headers: { authorization: `Bearer ${this.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch {
      throw new ApiError(0, 'network_error', 'Billhook could not be reached. Check your connection and try again.');
    }
    if (res.status === 204) return { value: undefined as T, text: '' };
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const p = (parsed ?? {}) as { code?: string; detail?: string; title?: string; errors?: FieldError[] };
      if (res.status === 401) this.onUnauthorized();
      throw new ApiError(res.status, p.code ?? 'http_error', p.detail ?? p.title ?? `Request failed (${res.status})`, p.errors ?? []);
    }
    return { value: parsed as T, text };
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
