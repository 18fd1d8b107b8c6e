import { describe, expect, it } from 'vitest';
import { API } from '../../lib/contract/index.ts';
import { findRoute, responseProblem } from '../../lib/contract/check.ts';

const tenant = { id: 'ten_acme', name: 'Acme', createdAt: '2026-01-31T12:00:00.000Z' };
const problem = { type: 'https://billhook.dev/problems/not-found', title: 'Not Found', status: 404, detail: 'x', code: 'not_found' };

describe('responseProblem', () => {
  it('finds the definition of a request', () => {
    expect(findRoute('GET', '/v1/tenants/ten_a/endpoints/ep_1?limit=2')).toBe(API.getEndpoint);
    expect(findRoute('PUT', '/v1/tenants')).toBeUndefined();
  });

  it('accepts an answer as documented', () => {
    expect(responseProblem(API.getTenant, 200, 'application/json', tenant)).toBeUndefined();
    expect(responseProblem(API.getTenant, 404, 'application/problem+json', problem)).toBeUndefined();
    expect(responseProblem(API.deleteEndpoint, 204, null, undefined)).toBeUndefined();
  });

  it.each([
    ['an undocumented status', API.getTenant, 201, 'application/json', tenant, /does not document/],
    ['an undocumented field', API.getTenant, 200, 'application/json', { ...tenant, secret: 'x' }, /secret/],
    ['a missing field', API.getTenant, 200, 'application/json', { id: 'ten_acme' }, /name/],
    ['an error that is not problem+json', API.getTenant, 404, 'application/json', problem, /problem\+json/],
    ['a problem with an unknown code', API.getTenant, 404, 'application/problem+json', { ...problem, code: 'nope' }, /code/],
  ] as const)('rejects %s', (_, def, status, type, body, message) => {
    expect(responseProblem(def, status, type, body)).toMatch(message);
  });
});
