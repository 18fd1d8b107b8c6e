/** The sender's wiring: cached endpoint reads and the SSRF-guarded HTTP client. */
import { HttpWebhookSender } from '../adapters/http/webhook-sender.ts';
import { instrumentClient } from '../adapters/aws-instrumentation.ts';
import { EventBridgeRetryScheduler } from '../adapters/scheduler/eventbridge-scheduler.ts';
import { QueueHopScheduler } from '../adapters/sqs/queue-hop-scheduler.ts';
import { CachedEndpointReader } from '../app/endpoint-cache.ts';
import { CircuitBreakers } from '../app/circuit-breaker.ts';
import type { SenderDeps } from '../app/deps.ts';
import type { Config } from '../config.ts';
import type { Clock } from '../ports.ts';
import { awsTarget, deliveryQueue, required, secureRandom, settings, systemClock, urlGuard } from './app.ts';
import { DynamoDeliveryLog } from '../adapters/dynamodb/delivery-log.ts';
import { DynamoEndpointStore } from '../adapters/dynamodb/endpoint-store.ts';
import { documentClient } from '../adapters/dynamodb/client.ts';
import { DynamoDeliveryLimiter } from '../adapters/dynamodb/delivery-limiter.ts';
import { SqsMessageHolds, sqsClient } from '../adapters/sqs/delivery-queue.ts';
import type { MessageHolds } from '../ports.ts';

/**
 * Only the ports the sender uses, built here rather than taken from
 * buildAppDeps: the sender's bundle then carries no catalogue, schema
 * validator or management stores (a smaller cold start on the hot path).
 */
export function buildSenderDeps(config: Config, clock: Clock = systemClock): SenderDeps & { holds: MessageHolds } {
  const db = documentClient(awsTarget(config, 'dynamodb'));
  const endpoints = new DynamoEndpointStore(db, config.tables.entities);
  const queue = deliveryQueue(config);
  return {
    deliveries: new DynamoDeliveryLog(db, config.tables.logs, config.logRetentionDays),
    queue,
    clock,
    random: secureRandom,
    settings: settings(config),
    limiter: new DynamoDeliveryLimiter(db, config.tables.limits, clock, secureRandom),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    // Longer than any request can take (connect + exchange timeouts), so a live holder's lease never lapses.
    leaseTtlMs: config.outbound.connectTimeoutMs + config.outbound.timeoutMs + 30_000,
    holds: new SqsMessageHolds(sqsClient(awsTarget(config, 'sqs')), required(config.queues.deliveries, 'BILLHOOK_DELIVERIES_QUEUE_URL')),
    endpoints: new CachedEndpointReader(endpoints, clock),
    health: endpoints,
    breakers: new CircuitBreakers(() => clock.now(), {
      // Threshold 0 turns the breaker off: it can never open.
      threshold: config.breaker.threshold || Number.MAX_SAFE_INTEGER,
      cooldownMs: config.breaker.cooldownSeconds * 1000,
      maxCooldownMs: Math.max(600_000, config.breaker.cooldownSeconds * 1000),
    }),
    scheduler: config.scheduler
      ? new EventBridgeRetryScheduler(
          async () => {
            const { SchedulerClient } = await import('@aws-sdk/client-scheduler');
            return instrumentClient(new SchedulerClient({ ...awsTarget(config, 'scheduler'), maxAttempts: 3 }));
          },
          config.scheduler,
          queue,
          clock,
          // The local emulator fires to the second; the service has ~1 min precision.
          config.endpoints.scheduler ? 1 : 60,
        )
      : new QueueHopScheduler(queue, () => clock.now(), config.maxSqsDelaySeconds),
    http: new HttpWebhookSender(urlGuard(config), clock, {
      timeoutMs: config.outbound.timeoutMs,
      connectTimeoutMs: config.outbound.connectTimeoutMs,
    }),
  };
}
