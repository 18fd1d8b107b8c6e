import type * as z from '../core/zod.ts';
import { BillhookError } from '../core/errors.ts';
import { templateToRegExp } from '../definitions.ts';
import type { HttpRequest, HttpResponse, Principal } from './types.ts';

export interface RouteContext {
  req: HttpRequest;
  params: Record<string, string>;
  /** Undefined only on routes with `auth: 'none'`. */
  principal: Principal | undefined;
}

export interface Route {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Path template, e.g. `/v1/tenants/{tenantId}/endpoints/{endpointId}`. */
  path: string;
  summary: string;
  /** Status of a successful answer (documented in OpenAPI). */
  success: number;
  /** Request body schema, for the OpenAPI document (handlers validate with the same schema). */
  body?: z.Schema;
  /** Documented query parameters. */
  query?: readonly string[];
  /** `admin`: admin key only; `tenant`: admin or a key of the `{tenantId}` in the path; `none`: public. */
  auth: 'none' | 'admin' | 'tenant';
  /** Check the key against the store, not the authenticator's cache (routes that manage credentials). */
  freshAuth?: boolean;
  handle(ctx: RouteContext): Promise<HttpResponse>;
}

interface Compiled {
  route: Route;
  regex: RegExp;
  names: string[];
}

export class Router {
  private readonly compiled: Compiled[];

  constructor(readonly routes: readonly Route[]) {
    this.compiled = routes.map((route) => ({
      route,
      regex: templateToRegExp(route.path),
      names: [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!),
    }));
  }

  /** The matching route and its path parameters; 404 or 405 otherwise. */
  match(method: string, path: string): { route: Route; params: Record<string, string> } {
    const candidates = this.compiled.filter((c) => c.regex.test(path));
    if (candidates.length === 0) throw new BillhookError('route_not_found', `no route for ${method} ${path}`);
    const hit = candidates.find((c) => c.route.method === method.toUpperCase());
    if (!hit) {
      throw new BillhookError('method_not_allowed', `${method} is not allowed on ${path}; allowed: ${candidates.map((c) => c.route.method).join(', ')}`);
    }
    const values = this.capture(hit, path);
    const params: Record<string, string> = {};
    hit.names.forEach((n, i) => {
      let v = values[i] ?? '';
      try {
        v = decodeURIComponent(v);
      } catch {
        /* keep raw: the id validation below rejects it */
      }
      params[n] = v;
    });
    return { route: hit.route, params };
  }

  private capture(c: Compiled, path: string): string[] {
    const pattern = c.route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}/]+\}/g, '([^/]+)');
    return new RegExp(`^${pattern}/?$`).exec(path)?.slice(1) ?? [];
  }
}
