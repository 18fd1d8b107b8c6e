/**
 * The post-deploy smoke check (`npm run smoke`): against a running Billhook
 * (a deployed stack or `npm start`), create a throw-away tenant and an
 * endpoint on a receiver the user gives, send one event, wait for its first
 * attempt and clean up. Talks to the HTTP API only, as a client would.
 */
import { randomBytes } from 'node:crypto';

export interface SmokeOptions {
  /** Base URL of the API (the stack's `ApiUrl` output). */
  url: string;
  adminKey: string;
  /** Where the endpoint delivers: a URL the deployment may reach (https, public, for a real stack). */
  receiver: string;
  /** How long to wait for the first attempt. @default 120_000 (a first invocation pays every cold start) */
  timeoutMs?: number;
  /** @default 1_000 */
  pollMs?: number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  log?: (line: string) => void;
  /** Ids of what is created (`ten_smoke_<suffix>`). @default 8 random bytes, hex */
  suffix?: string;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

export interface SmokeStep {
  step: string;
  ok: boolean;
  detail: string;
}

export interface SmokeResult {
  ok: boolean;
  steps: SmokeStep[];
  tenantId: string;
  endpointId?: string;
  eventId?: string;
  deliveryId?: string;
  /** The first attempt as the API reports it. */
  attempt?: { statusCode?: number; durationMs?: number; error?: string };
}

class SmokeFailure extends Error {}

interface AttemptView {
  statusCode?: number;
  durationMs?: number;
  error?: string;
}

/** The fields of API answers the check reads (problem+json, created resources, delivery lists and details). */
interface Body {
  code?: string;
  detail?: string;
  id?: string;
  deliveries?: number;
  status?: string;
  attemptCount?: number;
  data?: Body[];
  attempts?: AttemptView[];
}

/**
 * Run the check. Never throws for an API failure: each step is reported,
 * and the endpoint is deleted even when a later step failed.
 *
 * @example
 * const r = await runSmoke({ url: 'https://abc.execute-api.eu-west-1.amazonaws.com/', adminKey, receiver: 'https://webhook.site/…' });
 * if (!r.ok) process.exitCode = 1;
 */
export async function runSmoke(options: SmokeOptions): Promise<SmokeResult> {
  const doFetch = options.fetch ?? fetch;
  const log = options.log ?? (() => {});
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const base = options.url.replace(/\/+$/, '');
  const suffix = options.suffix ?? randomBytes(8).toString('hex');
  const result: SmokeResult = { ok: false, steps: [], tenantId: `ten_smoke_${suffix}` };
  const step = (name: string, ok: boolean, detail: string) => {
    result.steps.push({ step: name, ok, detail });
    log(`${ok ? 'ok  ' : 'FAIL'} ${name}: ${detail}`);
    if (!ok) throw new SmokeFailure(`${name}: ${detail}`);
  };

  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Body }> => {
    const res = await doFetch(base + path, {
      method,
      headers: { authorization: `Bearer ${options.adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: Body = { detail: text.slice(0, 200) };
    try {
      if (text) parsed = JSON.parse(text) as Body;
    } catch {
      /* not JSON: keep the start of the text as the detail */
    }
    return { status: res.status, body: parsed };
  };
  const problem = (r: { status: number; body: Body }) => `HTTP ${r.status}${r.body?.code ? ` ${r.body.code}` : ''}${r.body?.detail ? `: ${r.body.detail}` : ''}`;

  try {
    const health = await call('GET', '/v1/health').catch((e: unknown) => ({ status: 0, body: { detail: (e as Error).message } }));
    step('health', health.status === 200, health.status === 200 ? `${base}/v1/health answered` : `${base}/v1/health: ${problem(health)}`);

    const tenant = await call('POST', '/v1/tenants', { id: result.tenantId, name: 'Billhook smoke check' });
    step('tenant', tenant.status === 201, tenant.status === 201 ? `created ${result.tenantId}` : problem(tenant));

    const endpoint = await call('POST', `/v1/tenants/${result.tenantId}/endpoints`, { url: options.receiver, eventTypes: ['invoice.paid'], description: 'Billhook smoke check (deleted when it ends)' });
    if (endpoint.status === 201) result.endpointId = endpoint.body.id;
    step('endpoint', endpoint.status === 201, endpoint.status === 201 ? `created ${result.endpointId} → ${options.receiver}` : problem(endpoint));

    const event = await call('POST', `/v1/tenants/${result.tenantId}/events`, { type: 'invoice.paid', data: { invoiceId: `inv_smoke_${suffix}`, smokeCheck: true } });
    if (event.status === 202) result.eventId = event.body.id;
    step('event', event.status === 202 && event.body.deliveries === 1, event.status === 202 ? `accepted ${result.eventId}, routed to ${event.body.deliveries} endpoint(s)` : problem(event));

    const deadline = now() + (options.timeoutMs ?? 120_000);
    let delivery: Body;
    for (;;) {
      const list = await call('GET', `/v1/tenants/${result.tenantId}/deliveries?eventId=${encodeURIComponent(result.eventId!)}`);
      const found = list.status === 200 ? list.body.data?.[0] : undefined;
      if (found && (found.attemptCount ?? 0) >= 1) {
        delivery = (await call('GET', `/v1/tenants/${result.tenantId}/deliveries/${found.id}`)).body;
        break;
      }
      if (now() >= deadline) step('attempt', false, `no attempt within ${Math.round((options.timeoutMs ?? 120_000) / 1000)} s (delivery ${found ? `${found.id} ${found.status}` : 'not listed yet'}); check the sender's logs and the deliveries queue`);
      await sleep(options.pollMs ?? 1_000);
    }
    result.deliveryId = delivery.id;
    const first: AttemptView = delivery.attempts?.[0] ?? {};
    result.attempt = { statusCode: first.statusCode, durationMs: first.durationMs, error: first.error };
    const ok2xx = typeof first.statusCode === 'number' && first.statusCode >= 200 && first.statusCode < 300;
    step(
      'attempt',
      ok2xx,
      ok2xx
        ? `${delivery.id}: the receiver answered ${first.statusCode} in ${first.durationMs} ms`
        : `${delivery.id}: the attempt reached no 2xx (${first.statusCode ?? 'no status'}${first.error ? `, ${first.error}` : ''}); is the receiver up and reachable from the deployment?`,
    );
    result.ok = true;
  } catch (e) {
    if (!(e instanceof SmokeFailure)) result.steps.push({ step: 'error', ok: false, detail: e instanceof Error ? e.message : String(e) });
  } finally {
    if (result.endpointId) {
      const del = await call('DELETE', `/v1/tenants/${result.tenantId}/endpoints/${result.endpointId}`).catch((e: unknown) => ({ status: 0, body: { detail: (e as Error).message } }));
      const ok = del.status === 204;
      result.steps.push({ step: 'cleanup', ok, detail: ok ? `deleted ${result.endpointId}; tenant ${result.tenantId} stays (the API deletes no tenants), with no endpoints or keys` : problem(del) });
      log(`${ok ? 'ok  ' : 'FAIL'} cleanup: ${result.steps.at(-1)!.detail}`);
      if (!ok) result.ok = false;
    }
  }
  return result;
}
