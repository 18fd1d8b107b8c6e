/** The sender's wiring: cached endpoint reads and the SSRF-guarded HTTP client. */
import { HttpWebhookSender } from '../adapters/http/webhook-sender.ts';
import { QueueHopScheduler } from '../adapters/sqs/queue-hop-scheduler.ts';
import { CachedEndpointReader } from '../app/endpoint-cache.ts';
import { CircuitBreakers } from '../app/circuit-breaker.ts';
import type { SenderDeps } from '../app/deps.ts';
import type { Config } from '../config.ts';
import type { Clock } from '../ports.ts';
import { buildAppDeps, secureRandom, systemClock, urlGuard } from './app.ts';

export function buildSenderDeps(config: Config, clock: Clock = systemClock): SenderDeps {
  const app = buildAppDeps(config, clock);
  return {
    deliveries: app.deliveries,
    queue: app.queue,
    clock,
    random: secureRandom,
    settings: app.settings,
    endpoints: new CachedEndpointReader(app.endpoints, clock),
    health: app.endpoints,
    breakers: new CircuitBreakers(() => clock.now()),
    scheduler: new QueueHopScheduler(app.queue, () => clock.now(), config.maxSqsDelaySeconds),
    http: new HttpWebhookSender(urlGuard(config), clock, {
      timeoutMs: config.outbound.timeoutMs,
      connectTimeoutMs: config.outbound.connectTimeoutMs,
    }),
  };
}
