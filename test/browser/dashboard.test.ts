/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The dashboard in a real browser (Debian's Chromium driven by
 * playwright-core) against local mode: the real handlers on DynamoDB Local
 * and the SQS emulator, delivering to a loopback receiver that verifies each
 * signature with the official standardwebhooks library. Screenshots of the
 * main pages go to test-output/screenshots/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocal } from '../../lib/local/system.ts';
import { apiClient } from '../support/api-client.ts';
import { Receiver, waitFor } from '../support/receiver.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.resolve('test-output', 'screenshots');
// Flags for a closed network: no background fetches, no component updates, no first-run UI.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

type Local = Awaited<ReturnType<typeof startLocal>>;

describe('web dashboard in Chromium', () => {
  let local: Local;
  let receiver: Receiver;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let api: ReturnType<typeof apiClient>;
  const problems: string[] = [];
  const tenant = 'ten_acme';
  let endpointId = '';
  let secret = '';

  const shot = async (name: string, p: Page = page) => {
    await p.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  };
  /** Every form control has an accessible name: a label, aria-label or aria-labelledby. */
  const unlabelled = (p: Page = page) =>
    p.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea')]
        .filter((el) => (el as HTMLInputElement).type !== 'hidden')
        .filter((el) => !((el as HTMLInputElement).labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')))
        .map((el) => el.outerHTML.slice(0, 120)),
    );
  const watch = (p: Page) => {
    // The browser logs every non-2xx fetch; the tests provoke some on purpose (401, 422) and assert on what the page shows.
    p.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && problems.push(`console: ${m.text()}`));
    p.setDefaultTimeout(15_000);
    p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`);
    mkdirSync(SHOTS, { recursive: true });
    receiver = await new Receiver().start();
    // One retry, ten minutes out: a failed delivery stays visibly "failed" until someone retries it.
    local = await startLocal({ port: 0, env: { BILLHOOK_RETRY_SCHEDULE: '600', BILLHOOK_LOG_LEVEL: 'error' } });
    api = apiClient(local.apiUrl, local.adminKey);
    expect((await api.post('/v1/tenants', { id: tenant, name: 'Acme Billing' })).status).toBe(201);
    expect((await api.post('/v1/tenants', { id: 'ten_other', name: 'Other Co' })).status).toBe(201);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'UTC' });
    page = await context.newPage();
    watch(page);
    page.on('response', (r) => r.status() >= 500 && problems.push(`HTTP ${r.status()} ${r.url()}`));
    // A CSP violation would mean the page tried to load or run something the policy forbids.
    await page.addInitScript(() => document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`)));
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await local?.stop();
    await receiver?.stop();
  }, 60_000);

  it('refuses a wrong key with a readable message, then signs in with the admin key and picks a tenant', async () => {
    await page.goto(local.dashboardUrl);
    await page.getByLabel('API key').fill('not-a-real-key-000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not valid');
    await shot('01-sign-in');
    expect(await unlabelled()).toEqual([]);

    await page.getByLabel('API key').fill(local.adminKey);
    await page.getByLabel('API key').press('Enter'); // the keyboard is enough
    await page.getByRole('heading', { name: 'Choose a tenant' }).waitFor();
    await shot('02-tenants');
    await page.getByRole('link', { name: /Acme Billing/ }).click();
    await page.getByRole('heading', { name: 'No endpoints yet' }).or(page.getByText('No endpoints yet')).first().waitFor();
    expect(page.url()).toContain(`#/t/${tenant}/endpoints`);
  }, 60_000);

  it('creates an endpoint on the loopback receiver with the event-type picker, and shows its secret', async () => {
    await page.getByRole('link', { name: 'Add your first endpoint' }).click();
    await page.getByRole('heading', { name: 'Add endpoint' }).waitFor();
    expect(await unlabelled()).toEqual([]);
    // An invalid URL is refused by the API with the reason next to the field, and nothing is created.
    await page.getByLabel('URL').fill('ftp://example.com/hooks');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await page.locator('#url-error').waitFor();
    expect((await api.get(`/v1/tenants/${tenant}/endpoints`)).body.data).toEqual([]);

    await page.getByLabel('URL').fill(`${receiver.url}/hooks`);
    await page.getByLabel('Description (optional)').fill('Acme ERP');
    await page.getByLabel('All events *').uncheck();
    await page.getByLabel('All invoice.*').check();
    await shot('03-endpoint-form');
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await page.getByRole('heading', { name: `${receiver.url}/hooks` }).waitFor();
    endpointId = /endpoints\/(ep_[^/?]+)/.exec(page.url())![1]!;
    const created = (await api.get(`/v1/tenants/${tenant}/endpoints/${endpointId}`)).body;
    expect(created).toMatchObject({ url: `${receiver.url}/hooks`, eventTypes: ['invoice.*'], description: 'Acme ERP', status: 'enabled' });

    await page.getByRole('button', { name: 'Show secret' }).click();
    secret = (await page.getByTestId('secret').textContent())!.trim();
    expect(secret).toBe((await api.get(`/v1/tenants/${tenant}/endpoints/${endpointId}/secret`)).body.secret);
  }, 60_000);

  it('shows an event posted through the API as a succeeded delivery, signed with that secret', async () => {
    const posted = await api.post(`/v1/tenants/${tenant}/events`, { type: 'invoice.paid', data: { invoice: 'in_1001', amount: 4200, currency: 'EUR' } });
    expect(posted.status).toBe(202);
    const got = await waitFor('the first webhook', () => receiver.on('/hooks')[0]);
    const verified = new Webhook(secret).verify(got.body, got.headers as Record<string, string>) as { id: string };
    expect(verified.id).toBe(posted.body.id);

    await page.getByRole('link', { name: 'Deliveries', exact: true }).first().click();
    const row = page.locator(`tr:has-text("invoice.paid")`);
    await expect.poll(() => row.first().textContent(), { timeout: 20_000 }).toContain('Succeeded');
    expect(await row.first().textContent()).toContain('200');
    // The endpoint list's health comes from the stats counters, which count an attempt within a stream poll of its log write.
    await local.drainStreams();
    await page.getByRole('link', { name: 'Endpoints' }).click();
    await expect.poll(() => page.locator('.rate').first().textContent(), { timeout: 10_000 }).toContain('100 %');
    await shot('04-endpoints');
  }, 60_000);

  it('shows a failing delivery with its status code and response, retries it from the UI, and sees it succeed', async () => {
    receiver.script('/hooks', { status: 503, body: 'maintenance window' });
    // Raw text: an amount no JavaScript number can hold, which the payload views must show as sent.
    const posted = await api.post(`/v1/tenants/${tenant}/events`, '{"type":"invoice.payment_failed","data":{"invoice":"in_1002","reason":"card_declined","amountDue":12345678901234567890.10}}');
    expect(posted.status).toBe(202);
    await waitFor('the failing attempt', () => receiver.on('/hooks').length >= 2);

    await page.getByRole('link', { name: 'Deliveries', exact: true }).first().click();
    const row = page.locator('tr:has-text("invoice.payment_failed")').first();
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toContain('Failed, retrying');
    expect(await row.textContent()).toContain('503');
    expect(await unlabelled()).toEqual([]);
    await shot('05-deliveries');

    await row.getByRole('link', { name: /Delivery dlv_/ }).click();
    await page.getByRole('button', { name: 'Retry now' }).waitFor();
    const firstAttempt = page.locator('tr[data-attempt="1"]');
    expect(await firstAttempt.textContent()).toContain('503');
    await firstAttempt.getByText(/Response body/).click();
    expect(await firstAttempt.locator('pre').textContent()).toBe('maintenance window');
    expect(await page.locator('pre.payload').textContent()).toContain('card_declined');
    expect(await page.locator('pre.payload').textContent()).toContain('"amountDue": 12345678901234567890.10');
    await shot('06-delivery-failed');

    // The receiver is healthy again (its script ran out): retry by hand.
    await page.getByRole('button', { name: 'Retry now' }).click();
    const second = page.locator('tr[data-attempt="2"]');
    await second.waitFor({ timeout: 20_000 });
    expect(await second.textContent()).toContain('200');
    expect(await second.textContent()).toContain('manual');
    await expect.poll(() => page.locator('.page-head .badge').textContent(), { timeout: 10_000 }).toBe('Succeeded');
    await shot('07-delivery-retried');
    const deliveryId = /deliveries\/(dlv_[^/?]+)/.exec(page.url())![1]!;
    expect((await api.get(`/v1/tenants/${tenant}/deliveries/${deliveryId}`)).body).toMatchObject({ status: 'succeeded', attemptCount: 2 });
    const last = receiver.on('/hooks').at(-1)!;
    expect((new Webhook(secret).verify(last.body, last.headers as Record<string, string>) as { id: string }).id).toBe(posted.body.id);
  }, 60_000);

  it('filters deliveries by status, lists events and opens one with its deliveries', async () => {
    await page.goto(`${local.dashboardUrl}#/t/${tenant}/deliveries?status=failed`);
    await page.getByText('No deliveries match these filters').waitFor();
    await page.getByRole('link', { name: 'Events' }).click();
    await page.locator('tr:has-text("invoice.payment_failed")').waitFor();
    await shot('08-events');
    await page.locator('tr:has-text("invoice.payment_failed") a').first().click();
    await page.getByRole('heading', { name: 'Payload' }).waitFor();
    expect(await page.locator('pre.payload').textContent()).toContain('in_1002');
    expect(await page.locator('pre.payload').textContent()).toContain('"amountDue": 12345678901234567890.10');
    await page.locator('tr:has-text("Succeeded")').waitFor();
    await shot('09-event');
  }, 60_000);

  it('shows the endpoint page with health, recovers its failures with progress, rotates the secret and disables it', async () => {
    receiver.script('/hooks', { status: 500, body: 'db down' });
    const posted = await api.post(`/v1/tenants/${tenant}/events`, { type: 'invoice.created', data: { invoice: 'in_1003' } });
    await waitFor('a failed delivery', async () => (await api.get(`/v1/tenants/${tenant}/deliveries?eventId=${posted.body.id}&status=failed`)).body.data[0]);
    await page.goto(`${local.dashboardUrl}#/t/${tenant}/endpoints/${endpointId}`);
    await expect.poll(() => page.locator('dd.big').textContent(), { timeout: 10_000 }).toContain('%');
    await expect.poll(() => page.locator('dd.codes').textContent()).toContain('500');
    await page.getByRole('button', { name: 'Recover' }).click();
    await expect.poll(() => page.locator('.progress label').textContent(), { timeout: 20_000 }).toBe('Done: 1 of 1 delivered');
    const recovered = (await api.get(`/v1/tenants/${tenant}/deliveries?eventId=${posted.body.id}`)).body.data[0];
    expect(recovered).toMatchObject({ status: 'succeeded', attemptCount: 2 });
    await shot('10-endpoint');
    await page.getByRole('button', { name: 'Rotate secret…' }).click();
    await page.getByRole('button', { name: 'Rotate now' }).click();
    await expect.poll(() => page.getByTestId('secret').textContent()).not.toBe(secret);
    await page.getByRole('button', { name: 'Disable' }).click();
    await expect.poll(async () => (await api.get(`/v1/tenants/${tenant}/endpoints/${endpointId}`)).body.status).toBe('disabled');
    await page.getByRole('button', { name: 'Enable' }).waitFor();
  }, 60_000);

  it('reads on a phone-sized screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.goto(`${local.dashboardUrl}#/t/${tenant}/deliveries`);
      await page.locator('tr:has-text("invoice.paid")').first().waitFor();
      // Nothing but the tables' own scroll areas is wider than the screen.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      await shot('11-phone-deliveries');
      await page.goto(`${local.dashboardUrl}#/t/${tenant}/endpoints/${endpointId}`);
      await page.getByRole('heading', { name: 'Recover failed deliveries' }).waitFor();
      expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
      await shot('12-phone-endpoint');
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  }, 60_000);

  it('scopes a tenant key to its own tenant (the customer portal)', async () => {
    const key = (await api.post(`/v1/tenants/ten_other/api-keys`)).body.key;
    const portal = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const p = await portal.newPage();
    watch(p);
    await p.goto(`${local.dashboardUrl}#/t/${tenant}/endpoints`);
    await p.getByLabel('API key').fill(key);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByText('No endpoints yet').first().waitFor();
    expect(p.url()).toContain('#/t/ten_other/endpoints');
    // Asking for another tenant's page lands back on its own.
    await p.goto(`${local.dashboardUrl}#/t/${tenant}/deliveries`);
    await expect.poll(() => p.url()).toContain('#/t/ten_other/endpoints');
    expect(await p.getByText(endpointId).count()).toBe(0);
    await portal.close();
  }, 60_000);

  it('logged no console error, page error or CSP violation', () => {
    expect(problems).toEqual([]);
  });
});
