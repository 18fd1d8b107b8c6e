/**
 * The event-type catalogue and wildcard matching.
 *
 * A subscription pattern is either an exact type (`invoice.paid`), a
 * namespace wildcard (`invoice.*`, matching every type under `invoice.`), or
 * `*` (everything).
 *
 * The catalogue a deployment runs with is three layers, later ones winning
 * for the same type: Billhook's defaults (lib/core/default-event-types.ts),
 * the deployment's extras (`BILLHOOK_EXTRA_EVENT_TYPES`), and the
 * definitions stored with `PUT /v1/event-types/{type}`. A stored definition
 * replaces the whole entry (description, schema, example).
 */
import { DEFAULT_EVENT_TYPES } from './default-event-types.ts';

export { DEFAULT_EVENT_TYPES, TEST_EVENT_DATA, type DefaultEventType } from './default-event-types.ts';

/** A type and what it means: a deployment extra, or the shape of a default. */
export interface EventTypeDef {
  type: string;
  description: string;
}

/** Where a catalogue entry comes from. */
export const EVENT_TYPE_SOURCES = ['default', 'deployment', 'custom'] as const;
export type EventTypeSource = (typeof EVENT_TYPE_SOURCES)[number];

/** A definition stored with `PUT /v1/event-types/{type}`. */
export interface StoredEventType {
  type: string;
  description: string;
  /** The JSON Schema (2020-12) for `data`, as the JSON text it was sent as (minified). */
  schemaJson?: string;
  /** An example `data` object, as the JSON text it was sent as (minified: every number text kept). */
  exampleJson?: string;
  updatedAt: string;
}

/** One type of the catalogue in force. */
export interface CatalogueEntry {
  type: string;
  description: string;
  source: EventTypeSource;
  /** JSON text of the JSON Schema (2020-12) that `data` must satisfy at ingest. */
  schemaJson?: string;
  /** JSON text of an example `data` (what "send example" delivers). */
  exampleJson?: string;
}

/** Operational events Billhook emits about its own deliveries; never emitted about themselves. */
export const OPERATIONAL_EVENT_TYPES = ['endpoint.disabled', 'endpoint.recovered', 'delivery.exhausted'] as const;
export const isOperationalEventType = (type: string): boolean => (OPERATIONAL_EVENT_TYPES as readonly string[]).includes(type);

/** Namespaces Billhook's operational events live in: nobody else may define a type there. */
export const RESERVED_NAMESPACES = ['endpoint', 'delivery'] as const;
/** Is the type in a reserved namespace (`endpoint.*`, `delivery.*`)? */
export const isReservedEventType = (type: string): boolean => RESERVED_NAMESPACES.some((ns) => type.startsWith(`${ns}.`));

/** Lower-case dotted segments: `invoice.paid`, `usage.threshold_reached`. */
export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
/** A subscription pattern: an event type, `<namespace>.*`, or `*`. */
export const SUBSCRIPTION_PATTERN = /^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+)$/;

/** Bounds on stored definitions: they are all read into every instance's cache. */
export const CATALOGUE_LIMITS = {
  typeLength: 200,
  /** Characters of a schema's or an example's minified JSON text. */
  documentChars: 64 * 1024,
  /** Stored definitions in all. */
  storedTypes: 500,
} as const;

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

const byType = (a: { type: string }, b: { type: string }) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0);

/** A snapshot of the catalogue in force: immutable, cheap to query. */
export class EventCatalogue {
  private readonly entries: Map<string, CatalogueEntry>;

  constructor(entries: readonly CatalogueEntry[]) {
    this.entries = new Map(entries.map((e) => [e.type, e]));
  }

  /**
   * Defaults, then deployment extras, then stored definitions; a later layer
   * wins for the same type. An extra only re-describes a default (the
   * environment cannot carry an example), so a default's example stays; a
   * stored definition replaces the entry whole.
   *
   * @example EventCatalogue.build([{ type: 'acme.thing', description: 'A thing.' }], stored).get('acme.thing')?.source === 'deployment'
   */
  static build(extras: readonly EventTypeDef[] = [], stored: readonly StoredEventType[] = []): EventCatalogue {
    const entries = new Map<string, CatalogueEntry>();
    for (const d of DEFAULT_EVENT_TYPES) entries.set(d.type, { type: d.type, description: d.description, source: 'default', exampleJson: JSON.stringify(d.example) });
    for (const x of extras) {
      const base = entries.get(x.type);
      entries.set(x.type, { type: x.type, description: x.description, source: 'deployment', ...(base?.exampleJson ? { exampleJson: base.exampleJson } : {}) });
    }
    for (const s of stored) entries.set(s.type, storedEntry(s));
    return new EventCatalogue([...entries.values()]);
  }

  /** Every entry, sorted by type. */
  list(): CatalogueEntry[] {
    return [...this.entries.values()].sort(byType);
  }

  get(type: string): CatalogueEntry | undefined {
    return this.entries.get(type);
  }

  has(type: string): boolean {
    return this.entries.has(type);
  }

  /**
   * Is a subscription pattern meaningful for this catalogue? A wildcard must
   * match at least one known type, so typos like `invoce.*` are caught.
   */
  acceptsPattern(pattern: string): boolean {
    if (!SUBSCRIPTION_PATTERN.test(pattern)) return false;
    if (pattern === '*') return true;
    if (pattern.endsWith('.*')) return [...this.entries.keys()].some((t) => matchesPattern(pattern, t));
    return this.entries.has(pattern);
  }
}

/** The catalogue entry of a stored definition. */
export function storedEntry(s: StoredEventType): CatalogueEntry {
  return {
    type: s.type,
    description: s.description,
    source: 'custom',
    ...(s.schemaJson !== undefined ? { schemaJson: s.schemaJson } : {}),
    ...(s.exampleJson !== undefined ? { exampleJson: s.exampleJson } : {}),
  };
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
