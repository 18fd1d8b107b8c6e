/**
 * /openapi.json as served by local mode, checked by tools that did not write
 * it: Redocly CLI lints it (0 errors), openapi-spec-validator (Python)
 * validates it, openapi-typescript turns it into types that compile with
 * tsc, and a request typed with those types gets the answer they promise.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocal } from '../../lib/local/system.ts';

type Local = Awaited<ReturnType<typeof startLocal>>;
const ROOT = path.resolve(import.meta.dirname, '../..');
const OUT = path.join(ROOT, 'test-output', 'openapi-tools');
const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);

/** A request typed with what openapi-typescript generated: it must compile, and local mode must answer what it says. */
const TYPED_REQUEST = `import type { paths } from './api.d.ts';

type CreateTenant = paths['/v1/tenants']['post'];
export type Body = CreateTenant['requestBody']['content']['application/json'];
export type Created = CreateTenant['responses'][201]['content']['application/json'];
type Endpoint = paths['/v1/tenants/{tenantId}/endpoints/{endpointId}']['get']['responses'][200]['content']['application/json'];
export type EndpointKeys = keyof Endpoint;

export async function createTenant(baseUrl: string, key: string, body: Body): Promise<{ status: number; tenant: Created }> {
  const res = await fetch(baseUrl + '/v1/tenants', { method: 'POST', headers: { authorization: 'Bearer ' + key, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, tenant: (await res.json()) as Created };
}
`;

describe('OpenAPI document, checked by independent tools', () => {
  let local: Local;
  let file: string;

  beforeAll(async () => {
    local = await startLocal({ port: 0, env: { BILLHOOK_LOG_LEVEL: 'error' } });
    mkdirSync(OUT, { recursive: true });
    file = path.join(OUT, 'openapi.json');
    writeFileSync(file, await (await fetch(`${local.apiUrl}/openapi.json`)).text());
  }, 60_000);

  afterAll(async () => {
    await local?.stop();
  });

  it('passes Redocly CLI lint with 0 errors (recommended rules, redocly.yaml)', () => {
    const run = spawnSync(bin('redocly'), ['lint', file, '--config', path.join(ROOT, 'redocly.yaml'), '--format', 'summary'], { encoding: 'utf8', cwd: ROOT });
    expect(run.stdout + run.stderr).toContain('Your API description is valid');
    expect(run.stdout + run.stderr).not.toMatch(/^error /m);
    expect(run.status).toBe(0);
  }, 60_000);

  it('passes openapi-spec-validator', () => {
    expect(execFileSync('openapi-spec-validator', [file], { encoding: 'utf8' })).toContain('OK');
  });

  it('generates types with openapi-typescript that compile, and a typed request matches local mode', async () => {
    execFileSync(bin('openapi-typescript'), [file, '-o', path.join(OUT, 'api.d.ts')], { stdio: 'pipe' });
    writeFileSync(path.join(OUT, 'typed-request.ts'), TYPED_REQUEST);
    const tsc = spawnSync(
      bin('tsc'),
      ['--noEmit', '--strict', '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--allowImportingTsExtensions', '--lib', 'ES2022,DOM', '--types', 'node', path.join(OUT, 'typed-request.ts')],
      { encoding: 'utf8', cwd: ROOT },
    );
    expect(tsc.stdout + tsc.stderr).toBe('');

    const typed = (await import(path.join(OUT, 'typed-request.ts'))) as { createTenant(baseUrl: string, key: string, body: { name: string; id?: string }): Promise<{ status: number; tenant: unknown }> };
    const { status, tenant } = await typed.createTenant(local.apiUrl, local.adminKey, { name: 'Typed Inc', id: 'ten_typed' });
    expect(status).toBe(201);
    expect(tenant).toEqual({ id: 'ten_typed', name: 'Typed Inc', createdAt: expect.any(String) });
  }, 60_000);
});
