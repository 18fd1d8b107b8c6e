/**
 * The catalogue in force, per process: defaults + deployment extras + the
 * stored definitions, read through a short-lived cache so ingest does not
 * read DynamoDB per event (one strongly consistent Query per instance per
 * TTL, 30 s by default). A PUT or DELETE invalidates the cache of the
 * process that served it; every other warm instance sees the change within
 * the TTL.
 *
 * Compiled schema validators are cached by type and schema text, so a
 * refresh of the catalogue (or another instance's PUT of the same schema)
 * compiles nothing again.
 */
import type { FieldError } from '../core/errors.ts';
import { EventCatalogue, type CatalogueEntry, type EventTypeDef } from '../core/event-types.ts';
import type { Clock, EventTypeStore, JsonSchemaValidator, SchemaIssue } from '../ports.ts';

/** What the use cases read the catalogue through. */
export interface CatalogueReader {
  /** The catalogue as of at most the cache's TTL ago. */
  current(): Promise<EventCatalogue>;
  /** Forget the cached catalogue (this process just changed a definition). */
  invalidate(): void;
  /** The failing paths of `data` against the entry's schema; none when it has no schema or `data` conforms. */
  check(entry: CatalogueEntry, data: unknown): SchemaIssue[];
}

export interface CatalogueCacheOptions {
  /** How long a read catalogue is used. @default 30_000 */
  ttlMs?: number;
  /** After a failed refresh, how long the previous catalogue is used before the next try. @default 5_000 */
  retryMs?: number;
  /** Compiled validators kept (least recently used dropped). @default 256 */
  maxCompiled?: number;
}

/** Schema issues as the API's failing fields: `<prefix>.path.to.it` (`data.lines.0.amount`). */
export const issueFields = (prefix: string, issues: readonly SchemaIssue[]): FieldError[] =>
  issues.map((i) => ({ path: [prefix, ...i.path.map(String)].join('.'), message: i.message }));

/** A catalogue change reaches every warm instance within this long (the cache's TTL). */
export const CATALOGUE_TTL_MS = 30_000;

export class CatalogueCache implements CatalogueReader {
  private snapshot: { catalogue: EventCatalogue; until: number } | undefined;
  private loading: Promise<EventCatalogue> | undefined;
  private generation = 0;
  private readonly compiled = new Map<string, (data: unknown) => SchemaIssue[]>();
  private readonly ttlMs: number;
  private readonly retryMs: number;
  private readonly maxCompiled: number;

  constructor(
    private readonly store: Pick<EventTypeStore, 'list'>,
    private readonly clock: Clock,
    private readonly extras: readonly EventTypeDef[],
    private readonly validator: Pick<JsonSchemaValidator, 'compile'>,
    options: CatalogueCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? CATALOGUE_TTL_MS;
    this.retryMs = options.retryMs ?? 5_000;
    this.maxCompiled = options.maxCompiled ?? 256;
  }

  async current(): Promise<EventCatalogue> {
    const now = this.clock.now();
    if (this.snapshot && now < this.snapshot.until) return this.snapshot.catalogue;
    // Concurrent requests on a cold or expired cache share one read.
    if (!this.loading) {
      const loading: Promise<EventCatalogue> = this.load().finally(() => {
        if (this.loading === loading) this.loading = undefined;
      });
      this.loading = loading;
    }
    return this.loading;
  }

  invalidate(): void {
    this.snapshot = undefined;
    // A read already under way may predate the change: its answer must not be kept.
    this.generation++;
    this.loading = undefined;
  }

  private async load(): Promise<EventCatalogue> {
    const generation = this.generation;
    try {
      const catalogue = EventCatalogue.build(this.extras, await this.store.list());
      if (generation === this.generation) this.snapshot = { catalogue, until: this.clock.now() + this.ttlMs };
      return catalogue;
    } catch (e) {
      // Keep serving what was read last (a definition at most a little stale) rather than
      // failing every event while the table is unreachable; try again shortly.
      if (!this.snapshot) throw e;
      this.snapshot = { catalogue: this.snapshot.catalogue, until: this.clock.now() + this.retryMs };
      return this.snapshot.catalogue;
    }
  }

  check(entry: CatalogueEntry, data: unknown): SchemaIssue[] {
    if (entry.schemaJson === undefined) return [];
    const key = `${entry.type}\n${entry.schemaJson}`;
    let validate = this.compiled.get(key);
    if (validate) {
      // Least recently used goes first: re-insert on use.
      this.compiled.delete(key);
    } else {
      validate = this.validator.compile(JSON.parse(entry.schemaJson) as unknown);
      if (this.compiled.size >= this.maxCompiled) this.compiled.delete(this.compiled.keys().next().value!);
    }
    this.compiled.set(key, validate);
    return validate(data);
  }
}
