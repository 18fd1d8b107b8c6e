/**
 * The environment contract: `toEnvironment` writes what `loadConfig` reads,
 * for every valid configuration (generated), and for the partial ones a
 * deployment states.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, loadConfig, toEnvironment, type Config } from '../../lib/config.ts';
import { QUEUES, TABLES, type QueueKey, type TableKey } from '../../lib/definitions.ts';

const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
const httpUrl = word.map((w) => `http://127.0.0.1:4566/${w}`);
const int = (min: number, max: number) => fc.integer({ min, max });
const eventType = fc.tuple(fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/)).map(([a, b]) => `${a}.${b}`);
// Descriptions are trimmed and may not hold the separator (toEnvironment refuses a comma).
const description = fc.stringMatching(/^[A-Za-z0-9.=!?][A-Za-z0-9 .=!?]{0,30}[A-Za-z0-9.=!?]$/);
const portRange = fc.tuple(int(1, 65535), int(0, 1000)).map(([lo, span]) => [lo, Math.min(65535, lo + span)] as const);
const optional = <T,>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const record = <K extends string, V>(keys: readonly K[], value: fc.Arbitrary<V>) =>
  fc.tuple(...keys.map(() => value)).map((vs) => Object.fromEntries(keys.map((k, i) => [k, vs[i]])) as Record<K, V>);

/** Any configuration loadConfig can produce. */
const configs: fc.Arbitrary<Config> = fc
  .record({
    tables: record(Object.keys(TABLES) as TableKey[], word),
    queues: fc.subarray(Object.keys(QUEUES) as QueueKey[]).chain((keys) => record(keys, httpUrl)),
    defaultMaxInFlight: int(1, 100),
    region: fc.constantFrom('us-east-1', 'eu-west-3'),
    endpoints: fc.record({ dynamodb: optional(httpUrl), sqs: optional(httpUrl), scheduler: optional(httpUrl) }),
    scheduler: optional(fc.record({ group: word, roleArn: word, queueArn: word, deadLetterArn: optional(word) })),
    adminKey: optional(fc.stringMatching(/^[A-Za-z0-9_]{16,40}$/)),
    adminKeySecretArn: optional(word),
    retrySchedule: fc.array(int(0, 86_400), { maxLength: 8 }),
    extraEventTypes: fc.uniqueArray(fc.record({ type: eventType, description }), { maxLength: 3, selector: (t) => t.type }),
    outbound: fc.record({
      allowHttp: fc.boolean(),
      allowLoopback: fc.boolean(),
      allowPrivateCidrs: fc.array(fc.constantFrom('10.0.0.0/8', '192.168.1.0/24'), { maxLength: 2 }),
      ports: fc.array(portRange, { minLength: 1, maxLength: 3 }),
      timeoutMs: int(100, 60_000),
      connectTimeoutMs: int(100, 60_000),
    }),
    fanoutThreshold: int(1, 10_000),
    maxSqsDelaySeconds: int(0, 900),
    eventRetentionDays: int(1, 3650),
    logRetentionDays: int(1, 3650),
    version: word,
    disableAfterDays: fc.constantFrom(0, 0.5, 5, 365),
    disableAfterExhausted: int(0, 100_000),
    permanent4xx: fc.boolean(),
    dashboardDir: optional(word),
    dashboardFrameAncestors: fc.array(word.map((w) => `https://${w}.example`), { maxLength: 2 }),
    breaker: fc.record({ threshold: int(0, 1000), cooldownSeconds: int(1, 3600) }),
    logLevel: optional(fc.constantFrom('debug', 'info', 'WARN', 'error')),
    publicUrl: optional(fc.oneof(word.map((w) => `https://${w}.example`), fc.tuple(word, int(1, 65535), word).map(([h, p, w]) => `http://${h}:${p}/${w}`))),
    portalBranding: fc.record({ productName: fc.string({ minLength: 1, maxLength: 100 }), accentColor: fc.stringMatching(/^#[0-9a-fA-F]{6}$/) }),
  })
  .map((c) => JSON.parse(JSON.stringify(c)) as Config); // absent, not undefined, as loadConfig leaves them

describe('toEnvironment', () => {
  it('writes what loadConfig reads back: loadConfig(toEnvironment(c)) equals c', () => {
    fc.assert(
      fc.property(configs, (c) => {
        expect(loadConfig(toEnvironment(c))).toEqual(c);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips the defaults', () => {
    expect(loadConfig(toEnvironment(DEFAULT_CONFIG))).toEqual(DEFAULT_CONFIG);
  });

  it('writes only what a partial configuration states, in a fixed order', () => {
    const env = toEnvironment({ queues: { deliveries: 'q1' }, logRetentionDays: 7, retrySchedule: [5, 60], outbound: { allowPrivateCidrs: ['10.0.0.0/8'] } });
    expect(Object.entries(env)).toEqual([
      ['BILLHOOK_RETRY_SCHEDULE', '5,60'],
      ['BILLHOOK_LOG_RETENTION_DAYS', '7'],
      ['BILLHOOK_DELIVERIES_QUEUE_URL', 'q1'],
      ['BILLHOOK_ALLOW_PRIVATE_CIDRS', '10.0.0.0/8'],
    ]);
    expect(loadConfig(env)).toEqual({
      ...DEFAULT_CONFIG,
      queues: { deliveries: 'q1' },
      logRetentionDays: 7,
      retrySchedule: [5, 60],
      outbound: { ...DEFAULT_CONFIG.outbound, allowPrivateCidrs: ['10.0.0.0/8'] },
    });
  });

  it('refuses an extra event type that would not read back the same', () => {
    expect(() => toEnvironment({ extraEventTypes: [{ type: 'usage.reported', description: 'a, b' }] })).toThrow(/may not contain ","/);
    expect(() => toEnvironment({ extraEventTypes: [{ type: 'Usage', description: 'x' }] })).toThrow(/invalid type/);
  });
});

describe('loadConfig', () => {
  it('names every bad variable', () => {
    expect(() => loadConfig({ BILLHOOK_LOG_RETENTION_DAYS: '0', BILLHOOK_FANOUT_THRESHOLD: '1.5' })).toThrow(
      /BILLHOOK_LOG_RETENTION_DAYS[^]*BILLHOOK_FANOUT_THRESHOLD|BILLHOOK_FANOUT_THRESHOLD[^]*BILLHOOK_LOG_RETENTION_DAYS/,
    );
  });

  it('reads each table and queue from the variable its definition names', () => {
    const env = Object.fromEntries([...Object.values(TABLES).map((t) => [t.envVar, `t-${t.id}`]), ...Object.values(QUEUES).map((q) => [q.envVar, `q-${q.id}`])]);
    const c = loadConfig(env);
    for (const [k, t] of Object.entries(TABLES)) expect(c.tables[k as TableKey]).toBe(`t-${t.id}`);
    for (const [k, q] of Object.entries(QUEUES)) expect(c.queues[k as QueueKey]).toBe(`q-${q.id}`);
  });
});
