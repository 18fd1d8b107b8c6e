/**
 * OpenAPI 3.1 from the route definitions (lib/contract): parameters, bodies,
 * answers, auth and examples all come from the definitions the server
 * validates with, so the document cannot drift from the code.
 */
import * as z from '../core/zod.ts';
import { ERROR_STATUS, type ErrorCode } from '../core/errors.ts';
import { API, BODY_ERRORS, COMMON_ERRORS, DASHBOARD, portalAccessOf, problemSchema, TAGS, type RouteDef } from '../contract/index.ts';

type JsonSchema = Record<string, unknown>;

const toSchema = (schema: z.Schema, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

/** The members of an object schema (params, query), each with whether it is required. */
function members(schema: z.Schema | undefined): { name: string; schema: JsonSchema; required: boolean }[] {
  if (!schema) return [];
  const s = toSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(s.properties ?? {}).map(([name, schema]) => ({ name, schema, required: (s.required ?? []).includes(name) }));
}

/** `getTenantsByTenantIdEndpoints`-style ids are unreadable: use the API table's names. */
const operationIds = new Map<RouteDef, string>(Object.entries({ ...API, ...DASHBOARD }).map(([name, def]) => [def as RouteDef, name]));

function errorResponses(def: RouteDef): Record<string, unknown> {
  const codes = new Set<ErrorCode>([...(def.auth === 'none' ? [] : COMMON_ERRORS), ...(def.body ? BODY_ERRORS : []), ...(def.errors ?? [])]);
  if (def.params) codes.add('not_found');
  if (def.query) codes.add('invalid_query');
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].sort(([a], [b]) => a - b).map(([status, list]) => [
      String(status),
      { description: `Problem: ${list.map((c) => `\`${c}\``).join(', ')}`, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
    ]),
  );
}

function operation(def: RouteDef): JsonSchema {
  const parameters = [
    ...members(def.params).map((p) => ({ name: p.name, in: 'path', required: true, schema: p.schema, ...(def.example?.params?.[p.name] ? { example: def.example.params[p.name] } : {}) })),
    ...members(def.query).map(({ schema: { description, ...schema }, ...p }) => ({ name: p.name, in: 'query', required: p.required, ...(description ? { description } : {}), schema })),
    ...Object.entries(def.headers ?? {}).map(([name, h]) => ({ name, in: 'header', required: false, description: h.description, schema: toSchema(h.schema, 'input') })),
  ];
  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(def.responses)) {
    const out: JsonSchema = { description: r.description };
    if (r.headers) out.headers = Object.fromEntries(Object.entries(r.headers).map(([h, description]) => [h, { description, schema: { type: 'string' } }]));
    if (r.schema) out.content = { 'application/json': { schema: toSchema(r.schema, 'output'), ...(def.example?.response !== undefined ? { example: def.example.response } : {}) } };
    else if (r.contentType) out.content = { [r.contentType]: { schema: { type: 'string' } } };
    responses[status] = out;
  }
  Object.assign(responses, errorResponses(def));
  const op: JsonSchema = {
    operationId: operationIds.get(def) ?? `${def.method.toLowerCase()}${def.path.replace(/[^A-Za-z0-9]+/g, '_')}`,
    tags: [def.tag],
    summary: def.summary,
    ...(def.description ? { description: def.description } : {}),
    ...(parameters.length ? { parameters } : {}),
    responses,
  };
  if (def.auth === 'none') op.security = [];
  else if (def.auth === 'admin') op.description = [def.description, 'Needs the admin key.'].filter(Boolean).join('\n\n');
  // What a portal session needs to call the route (`read`, `manage`, or `never`), from the definition.
  if (def.auth !== 'none') op['x-portal-scope'] = portalAccessOf(def);
  if (def.body) {
    op.requestBody = {
      required: def.bodyOptional !== true,
      content: { 'application/json': { schema: toSchema(def.body, 'input'), ...(def.example?.body !== undefined ? { example: def.example.body } : {}) } },
    };
  }
  return op;
}

/** Every route of the API (and the dashboard's), as one OpenAPI 3.1 document. */
export function openApiDocument(version: string, defs: readonly RouteDef[] = [...Object.values(API), ...Object.values(DASHBOARD)]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const def of defs) (paths[def.path] ??= {})[def.method.toLowerCase()] = operation(def);
  const tags = [...new Set(defs.map((d) => d.tag))].map((name) => ({ name, description: TAGS[name] ?? name }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Billhook API',
      version,
      description: 'Webhook delivery for billing platforms. Errors are RFC 9457 problem+json with a stable `code`.',
      license: { name: 'UNLICENSED', identifier: 'UNLICENSED' },
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags,
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'The admin key, a tenant API key (`bh_tk_…`), or a portal session (`bhps_…`, limited to what each operation\'s `x-portal-scope` allows)',
        },
      },
      schemas: { Problem: toSchema(problemSchema, 'output') },
    },
  };
}
