/**
 * OpenAPI 3.1 from the route tables: paths, parameters, auth and request
 * bodies come from the same zod schemas the handlers validate with, so the
 * document cannot drift from the code.
 */
import { ERROR_STATUS } from '../core/errors.ts';
import * as z from '../core/zod.ts';
import type { Route } from './router.ts';

const QUERY_DOCS: Record<string, { description: string; schema: Record<string, unknown> }> = {
  limit: { description: 'Page size (1–250, default 50)', schema: { type: 'integer', minimum: 1, maximum: 250 } },
  cursor: { description: 'Opaque cursor from the previous page’s nextCursor', schema: { type: 'string' } },
  since: { description: 'Only items created at or after this ISO 8601 time', schema: { type: 'string', format: 'date-time' } },
  until: { description: 'Only items created at or before this ISO 8601 time', schema: { type: 'string', format: 'date-time' } },
  eventType: { description: 'Only deliveries of events of this type', schema: { type: 'string' } },
  type: { description: 'Only events of this type', schema: { type: 'string' } },
  status: { description: 'Only deliveries in this status', schema: { type: 'string', enum: ['pending', 'succeeded', 'failed', 'exhausted', 'skipped'] } },
  endpointId: { description: 'Only deliveries to this endpoint', schema: { type: 'string' } },
  eventId: { description: 'Only deliveries of this event', schema: { type: 'string' } },
  cascade: { description: 'Also revoke the keys this key created, transitively (default true)', schema: { type: 'string', enum: ['true', 'false'] } },
};

const problemRef = { $ref: '#/components/schemas/Problem' };
const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: problemRef } } });

export function openApiDocument(routes: readonly Route[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const params = [...r.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const query = (r.query ?? []).map((name) => ({ name, in: 'query', required: false, ...QUERY_DOCS[name] }));
    const op: Record<string, unknown> = {
      summary: r.summary,
      operationId: `${r.method.toLowerCase()}${r.path.replace(/\{([^}]+)\}/g, 'By_$1').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      parameters: [...params, ...query],
      responses: {
        [String(r.success)]: r.success === 204 ? { description: 'No content' } : { description: 'Success', content: { 'application/json': { schema: { type: 'object' } } } },
        ...(r.body ? { '400': problemResponse('Malformed JSON'), '413': problemResponse('Body over 256 KB'), '422': problemResponse('Validation failed (`validation_failed`, `duplicate_key`: a key repeated in one object, `unknown_event_type`, `url_not_allowed`)') } : {}),
        ...(r.auth === 'none' ? {} : { '401': problemResponse('Missing or invalid API key'), '404': problemResponse('Not found') }),
      },
    };
    if (r.auth === 'none') op.security = [];
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: z.toJSONSchema(r.body, { target: 'draft-2020-12', unrepresentable: 'any' }) } } };
    (paths[r.path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Billhook API', version, description: 'Webhook delivery for billing platforms.' },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Admin key or tenant API key' } },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail', 'code'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            code: { type: 'string', description: 'Stable machine code', examples: Object.keys(ERROR_STATUS) },
            errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
      },
    },
  };
}
