import { describe, expect, it } from 'vitest';
import { DEFAULT_EVENT_TYPES, EVENT_TYPE_PATTERN, EventCatalogue, isOperationalEventType, isReservedEventType, matchesPattern, OPERATIONAL_EVENT_TYPES, parseExtraEventTypes } from '../../lib/core/event-types.ts';
import { minifyJson } from '../../lib/core/json-text.ts';
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
  const catalogue = EventCatalogue.build();

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
    const c = EventCatalogue.build(extra);
    expect(c.has('usage.threshold_reached')).toBe(true);
    expect(c.has('credit.granted')).toBe(true);
    expect(c.acceptsPattern('usage.*')).toBe(true);
    expect(c.list().find((t) => t.type === 'usage.threshold_reached')?.description).toBe('Usage crossed a threshold');
  });

  it('rejects malformed configured types', () => {
    expect(() => parseExtraEventTypes('Bad Type')).toThrow(/invalid event type/);
  });
});

describe('The default catalogue', () => {
  const FAMILIES = ['invoice', 'subscription', 'payment', 'customer', 'wallet', 'credit_note', 'usage', 'entitlement', 'dunning'];

  it('covers every billing family, with several types each', () => {
    const byFamily = (f: string) => DEFAULT_EVENT_TYPES.filter((t) => t.type.startsWith(`${f}.`));
    for (const f of FAMILIES) expect(byFamily(f).length, f).toBeGreaterThanOrEqual(3);
    expect(DEFAULT_EVENT_TYPES.map((t) => t.type)).toContain('wallet.topped_up');
  });

  it('gives every type a valid name, a sentence of description and an example object', () => {
    const names = DEFAULT_EVENT_TYPES.map((t) => t.type);
    expect(new Set(names).size).toBe(names.length);
    for (const t of DEFAULT_EVENT_TYPES) {
      expect(t.type).toMatch(EVENT_TYPE_PATTERN);
      expect(t.description, t.type).toMatch(/^[A-Z].{10,}\.$/);
      const text = JSON.stringify(t.example);
      expect(minifyJson(text).minified).toBe(text);
      expect(Object.keys(t.example).length, t.type).toBeGreaterThanOrEqual(2);
    }
  });

  it('has no schema on a default (ingest of existing clients checks nothing new)', () => {
    expect(EventCatalogue.build().list().filter((e) => e.schemaJson !== undefined)).toEqual([]);
  });

  it('keeps the operational types in their reserved namespaces', () => {
    for (const t of OPERATIONAL_EVENT_TYPES) expect(isReservedEventType(t)).toBe(true);
    expect(isReservedEventType('endpoint.anything')).toBe(true);
    expect(isReservedEventType('delivery.late')).toBe(true);
    expect(isReservedEventType('invoice.delivery')).toBe(false);
    expect(isReservedEventType('endpoints.x')).toBe(false);
    expect(isOperationalEventType('endpoint.anything')).toBe(false);
  });
});

describe('EventCatalogue.build: defaults, deployment extras, stored definitions', () => {
  const stored = (type: string, patch = {}) => ({ type, description: `Stored ${type}.`, updatedAt: '2026-01-01T00:00:00.000Z', ...patch });

  it('marks where each entry comes from, later layers winning', () => {
    const c = EventCatalogue.build(
      [{ type: 'acme.extra', description: 'From the environment.' }, { type: 'invoice.sent', description: 'Re-described by the deployment.' }, { type: 'acme.both', description: 'env' }],
      [stored('acme.custom', { schemaJson: '{"type":"object"}', exampleJson: '{"n":1.50}' }), stored('invoice.paid'), stored('acme.both')],
    );
    expect(c.get('invoice.created')).toMatchObject({ source: 'default', exampleJson: expect.stringContaining('"invoiceId"') });
    expect(c.get('acme.extra')).toEqual({ type: 'acme.extra', description: 'From the environment.', source: 'deployment' });
    // An extra re-describes a default; the environment cannot carry an example, so the default's stays.
    expect(c.get('invoice.sent')).toMatchObject({ description: 'Re-described by the deployment.', source: 'deployment', exampleJson: expect.stringContaining('"sentTo"') });
    expect(c.get('acme.custom')).toEqual({ type: 'acme.custom', description: 'Stored acme.custom.', source: 'custom', schemaJson: '{"type":"object"}', exampleJson: '{"n":1.50}' });
    // A stored definition replaces a default whole: no example unless it has one.
    expect(c.get('invoice.paid')).toEqual({ type: 'invoice.paid', description: 'Stored invoice.paid.', source: 'custom' });
    expect(c.get('acme.both')?.source).toBe('custom');
  });

  it('lists sorted by type, with new namespaces accepted as patterns', () => {
    const c = EventCatalogue.build([], [stored('acme.thing')]);
    const types = c.list().map((e) => e.type);
    expect(types).toEqual([...types].sort());
    expect(c.acceptsPattern('acme.*')).toBe(true);
    expect(c.acceptsPattern('acme.thing')).toBe(true);
    expect(EventCatalogue.build().acceptsPattern('acme.*')).toBe(false);
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
