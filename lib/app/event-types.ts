/**
 * The event-type catalogue as a resource: list it, store a definition
 * (description, JSON Schema 2020-12 for `data`, example `data`), drop one.
 * The schema and example travel as the JSON text they were sent as, so an
 * example's big numbers reach receivers of "send example" unchanged.
 */
import { BillhookError } from '../core/errors.ts';
import { CATALOGUE_LIMITS, EVENT_TYPE_PATTERN, isReservedEventType, RESERVED_NAMESPACES, storedEntry, type CatalogueEntry, type EventTypeSource, type StoredEventType } from '../core/event-types.ts';
import { RawJson } from '../core/json-text.ts';
import { issueFields } from './catalogue.ts';
import { isoNow, type AppDeps } from './deps.ts';

/** An event type as the API shows it: schema and example spliced in as the text they were stored as. */
export interface EventTypeView {
  type: string;
  description: string;
  schema?: RawJson;
  example?: RawJson;
  source: EventTypeSource;
}

/** What PUT takes: the description, and the schema and example as JSON text (minified, as sent). */
export interface EventTypeInput {
  description: string;
  schemaJson?: string;
  exampleJson?: string;
}

export const eventTypeView = (e: CatalogueEntry): EventTypeView => ({
  type: e.type,
  description: e.description,
  ...(e.schemaJson !== undefined ? { schema: new RawJson(e.schemaJson) } : {}),
  ...(e.exampleJson !== undefined ? { example: new RawJson(e.exampleJson) } : {}),
  source: e.source,
});

export async function listEventTypes(deps: Pick<AppDeps, 'catalogue'>): Promise<{ data: EventTypeView[] }> {
  return { data: (await deps.catalogue.current()).list().map(eventTypeView) };
}

function checkType(type: string): void {
  const bad = (message: string) => new BillhookError('validation_failed', `event type ${JSON.stringify(type)}: ${message}`, { fields: [{ path: 'type', message }] });
  if (type.length > CATALOGUE_LIMITS.typeLength || !EVENT_TYPE_PATTERN.test(type)) throw bad('must be lower-case dotted segments, e.g. invoice.paid or acme.thing_happened');
  if (isReservedEventType(type)) {
    throw bad(`${RESERVED_NAMESPACES.map((n) => `${n}.*`).join(' and ')} are reserved for the operational events Billhook emits about its own deliveries; choose another namespace`);
  }
}

function checkSize(field: 'schema' | 'example', text: string | undefined): void {
  if (text !== undefined && text.length > CATALOGUE_LIMITS.documentChars) {
    throw new BillhookError('validation_failed', `${field} is too large`, { fields: [{ path: field, message: `at most ${CATALOGUE_LIMITS.documentChars} characters of JSON` }] });
  }
}

/**
 * PUT /v1/event-types/{type}: store (create or replace) a definition. The
 * schema must be a JSON Schema 2020-12 Billhook can apply (else 422
 * `invalid_schema`), and the example must satisfy it (else 422
 * `schema_mismatch`). Nothing is stored on any refusal.
 */
export async function putEventType(
  deps: Pick<AppDeps, 'eventTypes' | 'catalogue' | 'schemas' | 'clock'>,
  type: string,
  input: EventTypeInput,
): Promise<EventTypeView> {
  checkType(type);
  checkSize('schema', input.schemaJson);
  checkSize('example', input.exampleJson);
  if (input.schemaJson !== undefined) {
    const schema = JSON.parse(input.schemaJson) as unknown;
    const problems = deps.schemas.schemaProblems(schema);
    if (problems.length) throw new BillhookError('invalid_schema', `schema is not a JSON Schema 2020-12 Billhook can apply: ${problems[0]!.message}`, { fields: issueFields('schema', problems) });
    if (input.exampleJson !== undefined) {
      const mismatch = deps.schemas.compile(schema)(JSON.parse(input.exampleJson) as unknown);
      if (mismatch.length) throw new BillhookError('schema_mismatch', 'example does not satisfy the schema', { fields: issueFields('example', mismatch) });
    }
  }
  const stored = await deps.eventTypes.list();
  if (stored.length >= CATALOGUE_LIMITS.storedTypes && !stored.some((s) => s.type === type)) {
    throw new BillhookError('conflict', `the catalogue holds at most ${CATALOGUE_LIMITS.storedTypes} stored definitions; delete one first`);
  }
  const def: StoredEventType = { type, description: input.description, updatedAt: isoNow(deps.clock) };
  if (input.schemaJson !== undefined) def.schemaJson = input.schemaJson;
  if (input.exampleJson !== undefined) def.exampleJson = input.exampleJson;
  await deps.eventTypes.put(def);
  deps.catalogue.invalidate();
  return eventTypeView(storedEntry(def));
}

/** DELETE /v1/event-types/{type}: drop the stored definition (a default or deployment type returns to what it was). */
export async function deleteEventType(deps: Pick<AppDeps, 'eventTypes' | 'catalogue'>, type: string): Promise<void> {
  const deleted = await deps.eventTypes.delete(type);
  deps.catalogue.invalidate();
  if (!deleted) throw new BillhookError('not_found', `event type ${type} has no stored definition`);
}
