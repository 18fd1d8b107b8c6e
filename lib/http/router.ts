/**
 * Routes from their definitions (lib/contract): the router finds the route,
 * validates path parameters, query and body from the definition, and hands
 * the handler typed input; the handler answers a documented status with a
 * body of the documented shape (checked by the compiler).
 */
import * as z from '../core/zod.ts';
import { BillhookError } from '../core/errors.ts';
import { templateToRegExp } from '../definitions.ts';
import { successStatus, type BodyOf, type ParamsOf, type QueryOf, type RouteDef, type ServedBodyOf } from '../contract/define.ts';
import { PARAM_NOUNS } from '../contract/params.ts';
import { parseJsonText, validate } from './parse.ts';
import { json, noContent } from './respond.ts';
import type { HttpRequest, HttpResponse, Principal } from './types.ts';

/** What a handler gets: the request, validated. */
export interface RouteContext<D extends RouteDef> {
  req: HttpRequest;
  params: ParamsOf<D>;
  query: QueryOf<D>;
  body: BodyOf<D>;
  /** The body's JSON text, minified but otherwise as sent (for payloads passed on unchanged). */
  bodyText: string;
  /** Undefined only on routes with `auth: 'none'`. */
  principal: Principal | undefined;
  /** Add response headers (documented in the definition's response). */
  setHeaders(headers: Record<string, string>): void;
}

/** A definition with its implementation, as the router runs it. */
export interface Route {
  readonly def: RouteDef;
  handle(req: HttpRequest, rawParams: Record<string, string>, principal: Principal | undefined): Promise<HttpResponse>;
}

const firstIssue = (e: z.SchemaIssues) => e.issues[0];

function parseParams(def: RouteDef, raw: Record<string, string>): unknown {
  if (!def.params) return raw;
  const r = z.safeParse(def.params, raw);
  if (r.success) return r.data;
  const name = String(firstIssue(r.error)?.path[0] ?? '');
  throw new BillhookError('not_found', `${PARAM_NOUNS[name] ?? name} ${raw[name] ?? ''} not found`);
}

function parseQuery(def: RouteDef, raw: Record<string, string>): unknown {
  if (!def.query) return {};
  // An empty value (`?status=`) reads as absent, as forms send it.
  const present = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== ''));
  const r = z.safeParse(def.query, present);
  if (r.success) return r.data;
  const issue = firstIssue(r.error);
  const name = issue?.path.map(String).join('.') ?? '';
  throw new BillhookError('invalid_query', `query parameter ${name} is invalid: ${issue?.message ?? 'bad value'}`, {
    fields: r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
  });
}

/**
 * Bind a handler to its definition.
 *
 * @example implement(API.getTenant, async ({ params }) => getTenant(deps, params.tenantId))
 */
export function implement<D extends RouteDef>(def: D, handler: (ctx: RouteContext<NoInfer<D>>) => Promise<ServedBodyOf<NoInfer<D>>>): Route {
  return {
    def,
    async handle(req, rawParams, principal) {
      const params = parseParams(def, rawParams) as ParamsOf<D>;
      const query = parseQuery(def, req.query) as QueryOf<D>;
      let body: unknown;
      let bodyText = '';
      if (def.body) {
        const parsed = parseJsonText(req, { optional: def.bodyOptional === true });
        body = validate(def.body, parsed.value);
        bodyText = parsed.text;
      }
      let headers: Record<string, string> = {};
      const setHeaders = (h: Record<string, string>) => void (headers = { ...headers, ...h });
      const answer: unknown = await handler({ req, params, query, body: body as BodyOf<D>, bodyText, principal, setHeaders });
      const status = successStatus(def);
      const doc = def.responses[status]!;
      if (doc.schema) return json(status, answer, headers);
      if (doc.contentType) return { statusCode: status, headers: { 'content-type': doc.contentType, ...headers }, body: String(answer) };
      return noContent();
    },
  };
}

interface Compiled {
  route: Route;
  regex: RegExp;
  capture: RegExp;
  names: string[];
}

export class Router {
  private readonly compiled: Compiled[];

  constructor(readonly routes: readonly Route[]) {
    this.compiled = routes.map((route) => {
      const path = route.def.path;
      const pattern = path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}/]+\}/g, '([^/]+)');
      return { route, regex: templateToRegExp(path), capture: new RegExp(`^${pattern}/?$`), names: [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!) };
    });
  }

  /** The matching route and its raw path parameters (URL-decoded); 404 or 405 otherwise. */
  match(method: string, path: string): { route: Route; params: Record<string, string> } {
    const candidates = this.compiled.filter((c) => c.regex.test(path));
    if (candidates.length === 0) throw new BillhookError('route_not_found', `no route for ${method} ${path}`);
    const hit = candidates.find((c) => c.route.def.method === method.toUpperCase());
    if (!hit) {
      throw new BillhookError('method_not_allowed', `${method} is not allowed on ${path}; allowed: ${candidates.map((c) => c.route.def.method).join(', ')}`);
    }
    const values = hit.capture.exec(path)?.slice(1) ?? [];
    const params: Record<string, string> = {};
    hit.names.forEach((n, i) => {
      let v = values[i] ?? '';
      try {
        v = decodeURIComponent(v);
      } catch {
        /* keep raw: the parameter's schema rejects it */
      }
      params[n] = v;
    });
    return { route: hit.route, params };
  }
}
