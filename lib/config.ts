/**
 * The environment, parsed once with zod. Every setting Billhook reads lives
 * here; nothing else touches process.env.
 */
import * as z from './core/zod.ts';
import { TABLES } from './definitions.ts';
import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from './core/retry-policy.ts';
import { parseExtraEventTypes, type EventTypeDef } from './core/event-types.ts';
import { MAX_IN_FLIGHT } from './core/lanes.ts';
import { DEFAULT_PORT_POLICY, parsePortPolicy, type PortPolicy } from './core/ip-policy.ts';

const bool = z.pipe(
  z.optional(z.enum(['true', 'false', '1', '0', ''])),
  z.transform((v: 'true' | 'false' | '1' | '0' | '' | undefined) => v === 'true' || v === '1'),
);
const text = () => z.optional(z.string());
const url = () => z.optional(z.url());
/** A whole number from the environment, within bounds, with a default. */
const int = (min: number, max: number, fallback: number) =>
  z._default(z.coerce.number().check(z.multipleOf(1, 'must be a whole number'), z.minimum(min), z.maximum(max)), fallback);
const name = (fallback: string) => z._default(z.string().check(z.minLength(1)), fallback);

const envSchema = z.object({
  // Names match TABLES/QUEUES envVar in definitions.ts (a unit test checks).
  BILLHOOK_ENTITIES_TABLE: name(TABLES.entities.localName),
  BILLHOOK_EVENTS_TABLE: name(TABLES.events.localName),
  BILLHOOK_LOGS_TABLE: name(TABLES.logs.localName),
  BILLHOOK_LIMITS_TABLE: name(TABLES.limits.localName),
  BILLHOOK_DELIVERIES_QUEUE_URL: text(),
  BILLHOOK_DLQ_URL: text(),
  BILLHOOK_RETRIES_QUEUE_URL: text(),
  BILLHOOK_RETRIES_DLQ_URL: text(),
  BILLHOOK_FANOUT_QUEUE_URL: text(),
  AWS_REGION: z._default(z.string(), 'us-east-1'),
  /** Local mode only: the DynamoDB Local and SQS emulator endpoints. */
  BILLHOOK_DYNAMODB_ENDPOINT: url(),
  BILLHOOK_SQS_ENDPOINT: url(),
  BILLHOOK_SCHEDULER_ENDPOINT: url(),
  BILLHOOK_SCHEDULER_GROUP: text(),
  BILLHOOK_SCHEDULER_ROLE_ARN: text(),
  /** The Scheduler's target: the retries queue, whose messages are forwarded into their lanes. */
  BILLHOOK_RETRIES_QUEUE_ARN: text(),
  BILLHOOK_DEFAULT_MAX_IN_FLIGHT: int(MAX_IN_FLIGHT.min, MAX_IN_FLIGHT.max, MAX_IN_FLIGHT.default),
  /** The schedules' target dead-letter queue: where Scheduler puts a retry it could not send. */
  BILLHOOK_SCHEDULER_DLQ_ARN: text(),
  BILLHOOK_ADMIN_KEY: z.optional(z.string().check(z.minLength(16, 'BILLHOOK_ADMIN_KEY must be at least 16 characters'))),
  BILLHOOK_ADMIN_KEY_SECRET_ARN: text(),
  BILLHOOK_RETRY_SCHEDULE: text(),
  BILLHOOK_EXTRA_EVENT_TYPES: text(),
  BILLHOOK_ALLOW_HTTP: bool,
  BILLHOOK_ALLOW_LOOPBACK: bool,
  BILLHOOK_ALLOW_PRIVATE_CIDRS: text(),
  BILLHOOK_ALLOWED_PORTS: z._default(z.string(), DEFAULT_PORT_POLICY),
  BILLHOOK_FANOUT_THRESHOLD: int(1, Number.MAX_SAFE_INTEGER, 50),
  BILLHOOK_REQUEST_TIMEOUT_MS: int(100, 60_000, 15_000),
  BILLHOOK_CONNECT_TIMEOUT_MS: int(100, 60_000, 5_000),
  BILLHOOK_MAX_SQS_DELAY: int(0, 900, 900),
  BILLHOOK_EVENT_RETENTION_DAYS: int(1, 3650, 90),
  BILLHOOK_LOG_RETENTION_DAYS: int(1, 3650, 30),
  BILLHOOK_VERSION: z._default(z.string(), '0.1.0'),
  BILLHOOK_PERMANENT_4XX: bool,
  BILLHOOK_BREAKER_THRESHOLD: int(0, 1000, 5),
  BILLHOOK_BREAKER_COOLDOWN_SECONDS: int(1, 3600, 30),
  BILLHOOK_DISABLE_AFTER_DAYS: z._default(z.coerce.number().check(z.minimum(0), z.maximum(365)), 5),
  BILLHOOK_DASHBOARD_DIR: z.optional(z.string().check(z.minLength(1))),
  BILLHOOK_DASHBOARD_FRAME_ANCESTORS: text(),
  BILLHOOK_DISABLE_AFTER_EXHAUSTED: int(0, 100_000, 20),
});

export interface Config {
  tables: { entities: string; events: string; logs: string; limits: string };
  queues: { deliveries?: string; dlq?: string; retries?: string; retriesDlq?: string; fanout?: string };
  /** An endpoint's maxInFlight when it sets none. */
  defaultMaxInFlight: number;
  region: string;
  endpoints: { dynamodb?: string; sqs?: string; scheduler?: string };
  /** EventBridge Scheduler for retries beyond 900 s; absent: messages hop through the queue. */
  scheduler?: { group: string; roleArn: string; queueArn: string; deadLetterArn?: string };
  adminKey?: string;
  adminKeySecretArn?: string;
  retrySchedule: number[];
  extraEventTypes: EventTypeDef[];
  outbound: { allowHttp: boolean; allowLoopback: boolean; allowPrivateCidrs: string[]; ports: PortPolicy; timeoutMs: number; connectTimeoutMs: number };
  fanoutThreshold: number;
  maxSqsDelaySeconds: number;
  eventRetentionDays: number;
  logRetentionDays: number;
  version: string;
  disableAfterDays: number;
  disableAfterExhausted: number;
  /** Treat 4xx answers other than 410/429 as permanent failures instead of retrying them. */
  permanent4xx: boolean;
  /** The built dashboard (index.html + assets/); absent: `dashboard/` beside the api bundle. */
  dashboardDir?: string;
  /** Origins allowed to frame the dashboard (space or comma separated); default none. */
  dashboardFrameAncestors: string[];
  /** Consecutive failures that open an endpoint's circuit (0 = no breaker), and the first cooldown. */
  breaker: { threshold: number; cooldownSeconds: number };
}

/** Parse an environment (default: process.env). Throws a readable error listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    tables: { entities: e.BILLHOOK_ENTITIES_TABLE, events: e.BILLHOOK_EVENTS_TABLE, logs: e.BILLHOOK_LOGS_TABLE, limits: e.BILLHOOK_LIMITS_TABLE },
    queues: {
      deliveries: e.BILLHOOK_DELIVERIES_QUEUE_URL,
      dlq: e.BILLHOOK_DLQ_URL,
      retries: e.BILLHOOK_RETRIES_QUEUE_URL,
      retriesDlq: e.BILLHOOK_RETRIES_DLQ_URL,
      fanout: e.BILLHOOK_FANOUT_QUEUE_URL,
    },
    defaultMaxInFlight: e.BILLHOOK_DEFAULT_MAX_IN_FLIGHT,
    region: e.AWS_REGION,
    endpoints: { dynamodb: e.BILLHOOK_DYNAMODB_ENDPOINT, sqs: e.BILLHOOK_SQS_ENDPOINT, scheduler: e.BILLHOOK_SCHEDULER_ENDPOINT },
    ...(e.BILLHOOK_SCHEDULER_GROUP && e.BILLHOOK_SCHEDULER_ROLE_ARN && e.BILLHOOK_RETRIES_QUEUE_ARN
      ? {
          scheduler: {
            group: e.BILLHOOK_SCHEDULER_GROUP,
            roleArn: e.BILLHOOK_SCHEDULER_ROLE_ARN,
            queueArn: e.BILLHOOK_RETRIES_QUEUE_ARN,
            ...(e.BILLHOOK_SCHEDULER_DLQ_ARN ? { deadLetterArn: e.BILLHOOK_SCHEDULER_DLQ_ARN } : {}),
          },
        }
      : {}),
    adminKey: e.BILLHOOK_ADMIN_KEY,
    adminKeySecretArn: e.BILLHOOK_ADMIN_KEY_SECRET_ARN,
    retrySchedule: e.BILLHOOK_RETRY_SCHEDULE === undefined ? [...DEFAULT_RETRY_SCHEDULE] : parseRetrySchedule(e.BILLHOOK_RETRY_SCHEDULE),
    extraEventTypes: parseExtraEventTypes(e.BILLHOOK_EXTRA_EVENT_TYPES),
    outbound: {
      allowHttp: e.BILLHOOK_ALLOW_HTTP,
      allowLoopback: e.BILLHOOK_ALLOW_LOOPBACK,
      allowPrivateCidrs: (e.BILLHOOK_ALLOW_PRIVATE_CIDRS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
      ports: parsePortPolicy(e.BILLHOOK_ALLOWED_PORTS),
      timeoutMs: e.BILLHOOK_REQUEST_TIMEOUT_MS,
      connectTimeoutMs: e.BILLHOOK_CONNECT_TIMEOUT_MS,
    },
    fanoutThreshold: e.BILLHOOK_FANOUT_THRESHOLD,
    maxSqsDelaySeconds: e.BILLHOOK_MAX_SQS_DELAY,
    eventRetentionDays: e.BILLHOOK_EVENT_RETENTION_DAYS,
    logRetentionDays: e.BILLHOOK_LOG_RETENTION_DAYS,
    version: e.BILLHOOK_VERSION,
    disableAfterDays: e.BILLHOOK_DISABLE_AFTER_DAYS,
    disableAfterExhausted: e.BILLHOOK_DISABLE_AFTER_EXHAUSTED,
    permanent4xx: e.BILLHOOK_PERMANENT_4XX,
    breaker: { threshold: e.BILLHOOK_BREAKER_THRESHOLD, cooldownSeconds: e.BILLHOOK_BREAKER_COOLDOWN_SECONDS },
    ...(e.BILLHOOK_DASHBOARD_DIR ? { dashboardDir: e.BILLHOOK_DASHBOARD_DIR } : {}),
    dashboardFrameAncestors: (e.BILLHOOK_DASHBOARD_FRAME_ANCESTORS ?? '').split(/[\s,]+/).filter(Boolean),
  };
}
