import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import type { AppDeps } from '../../lib/app/deps.ts';
import { apiRoutes } from '../../lib/http/api-routes.ts';
import { ingestRoutes, type IngestDeps } from '../../lib/http/ingest-routes.ts';
import { openApiDocument } from '../../lib/http/openapi.ts';
import { dashboardRoutes } from '../../lib/dashboard/serve.ts';

const routes = [...apiRoutes(async () => ({}) as AppDeps), ...ingestRoutes(async () => ({}) as IngestDeps)];
const doc = openApiDocument('1.2.3') as { paths: Record<string, Record<string, { requestBody?: unknown; security?: unknown[] }>> };

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('documents every route of both functions, and the dashboard', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const served = [...routes, ...dashboardRoutes(() => ({ dir: '/nowhere' }))].map((r) => `${r.def.method} ${r.def.path}`);
    expect(documented.sort()).toEqual(served.sort());
  });

  it('covers the contract routes of API.md', () => {
    for (const route of [
      'GET /v1/health', 'GET /openapi.json', 'GET /v1/event-types', 'POST /v1/tenants', 'GET /v1/tenants', 'GET /v1/tenants/{tenantId}',
      'POST /v1/tenants/{tenantId}/endpoints', 'GET /v1/tenants/{tenantId}/endpoints', 'GET /v1/tenants/{tenantId}/endpoints/{endpointId}',
      'PATCH /v1/tenants/{tenantId}/endpoints/{endpointId}', 'DELETE /v1/tenants/{tenantId}/endpoints/{endpointId}',
      'GET /v1/tenants/{tenantId}/endpoints/{endpointId}/secret', 'POST /v1/tenants/{tenantId}/events', 'POST /v1/tenants/{tenantId}/events/batch',
      'GET /v1/tenants/{tenantId}/events', 'GET /v1/tenants/{tenantId}/events/{eventId}', 'GET /v1/tenants/{tenantId}/deliveries',
      'GET /v1/tenants/{tenantId}/deliveries/{deliveryId}', 'POST /v1/tenants/{tenantId}/api-keys', 'GET /v1/tenants/{tenantId}/api-keys', 'POST /v1/tenants/{tenantId}/endpoints/{endpointId}/test', 'POST /v1/tenants/{tenantId}/endpoints/{endpointId}/secret/rotate', 'GET /v1/tenants/{tenantId}/endpoints/{endpointId}/public-key', 'POST /v1/tenants/{tenantId}/endpoints/{endpointId}/recover', 'POST /v1/tenants/{tenantId}/deliveries/{deliveryId}/retry', 'DELETE /v1/tenants/{tenantId}/api-keys/{keyId}',
    ]) {
      const [method, path] = route.split(' ') as [string, string];
      expect(doc.paths[path]?.[method.toLowerCase()], route).toBeDefined();
    }
  });

  it('derives request bodies from the validation schemas and marks public routes', () => {
    const body = doc.paths['/v1/tenants/{tenantId}/events']!.post!.requestBody as { content: { 'application/json': { schema: { required: string[]; properties: Record<string, unknown> } } } };
    expect(body.content['application/json'].schema.required).toEqual(['type', 'data']);
    expect(Object.keys(body.content['application/json'].schema.properties)).toEqual(['type', 'data', 'id', 'orderingKey']);
    expect(doc.paths['/v1/health']!.get!.security).toEqual([]);
  });
});
