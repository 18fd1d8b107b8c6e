/// <reference lib="dom" />
/**
 * The customer portal as a billing platform embeds it, in a real browser
 * (Debian's Chromium via playwright-core) against local mode: the real
 * handlers on DynamoDB Local and the SQS emulator, the logs table's stream
 * feeding the stats, a loopback receiver verifying signatures with the
 * official standardwebhooks library.
 *
 * Three origins, all loopback and all cross-site to each other:
 * - Billhook itself (127.0.0.1), which serves /portal/{tenantId};
 * - the platform's app (127.0.0.2), whose server asks Billhook for a portal
 *   session with the admin key and puts its `url` in an iframe; the tenant
 *   lists this origin in `portalFrameAncestors`;
 * - another site (127.0.0.3) embedding the same link, which the browser must
 *   refuse to frame.
 *
 * The api and ingest functions run on a clock the test can move, so a link
 * expires without waiting for it. Screenshots go to test-output/screenshots/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type FrameLocator, type Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as apiFunction from '../../lambdas/api/handler.ts';
import * as ingestFunction from '../../lambdas/ingest/handler.ts';
import { importRealHandlers, startLocal, type LocalHandlers } from '../../lib/local/system.ts';
import { apiClient } from '../support/api-client.ts';
import { Receiver, waitFor } from '../support/receiver.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.resolve('test-output', 'screenshots');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
const PRODUCT = 'Acme Pay';
const TENANT = 'ten_portal';

/**
 * The platform's app: `/` is a page whose server creates a portal session and
 * embeds its link; `/embed?url=…` embeds a given link (an old or altered one).
 */
async function platformApp(host: string, session: () => Promise<string>): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const given = new URL(req.url ?? '/', 'http://x').searchParams.get('url');
    if (req.url !== '/' && !given) return res.writeHead(404).end();
    (given ? Promise.resolve(given) : session()).then(
      (url) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Acme Billing</title></head>
<body><h1>Acme Billing: webhooks</h1><iframe id="portal" title="Webhooks" src="${url.replace(/"/g, '&quot;')}" width="1240" height="860" style="border:1px solid #ccc"></iframe></body></html>`);
      },
      (err: Error) => res.writeHead(500).end(err.message),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return { origin: `http://${host}:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('customer portal embedded in a platform app (Chromium, local mode)', () => {
  let local: Awaited<ReturnType<typeof startLocal>>;
  let receiver: Receiver;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let portal: FrameLocator;
  let admin: ReturnType<typeof apiClient>;
  let app: Awaited<ReturnType<typeof platformApp>>;
  let elsewhere: Awaited<ReturnType<typeof platformApp>>;
  let offsetMs = 0;
  const clock = { now: () => Date.now() + offsetMs };
  const problems: string[] = [];
  let endpointId = '';

  const newSession = async (body: Record<string, unknown> = {}) => {
    const res = await admin.post(`/v1/tenants/${TENANT}/portal-sessions`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string; url: string; scope: string; expiresAt: string };
  };
  const shot = (name: string, p: Page = page) => p.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  const watch = (p: Page) => {
    p.setDefaultTimeout(15_000);
    // Non-2xx fetches are logged by the browser; the expired link provokes a 401 on purpose.
    p.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && problems.push(`console: ${m.text()}`));
    p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    p.on('response', (r) => r.status() >= 500 && problems.push(`HTTP ${r.status()} ${r.url()}`));
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`);
    mkdirSync(SHOTS, { recursive: true });
    receiver = await new Receiver().start();
    local = await startLocal({
      port: 0,
      env: { BILLHOOK_RETRY_SCHEDULE: '600', BILLHOOK_LOG_LEVEL: 'error', BILLHOOK_PORTAL_PRODUCT_NAME: PRODUCT, BILLHOOK_PORTAL_ACCENT_COLOR: '#0a6e4f' },
      handlers: async (config) =>
        ({
          ...(await importRealHandlers(config)),
          api: apiFunction.createHandler(config, { clock }),
          ingest: ingestFunction.createHandler(config, { clock }),
        }) as LocalHandlers,
    });
    admin = apiClient(local.apiUrl, local.adminKey);
    expect((await admin.post('/v1/tenants', { id: TENANT, name: 'Portal Customer' })).status).toBe(201);
    expect((await admin.post('/v1/tenants', { id: 'ten_neighbour', name: 'Neighbour' })).status).toBe(201);
    // Another tenant's endpoint, which the portal must never show.
    expect((await admin.post('/v1/tenants/ten_neighbour/endpoints', { url: `${receiver.url}/neighbour` })).status).toBe(201);

    app = await platformApp('127.0.0.2', async () => (await newSession({ scope: 'manage' })).url);
    elsewhere = await platformApp('127.0.0.3', async () => (await newSession({ scope: 'manage' })).url);
    expect((await admin.patch(`/v1/tenants/${TENANT}`, { portalFrameAncestors: [app.origin] })).body.portalFrameAncestors).toEqual([app.origin]);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    context = await browser.newContext({ viewport: { width: 1300, height: 1000 }, locale: 'en-GB', timezoneId: 'UTC' });
    // Runs in every frame, the portal's included: a CSP violation is a failure.
    await context.addInitScript(() => document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`)));
    page = await context.newPage();
    watch(page);
    portal = page.frameLocator('#portal');
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await elsewhere?.close();
    await local?.stop();
    await receiver?.stop();
  }, 60_000);

  it('opens inside the platform app, branded, signed in as that tenant only, with the token gone from the frame address', async () => {
    await page.goto(`${app.origin}/`);
    await portal.getByText('No endpoints yet').first().waitFor();
    expect(await portal.getByTestId('brand').textContent()).toBe(PRODUCT);
    expect(await portal.getByLabel('API key').count()).toBe(0);
    expect(await portal.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    expect(await portal.getByTestId('view-only').count()).toBe(0);
    const frame = page.frames().find((f) => f.url().includes('/portal/'))!;
    expect(frame.url()).toBe(`${local.apiUrl}/portal/${TENANT}#/t/${TENANT}/endpoints`);
    // Third-party context: no cookie at all. This Chromium refuses the frame sessionStorage too (third-party storage
    // blocked), and the portal works on from memory; where storage is allowed (partitioned), the session is kept there.
    const storage = await frame.evaluate(() => {
      try {
        return (sessionStorage.getItem('billhook.portal') ?? '').startsWith('bhps_') ? 'kept' : 'missing';
      } catch {
        return 'denied';
      }
    });
    expect(['kept', 'denied']).toContain(storage);
    expect(await frame.evaluate(() => document.cookie)).toBe('');
    expect((await context.cookies()).length).toBe(0);
    // Another tenant's page is not reachable from here.
    await frame.evaluate(() => (location.hash = '#/t/ten_neighbour/endpoints'));
    await expect.poll(() => frame.url()).toBe(`${local.apiUrl}/portal/${TENANT}#/t/${TENANT}/endpoints`);
    expect(await portal.getByText('/neighbour').count()).toBe(0);
  }, 60_000);

  it('adds an endpoint from inside the frame', async () => {
    await portal.getByRole('link', { name: 'Add your first endpoint' }).click();
    await portal.getByRole('heading', { name: 'Add endpoint' }).waitFor();
    await portal.getByLabel('URL').fill(`${receiver.url}/portal-hooks`);
    await portal.getByLabel('Description (optional)').fill('Our ERP');
    await portal.getByRole('button', { name: 'Create endpoint' }).click();
    await portal.getByRole('heading', { name: `${receiver.url}/portal-hooks` }).waitFor();
    const list = (await admin.get(`/v1/tenants/${TENANT}/endpoints`)).body.data as { id: string; url: string }[];
    expect(list.map((e) => e.url)).toEqual([`${receiver.url}/portal-hooks`]);
    endpointId = list[0]!.id;
  }, 60_000);

  it('reads the catalogue and sends an example, which arrives signed and is delivered', async () => {
    const secret = (await admin.get(`/v1/tenants/${TENANT}/endpoints/${endpointId}/secret`)).body.secret as string;
    const types = (await admin.get('/v1/event-types')).body.data as { type: string; example?: unknown }[];
    const example = types.find((t) => t.type === 'wallet.topped_up')!.example;
    expect(example).toBeDefined();

    await portal.getByRole('link', { name: 'Catalogue' }).click();
    await portal.getByRole('heading', { name: 'Event catalogue', level: 1 }).waitFor();
    await expect.poll(() => portal.getByTestId('catalogue-row').count()).toBe(types.length);
    const row = portal.locator('[data-testid="catalogue-row"][data-type="wallet.topped_up"]');
    await row.getByText('Example', { exact: true }).click();
    expect(JSON.parse((await row.getByTestId('type-example').textContent())!)).toEqual(example);
    await row.getByTestId('send-example').click();
    await row.getByTestId('send-example-submit').click();
    await row.getByTestId('example-delivery').waitFor();
    await shot('20-portal-catalogue');

    const got = await waitFor('the example', () => receiver.on('/portal-hooks')[0]);
    const verified = new Webhook(secret).verify(got.body, got.headers as Record<string, string>) as { type: string; data: unknown };
    expect(verified).toMatchObject({ type: 'wallet.topped_up', data: example });
    await row.getByTestId('example-delivery').click();
    await expect.poll(() => portal.locator('.page-head .badge').textContent(), { timeout: 20_000 }).toBe('Succeeded');
  }, 60_000);

  it('counts the delivery in the activity chart (from the stats the stream keeps)', async () => {
    await portal.getByRole('link', { name: 'Activity' }).click();
    await portal.getByTestId('activity').waitFor();
    const succeeded = async () => {
      await portal.getByRole('button', { name: 'Reload' }).click();
      await portal.getByTestId('chart-outcomes').waitFor();
      const cells = await portal.locator('[data-testid="stats-table"] tbody tr td:nth-of-type(1)').allTextContents();
      return cells.reduce((sum, c) => sum + Number(c.trim() || 0), 0);
    };
    await expect.poll(succeeded, { timeout: 20_000, interval: 500 }).toBe(1);
    const summary = await portal.getByTestId('chart-outcomes').evaluate((svg) => (svg.getAttribute('aria-labelledby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' '));
    expect(summary).toMatch(/1 succeeded/);
    await shot('21-portal-activity');

    // The endpoint list shows the same count, from one request for all rows.
    await portal.getByRole('link', { name: 'Endpoints' }).click();
    await expect.poll(() => portal.locator(`[data-testid="endpoint-stats"][data-endpoint="${endpointId}"]`).textContent(), { timeout: 15_000 }).toContain('100');
    await shot('22-portal-endpoints');
  }, 60_000);

  it('is refused by the browser when framed by a site the tenant did not list', async () => {
    const p = await context.newPage();
    const refusals: string[] = [];
    p.on('console', (m) => m.type() === 'error' && refusals.push(m.text()));
    await p.goto(`${elsewhere.origin}/`);
    await expect.poll(() => refusals.some((t) => t.includes('frame-ancestors'))).toBe(true);
    const child = p.frames().find((f) => f !== p.mainFrame())!;
    // Nothing of the portal rendered in the refused frame.
    expect(await child.locator('#app').count()).toBe(0);
    expect(await p.locator('h1').textContent()).toBe('Acme Billing: webhooks');
    await p.close();
  }, 60_000);

  it('shows the expired page for an altered link and for one past its expiry, inside the frame', async () => {
    const expiredPage = async (url: string, name: string) => {
      const p = await context.newPage();
      watch(p);
      try {
        await p.goto(`${app.origin}/embed?url=${encodeURIComponent(url)}`);
        const frame = p.frameLocator('#portal');
        await frame.getByTestId('portal-expired').waitFor();
        expect(await frame.getByRole('heading', { level: 1 }).textContent()).toBe('This link has expired');
        expect(await frame.getByText(/error|exception|stack/i).count()).toBe(0);
        await shot(name, p);
      } finally {
        await p.close();
      }
    };
    const { url } = await newSession({ expiresInSeconds: 60 });
    const token = url.slice(url.indexOf('#session=') + 9);
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    await expiredPage(url.replace(token, flipped), '23-portal-expired');

    const { url: shortLived } = await newSession({ expiresInSeconds: 60 });
    offsetMs = 61_000; // the api function's clock: the link is now past its expiry
    try {
      await expiredPage(shortLived, '23-portal-expired');
    } finally {
      offsetMs = 0;
    }
  }, 60_000);

  it('logged no console error, page error or CSP violation in the portal', () => {
    expect(problems).toEqual([]);
  });
});
