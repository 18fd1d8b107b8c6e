import { describe, expect, it } from 'vitest';
import { DEFAULT_EVENT_TYPES, EventCatalogue, matchesPattern, parseExtraEventTypes } from '../../lib/core/event-types.ts';
import { route } from '../../lib/core/routing.ts';

describe('matchesPattern', () => {
  it.each([
    ['*', 'invoice.paid', true],
    ['invoice.*', 'invoice.paid', true],
    ['invoice.*', 'invoice.payment_failed', true],
    ['invoice.*', 'invoices.paid', false],
    ['invoice.*', 'subscription.created', false],
    ['invoice.paid', 'invoice.paid', true],
    ['invoice.paid', 'invoice.paid_out', false],
    ['payment.*', 'payment.refunded', true],
    ['*', 'delivery.exhausted', false],
    ['*', 'endpoint.disabled', false],
    ['endpoint.*', 'endpoint.disabled', true],
    ['delivery.exhausted', 'delivery.exhausted', true],
  ])('%s against %s → %s', (pattern, type, expected) => {
    expect(matchesPattern(pattern, type)).toBe(expected);
  });
});

describe('EventCatalogue', () => {
  const catalogue = EventCatalogue.withExtras();

  it('lists the billing events users expect, plus webhook.test', () => {
    const types = catalogue.list().map((t) => t.type);
    for (const t of [
      'invoice.created', 'invoice.finalized', 'invoice.paid', 'invoice.payment_failed', 'invoice.voided',
      'subscription.created', 'subscription.updated', 'subscription.canceled', 'subscription.suspended', 'subscription.resumed',
      'payment.succeeded', 'payment.failed', 'payment.refunded', 'customer.created', 'customer.updated', 'webhook.test',
    ]) expect(types).toContain(t);
    expect(types).toHaveLength(DEFAULT_EVENT_TYPES.length);
  });

  it.each([
    ['*', true],
    ['invoice.*', true],
    ['invoice.paid', true],
    ['invoce.*', false],
    ['invoice.unknown', false],
    ['INVOICE.PAID', false],
    ['invoice.', false],
    ['.*', false],
  ])('accepts pattern %s → %s', (pattern, expected) => {
    expect(catalogue.acceptsPattern(pattern)).toBe(expected);
  });

  it('is extensible by configuration', () => {
    const extra = parseExtraEventTypes('usage.threshold_reached=Usage crossed a threshold, credit.granted');
    const c = EventCatalogue.withExtras(extra);
    expect(c.has('usage.threshold_reached')).toBe(true);
    expect(c.has('credit.granted')).toBe(true);
    expect(c.acceptsPattern('usage.*')).toBe(true);
    expect(c.list().find((t) => t.type === 'usage.threshold_reached')?.description).toBe('Usage crossed a threshold');
  });

  it('rejects malformed configured types', () => {
    expect(() => parseExtraEventTypes('Bad Type')).toThrow(/invalid event type/);
  });
});

describe('route', () => {
  const ep = (id: string, eventTypes: string[], status: 'enabled' | 'disabled' = 'enabled') => ({ id, eventTypes, status });

  it('picks enabled endpoints whose patterns match', () => {
    const endpoints = [ep('a', ['*']), ep('b', ['invoice.*']), ep('c', ['subscription.*']), ep('d', ['invoice.paid'], 'disabled'), ep('e', ['customer.created', 'invoice.paid'])];
    expect(route(endpoints, 'invoice.paid').map((e) => e.id)).toEqual(['a', 'b', 'e']);
    expect(route(endpoints, 'subscription.suspended').map((e) => e.id)).toEqual(['a', 'c']);
    expect(route([], 'invoice.paid')).toEqual([]);
  });
});
