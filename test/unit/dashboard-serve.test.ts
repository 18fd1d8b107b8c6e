import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard } from '../../lib/dashboard/build.ts';
import { brandIndexHtml, contentSecurityPolicy, dashboardResponseHeaders, dashboardRoutes, type DashboardOptions } from '../../lib/dashboard/serve.ts';
import { AdminKeyAuthenticator } from '../../lib/http/auth.ts';
import { handleHttp } from '../../lib/http/handler.ts';
import { Router } from '../../lib/http/router.ts';
import { silentLogger } from '../../lib/log.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'billhook-dashboard-test-'));
const get = (router: Router, p: string, options?: () => DashboardOptions) =>
  handleHttp(
    router,
    new AdminKeyAuthenticator(async () => 'admin-key-0123456789abcdef'),
    silentLogger,
    { method: 'GET', path: p, query: {}, headers: {}, requestId: 'r1' },
    options ? { responseHeaders: dashboardResponseHeaders(options) } : {},
  );

describe('dashboard serving', () => {
  let files: Awaited<ReturnType<typeof buildDashboard>>;
  beforeAll(async () => {
    files = await buildDashboard(dir);
  }, 30_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds a page shell, one hashed script and one hashed stylesheet, small', () => {
    const names = files.map((f) => f.name);
    expect(names).toContain('index.html');
    expect(names.filter((n) => /^assets\/app-[\w-]+\.js$/.test(n))).toHaveLength(1);
    expect(names.filter((n) => /^assets\/app-[\w-]+\.css$/.test(n))).toHaveLength(1);
    const js = files.find((f) => f.name.endsWith('.js'))!;
    expect(js.gzipBytes).toBeLessThan(40 * 1024);
  });

  it('serves the shell without a key, uncached, under a strict CSP that allows no inline code and no other origin', async () => {
    const router = new Router(dashboardRoutes(() => ({ dir })));
    const res = await get(router, '/dashboard');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['x-frame-options']).toBe('DENY');
    const csp = res.headers['content-security-policy']!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    // The shell has no inline script or style: everything it runs comes from its own assets.
    expect(res.body).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>|<style|\sstyle=|\son\w+=/i);
    expect(res.body).toMatch(/<script type="module" src="\/dashboard\/assets\/app-[\w-]+\.js"><\/script>/);
    expect((await get(router, '/dashboard/')).statusCode).toBe(200);
  });

  it('serves hashed assets with their type and a year of immutable caching', async () => {
    const router = new Router(dashboardRoutes(() => ({ dir })));
    const html = (await get(router, '/dashboard')).body!;
    const script = /src="\/dashboard\/(assets\/[^"]+\.js)"/.exec(html)![1]!;
    const style = /href="\/dashboard\/(assets\/[^"]+\.css)"/.exec(html)![1]!;
    const js = await get(router, `/dashboard/${script}`);
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await get(router, `/dashboard/${style}`)).headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('answers 404 problem+json for unknown or traversing asset names', async () => {
    const router = new Router(dashboardRoutes(() => ({ dir })));
    for (const p of ['/dashboard/assets/nope.js', '/dashboard/assets/..%2F..%2Fpackage.json', '/dashboard/assets/../index.html']) {
      const res = await get(router, p);
      expect(res.statusCode, p).toBe(404);
      expect(res.headers['content-type']).toBe('application/problem+json');
    }
  });

  it('says clearly when the deployment has no built dashboard, and recovers once it has one', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'billhook-dashboard-none-'));
    try {
      const router = new Router(dashboardRoutes(() => ({ dir: empty })));
      const res = await get(router, '/dashboard');
      expect(res.statusCode).toBe(503);
      expect(JSON.parse(res.body!).detail).toMatch(/not built/);
      await buildDashboard(empty);
      expect((await get(router, '/dashboard')).statusCode).toBe(200);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  }, 30_000);

  it('lets a deployment name who may frame it (the embeddable portal)', async () => {
    expect(contentSecurityPolicy(['https://portal.example.com'])).toContain('frame-ancestors https://portal.example.com');
    const router = new Router(dashboardRoutes(() => ({ dir, frameAncestors: ['https://portal.example.com'] })));
    const res = await get(router, '/dashboard');
    expect(res.headers['x-frame-options']).toBeUndefined();
    expect(res.headers['content-security-policy']).toContain('frame-ancestors https://portal.example.com');
  });

  describe('the customer portal page', () => {
    const ancestors: Record<string, string[]> = { ten_framed: ['https://app.example.com', 'https://admin.example.com:8443'], ten_plain: [] };
    const options = (extra: Partial<DashboardOptions> = {}) => () => ({ dir, frameAncestors: ['https://deployment.example'], portalFrameAncestors: async (t: string) => ancestors[t], ...extra });
    const portal = (p: string, o = options()) => get(new Router(dashboardRoutes(o)), p, o);

    it("serves the dashboard's shell, framed only by that tenant's origins, never cached, with no referrer", async () => {
      const res = await portal('/portal/ten_framed');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['content-security-policy']).toContain('frame-ancestors https://app.example.com https://admin.example.com:8443');
      expect(res.headers['content-security-policy']).not.toContain('deployment.example');
      expect(res.headers['x-frame-options']).toBeUndefined();
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toMatch(/<script type="module" src="\/dashboard\/assets\/app-[\w-]+\.js"><\/script>/);
      expect(res.body).toBe((await portal('/dashboard')).body);
    });

    it("may not be framed at all for a tenant without origins, an unknown tenant, or when the deployment gives no lookup", async () => {
      for (const [p, o] of [['/portal/ten_plain', options()], ['/portal/ten_unknown', options()], ['/portal/ten_framed', options({ portalFrameAncestors: undefined })]] as const) {
        const res = await portal(p, o);
        expect([p, res.statusCode, res.headers['x-frame-options'], res.headers['cache-control'], res.headers['referrer-policy']]).toEqual([p, 200, 'DENY', 'no-store', 'no-referrer']);
        expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      }
    });

    it('answers errors under /portal with the same closed headers', async () => {
      for (const p of ['/portal/not-a-tenant', '/portal/ten_framed/extra', '/portal']) {
        const res = await portal(p);
        expect([p, res.statusCode]).toEqual([p, 404]);
        expect([res.headers['x-frame-options'], res.headers['cache-control'], res.headers['referrer-policy']]).toEqual(['DENY', 'no-store', 'no-referrer']);
        expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      }
      const failing = await portal('/portal/ten_framed', options({ portalFrameAncestors: async () => Promise.reject(new Error('dynamodb is down')) }));
      expect([failing.statusCode, JSON.parse(failing.body!).code, failing.headers['x-frame-options']]).toEqual([503, 'service_unavailable', 'DENY']);
    });

    it('puts nothing but exact origins into the header, whatever the lookup returns', async () => {
      const res = await portal('/portal/ten_x', options({ portalFrameAncestors: async () => ['https://ok.example', "https://x.example; script-src 'unsafe-inline'", '*'] }));
      expect(res.headers['content-security-policy']).toContain('frame-ancestors https://ok.example');
      expect(res.headers['content-security-policy']).not.toMatch(/unsafe-inline|\*/);
    });

    it('leaves /dashboard to the deployment-wide setting', async () => {
      const res = await portal('/dashboard');
      expect(res.headers['content-security-policy']).toContain('frame-ancestors https://deployment.example');
      expect(res.headers['content-security-policy']).not.toContain('app.example.com');
    });
  });

  describe('branding', () => {
    it('writes the product name (title and meta) and the accent colour into the served shell, HTML-escaped, on /dashboard and /portal', async () => {
      const branding = { productName: `Acme <Pay> & "Co" 'x' $& $1`, accentColor: '#AA3300' };
      const o = () => ({ dir, branding });
      const router = new Router(dashboardRoutes(o));
      for (const p of ['/dashboard', '/portal/ten_any']) {
        const html = (await get(router, p, o)).body!;
        const escaped = 'Acme &#60;Pay&#62; &#38; &#34;Co&#34; &#39;x&#39; $&#38; $1';
        expect(html).toContain(`<title>${escaped}</title>`);
        expect(html).toContain(`<meta name="billhook-product" content="${escaped}">`);
        expect(html).toContain('<meta name="billhook-accent" content="#AA3300">');
        expect(html.match(/<title>/g)).toHaveLength(1);
        expect(html).not.toContain('<Pay>');
        expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>|<style|\sstyle=/i);
      }
      // The build on disk is unchanged: one build serves any branding, and its assets stay cacheable.
      expect(readFileSync(path.join(dir, 'index.html'), 'utf8')).not.toContain('billhook-product');
    });

    it('defaults to Billhook and #1f5fbf, and replaces metas a shell already has', async () => {
      const html = (await get(new Router(dashboardRoutes(() => ({ dir }))), '/dashboard')).body!;
      expect(html).toContain('<title>Billhook</title>');
      expect(html).toContain('<meta name="billhook-product" content="Billhook">');
      expect(html).toContain('<meta name="billhook-accent" content="#1f5fbf">');
      const again = brandIndexHtml(html, { productName: 'Other', accentColor: '#000000' });
      expect(again.match(/billhook-product/g)).toHaveLength(1);
      expect(again).toContain('<meta name="billhook-product" content="Other">');
      expect(brandIndexHtml('<html><head></head></html>', { productName: 'N', accentColor: '#111111' })).toBe(
        '<html><head><title>N</title>\n<meta name="billhook-product" content="N">\n<meta name="billhook-accent" content="#111111">\n</head></html>',
      );
    });
  });
});
