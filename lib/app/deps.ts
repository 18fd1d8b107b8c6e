import type { EventCatalogue } from '../core/event-types.ts';
import type { IdGenerator } from '../core/ids.ts';
import type {
  ApiKeyStore,
  Clock,
  DeadLetterQueue,
  DeliveryLog,
  DeliveryQueue,
  EndpointStore,
  EventStore,
  RetryScheduler,
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
}

/** Everything a use case may call: ports, clock, randomness and settings. */
export interface AppDeps {
  apiKeys: ApiKeyStore;
  dlq: DeadLetterQueue;
  /** Waits (injected so tests do not spend wall-clock time). */
  sleep: (ms: number) => Promise<void>;
  tenants: TenantStore;
  endpoints: EndpointStore;
  events: EventStore;
  deliveries: DeliveryLog;
  queue: DeliveryQueue;
  urlGuard: UrlGuard;
  catalogue: EventCatalogue;
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
  scheduler: RetryScheduler;
}

/** Read access to endpoints, as the sender needs it (usually cached). */
export interface EndpointReader {
  get(tenantId: string, id: string, minVersion: number): Promise<import('../core/model.ts').EndpointRecord | undefined>;
}

export const isoNow = (clock: Clock): string => new Date(clock.now()).toISOString();
