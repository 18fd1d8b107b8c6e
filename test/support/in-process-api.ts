/**
 * The real routers, auth and use cases over in-memory adapters: the whole
 * HTTP API in-process, for table-driven and property tests that need
 * thousands of requests.
 */
import { findRoute, responseProblem } from '../../lib/contract/check.ts';
import { AdminKeyAuthenticator, ChainAuthenticator, PortalSessionAuthenticator, TenantKeyAuthenticator } from '../../lib/http/auth.ts';
import { apiRoutes } from '../../lib/http/api-routes.ts';
import { handleHttp } from '../../lib/http/handler.ts';
import { ingestRoutes } from '../../lib/http/ingest-routes.ts';
import { Router } from '../../lib/http/router.ts';
import type { HttpRequest } from '../../lib/http/types.ts';
import { silentLogger } from '../../lib/log.ts';
import { memoryDeps } from '../unit/fixtures.ts';

export const ADMIN_KEY = 'in-process-admin-key-0123456789';

export function inProcessApi() {
  const deps = memoryDeps();
  const router = new Router([...apiRoutes(async () => deps), ...ingestRoutes(async () => deps)]);
  // No caching (TTL 0): each request sees the stores as they are; sessions expire by the deps' manual clock.
  const auth = new ChainAuthenticator([
    new AdminKeyAuthenticator(async () => ADMIN_KEY),
    new TenantKeyAuthenticator(deps.apiKeys, () => 0, 0),
    new PortalSessionAuthenticator(deps.portalSessions, () => deps.clock.now(), 0),
  ]);
  let n = 0;
  const call = async (method: string, path: string, options: { key?: string; body?: unknown; rawBody?: Buffer; headers?: Record<string, string> } = {}) => {
    const [p, q] = path.split('?') as [string, string | undefined];
    const req: HttpRequest = {
      method,
      path: p,
      query: Object.fromEntries(new URLSearchParams(q ?? '')),
      headers: { 'content-type': 'application/json', ...(options.key === undefined ? {} : { authorization: `Bearer ${options.key}` }), ...options.headers },
      requestId: `req-${++n}`,
    };
    if (options.rawBody) req.body = options.rawBody;
    else if (options.body !== undefined) req.body = Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
    const res = await handleHttp(router, auth, silentLogger, req);
    // Every answer as its definition documents it (lib/contract): an undocumented status or field fails the test.
    const wrong = responseProblem(findRoute(method, p), res.statusCode, res.headers['content-type'] ?? null, res.body ? JSON.parse(res.body) : undefined);
    if (wrong) throw new Error(`${method} ${path}: ${wrong}`);
    // `text` is the answer as sent, for checks that must not go through JSON.parse (an event's data).
    return { status: res.statusCode, headers: res.headers, body: res.body ? JSON.parse(res.body) : undefined, text: res.body ?? '' };
  };
  /** Every piece of state the API can change, serialised, to prove a request changed nothing. */
  const snapshot = () =>
    JSON.stringify([
      [...deps.tenants.items],
      [...deps.endpoints.items],
      [...deps.events.items],
      [...deps.deliveries.items].map(([k, v]) => [k, { ...v, keys: [...v.keys] }]),
      [...deps.apiKeys.items],
      [...deps.eventTypes.items],
      [...deps.portalSessions.items],
      deps.queue.sent.length,
      deps.queue.fanouts.length,
      deps.dlq.messages.length,
    ]);
  return { deps, router, call, snapshot };
}
