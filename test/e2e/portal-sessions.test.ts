/**
 * Portal sessions end to end, on local mode (DynamoDB Local, the SQS
 * emulator, the real handlers): session scope on EVERY tenant route, taken
 * from the contract table (lib/contract), so a route added later is covered
 * without touching this file. For each route: a `read` session, a `manage`
 * session, another tenant's session, a revoked one, an expired one and an
 * altered token. Then the /portal page: its per-tenant frame-ancestors and
 * the deployment's branding.
 *
 * The api and ingest functions run on a clock the test moves (expiry, the
 * 30 s authenticator and tenant caches); nothing waits for wall-clock time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as apiFunction from '../../lambdas/api/handler.ts';
import * as fanoutFunction from '../../lambdas/fanout/handler.ts';
import * as ingestFunction from '../../lambdas/ingest/handler.ts';
import * as senderFunction from '../../lambdas/sender/handler.ts';
import type { AppDeps } from '../../lib/app/deps.ts';
import { API, portalAccessOf, type OperationId, type RouteDef } from '../../lib/contract/index.ts';
import { apiRoutes } from '../../lib/http/api-routes.ts';
import { ingestRoutes, type IngestDeps } from '../../lib/http/ingest-routes.ts';
import { startLocal, type LocalHandlers } from '../../lib/local/system.ts';
import { apiClient } from '../support/api-client.ts';
import { Receiver, waitFor } from '../support/receiver.ts';

type Local = Awaited<ReturnType<typeof startLocal>>;
type Client = ReturnType<typeof apiClient>;

const A = 'ten_pa';
const B = 'ten_pb';
const PRODUCT = `Acme <Billing> & "Co"`;

/** Bodies for routes whose documented example cannot run here as is (an endpoint URL must reach the local receiver). */
const BODY_OVERRIDES: Partial<Record<OperationId, (receiverUrl: string) => unknown>> = {
  createEndpoint: (url) => ({ url: `${url}/created`, eventTypes: ['customer.created'] }),
};
/** The fresh endpoint a route acts on, where the default (a standard-webhooks endpoint) does not fit the route. */
const ENDPOINT_OVERRIDES: Partial<Record<OperationId, Record<string, unknown>>> = {
  getEndpointPublicKey: { signatureScheme: 'standard-webhooks-ed25519' },
};

/**
 * The policy, written from the issue rather than read from the definitions
 * (which must agree): `read` sessions call GET routes except the endpoint
 * secret; `manage` sessions every tenant route except API keys and portal
 * sessions; admin routes are the admin's.
 */
function policy(op: OperationId, def: RouteDef): 'read' | 'manage' | 'never' {
  if (def.auth !== 'tenant' || def.tag === 'api-keys' || def.tag === 'portal-sessions') return 'never';
  if (op === 'getEndpointSecret') return 'manage';
  return def.method === 'GET' ? 'read' : 'manage';
}

describe('portal sessions (local mode, end to end)', () => {
  let local: Local;
  let receiver: Receiver;
  let admin: Client;
  let offsetMs = 0;
  const clock = { now: () => Date.now() + offsetMs };
  const shared = { endpointId: '', eventId: '', deliveryId: '' };
  const tokens = { key: '', read: '', manage: '', otherTenant: '', revoked: '', expired: '', altered: '' };

  const open = async (tenantId: string, body: Record<string, unknown> = {}) => {
    const res = await admin.post(`/v1/tenants/${tenantId}/portal-sessions`, body);
    expect(res.status).toBe(201);
    return res.body as { id: string; url: string; scope: string; expiresAt: string };
  };
  const tokenOf = (url: string) => new URL(url).hash.replace(/^#session=/, '');

  beforeAll(async () => {
    receiver = await new Receiver().start();
    local = await startLocal({
      port: 0,
      env: { BILLHOOK_RETRY_SCHEDULE: '1', BILLHOOK_LOG_LEVEL: 'error', BILLHOOK_PORTAL_PRODUCT_NAME: PRODUCT, BILLHOOK_PORTAL_ACCENT_COLOR: '#AA3300' },
      handlers: async (config) =>
        ({
          api: apiFunction.createHandler(config, { clock }),
          ingest: ingestFunction.createHandler(config, { clock }),
          sender: senderFunction.createHandler(config),
          fanout: fanoutFunction.createHandler(config),
        }) as unknown as LocalHandlers,
    });
    admin = apiClient(local.apiUrl, local.adminKey);
    for (const [id, name] of [[A, 'Portal A'], [B, 'Portal B']]) expect((await admin.post('/v1/tenants', { name, id })).status).toBe(201);
    tokens.key = (await admin.post(`/v1/tenants/${A}/api-keys`)).body.key;

    // One endpoint, event and delivery that no route deletes.
    shared.endpointId = (await admin.post(`/v1/tenants/${A}/endpoints`, { url: `${receiver.url}/shared`, eventTypes: ['invoice.*'] })).body.id;
    shared.eventId = (await admin.post(`/v1/tenants/${A}/events`, { type: 'invoice.paid', data: { n: 1 } })).body.id;
    await waitFor('the shared delivery', () => receiver.on('/shared').length >= 1);
    shared.deliveryId = await waitFor('the delivery logged', async () => (await admin.get(`/v1/tenants/${A}/deliveries?eventId=${shared.eventId}`)).body.data[0]?.id as string | undefined);

    const read = await open(A, { scope: 'read' });
    expect(read.url).toBe(`${local.apiUrl}/portal/${A}#session=${tokenOf(read.url)}`);
    tokens.read = tokenOf(read.url);
    tokens.manage = tokenOf((await open(A)).url);
    tokens.otherTenant = tokenOf((await open(B)).url);
    const revoked = await open(A);
    tokens.revoked = tokenOf(revoked.url);
    tokens.expired = tokenOf((await open(A, { expiresInSeconds: 60 })).url);
    const last = tokens.manage.at(-1)!;
    tokens.altered = tokens.manage.slice(0, -1) + (last === 'A' ? 'B' : 'A');

    // Both the revoked and the expired session work first (and are cached by the authenticators).
    for (const t of [tokens.revoked, tokens.expired]) expect((await apiClient(local.apiUrl, t).get('/v1/whoami')).status).toBe(200);
    expect((await admin.delete(`/v1/tenants/${A}/portal-sessions/${revoked.id}`)).status).toBe(204);
    // Revocation reaches a warm instance when its 30 s cache lapses; expiry is checked on every request.
    expect((await apiClient(local.apiUrl, tokens.revoked).get('/v1/whoami')).status).toBe(200);
    offsetMs += 61_000;
  }, 120_000);

  afterAll(async () => {
    await local?.stop();
    await receiver?.stop();
  });

  /** A request to `def` with every path parameter filled in (fresh endpoint, key and session where the route names one). */
  async function request(op: OperationId, def: RouteDef): Promise<{ path: string; body: unknown }> {
    const values: Record<string, string> = { tenantId: A, eventId: shared.eventId, deliveryId: shared.deliveryId };
    let path = def.path;
    for (const [, name] of def.path.matchAll(/\{([^}]+)\}/g)) {
      if (name === 'endpointId') {
        const ep = await admin.post(`/v1/tenants/${A}/endpoints`, { url: `${receiver.url}/fresh`, eventTypes: ['customer.created'], ...ENDPOINT_OVERRIDES[op] });
        values.endpointId = ep.body.id;
      } else if (name === 'keyId') values.keyId = (await admin.post(`/v1/tenants/${A}/api-keys`)).body.id;
      else if (name === 'sessionId') values.sessionId = (await open(A)).id;
      if (values[name!] === undefined) throw new Error(`${op}: this test does not know how to fill {${name}}; add it to request()`);
      path = path.replace(`{${name}}`, values[name!]!);
    }
    const query = def.example?.query ? `?${new URLSearchParams(def.example.query as Record<string, string>)}` : '';
    const body = BODY_OVERRIDES[op]?.(receiver.url) ?? def.example?.body ?? (def.body && !def.bodyOptional ? undefined : {});
    if (def.body && !def.bodyOptional && body === undefined) throw new Error(`${op}: needs a body; give the route an example or add it to BODY_OVERRIDES`);
    return { path: path + query, body: def.body ? body : undefined };
  }

  /** What the admin sees of tenant A (and of the endpoint in `path`): a request that was refused must leave all of it as it was. */
  const stateOf = async (path: string) => {
    const endpointId = /\/endpoints\/(ep_[^/?]+)/.exec(path)?.[1];
    return JSON.stringify([
      (await admin.get(`/v1/tenants/${A}`)).body,
      (await admin.get(`/v1/tenants/${A}/endpoints?limit=250`)).body,
      endpointId ? (await admin.get(`/v1/tenants/${A}/endpoints/${endpointId}/secret`)).body : null,
      (await admin.get(`/v1/tenants/${A}/api-keys`)).body,
      (await admin.get(`/v1/tenants/${A}/portal-sessions`)).body,
      (await admin.get(`/v1/tenants/${A}/events?limit=250`)).body.data.length,
    ]);
  };

  const tenantRoutes = (Object.entries(API) as [OperationId, RouteDef][]).filter(([, def]) => def.path.startsWith('/v1/tenants/{tenantId}'));

  it('covers every tenant route the functions serve (the table is derived from the contract, not listed)', () => {
    const served = [...apiRoutes(async () => ({}) as AppDeps), ...ingestRoutes(async () => ({}) as IngestDeps)]
      .map((r) => `${r.def.method} ${r.def.path}`)
      .filter((r) => r.includes(' /v1/tenants/{tenantId}'));
    expect(tenantRoutes.map(([, d]) => `${d.method} ${d.path}`).sort()).toEqual(served.sort());
    expect(tenantRoutes.map(([op]) => op)).toEqual(expect.arrayContaining(['createEndpoint', 'getEndpointSecret', 'createApiKey', 'createPortalSession', 'updateTenant', 'createEvent']));
  });

  it.each(tenantRoutes)('%s: read, manage, other tenant, revoked, expired and altered sessions each get what the route allows', async (op, def) => {
    const access = policy(op, def);
    expect(portalAccessOf(def)).toBe(access); // what the definition says, and so the docs
    const call = async (key: string) => {
      const { path, body } = await request(op, def);
      return apiClient(local.apiUrl, key).call(def.method, path, body);
    };
    const denied: [string, string, number, string][] = [
      ['other tenant', tokens.otherTenant, def.auth === 'admin' ? 403 : 404, def.auth === 'admin' ? 'forbidden' : 'not_found'],
      ['revoked', tokens.revoked, 401, 'session_expired'],
      ['expired', tokens.expired, 401, 'session_expired'],
      ['altered', tokens.altered, 401, 'session_expired'],
    ];
    if (access !== 'read') denied.push(['read', tokens.read, 403, 'forbidden']);
    if (access === 'never') denied.push(['manage', tokens.manage, 403, 'forbidden']);

    // Refused: the right status and code, and nothing changed. (One fixture for all of them.)
    const { path, body } = await request(op, def);
    const before = await stateOf(path);
    for (const [who, token, status, code] of denied) {
      const res = await apiClient(local.apiUrl, token).call(def.method, path, body);
      expect([who, res.status, res.body?.code]).toEqual([who, status, code]);
    }
    expect(await stateOf(path)).toBe(before);

    // Allowed: what a tenant key (the admin key on admin routes) gets for the same request on a fresh fixture.
    const baseline = await call(def.auth === 'admin' ? local.adminKey : tokens.key);
    expect([op, baseline.status < 300]).toEqual([op, true]);
    const allowed = access === 'read' ? [['read', tokens.read], ['manage', tokens.manage]] : access === 'manage' ? [['manage', tokens.manage]] : [];
    for (const [who, token] of allowed) {
      const res = await call(token!);
      expect([who, res.status]).toEqual([who, baseline.status]);
    }
  });

  it('opens the routes without a tenant in the path (whoami, the catalogue) to live sessions only', async () => {
    const defs = (Object.values(API) as RouteDef[]).filter((d) => d.auth === 'tenant' && !d.path.includes('{tenantId}'));
    expect(defs.length).toBeGreaterThan(0);
    for (const def of defs) {
      for (const t of [tokens.read, tokens.manage]) expect([def.path, (await apiClient(local.apiUrl, t).call(def.method, def.path)).status]).toEqual([def.path, 200]);
      for (const t of [tokens.revoked, tokens.expired, tokens.altered]) expect((await apiClient(local.apiUrl, t).call(def.method, def.path)).body.code).toBe('session_expired');
    }
    const who = await apiClient(local.apiUrl, tokens.read).get('/v1/whoami');
    expect(who.body).toEqual({ kind: 'portal', tenantId: A, sessionId: expect.stringMatching(/^ps_/), scope: 'read', expiresAt: expect.any(String) });
    // A token that is not a session stays a plain 401.
    expect((await apiClient(local.apiUrl, 'bh_tk_not-a-key').get('/v1/whoami')).body.code).toBe('unauthorized');
  });

  it('lists live sessions without their tokens', async () => {
    const list = await admin.get(`/v1/tenants/${A}/portal-sessions`);
    expect(list.status).toBe(200);
    expect(list.text).not.toMatch(/bhps_|hash/);
    expect(list.body.data.every((s: { expiresAt: string }) => Date.parse(s.expiresAt) > clock.now())).toBe(true);
    expect((await admin.post('/v1/tenants/ten_nobody/portal-sessions', {})).status).toBe(404);
    expect((await admin.post(`/v1/tenants/${A}/portal-sessions`, { expiresInSeconds: 59 })).status).toBe(422);
    expect((await admin.post(`/v1/tenants/${A}/portal-sessions`, { scope: 'admin' })).status).toBe(422);
  });

  it("serves /portal/{tenantId} framed by that tenant's origins only (within 30 s of a change), with the branding", async () => {
    const C = 'ten_pc'; // a tenant no route above has patched
    expect((await admin.post('/v1/tenants', { name: 'Portal C', id: C })).status).toBe(201);
    const page = (p: string) => fetch(`${local.apiUrl}${p}`);
    const none = await page(`/portal/${C}`);
    expect(none.status).toBe(200);
    expect(none.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect([none.headers.get('x-frame-options'), none.headers.get('referrer-policy'), none.headers.get('cache-control')]).toEqual(['DENY', 'no-referrer', 'no-store']);

    const origins = ['http://127.0.0.1:5173', 'https://app.example.com']; // plain http: local mode allows it
    const patched = await admin.patch(`/v1/tenants/${C}`, { portalFrameAncestors: origins });
    expect([patched.status, patched.body.portalFrameAncestors]).toEqual([200, origins]);
    expect((await page(`/portal/${C}`)).headers.get('content-security-policy')).toContain("frame-ancestors 'none'"); // cached for up to 30 s
    offsetMs += 30_000; // the api's tenant cache lapses
    const framed = await page(`/portal/${C}`);
    expect(framed.headers.get('content-security-policy')).toContain(`frame-ancestors ${origins.join(' ')}`);
    expect(framed.headers.get('x-frame-options')).toBeNull();
    // Another tenant, and /dashboard, keep 'none'.
    expect((await page(`/portal/${B}`)).headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect((await page('/dashboard')).headers.get('content-security-policy')).toContain("frame-ancestors 'none'");

    const html = await framed.text();
    const escaped = 'Acme &#60;Billing&#62; &#38; &#34;Co&#34;';
    expect(html).toContain(`<title>${escaped}</title>`);
    expect(html).toContain(`<meta name="billhook-product" content="${escaped}">`);
    expect(html).toContain('<meta name="billhook-accent" content="#AA3300">');
    expect(await (await page('/dashboard')).text()).toBe(html);
    // The shell loads the dashboard's own assets.
    const script = /src="(\/dashboard\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    expect((await page(script)).status).toBe(200);
  });
});
