import { describe, expect, it } from 'vitest';
import { createApiKey, deleteApiKey, hashKey } from '../../lib/app/api-keys.ts';
import { AdminKeyAuthenticator, authorize, ChainAuthenticator, TenantKeyAuthenticator } from '../../lib/http/auth.ts';
import { apiRoutes } from '../../lib/http/api-routes.ts';
import { handleHttp } from '../../lib/http/handler.ts';
import { Router } from '../../lib/http/router.ts';
import { silentLogger } from '../../lib/log.ts';
import { memoryDeps } from './fixtures.ts';

async function setup() {
  const deps = memoryDeps();
  await deps.tenants.create({ id: 'ten_a', name: 'A', createdAt: '2026-01-01T00:00:00.000Z' });
  await deps.tenants.create({ id: 'ten_b', name: 'B', createdAt: '2026-01-01T00:00:00.000Z' });
  return deps;
}

describe('tenant API keys', () => {
  it('are shown once and stored only as a hash', async () => {
    const deps = await setup();
    const created = await createApiKey(deps, 'ten_a');
    expect(created.key).toMatch(/^bh_tk_[A-Za-z0-9_-]{43}$/);
    expect(created.id).toMatch(/^key_/);
    const stored = [...deps.apiKeys.items.values()];
    expect(stored).toEqual([{ id: created.id, tenantId: 'ten_a', hash: hashKey(created.key), prefix: created.key.slice(0, 10), createdAt: created.createdAt, createdBy: 'admin' }]);
    expect(JSON.stringify(stored)).not.toContain(created.key);
  });

  it('authenticate as their tenant only, and stop working once revoked', async () => {
    // Arrange
    const deps = await setup();
    let now = 0;
    const auth = new TenantKeyAuthenticator(deps.apiKeys, () => now, 1000);
    const { key, id } = await createApiKey(deps, 'ten_a');
    // Act
    const principal = await auth.authenticate(key);
    // Assert
    expect(principal).toEqual({ kind: 'tenant', tenantId: 'ten_a', keyId: id });
    expect(() => authorize(principal, 'tenant', 'ten_a')).not.toThrow();
    expect(() => authorize(principal, 'tenant', 'ten_b')).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(() => authorize(principal, 'admin', undefined)).toThrow(expect.objectContaining({ code: 'forbidden' }));
    await deleteApiKey(deps, 'ten_a', id);
    now += 1001; // past the cache
    expect(await auth.authenticate(key)).toBeUndefined();
  });

  it('cannot be revoked through another tenant', async () => {
    const deps = await setup();
    const { id } = await createApiKey(deps, 'ten_a');
    await expect(deleteApiKey(deps, 'ten_b', id)).rejects.toMatchObject({ code: 'not_found' });
    expect(deps.apiKeys.items.size).toBe(1);
  });

  it('are refused for an unknown tenant', async () => {
    const deps = await setup();
    await expect(createApiKey(deps, 'ten_zzz')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('an unknown token is not a principal', async () => {
    const deps = await setup();
    const auth = new TenantKeyAuthenticator(deps.apiKeys);
    expect(await auth.authenticate('bh_tk_nope')).toBeUndefined();
    expect(await auth.authenticate('something-else')).toBeUndefined();
  });
});

/** The API with the production cache window (30 s) and a clock the test moves. */
async function cachedApi() {
  const deps = await setup();
  let now = 0;
  const router = new Router(apiRoutes(async () => deps));
  const auth = new ChainAuthenticator([new AdminKeyAuthenticator(async () => 'admin-key-0123456789abcdef'), new TenantKeyAuthenticator(deps.apiKeys, () => now, 30_000)]);
  let n = 0;
  const call = async (method: string, path: string, key: string) => {
    const [p, q] = path.split('?') as [string, string | undefined];
    const res = await handleHttp(router, auth, silentLogger, { method, path: p, query: Object.fromEntries(new URLSearchParams(q ?? '')), headers: { authorization: `Bearer ${key}` }, requestId: `r${++n}` });
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
  };
  return { deps, call, admin: 'admin-key-0123456789abcdef', tick: (ms: number) => (now += ms) };
}

describe('API key management (through the API, with the 30 s cache)', () => {
  it('a revoked key cannot mint a replacement, not even in the same instant', async () => {
    // Arrange: K is used (and cached), then revoked
    const { call, admin } = await cachedApi();
    const k = (await call('POST', '/v1/tenants/ten_a/api-keys', admin)).body;
    expect((await call('GET', '/v1/tenants/ten_a', k.key)).status).toBe(200);
    expect((await call('DELETE', `/v1/tenants/ten_a/api-keys/${k.id}`, admin)).status).toBe(204);
    // Act + Assert: every key-management route re-checks at once
    expect((await call('POST', '/v1/tenants/ten_a/api-keys', k.key)).status).toBe(401);
    expect((await call('GET', '/v1/tenants/ten_a/api-keys', k.key)).status).toBe(401);
    expect((await call('DELETE', `/v1/tenants/ten_a/api-keys/${k.id}`, k.key)).status).toBe(401);
    expect((await call('GET', '/v1/tenants/ten_a/api-keys', admin)).body.data).toEqual([]);
  });

  it('other routes keep the documented cache window: a revoked key works for at most 30 s', async () => {
    const { call, admin, tick } = await cachedApi();
    const k = (await call('POST', '/v1/tenants/ten_a/api-keys', admin)).body;
    expect((await call('GET', '/v1/tenants/ten_a', k.key)).status).toBe(200);
    await call('DELETE', `/v1/tenants/ten_a/api-keys/${k.id}`, admin);
    tick(29_999);
    expect((await call('GET', '/v1/tenants/ten_a', k.key)).status).toBe(200);
    tick(2);
    expect((await call('GET', '/v1/tenants/ten_a', k.key)).status).toBe(401);
  });

  it('lists every key with its creator, never the key or its hash', async () => {
    const { deps, call, admin } = await cachedApi();
    const parent = (await call('POST', '/v1/tenants/ten_a/api-keys', admin)).body;
    const child = (await call('POST', '/v1/tenants/ten_a/api-keys', parent.key)).body;
    const grandchild = (await call('POST', '/v1/tenants/ten_a/api-keys', child.key)).body;
    await call('POST', '/v1/tenants/ten_b/api-keys', admin);

    const list = await call('GET', '/v1/tenants/ten_a/api-keys', parent.key);
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([
      { id: parent.id, prefix: parent.prefix, createdAt: parent.createdAt, createdBy: 'admin' },
      { id: child.id, prefix: child.prefix, createdAt: child.createdAt, createdBy: parent.id },
      { id: grandchild.id, prefix: grandchild.prefix, createdAt: grandchild.createdAt, createdBy: child.id },
    ]);
    const text = JSON.stringify(list.body);
    for (const k of [parent, child, grandchild]) expect(text).not.toContain(k.key);
    for (const stored of deps.apiKeys.items.values()) expect(text).not.toContain(stored.hash);
  });

  it('revoking a key revokes the keys it created, transitively, by default', async () => {
    const { call, admin } = await cachedApi();
    const parent = (await call('POST', '/v1/tenants/ten_a/api-keys', admin)).body;
    const sibling = (await call('POST', '/v1/tenants/ten_a/api-keys', admin)).body;
    const child = (await call('POST', '/v1/tenants/ten_a/api-keys', parent.key)).body;
    const grandchild = (await call('POST', '/v1/tenants/ten_a/api-keys', child.key)).body;

    expect((await call('DELETE', `/v1/tenants/ten_a/api-keys/${parent.id}`, sibling.key)).status).toBe(204);

    expect((await call('GET', '/v1/tenants/ten_a/api-keys', admin)).body.data.map((k: { id: string }) => k.id)).toEqual([sibling.id]);
    for (const k of [parent, child, grandchild]) expect((await call('POST', '/v1/tenants/ten_a/api-keys', k.key)).status).toBe(401);
  });

  it('with cascade=false only the key itself is revoked (a routine rotation)', async () => {
    const { call, admin } = await cachedApi();
    const old = (await call('POST', '/v1/tenants/ten_a/api-keys', admin)).body;
    const successor = (await call('POST', '/v1/tenants/ten_a/api-keys', old.key)).body;
    expect((await call('DELETE', `/v1/tenants/ten_a/api-keys/${old.id}?cascade=false`, successor.key)).status).toBe(204);
    expect((await call('GET', '/v1/tenants/ten_a/api-keys', successor.key)).body.data).toEqual([expect.objectContaining({ id: successor.id, createdBy: old.id })]);
    expect((await call('DELETE', `/v1/tenants/ten_a/api-keys/${old.id}?cascade=maybe`, admin)).status).toBe(400);
  });
});
