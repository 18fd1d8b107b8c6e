/**
 * Portal sessions, unit by unit: the token and what is stored of it, the
 * authenticator (chain, cache, expiry), the scope rules each route states,
 * and the origins a tenant may name as frame ancestors.
 */
import { describe, expect, it } from 'vitest';
import { createApiKey } from '../../lib/app/api-keys.ts';
import { createPortalSession, deletePortalSession, hashPortalToken, listPortalSessions } from '../../lib/app/portal-sessions.ts';
import { RecentTenants, updateTenant } from '../../lib/app/tenants.ts';
import { API, portalAccessOf, type RouteDef } from '../../lib/contract/index.ts';
import { frameAncestorProblem, isOriginSyntax } from '../../lib/core/origin.ts';
import { AdminKeyAuthenticator, authorize, ChainAuthenticator, PortalSessionAuthenticator, TenantKeyAuthenticator } from '../../lib/http/auth.ts';
import { publicBase } from '../../lib/http/routes/portal-sessions.ts';
import type { Principal } from '../../lib/http/types.ts';
import { ADMIN_KEY, inProcessApi } from '../support/in-process-api.ts';
import { counterBytes, memoryDeps } from './fixtures.ts';

const BASE = 'https://hooks.example.com';
const tokenOf = (url: string) => new URL(url).hash.replace(/^#session=/, '');

async function setup() {
  const deps = memoryDeps();
  await deps.tenants.create({ id: 'ten_a', name: 'A', createdAt: '2026-01-01T00:00:00.000Z' });
  await deps.tenants.create({ id: 'ten_b', name: 'B', createdAt: '2026-01-01T00:00:00.000Z' });
  return deps;
}

describe('portal session tokens', () => {
  it('are bhps_ and base64url of 32 bytes from deps.randomBytes, in the fragment of the url, stored only as a hash', async () => {
    // Arrange: the deps' bytes, replayed to know which 32 bytes the token takes
    const deps = await setup();
    const replay = counterBytes();
    // Act
    const created = await createPortalSession(deps, 'ten_a', { expiresInSeconds: 600, scope: 'read' }, BASE);
    // Assert: the token takes the first 32 bytes the deps hand out
    const token = tokenOf(created.url);
    const expected = 'bhps_' + Buffer.from(replay(32)).toString('base64url');
    expect([token === expected, token.length]).toEqual([true, 5 + 43]);
    expect(token).toMatch(/^bhps_[A-Za-z0-9_-]{43}$/);
    expect(created.url).toBe(`${BASE}/portal/ten_a#session=${token}`);
    expect(new URL(created.url).search).toBe('');
    expect(created).toMatchObject({ id: expect.stringMatching(/^ps_/), scope: 'read', expiresAt: new Date(deps.clock.now() + 600_000).toISOString() });
    const stored = [...deps.portalSessions.items.values()];
    expect(stored).toEqual([{ id: created.id, tenantId: 'ten_a', hash: hashPortalToken(token), scope: 'read', createdAt: new Date(deps.clock.now()).toISOString(), expiresAt: created.expiresAt }]);
    expect(JSON.stringify(stored)).not.toContain(token);
  });

  it('differ from one session to the next, and are refused for an unknown tenant', async () => {
    const deps = await setup();
    const a = await createPortalSession(deps, 'ten_a', { expiresInSeconds: 60, scope: 'manage' }, BASE);
    const b = await createPortalSession(deps, 'ten_a', { expiresInSeconds: 60, scope: 'manage' }, BASE);
    expect(tokenOf(a.url)).not.toBe(tokenOf(b.url));
    await expect(createPortalSession(deps, 'ten_zzz', { expiresInSeconds: 60, scope: 'manage' }, BASE)).rejects.toMatchObject({ code: 'not_found' });
    expect(deps.portalSessions.items.size).toBe(2);
  });

  it('are listed while they last, without token or hash, and revoked within their tenant only', async () => {
    const deps = await setup();
    const short = await createPortalSession(deps, 'ten_a', { expiresInSeconds: 60, scope: 'read' }, BASE);
    const long = await createPortalSession(deps, 'ten_a', { expiresInSeconds: 3600, scope: 'manage' }, BASE);
    deps.clock.advance(61_000);
    const listed = await listPortalSessions(deps, 'ten_a');
    expect(listed.data).toEqual([{ id: long.id, scope: 'manage', createdAt: expect.any(String), expiresAt: long.expiresAt }]);
    expect(JSON.stringify(listed)).not.toMatch(/bhps_|hash/);
    await expect(deletePortalSession(deps, 'ten_b', long.id)).rejects.toMatchObject({ code: 'not_found' });
    await deletePortalSession(deps, 'ten_a', long.id);
    expect((await listPortalSessions(deps, 'ten_a')).data).toEqual([]);
    expect(short.id).not.toBe(long.id);
  });
});

describe('the public base of portal links', () => {
  it('is the configured public URL, else https:// and the Host the gateway saw; a missing or odd Host is a clear 400', () => {
    expect(publicBase({ publicUrl: 'http://127.0.0.1:3000/' }, { headers: { host: 'evil.example' } })).toBe('http://127.0.0.1:3000');
    expect(publicBase({}, { headers: { host: 'abc123.execute-api.eu-west-3.amazonaws.com' } })).toBe('https://abc123.execute-api.eu-west-3.amazonaws.com');
    expect(publicBase({}, { headers: { host: 'hooks.example.com:8443' } })).toBe('https://hooks.example.com:8443');
    for (const host of [undefined, '', 'a.example/evil', 'a.example?x', 'a b']) {
      expect(() => publicBase({}, { headers: host === undefined ? {} : { host } })).toThrow(expect.objectContaining({ code: 'bad_request' }));
    }
  });
});

describe('Class: PortalSessionAuthenticator', () => {
  async function arrange(ttlMs = 30_000) {
    const deps = await setup();
    const auth = new PortalSessionAuthenticator(deps.portalSessions, () => deps.clock.now(), ttlMs);
    const created = await createPortalSession(deps, 'ten_a', { expiresInSeconds: 120, scope: 'read' }, BASE);
    return { deps, auth, created, token: tokenOf(created.url) };
  }
  const expired = expect.objectContaining({ code: 'session_expired', status: 401 });

  it('answers the session as a portal principal', async () => {
    const { auth, created, token } = await arrange();
    expect(await auth.authenticate(token)).toEqual({ kind: 'portal', tenantId: 'ten_a', sessionId: created.id, scope: 'read', expiresAt: created.expiresAt });
  });

  it('leaves other tokens to the rest of the chain, and answers session_expired for an unknown or altered bhps_ token', async () => {
    const { auth, token } = await arrange();
    expect(await auth.authenticate('bh_tk_whatever')).toBeUndefined();
    expect(await auth.authenticate('something-else')).toBeUndefined();
    const altered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    await expect(auth.authenticate(altered)).rejects.toEqual(expired);
    await expect(auth.authenticate('bhps_')).rejects.toEqual(expired);
  });

  it('never names the token in its error', async () => {
    const { auth, token } = await arrange();
    const err = await auth.authenticate(token + 'x').catch((e: Error) => e);
    expect(String((err as Error).message)).not.toContain(token);
  });

  it('checks expiry against the clock on every request, cached or not', async () => {
    const { deps, auth, token } = await arrange();
    expect(await auth.authenticate(token)).toMatchObject({ kind: 'portal' });
    deps.clock.advance(119_999);
    expect(await auth.authenticate(token)).toMatchObject({ kind: 'portal' }); // still cached, still valid
    deps.clock.advance(1);
    await expect(auth.authenticate(token)).rejects.toEqual(expired); // same cache entry, now expired
  });

  it('keeps a revoked session working for at most the cache window, and stops it at once when asked fresh', async () => {
    const { deps, auth, created, token } = await arrange();
    await auth.authenticate(token); // cached
    await deletePortalSession(deps, 'ten_a', created.id);
    deps.clock.advance(29_999);
    expect(await auth.authenticate(token)).toMatchObject({ kind: 'portal' });
    await expect(auth.authenticate(token, { fresh: true })).rejects.toEqual(expired);
    deps.clock.advance(1);
    await expect(auth.authenticate(token)).rejects.toEqual(expired);
  });

  it('comes after the admin key and tenant keys in the chain', async () => {
    const { deps, token } = await arrange();
    const chain = new ChainAuthenticator([
      new AdminKeyAuthenticator(async () => 'admin-key-0123456789abcdef'),
      new TenantKeyAuthenticator(deps.apiKeys, () => deps.clock.now()),
      new PortalSessionAuthenticator(deps.portalSessions, () => deps.clock.now()),
    ]);
    const key = await createApiKey(deps, 'ten_a');
    expect(await chain.authenticate('admin-key-0123456789abcdef')).toEqual({ kind: 'admin' });
    expect(await chain.authenticate(key.key)).toMatchObject({ kind: 'tenant', tenantId: 'ten_a' });
    expect(await chain.authenticate(token)).toMatchObject({ kind: 'portal', tenantId: 'ten_a' });
    expect(await chain.authenticate('bh_tk_unknown')).toBeUndefined();
    await expect(chain.authenticate('bhps_unknown')).rejects.toEqual(expired);
  });
});

describe('portal scope of the routes', () => {
  const defs = Object.entries(API) as [string, RouteDef][];

  it('lets sessions read GET routes and manage the rest, never API keys, portal sessions or admin routes, and the secret only with manage', () => {
    const table = Object.fromEntries(defs.map(([id, def]) => [id, portalAccessOf(def)]));
    for (const [id, def] of defs) {
      if (def.auth !== 'tenant') expect([id, table[id]]).toEqual([id, 'never']);
      else if (def.tag === 'api-keys') expect([id, table[id]]).toEqual([id, 'never']);
      else if (id === 'getEndpointSecret') expect(table[id]).toBe('manage');
      else expect([id, table[id]]).toEqual([id, def.method === 'GET' ? 'read' : 'manage']);
    }
    expect(['createPortalSession', 'listPortalSessions', 'deletePortalSession', 'updateTenant'].map((id) => table[id])).toEqual(['never', 'never', 'never', 'never']);
  });

  const session = (scope: 'read' | 'manage', tenantId = 'ten_a'): Principal => ({ kind: 'portal', tenantId, sessionId: 'ps_1', scope, expiresAt: '2100-01-01T00:00:00.000Z' });
  const code = (f: () => void) => {
    try {
      f();
      return 'ok';
    } catch (e) {
      return (e as { code: string }).code;
    }
  };

  it('are enforced in authorize(): 403 for scope, 404 for another tenant first, and keys keep their rights', () => {
    expect(code(() => authorize(session('read'), 'tenant', 'ten_a', 'read'))).toBe('ok');
    expect(code(() => authorize(session('read'), 'tenant', 'ten_a', 'manage'))).toBe('forbidden');
    expect(code(() => authorize(session('manage'), 'tenant', 'ten_a', 'manage'))).toBe('ok');
    expect(code(() => authorize(session('manage'), 'tenant', 'ten_a', 'never'))).toBe('forbidden');
    expect(code(() => authorize(session('manage'), 'tenant', 'ten_a'))).toBe('forbidden'); // a route that says nothing is closed to sessions
    expect(code(() => authorize(session('manage'), 'tenant', 'ten_b', 'never'))).toBe('not_found');
    expect(code(() => authorize(session('read'), 'tenant', 'ten_b', 'manage'))).toBe('not_found');
    expect(code(() => authorize(session('manage'), 'admin', 'ten_a', 'never'))).toBe('forbidden');
    expect(code(() => authorize(session('read'), 'tenant', undefined, 'read'))).toBe('ok'); // the catalogue, whoami
    const key: Principal = { kind: 'tenant', tenantId: 'ten_a', keyId: 'key_1' };
    expect(code(() => authorize(key, 'tenant', 'ten_a', 'never'))).toBe('ok');
  });

  it('answer 403 with a detail that says what the session lacks, through the whole API', async () => {
    const api = inProcessApi();
    await api.call('POST', '/v1/tenants', { key: ADMIN_KEY, body: { name: 'A', id: 'ten_a' } });
    const open = async (scope: 'read' | 'manage') =>
      tokenOf((await api.call('POST', '/v1/tenants/ten_a/portal-sessions', { key: ADMIN_KEY, body: { scope }, headers: { host: 'hooks.example.com' } })).body.url);
    const read = await open('read');
    const manage = await open('manage');
    const before = api.snapshot();
    const readWrite = await api.call('POST', '/v1/tenants/ten_a/endpoints', { key: read, body: { url: 'https://a.example/hook' } });
    expect([readWrite.status, readWrite.body.code]).toEqual([403, 'forbidden']);
    expect(readWrite.body.detail).toMatch(/read-only.*manage/);
    const keys = await api.call('POST', '/v1/tenants/ten_a/api-keys', { key: manage });
    expect([keys.status, keys.body.code]).toEqual([403, 'forbidden']);
    expect(keys.body.detail).toMatch(/portal session cannot call this route/);
    expect(api.snapshot()).toBe(before);
    expect((await api.call('GET', '/v1/whoami', { key: read })).body).toEqual({ kind: 'portal', tenantId: 'ten_a', sessionId: expect.stringMatching(/^ps_/), scope: 'read', expiresAt: expect.any(String) });
  });
});

describe('portal frame ancestors', () => {
  it('are exact origins: scheme, lower-case host, optional port; nothing else', () => {
    const good = ['https://app.example.com', 'https://app.example.com:8443', 'http://127.0.0.1:5173', 'https://localhost', 'https://[::1]:8443', 'https://xn--bcher-kva.example'];
    const bad = [
      'https://app.example.com/', 'https://app.example.com/path', 'https://app.example.com?x=1', 'https://app.example.com#x', 'https://*.example.com', '*',
      "'self'", 'https://App.Example.com', 'https://app.example.com:443', 'http://a.example:80', 'https://a.example:0', 'https://a.example:65536',
      'ftp://a.example', 'app.example.com', 'https://user@a.example', 'https://a.example; script-src *', 'https://a.example https://b.example', 'https://-a.example', '',
    ];
    expect(good.filter((o) => !isOriginSyntax(o))).toEqual([]);
    expect(bad.filter((o) => isOriginSyntax(o))).toEqual([]);
  });

  it('allow plain http only where the deployment does', () => {
    expect(frameAncestorProblem('http://127.0.0.1:5173', { allowHttp: true })).toBeUndefined();
    expect(frameAncestorProblem('http://127.0.0.1:5173', { allowHttp: false })).toMatch(/https:\/\//);
    expect(frameAncestorProblem('https://app.example.com', { allowHttp: false })).toBeUndefined();
  });

  it('are set by PATCH (admin only) with a clear 422 naming each bad one, at most 10, and changing nothing when refused', async () => {
    const api = inProcessApi();
    const admin = { key: ADMIN_KEY };
    await api.call('POST', '/v1/tenants', { ...admin, body: { name: 'A', id: 'ten_a' } });
    const patch = (body: unknown, key = ADMIN_KEY) => api.call('PATCH', '/v1/tenants/ten_a', { key, body });
    const before = api.snapshot();
    const bad = await patch({ portalFrameAncestors: ['https://ok.example', 'https://*.example', 'https://x.example/path'] });
    expect([bad.status, bad.body.code]).toEqual([422, 'validation_failed']);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(['portalFrameAncestors.1', 'portalFrameAncestors.2']);
    expect(bad.body.errors[0].message).toMatch(/exact origin/);
    const http = await patch({ portalFrameAncestors: ['http://app.example'] }); // the in-process deps do not allow plain http
    expect([http.status, http.body.errors]).toEqual([422, [{ path: 'portalFrameAncestors.0', message: expect.stringMatching(/must use https/) }]]);
    const many = await patch({ portalFrameAncestors: Array.from({ length: 11 }, (_, i) => `https://a${i}.example`) });
    expect([many.status, many.body.errors[0].message]).toEqual([422, 'at most 10 origins']);
    expect(api.snapshot()).toBe(before);
    const key = (await api.call('POST', '/v1/tenants/ten_a/api-keys', admin)).body.key;
    const withKey = api.snapshot();
    expect((await patch({ name: 'Mine now' }, key)).status).toBe(403);
    expect(api.snapshot()).toBe(withKey);

    const ok = await patch({ name: ' Acme ', portalFrameAncestors: ['https://app.example.com', 'https://app.example.com', 'https://admin.example.com:8443'] });
    expect([ok.status, ok.body]).toEqual([200, { id: 'ten_a', name: 'Acme', createdAt: expect.any(String), portalFrameAncestors: ['https://app.example.com', 'https://admin.example.com:8443'] }]);
    expect((await api.call('GET', '/v1/tenants/ten_a', admin)).body.portalFrameAncestors).toEqual(['https://app.example.com', 'https://admin.example.com:8443']);
    expect((await patch({ portalFrameAncestors: [] })).body).toEqual({ id: 'ten_a', name: 'Acme', createdAt: expect.any(String) });
    expect((await api.call('PATCH', '/v1/tenants/ten_zzz', { ...admin, body: { name: 'x' } })).status).toBe(404);
  });

  it('accept plain http where the deployment allows it (local mode)', async () => {
    const deps = await setup();
    const local = { ...deps, settings: { ...deps.settings, allowHttp: true } };
    expect(await updateTenant(local, 'ten_a', { portalFrameAncestors: ['http://127.0.0.1:5173'] })).toMatchObject({ portalFrameAncestors: ['http://127.0.0.1:5173'] });
  });

  it('are read for the portal page through a cache of at most 30 s per tenant, unknown tenants included', async () => {
    const deps = await setup();
    let reads = 0;
    const counting = { get: async (id: string) => (reads++, deps.tenants.get(id)) };
    const recent = new RecentTenants(async () => counting, deps.clock);
    await recent.get('ten_a');
    await recent.get('ten_a');
    await recent.get('ten_nope');
    await recent.get('ten_nope');
    expect(reads).toBe(2);
    await deps.tenants.update('ten_a', { portalFrameAncestors: ['https://app.example.com'] });
    deps.clock.advance(29_999);
    expect((await recent.get('ten_a'))?.portalFrameAncestors).toBeUndefined();
    deps.clock.advance(1);
    expect((await recent.get('ten_a'))?.portalFrameAncestors).toEqual(['https://app.example.com']);
    expect(reads).toBe(3);
  });
});
