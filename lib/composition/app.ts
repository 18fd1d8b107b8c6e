/**
 * The composition root (lib/composition/): the one place that picks adapters
 * and wires them to the use cases. This file wires the stores, the queue and
 * authentication; sender.ts adds the outbound HTTP client, kept apart so the
 * ingest and api bundles do not carry it; process.ts builds a handler's
 * runtime from one configuration.
 */
import { randomBytes } from 'node:crypto';
import { documentClient } from '../adapters/dynamodb/client.ts';
import { DynamoDeliveryLog } from '../adapters/dynamodb/delivery-log.ts';
import { DynamoEndpointStore } from '../adapters/dynamodb/endpoint-store.ts';
import { DynamoEventStore } from '../adapters/dynamodb/event-store.ts';
import { DynamoTenantStore } from '../adapters/dynamodb/tenant-store.ts';
import { DynamoStatsStore } from '../adapters/dynamodb/stats-store.ts';
import { SsrfGuard } from '../adapters/http/url-guard.ts';
import { SqsDeadLetterQueue } from '../adapters/sqs/dead-letter-queue.ts';
import { SqsDeliveryQueue, sqsClient } from '../adapters/sqs/delivery-queue.ts';
import type { AppDeps } from '../app/deps.ts';
import { TenantExistenceCache } from '../app/tenants.ts';
import type { Config } from '../config.ts';
import { CatalogueCache } from '../app/catalogue.ts';
import { CfworkerSchemaValidator } from '../adapters/json-schema/cfworker-validator.ts';
import { DynamoEventTypeStore } from '../adapters/dynamodb/event-type-store.ts';
import { idGenerator } from '../core/ids.ts';
import { STATS_RETENTION_EXTRA_DAYS } from '../core/stats.ts';
import { AdminKeyAuthenticator, ChainAuthenticator, PortalSessionAuthenticator, TenantKeyAuthenticator, type Authenticator } from '../http/auth.ts';
import { DynamoApiKeyStore } from '../adapters/dynamodb/api-key-store.ts';
import { DynamoPortalSessionStore } from '../adapters/dynamodb/portal-session-store.ts';
import type { Clock } from '../ports.ts';

export const systemClock: Clock = { now: () => Date.now() };
/** Uniform in [0, 1) from the CSPRNG (48 random bits). */
export const secureRandom = (): number => randomBytes(6).readUIntBE(0, 6) / 2 ** 48;

/** Emulators check no credentials; static ones spare the SDK a search of the machine for real ones. */
const EMULATOR_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/** Where an AWS client goes: the region, or in local mode the emulator of `service`, with static credentials. */
export function awsTarget(config: Config, service: keyof Config['endpoints']): { region: string; endpoint?: string; credentials?: typeof EMULATOR_CREDENTIALS } {
  const endpoint = config.endpoints[service];
  return endpoint ? { region: config.region, endpoint, credentials: EMULATOR_CREDENTIALS } : { region: config.region };
}

export function required(value: string | undefined, name: string): string {
  if (!value) throw new Error(`configuration: ${name} is not set`);
  return value;
}

/** Build the use-case dependencies from a configuration. */
export function buildAppDeps(config: Config, clock: Clock = systemClock): AppDeps & { tenantCache: TenantExistenceCache } {
  const db = documentClient(awsTarget(config, 'dynamodb'));
  const sqs = sqsClient(awsTarget(config, 'sqs'));
  const eventTypes = new DynamoEventTypeStore(db, config.tables.entities);
  const schemas = new CfworkerSchemaValidator();
  return {
    apiKeys: new DynamoApiKeyStore(db, config.tables.entities),
    portalSessions: new DynamoPortalSessionStore(db, config.tables.entities),
    dlq: new SqsDeadLetterQueue(sqs, [required(config.queues.deliveriesDlq, 'BILLHOOK_DLQ_URL'), ...(config.queues.retriesDlq ? [config.queues.retriesDlq] : [])]),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    tenants: new DynamoTenantStore(db, config.tables.entities),
    endpoints: new DynamoEndpointStore(db, config.tables.entities),
    events: new DynamoEventStore(db, config.tables.events, config.eventRetentionDays),
    deliveries: new DynamoDeliveryLog(db, config.tables.logs, config.logRetentionDays),
    stats: statsStore(config, db),
    queue: deliveryQueue(config, sqs),
    urlGuard: urlGuard(config),
    // Defaults + BILLHOOK_EXTRA_EVENT_TYPES + stored definitions, re-read at most every 30 s per instance.
    catalogue: new CatalogueCache(eventTypes, clock, config.extraEventTypes, schemas),
    eventTypes,
    schemas,
    clock,
    ids: idGenerator(() => clock.now(), (n) => randomBytes(n)),
    random: secureRandom,
    randomBytes: (n) => randomBytes(n),
    settings: settings(config),
    tenantCache: new TenantExistenceCache(),
  };
}

/** The deliveries queue, with the retries, dead-letter and jobs queues it hands messages to. */
export const deliveryQueue = (config: Config, sqs = sqsClient(awsTarget(config, 'sqs'))) =>
  new SqsDeliveryQueue(sqs, {
    deliveries: required(config.queues.deliveries, 'BILLHOOK_DELIVERIES_QUEUE_URL'),
    retries: required(config.queues.retries, 'BILLHOOK_RETRIES_QUEUE_URL'),
    deadLetter: required(config.queues.deliveriesDlq, 'BILLHOOK_DLQ_URL'),
    fanout: required(config.queues.fanout, 'BILLHOOK_FANOUT_QUEUE_URL'),
  });

/** The stats counters, kept STATS_RETENTION_EXTRA_DAYS beyond the log. */
export const statsStore = (config: Config, db = documentClient(awsTarget(config, 'dynamodb'))) =>
  new DynamoStatsStore(db, required(config.tables.stats, 'BILLHOOK_STATS_TABLE'), config.logRetentionDays + STATS_RETENTION_EXTRA_DAYS);

export const settings = (config: Config): AppDeps['settings'] => ({
  retrySchedule: config.retrySchedule,
  fanoutThreshold: config.fanoutThreshold,
  maxSqsDelaySeconds: config.maxSqsDelaySeconds,
  version: config.version,
  disableAfterDays: config.disableAfterDays,
  disableAfterExhausted: config.disableAfterExhausted,
  permanent4xx: config.permanent4xx,
  defaultMaxInFlight: config.defaultMaxInFlight,
  allowHttp: config.outbound.allowHttp,
  ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
});

export const urlGuard = (config: Config) =>
  new SsrfGuard({
    allowHttp: config.outbound.allowHttp,
    allowLoopback: config.outbound.allowLoopback,
    allowCidrs: config.outbound.allowPrivateCidrs,
    ports: config.outbound.ports,
  });

/** The admin key (from the environment in local mode, Secrets Manager on AWS, read once), then tenant keys, then portal sessions. */
export function buildAuthenticator(config: Config, apiKeys: AppDeps['apiKeys'], portalSessions: AppDeps['portalSessions'], clock: Clock = systemClock): Authenticator {
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
  const now = () => clock.now();
  return new ChainAuthenticator([new AdminKeyAuthenticator(source), new TenantKeyAuthenticator(apiKeys, now), new PortalSessionAuthenticator(portalSessions, now)]);
}

