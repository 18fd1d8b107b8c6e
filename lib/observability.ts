/**
 * Observability on Powertools for AWS Lambda: structured JSON logs with the
 * Lambda context and correlation ids, CloudWatch metrics in EMF, and X-Ray
 * traces. Outside Lambda (local mode, tests) tracing and metrics stay off
 * unless POWERTOOLS_TRACE_ENABLED / POWERTOOLS_METRICS_DISABLED say otherwise,
 * so a laptop terminal shows logs only.
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Logger } from './log.ts';
import { METRICS_NAMESPACE, METRICS_SERVICE } from './metrics.ts';

const inLambda = (): boolean => process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined;

export const SERVICE = METRICS_SERVICE;
export { METRICS_NAMESPACE };

export interface Observability {
  logger: PowertoolsLogger;
  /** The port the application code logs through. */
  log: Logger;
  metrics: Metrics;
  tracer: Tracer;
}

/** Error values anywhere in the fields become { name, message, code, stack }. */
function serialise(fields: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!fields) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    out[k] = v instanceof Error ? { name: v.name, message: v.message, code: (v as { code?: unknown }).code, stack: v.stack } : v;
  }
  return out;
}

/**
 * Powertools reads its own variables (POWERTOOLS_*, AWS_LAMBDA_*) from the
 * process; Billhook's settings arrive as options, from the `Config`.
 */
export function createObservability(options: { logLevel?: string } = {}): Observability {
  if (!inLambda()) {
    process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
    process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  }
  const level = (options.logLevel ?? process.env.POWERTOOLS_LOG_LEVEL ?? 'info').toUpperCase() as 'INFO' | 'WARN' | 'ERROR' | 'DEBUG';
  const logger = new PowertoolsLogger({ serviceName: SERVICE, logLevel: level });
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE });
  const tracer = new Tracer({ serviceName: SERVICE });
  const log: Logger = {
    info: (m, f) => logger.info(m, serialise(f)),
    warn: (m, f) => logger.warn(m, serialise(f)),
    error: (m, f) => logger.error(m, serialise(f)),
  };
  return { logger, log, metrics, tracer };
}

export { MetricUnit };
