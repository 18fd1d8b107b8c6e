/**
 * A function's wiring for one configuration, and the bridge from Lambda's
 * process environment to it. Each handler module exports
 * `createHandler(config)`, which local mode and the tests call with a
 * `Config` of their own (as often as they like, in one process), and
 * `handler`, which Lambda calls: built from `loadConfig(process.env)` on
 * its first invocation and kept for the life of the instance.
 */
import type { Context } from 'aws-lambda';
import { loadConfig, type Config } from '../config.ts';
import type { AppDeps } from '../app/deps.ts';
import type { TenantExistenceCache } from '../app/tenants.ts';
import type { Authenticator } from '../http/auth.ts';
import { createObservability, type Observability } from '../observability.ts';
import type { Clock } from '../ports.ts';
import { buildAppDeps, buildAuthenticator, systemClock } from './app.ts';

/** `make()` on the first call, its value after. */
export function once<T>(make: () => T): () => T {
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

/** What a handler is built from: its configuration, its observability, and its dependencies on first use. */
export interface Runtime {
  readonly config: Config;
  readonly obs: Observability;
  readonly clock: Clock;
  readonly appDeps: () => AppDeps & { tenantCache: TenantExistenceCache };
  readonly authenticator: () => Authenticator;
}

export interface RuntimeOptions {
  /** The clock of the use cases and the authenticators' caches and expiry checks (tests move it). Default: the system clock. */
  clock?: Clock;
}

/** Logs, metrics and traces at the configuration's log level (all a handler needs that builds its own ports, as the sender does). */
export const observabilityFor = (config: Config): Observability => createObservability(config.logLevel === undefined ? {} : { logLevel: config.logLevel });

/** The runtime of one handler: nothing is shared with another configuration's. */
export function createRuntime(config: Config, options: RuntimeOptions = {}): Runtime {
  const clock = options.clock ?? systemClock;
  const obs = observabilityFor(config);
  const appDeps = once(() => buildAppDeps(config, clock));
  return { config, obs, clock, appDeps, authenticator: once(() => buildAuthenticator(config, appDeps().apiKeys, appDeps().portalSessions, clock)) };
}

/**
 * The handler Lambda invokes: `create(loadConfig())` on the first call, so
 * importing a handler module reads no environment and builds nothing.
 */
export function fromProcessEnvironment<E, R>(create: (config: Config) => (event: E, context: Context) => Promise<R>): (event: E, context: Context) => Promise<R> {
  const built = once(() => create(loadConfig()));
  return (event, context) => built()(event, context);
}
