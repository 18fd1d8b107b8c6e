/** Tenants: the billing platform's customers, each with its own endpoints, events and keys. */
import { tenantInputSchema, tenantPatchSchema, tenantSchema } from '../core/model.ts';
import { json, pageOf, pageQuerySchema, route } from './define.ts';
import { T, tenantParams } from './params.ts';

const tenant = { id: 'ten_acme', name: 'Acme Inc', createdAt: '2026-01-31T12:00:00.000Z' };

export const createTenant = route({
  method: 'POST',
  path: '/v1/tenants',
  tag: 'tenants',
  summary: 'Create a tenant',
  auth: 'admin',
  body: tenantInputSchema,
  responses: { 201: json('The tenant', tenantSchema) },
  errors: ['conflict'],
  example: { body: { name: 'Acme Inc', id: 'ten_acme' }, response: tenant },
});

export const listTenants = route({
  method: 'GET',
  path: '/v1/tenants',
  tag: 'tenants',
  summary: 'List tenants',
  auth: 'admin',
  query: pageQuerySchema,
  responses: { 200: json('One page of tenants', pageOf(tenantSchema)) },
  errors: ['invalid_query', 'invalid_cursor'],
  example: { query: { limit: 50 }, response: { data: [tenant], nextCursor: null } },
});

export const getTenant = route({
  method: 'GET',
  path: T,
  tag: 'tenants',
  summary: 'Get a tenant',
  auth: 'tenant',
  params: tenantParams,
  responses: { 200: json('The tenant', tenantSchema) },
  example: { params: { tenantId: 'ten_acme' }, response: tenant },
});

export const updateTenant = route({
  method: 'PATCH',
  path: T,
  tag: 'tenants',
  summary: "Rename a tenant or set the origins allowed to frame its portal",
  description:
    '`portalFrameAncestors` becomes the CSP `frame-ancestors` of `/portal/{tenantId}` (within 30 s on warm instances): exact origins such as `https://app.example.com` ' +
    '(plain `http://` only where the deployment allows http, as local mode does); `[]` removes them, and the portal can then not be framed.',
  auth: 'admin',
  params: tenantParams,
  body: tenantPatchSchema,
  responses: { 200: json('The tenant as updated', tenantSchema) },
  example: { params: { tenantId: 'ten_acme' }, body: { portalFrameAncestors: ['https://app.example.com'] }, response: { ...tenant, portalFrameAncestors: ['https://app.example.com'] } },
});
