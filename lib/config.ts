/**
 * The environment, parsed once with zod. Every setting Billhook reads lives
 * here; nothing else touches process.env.
 */
import { z } from 'zod';
import { TABLES } from './definitions.ts';
import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from './core/retry-policy.ts';
import { parseExtraEventTypes, type EventTypeDef } from './core/event-types.ts';
import { DEFAULT_PORT_POLICY, parsePortPolicy, type PortPolicy } from './core/ip-policy.ts';

const bool = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1');

const envSchema = z.object({
  // Names match TABLES/QUEUES envVar in definitions.ts (a unit test checks).
  BILLHOOK_ENTITIES_TABLE: z.string().min(1).default(TABLES.entities.localName),
  BILLHOOK_EVENTS_TABLE: z.string().min(1).default(TABLES.events.localName),
  BILLHOOK_LOGS_TABLE: z.string().min(1).default(TABLES.logs.localName),
  BILLHOOK_DELIVERIES_QUEUE_URL: z.string().optional(),
  BILLHOOK_DLQ_URL: z.string().optional(),
  BILLHOOK_FANOUT_QUEUE_URL: z.string().optional(),
  AWS_REGION: z.string().default('us-east-1'),
  /** Local mode only: the DynamoDB Local and SQS emulator endpoints. */
  BILLHOOK_DYNAMODB_ENDPOINT: z.string().url().optional(),
  BILLHOOK_SQS_ENDPOINT: z.string().url().optional(),
  BILLHOOK_SCHEDULER_ENDPOINT: z.string().url().optional(),
  BILLHOOK_SCHEDULER_GROUP: z.string().optional(),
  BILLHOOK_SCHEDULER_ROLE_ARN: z.string().optional(),
  BILLHOOK_DELIVERIES_QUEUE_ARN: z.string().optional(),
  BILLHOOK_ADMIN_KEY: z.string().min(16, 'BILLHOOK_ADMIN_KEY must be at least 16 characters').optional(),
  BILLHOOK_ADMIN_KEY_SECRET_ARN: z.string().optional(),
  BILLHOOK_RETRY_SCHEDULE: z.string().optional(),
  BILLHOOK_EXTRA_EVENT_TYPES: z.string().optional(),
  BILLHOOK_ALLOW_HTTP: bool,
  BILLHOOK_ALLOW_LOOPBACK: bool,
  BILLHOOK_ALLOW_PRIVATE_CIDRS: z.string().optional(),
  BILLHOOK_ALLOWED_PORTS: z.string().default(DEFAULT_PORT_POLICY),
  BILLHOOK_FANOUT_THRESHOLD: z.coerce.number().int().min(1).default(50),
  BILLHOOK_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(15_000),
  BILLHOOK_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  BILLHOOK_MAX_SQS_DELAY: z.coerce.number().int().min(0).max(900).default(900),
  BILLHOOK_EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  BILLHOOK_LOG_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  BILLHOOK_VERSION: z.string().default('0.1.0'),
  BILLHOOK_PERMANENT_4XX: bool,
  BILLHOOK_BREAKER_THRESHOLD: z.coerce.number().int().min(0).max(1000).default(5),
  BILLHOOK_BREAKER_COOLDOWN_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  BILLHOOK_DISABLE_AFTER_DAYS: z.coerce.number().min(0).max(365).default(5),
  BILLHOOK_DASHBOARD_DIR: z.string().min(1).optional(),
  BILLHOOK_DASHBOARD_FRAME_ANCESTORS: z.string().optional(),
  BILLHOOK_DISABLE_AFTER_EXHAUSTED: z.coerce.number().int().min(0).max(100_000).default(20),
});

export interface Config {
  tables: { entities: string; events: string; logs: string };
  queues: { deliveries?: string; dlq?: string; fanout?: string };
  region: string;
  endpoints: { dynamodb?: string; sqs?: string; scheduler?: string };
  /** EventBridge Scheduler for retries beyond 900 s; absent: messages hop through the queue. */
  scheduler?: { group: string; roleArn: string; queueArn: string };
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
    tables: { entities: e.BILLHOOK_ENTITIES_TABLE, events: e.BILLHOOK_EVENTS_TABLE, logs: e.BILLHOOK_LOGS_TABLE },
    queues: { deliveries: e.BILLHOOK_DELIVERIES_QUEUE_URL, dlq: e.BILLHOOK_DLQ_URL, fanout: e.BILLHOOK_FANOUT_QUEUE_URL },
    region: e.AWS_REGION,
    endpoints: { dynamodb: e.BILLHOOK_DYNAMODB_ENDPOINT, sqs: e.BILLHOOK_SQS_ENDPOINT, scheduler: e.BILLHOOK_SCHEDULER_ENDPOINT },
    ...(e.BILLHOOK_SCHEDULER_GROUP && e.BILLHOOK_SCHEDULER_ROLE_ARN && e.BILLHOOK_DELIVERIES_QUEUE_ARN
      ? { scheduler: { group: e.BILLHOOK_SCHEDULER_GROUP, roleArn: e.BILLHOOK_SCHEDULER_ROLE_ARN, queueArn: e.BILLHOOK_DELIVERIES_QUEUE_ARN } }
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
