import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard } from '../../lib/dashboard/build.ts';
import { contentSecurityPolicy, dashboardRoutes } from '../../lib/dashboard/serve.ts';
import { AdminKeyAuthenticator } from '../../lib/http/auth.ts';
import { handleHttp } from '../../lib/http/handler.ts';
import { Router } from '../../lib/http/router.ts';
import { silentLogger } from '../../lib/log.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'billhook-dashboard-test-'));
const get = (router: Router, p: string) =>
  handleHttp(router, new AdminKeyAuthenticator(async () => 'admin-key-0123456789abcdef'), silentLogger, { method: 'GET', path: p, query: {}, headers: {}, requestId: 'r1' });

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
});
