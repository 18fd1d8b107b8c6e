/**
 * Per-process memos: each handler builds what it needs on first use (after
 * the environment is set), once per cold start.
 */
import { loadConfig } from '../config.ts';
import type { Logger } from '../log.ts';
import { createObservability } from '../observability.ts';
import { buildAppDeps, buildAuthenticator } from './app.ts';

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

export const processConfig = once(() => loadConfig());
export const processObservability = once(createObservability);
export const processLogger = once((): Logger => processObservability().log);
export const processAppDeps = once(() => buildAppDeps(processConfig()));
export const processAuthenticator = once(() => buildAuthenticator(processConfig(), processAppDeps().apiKeys));
