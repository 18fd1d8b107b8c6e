/**
 * The environment contract. Every setting Billhook reads lives here, read by
 * `loadConfig` and written by `toEnvironment`: the CDK construct and local
 * mode both describe a deployment as a (partial) `Config` and turn it into
 * variables with `toEnvironment`, so the writer and the reader cannot drift.
 * Nothing else reads or writes BILLHOOK_* variables.
 */
import * as z from './core/zod.ts';
import { QUEUES, TABLES, type QueueKey, type TableKey } from './definitions.ts';
import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from './core/retry-policy.ts';
import { formatExtraEventTypes, parseExtraEventTypes, type EventTypeDef } from './core/event-types.ts';
import { MAX_IN_FLIGHT } from './core/lanes.ts';
import { DEFAULT_PORT_POLICY, formatPortPolicy, parsePortPolicy, type PortPolicy } from './core/ip-policy.ts';

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

const TABLE_KEYS = Object.keys(TABLES) as TableKey[];
const QUEUE_KEYS = Object.keys(QUEUES) as QueueKey[];

const envSchema = z.object({
  // Table and queue variables are named by their definitions (lib/definitions.ts).
  ...(Object.fromEntries(TABLE_KEYS.map((k) => [TABLES[k].envVar, name(TABLES[k].localName)])) as Record<string, ReturnType<typeof name>>),
  ...(Object.fromEntries(QUEUE_KEYS.map((k) => [QUEUES[k].envVar, text()])) as Record<string, ReturnType<typeof text>>),
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
  /** A Powertools log level (debug, info, warn, error, …), any case. */
  BILLHOOK_LOG_LEVEL: text(),
  /** Base URL of portal links (local mode sets its own; a custom domain names it); absent: https:// + the request's Host. */
  BILLHOOK_PUBLIC_URL: z.optional(
    z.string().check(z.refine((s: string) => /^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(s) && URL.canParse(s), 'must be an http(s) URL without query or fragment')),
  ),
  /** Branding of the portal and dashboard: the product name and an accent colour. */
  BILLHOOK_PORTAL_PRODUCT_NAME: z._default(z.string().check(z.minLength(1), z.maxLength(100)), 'Billhook'),
  BILLHOOK_PORTAL_ACCENT_COLOR: z._default(z.string().check(z.regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour written #rrggbb')), '#1f5fbf'),
});

export interface Config {
  /** Table names, keyed as TABLES. */
  tables: Record<TableKey, string>;
  /** Queue URLs, keyed as QUEUES; a function is given those it uses. */
  queues: Partial<Record<QueueKey, string>>;
  /** An endpoint's maxInFlight when it sets none. */
  defaultMaxInFlight: number;
  region: string;
  /** Local mode only: the emulators' endpoints (clients pointed at one use static local credentials). */
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
  /** Log level of the functions; absent: POWERTOOLS_LOG_LEVEL, else info. */
  logLevel?: string;
  /** Base URL portal links point to (no trailing slash); absent: `https://` + the request's Host header. */
  publicUrl?: string;
  /** What the portal (and dashboard) page shows: the product name (its title) and accent colour (`#rrggbb`). */
  portalBranding: { productName: string; accentColor: string };
}

/** What a deployment states: any part of a `Config`; the rest keeps `loadConfig`'s defaults. */
export type ConfigInput = { [K in keyof Config]?: Config[K] extends readonly unknown[] ? Config[K] : Config[K] extends object ? Partial<Config[K]> : Config[K] };

type Environment = Record<string, string | undefined>;

const list = (raw: string | undefined, separator: RegExp): string[] => (raw ?? '').split(separator).map((s) => s.trim()).filter(Boolean);

/** Parse an environment (default: process.env). Throws a readable error listing every bad variable. */
export function loadConfig(env: Environment = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const vars = e as unknown as Record<string, string | undefined>;
  return {
    tables: Object.fromEntries(TABLE_KEYS.map((k) => [k, vars[TABLES[k].envVar]!])) as Record<TableKey, string>,
    queues: Object.fromEntries(QUEUE_KEYS.flatMap((k) => (vars[QUEUES[k].envVar] === undefined ? [] : [[k, vars[QUEUES[k].envVar]!]]))),
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
      allowPrivateCidrs: list(e.BILLHOOK_ALLOW_PRIVATE_CIDRS, /,/),
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
    dashboardFrameAncestors: list(e.BILLHOOK_DASHBOARD_FRAME_ANCESTORS, /[\s,]+/),
    ...(e.BILLHOOK_LOG_LEVEL ? { logLevel: e.BILLHOOK_LOG_LEVEL } : {}),
    ...(e.BILLHOOK_PUBLIC_URL ? { publicUrl: e.BILLHOOK_PUBLIC_URL.replace(/\/+$/, '') } : {}),
    portalBranding: { productName: e.BILLHOOK_PORTAL_PRODUCT_NAME, accentColor: e.BILLHOOK_PORTAL_ACCENT_COLOR },
  };
}

/** The defaults: what `loadConfig` makes of an empty environment. */
export const DEFAULT_CONFIG: Readonly<Config> = loadConfig({});

/**
 * The environment that states `config`: the one writer of what `loadConfig`
 * reads, so `loadConfig(toEnvironment(c))` equals `c` for every valid `c`.
 * Writes exactly the settings present (a deployment leaves the rest to the
 * defaults, which keeps a function's variables well under Lambda's 4 KB);
 * values that are CDK tokens pass through untouched. The order is fixed
 * (a template's text does not move when a setting is added).
 *
 * @example
 * toEnvironment({ retrySchedule: [5, 60], tables: { entities: 't1' } });
 * // { BILLHOOK_RETRY_SCHEDULE: '5,60', BILLHOOK_ENTITIES_TABLE: 't1' }
 */
export function toEnvironment(config: ConfigInput): Record<string, string> {
  const env: Environment = {};
  const c = config;
  env.BILLHOOK_RETRY_SCHEDULE = c.retrySchedule?.join(',');
  env.BILLHOOK_LOG_RETENTION_DAYS = str(c.logRetentionDays);
  env.BILLHOOK_EVENT_RETENTION_DAYS = str(c.eventRetentionDays);
  env.BILLHOOK_FANOUT_THRESHOLD = str(c.fanoutThreshold);
  env.BILLHOOK_VERSION = c.version;
  for (const k of TABLE_KEYS) env[TABLES[k].envVar] = c.tables?.[k];
  for (const k of QUEUE_KEYS) env[QUEUES[k].envVar] = c.queues?.[k];
  env.BILLHOOK_EXTRA_EVENT_TYPES = c.extraEventTypes && formatExtraEventTypes(c.extraEventTypes);
  env.BILLHOOK_ALLOW_PRIVATE_CIDRS = c.outbound?.allowPrivateCidrs?.join(',');
  env.BILLHOOK_ADMIN_KEY_SECRET_ARN = c.adminKeySecretArn;
  env.BILLHOOK_SCHEDULER_GROUP = c.scheduler?.group;
  env.BILLHOOK_SCHEDULER_ROLE_ARN = c.scheduler?.roleArn;
  env.BILLHOOK_RETRIES_QUEUE_ARN = c.scheduler?.queueArn;
  env.BILLHOOK_SCHEDULER_DLQ_ARN = c.scheduler?.deadLetterArn;
  env.AWS_REGION = c.region;
  env.BILLHOOK_DYNAMODB_ENDPOINT = c.endpoints?.dynamodb;
  env.BILLHOOK_SQS_ENDPOINT = c.endpoints?.sqs;
  env.BILLHOOK_SCHEDULER_ENDPOINT = c.endpoints?.scheduler;
  env.BILLHOOK_DEFAULT_MAX_IN_FLIGHT = str(c.defaultMaxInFlight);
  env.BILLHOOK_ADMIN_KEY = c.adminKey;
  env.BILLHOOK_ALLOW_HTTP = str(c.outbound?.allowHttp);
  env.BILLHOOK_ALLOW_LOOPBACK = str(c.outbound?.allowLoopback);
  env.BILLHOOK_ALLOWED_PORTS = c.outbound?.ports && formatPortPolicy(c.outbound.ports);
  env.BILLHOOK_REQUEST_TIMEOUT_MS = str(c.outbound?.timeoutMs);
  env.BILLHOOK_CONNECT_TIMEOUT_MS = str(c.outbound?.connectTimeoutMs);
  env.BILLHOOK_MAX_SQS_DELAY = str(c.maxSqsDelaySeconds);
  env.BILLHOOK_PERMANENT_4XX = str(c.permanent4xx);
  env.BILLHOOK_BREAKER_THRESHOLD = str(c.breaker?.threshold);
  env.BILLHOOK_BREAKER_COOLDOWN_SECONDS = str(c.breaker?.cooldownSeconds);
  env.BILLHOOK_DISABLE_AFTER_DAYS = str(c.disableAfterDays);
  env.BILLHOOK_DISABLE_AFTER_EXHAUSTED = str(c.disableAfterExhausted);
  env.BILLHOOK_DASHBOARD_DIR = c.dashboardDir;
  env.BILLHOOK_DASHBOARD_FRAME_ANCESTORS = c.dashboardFrameAncestors?.join(' ');
  env.BILLHOOK_LOG_LEVEL = c.logLevel;
  env.BILLHOOK_PUBLIC_URL = c.publicUrl;
  env.BILLHOOK_PORTAL_PRODUCT_NAME = c.portalBranding?.productName;
  env.BILLHOOK_PORTAL_ACCENT_COLOR = c.portalBranding?.accentColor;
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

const str = (v: number | boolean | undefined): string | undefined => (v === undefined ? undefined : String(v));
