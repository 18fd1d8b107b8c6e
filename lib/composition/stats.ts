/** The stats function's wiring: only the counters, written with patient retries (a batch that fails is retried whole). */
import { documentClient } from '../adapters/dynamodb/client.ts';
import type { Config } from '../config.ts';
import type { StatsStore } from '../ports.ts';
import { awsTarget, statsStore } from './app.ts';

/** Attempts per counter write: throttling is waited out (~13 s of backoff) before the batch is given back to the event source. */
const STATS_WRITE_ATTEMPTS = 8;

export function buildStatsDeps(config: Config): { stats: StatsStore } {
  return { stats: statsStore(config, documentClient({ ...awsTarget(config, 'dynamodb'), extra: { maxAttempts: STATS_WRITE_ATTEMPTS } })) };
}
