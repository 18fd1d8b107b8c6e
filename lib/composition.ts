/**
 * The composition root: the one place that picks adapters and wires them to
 * the use cases. Each Lambda asks only for what it needs, built lazily once
 * per process (cold start), so a function's bundle and start-up stay small.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { documentClient } from './adapters/dynamodb/client.ts';
import { DynamoDeliveryLog } from './adapters/dynamodb/delivery-log.ts';
import { DynamoEndpointStore } from './adapters/dynamodb/endpoint-store.ts';
import { DynamoEventStore } from './adapters/dynamodb/event-store.ts';
import { DynamoTenantStore } from './adapters/dynamodb/tenant-store.ts';
import { SsrfGuard } from './adapters/http/url-guard.ts';
import { HttpWebhookSender } from './adapters/http/webhook-sender.ts';
import { SqsDeliveryQueue, sqsClient } from './adapters/sqs/delivery-queue.ts';
import { CachedEndpointReader } from './app/endpoint-cache.ts';
import type { AppDeps, SenderDeps } from './app/deps.ts';
import { TenantExistenceCache } from './app/tenants.ts';
import { loadConfig, type Config } from './config.ts';
import { EventCatalogue } from './core/event-types.ts';
import { idGenerator } from './core/ids.ts';
import { AdminKeyAuthenticator, ChainAuthenticator, type Authenticator } from './http/auth.ts';
import { jsonLogger, type Logger } from './log.ts';
import type { Clock } from './ports.ts';

export const systemClock: Clock = { now: () => Date.now() };
/** Uniform in [0, 1) from the CSPRNG. */
const secureRandom = () => randomInt(0, 2 ** 48) / 2 ** 48;

function required(value: string | undefined, name: string): string {
  if (!value) throw new Error(`configuration: ${name} is not set`);
  return value;
}

/** Build the use-case dependencies from a configuration. */
export function buildAppDeps(config: Config, clock: Clock = systemClock): AppDeps & { tenantCache: TenantExistenceCache } {
  const db = documentClient({ region: config.region, endpoint: config.endpoints.dynamodb });
  const sqs = sqsClient({ region: config.region, endpoint: config.endpoints.sqs });
  return {
    tenants: new DynamoTenantStore(db, config.tables.entities),
    endpoints: new DynamoEndpointStore(db, config.tables.entities),
    events: new DynamoEventStore(db, config.tables.events, config.eventRetentionDays),
    deliveries: new DynamoDeliveryLog(db, config.tables.logs, config.logRetentionDays),
    queue: new SqsDeliveryQueue(sqs, {
      deliveries: required(config.queues.deliveries, 'BILLHOOK_DELIVERIES_QUEUE_URL'),
      deadLetter: required(config.queues.dlq, 'BILLHOOK_DLQ_URL'),
      fanout: required(config.queues.fanout, 'BILLHOOK_FANOUT_QUEUE_URL'),
    }),
    urlGuard: urlGuard(config),
    catalogue: EventCatalogue.withExtras(config.extraEventTypes),
    clock,
    ids: idGenerator(() => clock.now(), (n) => randomBytes(n)),
    random: secureRandom,
    randomBytes: (n) => randomBytes(n),
    settings: settings(config),
    tenantCache: new TenantExistenceCache(),
  };
}

const settings = (config: Config): AppDeps['settings'] => ({
  retrySchedule: config.retrySchedule,
  fanoutThreshold: config.fanoutThreshold,
  maxSqsDelaySeconds: config.maxSqsDelaySeconds,
  version: config.version,
});

const urlGuard = (config: Config) =>
  new SsrfGuard({ allowHttp: config.outbound.allowHttp, allowLoopback: config.outbound.allowLoopback, allowCidrs: config.outbound.allowPrivateCidrs });

/** The sender's dependencies: cached endpoint reads and the guarded HTTP client. */
export function buildSenderDeps(config: Config, clock: Clock = systemClock): SenderDeps {
  const app = buildAppDeps(config, clock);
  return {
    deliveries: app.deliveries,
    queue: app.queue,
    clock,
    random: secureRandom,
    settings: app.settings,
    endpoints: new CachedEndpointReader(app.endpoints, clock),
    http: new HttpWebhookSender(urlGuard(config), clock, {
      timeoutMs: config.outbound.timeoutMs,
      connectTimeoutMs: config.outbound.connectTimeoutMs,
    }),
  };
}

/** The admin key: from the environment (local mode) or Secrets Manager (AWS), read once. */
export function buildAuthenticator(config: Config): Authenticator {
  const source = async (): Promise<string> => {
    if (config.adminKey) return config.adminKey;
    if (config.adminKeySecretArn) {
      const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
      const out = await new SecretsManagerClient({ region: config.region }).send(new GetSecretValueCommand({ SecretId: config.adminKeySecretArn }));
      if (!out.SecretString) throw new Error('admin key secret is empty');
      return out.SecretString;
    }
    throw new Error('no admin key configured: set BILLHOOK_ADMIN_KEY or BILLHOOK_ADMIN_KEY_SECRET_ARN');
  };
  return new ChainAuthenticator([new AdminKeyAuthenticator(source)]);
}

/** Per-process memo: handlers call these on first use, after the environment is set. */
function once<T>(make: () => T): () => T {
  let value: T | undefined;
  let made = false;
  return () => {
    if (!made) {
      value = make();
      made = true;
    }
    return value as T;
  };
}

export const processConfig = once(() => loadConfig());
export const processLogger = once((): Logger => jsonLogger('billhook', undefined, (process.env.BILLHOOK_LOG_LEVEL as 'info' | 'warn' | 'error' | undefined) ?? 'info'));
export const processAppDeps = once(() => buildAppDeps(processConfig()));
export const processSenderDeps = once(() => buildSenderDeps(processConfig()));
export const processAuthenticator = once(() => buildAuthenticator(processConfig()));
