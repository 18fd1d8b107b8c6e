/**
 * The event-type catalogue and wildcard matching.
 *
 * A subscription pattern is either an exact type (`invoice.paid`), a
 * namespace wildcard (`invoice.*`, matching every type under `invoice.`), or
 * `*` (everything).
 */
export interface EventTypeDef {
  type: string;
  description: string;
}

export const DEFAULT_EVENT_TYPES: readonly EventTypeDef[] = [
  { type: 'invoice.created', description: 'A draft invoice was created.' },
  { type: 'invoice.finalized', description: 'An invoice was finalized and can no longer be edited.' },
  { type: 'invoice.paid', description: 'An invoice was paid in full.' },
  { type: 'invoice.payment_failed', description: 'A payment attempt for an invoice failed.' },
  { type: 'invoice.voided', description: 'An invoice was voided.' },
  { type: 'subscription.created', description: 'A subscription was created.' },
  { type: 'subscription.updated', description: 'A subscription changed plan, quantity or billing settings.' },
  { type: 'subscription.canceled', description: 'A subscription was canceled.' },
  { type: 'subscription.suspended', description: 'A subscription was suspended, usually for non-payment.' },
  { type: 'subscription.resumed', description: 'A suspended subscription was resumed.' },
  { type: 'payment.succeeded', description: 'A payment succeeded.' },
  { type: 'payment.failed', description: 'A payment failed.' },
  { type: 'payment.refunded', description: 'A payment was refunded, fully or in part.' },
  { type: 'customer.created', description: 'A customer was created.' },
  { type: 'customer.updated', description: 'A customer was updated.' },
  { type: 'webhook.test', description: 'A test event sent on request to check an endpoint.' },
  { type: 'endpoint.disabled', description: 'Operational: Billhook disabled an endpoint (410 Gone, or failing for too long).' },
  { type: 'endpoint.recovered', description: 'Operational: an endpoint that had exhausted deliveries succeeded again.' },
  { type: 'delivery.exhausted', description: 'Operational: a delivery used up its retries and went to the dead-letter queue.' },
] as const;

/** Operational events Billhook emits about its own deliveries; never emitted about themselves. */
export const OPERATIONAL_EVENT_TYPES = ['endpoint.disabled', 'endpoint.recovered', 'delivery.exhausted'] as const;
export const isOperationalEventType = (type: string): boolean => (OPERATIONAL_EVENT_TYPES as readonly string[]).includes(type);

/** Lower-case dotted segments: `invoice.paid`, `usage.threshold_reached`. */
export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
/** A subscription pattern: an event type, `<namespace>.*`, or `*`. */
export const SUBSCRIPTION_PATTERN = /^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+)$/;

/**
 * Does one subscription pattern match an event type? `*` means every
 * business event: operational events (endpoint.*, delivery.*) reach only
 * endpoints that name them, so a catch-all receiver is not flooded with
 * Billhook's reports about itself.
 */
export function matchesPattern(pattern: string, type: string): boolean {
  if (pattern === '*') return !isOperationalEventType(type);
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

/** Does any of an endpoint's patterns match the event type? */
export function matchesAny(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => matchesPattern(p, type));
}

export class EventCatalogue {
  private readonly byType: Map<string, EventTypeDef>;

  constructor(types: readonly EventTypeDef[]) {
    this.byType = new Map(types.map((t) => [t.type, t]));
  }

  /** The default catalogue, extended by deployment-specific types. */
  static withExtras(extra: readonly EventTypeDef[] = []): EventCatalogue {
    return new EventCatalogue([...DEFAULT_EVENT_TYPES, ...extra]);
  }

  list(): EventTypeDef[] {
    return [...this.byType.values()].sort((a, b) => a.type.localeCompare(b.type));
  }

  has(type: string): boolean {
    return this.byType.has(type);
  }

  /**
   * Is a subscription pattern meaningful for this catalogue? A wildcard must
   * match at least one known type, so typos like `invoce.*` are caught.
   */
  acceptsPattern(pattern: string): boolean {
    if (!SUBSCRIPTION_PATTERN.test(pattern)) return false;
    if (pattern === '*') return true;
    if (pattern.endsWith('.*')) return [...this.byType.keys()].some((t) => matchesPattern(pattern, t));
    return this.byType.has(pattern);
  }
}

/** Parse `BILLHOOK_EXTRA_EVENT_TYPES`: `type` or `type=description`, comma-separated. */
export function parseExtraEventTypes(raw: string | undefined): EventTypeDef[] {
  if (!raw) return [];
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const eq = entry.indexOf('=');
      const type = (eq === -1 ? entry : entry.slice(0, eq)).trim();
      const description = eq === -1 ? 'Custom event type.' : entry.slice(eq + 1).trim();
      if (!EVENT_TYPE_PATTERN.test(type)) throw new Error(`invalid event type in BILLHOOK_EXTRA_EVENT_TYPES: ${JSON.stringify(type)}`);
      return { type, description };
    });
}

/**
 * The text `parseExtraEventTypes` reads back: `type=description` pairs,
 * comma-separated. Refuses what would not read back the same.
 */
export function formatExtraEventTypes(types: readonly EventTypeDef[]): string {
  return types
    .map((t) => {
      if (!EVENT_TYPE_PATTERN.test(t.type)) throw new Error(`extraEventTypes: invalid type ${JSON.stringify(t.type)}`);
      if (t.description.includes(',')) throw new Error(`extraEventTypes: the description of ${t.type} may not contain ","`);
      return `${t.type}=${t.description}`;
    })
    .join(',');
}
