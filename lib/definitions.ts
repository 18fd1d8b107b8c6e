/**
 * The one definition of Billhook's tables, queues and HTTP routing, shared by
 * the CDK stack (lib/infra) and local mode (lib/local), so the two cannot
 * drift. Plain data: no CDK or SDK imports.
 */

export type AttrType = 'S' | 'N';

export interface KeyDef {
  name: string;
  type: AttrType;
}

export interface IndexDef {
  indexName: string;
  partitionKey: KeyDef;
  sortKey?: KeyDef;
  /**
   * Non-key attributes copied into the index (projection INCLUDE). Absent:
   * the whole item (ALL). Every write of an item writes each index it is in,
   * billed by the size of what the index holds: a small projection keeps that
   * at 1 WCU however large the item grows.
   */
  include?: readonly string[];
}

export interface TableDef {
  /** CDK construct id. */
  id: string;
  /** Table name in local mode (CDK lets CloudFormation name it). */
  localName: string;
  /** Environment variable through which handlers learn the table name. */
  envVar: string;
  partitionKey: KeyDef;
  sortKey?: KeyDef;
  indexes: IndexDef[];
  /** Attribute holding an epoch-seconds expiry, if items expire. */
  ttlAttribute?: string;
  /** A DynamoDB stream of the table's changes, and what each record carries. */
  stream?: 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY';
}

const S = (name: string): KeyDef => ({ name, type: 'S' });

/** What a delivery list shows and filters on (lib/adapters/dynamodb/delivery-log.ts). */
export const DELIVERY_SUMMARY = ['tenantId', 'eventId', 'endpointId', 'eventType', 'orderingKey', 'status', 'attemptCount', 'lastStatusCode', 'lastAttemptAt', 'nextAttemptAt', 'createdAt'] as const;

/**
 * `attributes` minus `keys`. An index always holds its own and its table's
 * key attributes; naming one in an INCLUDE projection is refused by the real
 * service at stack creation (the emulators accept it).
 */
export const nonKeyAttributes = (attributes: readonly string[], ...keys: string[]): readonly string[] => attributes.filter((a) => !keys.includes(a));

export const TABLES = {
  /** Tenants, endpoints, API keys and portal sessions. */
  entities: {
    id: 'EntitiesTable',
    localName: 'billhook-entities',
    envVar: 'BILLHOOK_ENTITIES_TABLE',
    partitionKey: S('pk'),
    sortKey: S('sk'),
    indexes: [{ indexName: 'gsi1', partitionKey: S('gsi1pk'), sortKey: S('gsi1sk') }],
    // Only portal sessions carry it (their `expiresAt` is an ISO string, so the TTL attribute has its own name).
    ttlAttribute: 'purgeAt',
  },
  /** Events, keyed by tenant and event id; listed by creation time. */
  events: {
    id: 'EventsTable',
    localName: 'billhook-events',
    envVar: 'BILLHOOK_EVENTS_TABLE',
    partitionKey: S('tenantId'),
    sortKey: S('id'),
    // Keys and type only: listing fetches the page's events from the table, so a payload is stored (and billed) once.
    indexes: [{ indexName: 'byCreatedAt', partitionKey: S('tenantId'), sortKey: S('createdAtId'), include: ['type'] }],
    ttlAttribute: 'expiresAt',
  },
  /** One item per delivery, holding its attempts: the delivery log. */
  logs: {
    id: 'LogsTable',
    localName: 'billhook-logs',
    envVar: 'BILLHOOK_LOGS_TABLE',
    partitionKey: S('id'),
    // The lists show summaries; attempts (with response excerpts up to 4 KB each) stay in the table.
    indexes: [
      { indexName: 'byTenant', partitionKey: S('tenantId'), sortKey: S('createdAtId'), include: nonKeyAttributes(DELIVERY_SUMMARY, 'id', 'tenantId', 'createdAtId') },
      { indexName: 'byEndpoint', partitionKey: S('tenantEndpoint'), sortKey: S('createdAtId'), include: DELIVERY_SUMMARY },
    ],
    ttlAttribute: 'expiresAt',
    // Feeds the stats function (STREAM_CONSUMERS): the old image tells which attempts a write added.
    stream: 'NEW_AND_OLD_IMAGES',
  },
  /**
   * Delivery stats: small counter items per tenant hour, endpoint hour and
   * the tenant's endpoint totals (lib/adapters/dynamodb/stats-store.ts),
   * written by the stats function, read by the charts. Kept a week beyond
   * the log (STATS_RETENTION_EXTRA_DAYS).
   */
  stats: {
    id: 'StatsTable',
    localName: 'billhook-stats',
    envVar: 'BILLHOOK_STATS_TABLE',
    partitionKey: S('pk'),
    sortKey: S('sk'),
    indexes: [],
    ttlAttribute: 'expiresAt',
  },
  /**
   * Deployment-wide delivery limits (lib/adapters/dynamodb/delivery-limiter.ts):
   * one item per rate-limited endpoint (its next free send time) and one per
   * held concurrency lease of an ordered endpoint. Small items, one write each.
   */
  limits: {
    id: 'LimitsTable',
    localName: 'billhook-limits',
    envVar: 'BILLHOOK_LIMITS_TABLE',
    partitionKey: S('pk'),
    indexes: [],
    ttlAttribute: 'expiresAt',
  },
} as const satisfies Record<string, TableDef>;

export type TableKey = keyof typeof TABLES;

export interface QueueDef {
  id: string;
  /** A FIFO queue (its localName ends in `.fifo`): per-group order, one in-flight message per group. */
  fifo?: boolean;
  localName: string;
  envVar: string;
  visibilityTimeoutSeconds: number;
  retentionSeconds: number;
  /** Messages received this many times without success go to the DLQ. */
  maxReceiveCount?: number;
  /** Key of the dead-letter queue in QUEUES. */
  deadLetterQueue?: QueueKey;
}

export type QueueKey = 'deliveries' | 'deliveriesDlq' | 'retries' | 'retriesDlq' | 'fanout' | 'fanoutDlq' | 'schedulerDlq' | 'statsDlq';

const FOURTEEN_DAYS = 14 * 24 * 3600;

/** Lambda timeouts; SQS visibility is six times the consumer's timeout, as AWS advises. */
export const FUNCTION_TIMEOUT_SECONDS = { ingest: 29, api: 29, sender: 30, fanout: 60, stats: 60 } as const;

export const QUEUES: Record<QueueKey, QueueDef> = {
  /**
   * FIFO: message groups are the delivery lanes (lib/core/lanes.ts). Held
   * messages (rate limit, lease, an ordered retry's backoff) are received
   * again, so the redrive threshold leaves room for those receives; a message
   * whose handling throws comes back after the visibility timeout.
   */
  deliveries: {
    id: 'DeliveriesQueue',
    fifo: true,
    localName: 'billhook-deliveries.fifo',
    envVar: 'BILLHOOK_DELIVERIES_QUEUE_URL',
    visibilityTimeoutSeconds: FUNCTION_TIMEOUT_SECONDS.sender * 6,
    retentionSeconds: FOURTEEN_DAYS,
    maxReceiveCount: 50,
    deadLetterQueue: 'deliveriesDlq',
  },
  deliveriesDlq: {
    id: 'DeliveriesDlq',
    fifo: true,
    localName: 'billhook-deliveries-dlq.fifo',
    envVar: 'BILLHOOK_DLQ_URL',
    visibilityTimeoutSeconds: 30,
    retentionSeconds: FOURTEEN_DAYS,
  },
  /**
   * Standard queue for anything due later (unordered retries, deferrals,
   * Scheduler targets): FIFO queues have no per-message delay. The sender
   * forwards each message into its FIFO lane when it comes due.
   */
  retries: {
    id: 'RetriesQueue',
    localName: 'billhook-retries',
    envVar: 'BILLHOOK_RETRIES_QUEUE_URL',
    visibilityTimeoutSeconds: FUNCTION_TIMEOUT_SECONDS.sender * 6,
    retentionSeconds: FOURTEEN_DAYS,
    maxReceiveCount: 5,
    deadLetterQueue: 'retriesDlq',
  },
  retriesDlq: {
    id: 'RetriesDlq',
    localName: 'billhook-retries-dlq',
    envVar: 'BILLHOOK_RETRIES_DLQ_URL',
    visibilityTimeoutSeconds: 30,
    retentionSeconds: FOURTEEN_DAYS,
  },
  fanout: {
    id: 'FanoutQueue',
    localName: 'billhook-fanout',
    envVar: 'BILLHOOK_FANOUT_QUEUE_URL',
    visibilityTimeoutSeconds: FUNCTION_TIMEOUT_SECONDS.fanout * 6,
    retentionSeconds: FOURTEEN_DAYS,
    maxReceiveCount: 5,
    deadLetterQueue: 'fanoutDlq',
  },
  fanoutDlq: {
    id: 'FanoutDlq',
    localName: 'billhook-fanout-dlq',
    envVar: 'BILLHOOK_FANOUT_DLQ_URL',
    visibilityTimeoutSeconds: 30,
    retentionSeconds: FOURTEEN_DAYS,
  },
  /**
   * Where EventBridge Scheduler puts a long retry it could not hand to the
   * deliveries queue (the schedule's target dead-letter queue). Its messages
   * are delivery messages: move them back with a message move task.
   */
  schedulerDlq: {
    id: 'SchedulerDlq',
    localName: 'billhook-scheduler-dlq',
    envVar: 'BILLHOOK_SCHEDULER_DLQ_URL',
    visibilityTimeoutSeconds: 30,
    retentionSeconds: FOURTEEN_DAYS,
  },
  /**
   * The stats event source's on-failure destination: what Lambda says about
   * a batch of the logs stream it gave up on (its shard and sequence
   * numbers, not the records), after STREAM_CONSUMERS.stats.retryAttempts.
   */
  statsDlq: {
    id: 'StatsDlq',
    localName: 'billhook-stats-dlq',
    envVar: 'BILLHOOK_STATS_DLQ_URL',
    visibilityTimeoutSeconds: 30,
    retentionSeconds: FOURTEEN_DAYS,
  },
};

/** Each SQS event source: the queue, the function it invokes, and its settings. */
export const CONSUMERS = {
  sender: { queue: 'deliveries', function: 'sender', batchSize: 10, maxBatchingWindowSeconds: 0, maxConcurrency: 50 },
  // Forwarding due messages into their lanes is one SendMessageBatch per batch: few instances suffice.
  retries: { queue: 'retries', function: 'sender', batchSize: 10, maxBatchingWindowSeconds: 0, maxConcurrency: 5 },
  fanout: { queue: 'fanout', function: 'fanout', batchSize: 1, maxBatchingWindowSeconds: 0, maxConcurrency: 10 },
} as const satisfies Record<string, { queue: QueueKey; function: 'sender' | 'fanout'; batchSize: number; maxBatchingWindowSeconds: number; maxConcurrency: number }>;

/**
 * Each DynamoDB stream event source: the table whose stream feeds the
 * function, and its settings (the CDK stack's event source mapping and local
 * mode's stream poller both read them).
 */
export const STREAM_CONSUMERS = {
  stats: {
    table: 'logs',
    function: 'stats',
    /** Up to 1,000 records (or 6 MB) per invocation: counters fold a batch into a few writes, so bigger batches write less. */
    batchSize: 1000,
    /** Wait up to 5 s to fill a batch: the charts lag by at most that, and a quiet shard costs one invocation per 5 s at most. */
    maxBatchingWindowSeconds: 5,
    /** A failed batch is split in two and retried, at most this many times, then reported to the on-failure destination. */
    retryAttempts: 10,
    /** Records older than this are given up (the stream keeps 24 h). */
    maxRecordAgeSeconds: 6 * 3600,
    onFailure: 'statsDlq',
    /** Only these events reach the function (Lambda event filtering): TTL removals never invoke it. */
    eventNames: ['INSERT', 'MODIFY'],
    /** Local mode's stream poller asks for new records this often. */
    localPollMs: 250,
  },
} as const satisfies Record<string, { table: TableKey; function: 'stats'; batchSize: number; maxBatchingWindowSeconds: number; retryAttempts: number; maxRecordAgeSeconds: number; onFailure: QueueKey; eventNames: readonly string[]; localPollMs: number }>;

export type HttpFunction = 'ingest' | 'api';

/**
 * HTTP routes served by the hot-path ingest function; every other request
 * goes to the api function (`$default`). Each handler routes by method and
 * path itself, so the gateway only has to pick the function.
 */
export const INGEST_ROUTES = [
  { method: 'POST', path: '/v1/tenants/{tenantId}/events' },
  { method: 'POST', path: '/v1/tenants/{tenantId}/events/batch' },
] as const;

/** Which function serves a request. */
export function functionFor(method: string, path: string): HttpFunction {
  const m = method.toUpperCase();
  const hit = INGEST_ROUTES.some((r) => r.method === m && templateToRegExp(r.path).test(path));
  return hit ? 'ingest' : 'api';
}

export function templateToRegExp(template: string): RegExp {
  const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}/]+\}/g, '[^/]+');
  return new RegExp(`^${pattern}/?$`);
}
