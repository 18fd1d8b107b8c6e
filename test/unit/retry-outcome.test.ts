import { describe, expect, it } from 'vitest';
import { classify, parseRetryAfter } from '../../lib/core/outcome.ts';
import { DEFAULT_RETRY_SCHEDULE, nextRetry, parseRetrySchedule } from '../../lib/core/retry-policy.ts';

describe('nextRetry', () => {
  it.each([
    [1, 0.5, { kind: 'retry', delaySeconds: 5 }],
    [2, 0.5, { kind: 'retry', delaySeconds: 300 }],
    [7, 0.5, { kind: 'retry', delaySeconds: 36000 }],
    [8, 0.5, { kind: 'give_up' }],
    [1, 0, { kind: 'retry', delaySeconds: 4 }], // -20 %
    [2, 0.999999, { kind: 'retry', delaySeconds: 360 }], // +20 %
  ])('after attempt %i with random %f', (attempt, random, expected) => {
    expect(nextRetry(DEFAULT_RETRY_SCHEDULE, attempt, random)).toEqual(expected);
  });

  it('honours a floor such as Retry-After, and a ceiling', () => {
    expect(nextRetry([5], 1, 0.5, { minDelaySeconds: 120 })).toEqual({ kind: 'retry', delaySeconds: 120 });
    expect(nextRetry([5000], 1, 0.5, { maxDelaySeconds: 900 })).toEqual({ kind: 'retry', delaySeconds: 900 });
  });

  it('an empty schedule gives up after the first attempt', () => {
    expect(nextRetry([], 1, 0.5)).toEqual({ kind: 'give_up' });
  });
});

describe('parseRetrySchedule', () => {
  it('parses comma-separated seconds', () => expect(parseRetrySchedule(' 1, 2 ,30')).toEqual([1, 2, 30]));
  it('rejects non-integers', () => expect(() => parseRetrySchedule('1,x')).toThrow(/invalid retry delay "x"/));
});

describe('classify', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    [{ statusCode: 200 }, { kind: 'success' }],
    [{ statusCode: 204 }, { kind: 'success' }],
    [{ statusCode: 301 }, { kind: 'retry' }],
    [{ statusCode: 400 }, { kind: 'retry' }],
    [{ statusCode: 500 }, { kind: 'retry' }],
    [{ statusCode: 410 }, { kind: 'disable', reason: 'endpoint answered 410 Gone' }],
    [{ statusCode: 429, retryAfter: '30' }, { kind: 'retry', minDelaySeconds: 30 }],
    [{ statusCode: 503, retryAfter: 'Thu, 01 Jan 2026 00:01:00 GMT' }, { kind: 'retry', minDelaySeconds: 60 }],
    [{ statusCode: 503, retryAfter: '999999' }, { kind: 'retry', minDelaySeconds: 21600 }],
    [{ error: 'connection refused' }, { kind: 'retry' }],
    [{ error: 'blocked', blocked: true }, { kind: 'permanent', reason: 'blocked' }],
  ])('%j → %j', (result, expected) => {
    expect(classify(result, now)).toEqual(expected);
  });

  it('treats other 4xx as permanent when configured', () => {
    expect(classify({ statusCode: 404 }, now, { permanent4xx: true })).toEqual({ kind: 'permanent', reason: 'endpoint answered 404' });
  });

  it('ignores an unparseable Retry-After', () => {
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('Thu, 01 Jan 2025 00:00:00 GMT', now)).toBe(0);
  });
});
