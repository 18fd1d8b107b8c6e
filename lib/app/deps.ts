import type { CatalogueReader } from './catalogue.ts';
import type { CircuitBreakers } from './circuit-breaker.ts';
import type { IdGenerator } from '../core/ids.ts';
import type {
  ApiKeyStore,
  Clock,
  DeadLetterQueue,
  DeliveryLimiter,
  EndpointHealthStore,
  DeliveryLog,
  DeliveryQueue,
  EndpointStore,
  EventStore,
  EventTypeStore,
  JsonSchemaValidator,
  PortalSessionStore,
  RetryScheduler,
  StatsStore,
  TenantStore,
  UrlGuard,
  WebhookSender,
} from '../ports.ts';

/** Settings the use cases need, taken from the deployment's configuration. */
export interface Settings {
  retrySchedule: readonly number[];
  /** Above this many matching endpoints, ingest hands the fan-out to a job. */
  fanoutThreshold: number;
  /** Longest delay SQS holds a message for (≤ 900 s). */
  maxSqsDelaySeconds: number;
  version: string;
  /** Disable an endpoint failing continuously for this many days (0 = never). */
  disableAfterDays: number;
  /** Disable an endpoint after this many deliveries exhausted in a row (0 = never). */
  disableAfterExhausted: number;
  /** 4xx answers (other than 410, 429) end a delivery instead of being retried. */
  permanent4xx?: boolean;
  /** An endpoint's maxInFlight when it sets none (lib/core/lanes.ts). */
  defaultMaxInFlight: number;
  /** Plain `http://` origins may frame a tenant's portal (where the deployment allows plain http, as local mode does). */
  allowHttp?: boolean;
  /** Base URL of portal links (`<publicUrl>/portal/<tenantId>#session=…`); absent: `https://` + the request's Host. */
  publicUrl?: string;
}

/** Everything a use case may call: ports, clock, randomness and settings. */
export interface AppDeps {
  apiKeys: ApiKeyStore;
  portalSessions: PortalSessionStore;
  dlq: DeadLetterQueue;
  /** Waits (injected so tests do not spend wall-clock time). */
  sleep: (ms: number) => Promise<void>;
  tenants: TenantStore;
  endpoints: EndpointStore & EndpointHealthStore;
  events: EventStore;
  deliveries: DeliveryLog;
  /** Delivery stats counters (read by the API; written by the stats function). */
  stats: StatsStore;
  queue: DeliveryQueue;
  urlGuard: UrlGuard;
  /** The event-type catalogue in force (defaults + deployment extras + stored), cached per process. */
  catalogue: CatalogueReader;
  /** Stored event-type definitions (PUT /v1/event-types/{type}). */
  eventTypes: EventTypeStore;
  /** JSON Schema 2020-12: checks catalogue schemas and compiles them. */
  schemas: JsonSchemaValidator;
  clock: Clock;
  ids: IdGenerator;
  /** Uniform in [0, 1). */
  random: () => number;
  randomBytes: (n: number) => Uint8Array;
  settings: Settings;
}

export interface SenderDeps extends Pick<AppDeps, 'deliveries' | 'queue' | 'clock' | 'random' | 'settings'> {
  endpoints: EndpointReader;
  http: WebhookSender;
  /** Deployment-wide rate limits and concurrency leases. */
  limiter: DeliveryLimiter;
  /** Waits for a reserved rate slot (injected so tests do not spend wall-clock time). */
  sleep: (ms: number) => Promise<void>;
  /** How long a concurrency lease lasts at most: longer than any one request can take. */
  leaseTtlMs: number;
  scheduler: RetryScheduler;
  health: EndpointHealthStore;
  breakers: CircuitBreakers;
  /** Told of every attempt made (metrics); optional. */
  onAttempt?: (info: { outcome: string; durationMs: number; statusCode?: number }) => void;
}

/** Read access to endpoints, as the sender needs it (usually cached). */
export interface EndpointReader {
  get(tenantId: string, id: string, minVersion: number): Promise<import('../core/model.ts').EndpointRecord | undefined>;
  /** Forget a cached endpoint (after the sender changed it). */
  invalidate(tenantId: string, id: string): void;
  /**
   * The sender just wrote this endpoint's health: keep the cached record with
   * it instead of reading the endpoint again (a flapping receiver would
   * otherwise cost a read per change).
   */
  noteHealth(tenantId: string, id: string, health: import('../core/model.ts').EndpointHealth | undefined): void;
}

export const isoNow = (clock: Clock): string => new Date(clock.now()).toISOString();
