/**
 * JSON Schema 2020-12 with `@cfworker/json-schema`: an interpreter (no
 * `eval`, no generated code), about 22 KB minified, chosen over Ajv (about
 * 132 KB, and it compiles each schema to code at run time) to keep the
 * ingest bundle and its cold start small; README "Event catalogue" has the
 * measured figures.
 *
 * What it cannot do is refused when a schema is stored, never discovered
 * at ingest: `$dynamicRef`/`$dynamicAnchor` (unsupported by the library,
 * which would silently ignore them), 2019-09's `$recursiveRef`, references
 * that do not resolve inside the schema (Billhook fetches nothing), and
 * `$schema` naming another draft. `format` is asserted for the formats the
 * library knows (date-time, date, email, uri, uuid, …).
 */
import { dereference, Validator, type OutputUnit, type Schema } from '@cfworker/json-schema';
import type { JsonSchemaValidator, SchemaIssue } from '../../ports.ts';
import { META_SCHEMA_2020_12 } from './meta-schema-2020-12.ts';

const DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

/** Keywords whose value is one subschema, an array of them, or a map of them. */
const SUBSCHEMA = ['items', 'contains', 'additionalProperties', 'unevaluatedProperties', 'unevaluatedItems', 'propertyNames', 'not', 'if', 'then', 'else', 'contentSchema'];
const SUBSCHEMA_ARRAY = ['prefixItems', 'allOf', 'anyOf', 'oneOf'];
const SUBSCHEMA_MAP = ['$defs', 'definitions', 'properties', 'patternProperties', 'dependentSchemas', 'dependencies'];
const UNSUPPORTED: Record<string, string> = {
  $dynamicRef: '$dynamicRef is not supported by Billhook’s validator; use $ref',
  $dynamicAnchor: '$dynamicAnchor is not supported by Billhook’s validator; use $anchor or $defs',
  $recursiveRef: '$recursiveRef is a 2019-09 keyword, not part of JSON Schema 2020-12; use $ref',
  $recursiveAnchor: '$recursiveAnchor is a 2019-09 keyword, not part of JSON Schema 2020-12',
};

/** Keywords that only summarise the errors of their subschemas (reported beside them). */
const SUMMARY = new Set(['properties', 'patternProperties', 'additionalProperties', 'unevaluatedProperties', 'items', 'prefixItems', 'additionalItems', 'unevaluatedItems', '$ref', 'allOf', 'if', 'dependentSchemas', 'propertyNames']);
/** Keywords whose subschemas are alternatives: their own message is the useful one. */
const ALTERNATIVES = new Set(['anyOf', 'oneOf', 'contains', 'not']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `#/lines/0/k%C3%A9y` → ['lines', '0', 'kéy'] (RFC 6901, as a URI fragment). */
export function pointerPath(location: string): string[] {
  const body = location.startsWith('#') ? location.slice(1) : location;
  if (body === '' || body === '/') return body === '/' ? [''] : [];
  return body
    .slice(1)
    .split('/')
    .map((s) => {
      let t = s;
      try {
        t = decodeURIComponent(s);
      } catch {
        /* keep it as written */
      }
      return t.replaceAll('~1', '/').replaceAll('~0', '~');
    });
}

const REQUIRED = /^Instance does not have required property "(.*)"\.$/;

/**
 * The library's output units as issues a person can act on: one per failing
 * place, without the "a subschema had errors" summaries around them; a
 * missing required property is reported at the property's own path.
 */
export function issuesOf(errors: readonly OutputUnit[]): SchemaIssue[] {
  const inAlternative = (e: OutputUnit) => errors.some((a) => a !== e && ALTERNATIVES.has(a.keyword) && e.keywordLocation.startsWith(a.keywordLocation + '/'));
  const kept = errors.filter((e) => !inAlternative(e));
  const summarises = (e: OutputUnit) => {
    if (!SUMMARY.has(e.keyword)) return false;
    const base = e.keywordLocation.slice(0, e.keywordLocation.lastIndexOf('/'));
    return kept.some((f) => f !== e && f.keywordLocation.startsWith(base + '/') && f.instanceLocation.startsWith(e.instanceLocation));
  };
  const seen = new Set<string>();
  const out: SchemaIssue[] = [];
  for (const e of kept) {
    if (summarises(e)) continue;
    const path = pointerPath(e.instanceLocation);
    let message = e.error;
    const required = REQUIRED.exec(e.error);
    if (required) {
      path.push(required[1]!);
      message = 'is required';
    } else if (e.keyword === 'false') message = 'is not allowed';
    const key = JSON.stringify([path, message]);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path, message });
  }
  return out;
}

type Visit = (node: Record<string, unknown>, path: string[]) => void;

/** Every subschema (objects only; `true`/`false` need no checks), with its path in the schema. */
function walk(node: unknown, path: string[], visit: Visit): void {
  if (!isObject(node)) return;
  visit(node, path);
  for (const k of SUBSCHEMA) walk(node[k], [...path, k], visit);
  for (const k of SUBSCHEMA_ARRAY) {
    const v = node[k];
    if (Array.isArray(v)) v.forEach((s, i) => walk(s, [...path, k, String(i)], visit));
  }
  for (const k of SUBSCHEMA_MAP) {
    const v = node[k];
    if (isObject(v)) for (const [name, s] of Object.entries(v)) walk(s, [...path, k, name], visit);
  }
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

export class CfworkerSchemaValidator implements JsonSchemaValidator {
  private meta: Validator | undefined;

  schemaProblems(schema: unknown): SchemaIssue[] {
    if (!isObject(schema)) return [{ path: [], message: 'must be a JSON object (a JSON Schema 2020-12)' }];
    this.meta ??= new Validator(structuredClone(META_SCHEMA_2020_12) as unknown as Schema, '2020-12', false);
    const metaIssues = issuesOf(this.meta.validate(schema).errors).map((i) =>
      i.path[i.path.length - 1] === 'type' ? { ...i, message: 'must be one of "array", "boolean", "integer", "null", "number", "object", "string", or an array of them' } : i,
    );
    if (metaIssues.length) return metaIssues;

    const issues: SchemaIssue[] = [];
    walk(schema, [], (node, path) => {
      for (const [k, why] of Object.entries(UNSUPPORTED)) if (k in node) issues.push({ path: [...path, k], message: why });
      const declared = node.$schema;
      if (declared !== undefined && declared !== DRAFT_2020_12 && declared !== `${DRAFT_2020_12}#`) {
        issues.push({ path: [...path, '$schema'], message: `must be ${DRAFT_2020_12} (Billhook validates JSON Schema 2020-12)` });
      }
    });
    if (issues.length) return issues;

    // References: every $ref must resolve inside the schema, as the validator will look it up.
    const copy = structuredClone(schema) as Schema;
    let lookup: Record<string, Schema | boolean>;
    try {
      lookup = dereference(copy);
    } catch (e) {
      return [{ path: [], message: firstLine(e) }];
    }
    walk(copy, [], (node, path) => {
      if (typeof node.$ref !== 'string') return;
      const target = (node as { __absolute_ref__?: string }).__absolute_ref__ ?? node.$ref;
      if (lookup[target] === undefined) {
        issues.push({ path: [...path, '$ref'], message: `${JSON.stringify(node.$ref)} does not resolve inside this schema (Billhook fetches no remote schema: put it under $defs)` });
      }
    });
    if (issues.length) return issues;
    let dryRun: SchemaIssue[];
    try {
      dryRun = this.compile(schema)({});
    } catch (e) {
      return [{ path: [], message: `cannot be applied: ${firstLine(e)}` }];
    }
    // A schema that cannot even check `{}` (it refers to itself without end) is no usable schema.
    return dryRun.filter((i) => i.message.startsWith('the schema cannot be applied'));
  }

  compile(schema: unknown): (data: unknown) => SchemaIssue[] {
    // The library annotates the schema objects it is given: compile a copy of its own.
    const validator = new Validator(structuredClone(schema) as Schema, '2020-12', false);
    return (data) => {
      let result: ReturnType<Validator['validate']>;
      try {
        result = validator.validate(data);
      } catch (e) {
        // A schema can recurse without end for some values only (`if` → `then: {"$ref": "#"}`): the
        // value is refused with the reason, rather than failing the request.
        return [{ path: [], message: `the schema cannot be applied to this value (${firstLine(e)})` }];
      }
      return result.valid ? [] : issuesOf(result.errors);
    };
  }
}
