import { describe, expect, it } from 'vitest';
import { createApiKey, deleteApiKey, hashKey } from '../../lib/app/api-keys.ts';
import { authorize, TenantKeyAuthenticator } from '../../lib/http/auth.ts';
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
    expect(stored).toEqual([{ id: created.id, tenantId: 'ten_a', hash: hashKey(created.key), prefix: created.key.slice(0, 10), createdAt: created.createdAt }]);
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
