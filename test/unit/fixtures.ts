import {
  MemoryApiKeyStore,
  MemoryDeadLetterQueue,
  MemoryDeliveryLimiter,
  MemoryDeliveryLog,
  MemoryDeliveryQueue,
  MemoryEndpointStore,
  MemoryEventStore,
  MemoryEventTypeStore,
  MemoryPortalSessionStore,
  MemoryStatsStore,
  MemoryTenantStore,
} from '../../lib/adapters/memory/stores.ts';
import { recordStats } from '../../lib/app/stats.ts';
import type { AppDeps } from '../../lib/app/deps.ts';
import { TenantExistenceCache } from '../../lib/app/tenants.ts';
import { CatalogueCache } from '../../lib/app/catalogue.ts';
import { CfworkerSchemaValidator } from '../../lib/adapters/json-schema/cfworker-validator.ts';
import { idGenerator } from '../../lib/core/ids.ts';
import type { EndpointRecord } from '../../lib/core/model.ts';
import type { DeliveryLimiter, OutboundResponse, UrlGuard } from '../../lib/ports.ts';
import type { SenderDeps } from '../../lib/app/deps.ts';
import { CachedEndpointReader } from '../../lib/app/endpoint-cache.ts';
import { CircuitBreakers, type BreakerOptions } from '../../lib/app/circuit-breaker.ts';
import { QueueHopScheduler } from '../../lib/adapters/sqs/queue-hop-scheduler.ts';

/** A clock tests move by hand. */
export class ManualClock {
  constructor(public ms = Date.parse('2026-11-23T12:00:00.000Z')) {}
  now = () => this.ms;
  advance(ms: number) {
    this.ms += ms;
  }
}

/** Deterministic bytes: a counter, so ids differ but tests repeat exactly. */
export function counterBytes() {
  let n = 0;
  return (len: number) => {
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) out[i] = (n + i) & 255;
    n++;
    return out;
  };
}

export const allowAllUrls: UrlGuard = { check: async () => {} };

export function memoryDeps() {
  const clock = new ManualClock();
  const bytes = counterBytes();
  const eventTypes = new MemoryEventTypeStore();
  const schemas = new CfworkerSchemaValidator();
  // The logs table's stream, in memory: every log write is counted at once (the memory store applies synchronously).
  const deliveries = new MemoryDeliveryLog();
  const stats = new MemoryStatsStore();
  deliveries.onChange = (change) => void recordStats({ stats }, [change]);
  const deps = {
    apiKeys: new MemoryApiKeyStore(),
    portalSessions: new MemoryPortalSessionStore(),
    dlq: new MemoryDeadLetterQueue(),
    sleep: async (ms: number) => {
      clock.advance(ms);
    },
    tenants: new MemoryTenantStore(),
    endpoints: new MemoryEndpointStore(),
    events: new MemoryEventStore(),
    deliveries,
    stats,
    queue: new MemoryDeliveryQueue(),
    urlGuard: allowAllUrls,
    catalogue: new CatalogueCache(eventTypes, clock, [], schemas),
    eventTypes,
    schemas,
    clock,
    ids: idGenerator(clock.now, bytes),
    random: () => 0.5,
    randomBytes: bytes,
    settings: { retrySchedule: [5, 300], fanoutThreshold: 3, maxSqsDelaySeconds: 900, version: 'test', disableAfterDays: 5, disableAfterExhausted: 3, defaultMaxInFlight: 10 },
    tenantCache: new TenantExistenceCache(),
  } satisfies AppDeps & { tenantCache: TenantExistenceCache };
  return { ...deps, clock };
}

/** Sender dependencies over the memory deps: scripted HTTP answers (then 200), no cache, no breaker unless given. */
export function memorySender(
  deps: ReturnType<typeof memoryDeps>,
  responses: OutboundResponse[],
  options: { breaker?: BreakerOptions; cacheTtlMs?: number; onPost?: (url: string) => void; limiter?: DeliveryLimiter } = {},
): SenderDeps {
  return {
    deliveries: deps.deliveries,
    queue: deps.queue,
    clock: deps.clock,
    random: () => 0.5,
    settings: deps.settings,
    limiter: options.limiter ?? new MemoryDeliveryLimiter(deps.clock),
    // Waiting for a rate slot moves the manual clock instead of the wall clock.
    sleep: async (ms) => deps.clock.advance(ms),
    leaseTtlMs: 60_000,
    endpoints: new CachedEndpointReader(deps.endpoints, deps.clock, options.cacheTtlMs ?? 0),
    http: {
      post: async (r) => {
        options.onPost?.(r.url);
        return responses.shift() ?? { statusCode: 200, durationMs: 1 };
      },
    },
    scheduler: new QueueHopScheduler(deps.queue, deps.clock.now, 900),
    health: deps.endpoints,
    breakers: new CircuitBreakers(deps.clock.now, options.breaker ?? { threshold: 1000, cooldownMs: 1, maxCooldownMs: 1 }),
  };
}

export function endpointRecord(tenantId: string, id: string, patch: Partial<EndpointRecord> = {}): EndpointRecord {
  return {
    id,
    tenantId,
    url: 'https://receiver.example/hook',
    eventTypes: ['*'],
    description: '',
    secret: 'whsec_' + Buffer.alloc(32, 9).toString('base64'),
    headers: {},
    status: 'enabled',
    signatureScheme: 'standard-webhooks',
    version: 1,
    createdAt: '2026-11-23T12:00:00.000Z',
    updatedAt: '2026-11-23T12:00:00.000Z',
    ...patch,
  };
}
