/**
 * Does an answer match its definition? The shared test client runs this on
 * every response, so a route that answers something undocumented (a status,
 * a field, a shape) fails a test.
 */
import * as z from '../core/zod.ts';
import { API, DASHBOARD, problemSchema, type RouteDef } from './index.ts';

const ALL: readonly RouteDef[] = [...Object.values(API), ...Object.values(DASHBOARD)];
const compiled = ALL.map((def) => ({
  def,
  regex: new RegExp(`^${def.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}/]+\}/g, '[^/]+')}/?$`),
}));

/** The definition a request is served by, if any. */
export function findRoute(method: string, path: string): RouteDef | undefined {
  const p = path.split('?')[0]!;
  return compiled.find((c) => c.def.method === method.toUpperCase() && c.regex.test(p))?.def;
}

/** What is wrong with an answer, or undefined when it is as documented. */
export function responseProblem(def: RouteDef | undefined, status: number, contentType: string | null, body: unknown): string | undefined {
  if (status >= 400) {
    if (!(contentType ?? '').startsWith('application/problem+json')) return `${status} is not problem+json (content-type ${contentType})`;
    const r = z.safeParse(problemSchema, body);
    if (!r.success) return `${status} problem body: ${describe(r.error)}`;
    if ((body as { status?: number }).status !== status) return `problem status ${(body as { status?: number }).status} differs from the HTTP status ${status}`;
    return undefined;
  }
  if (!def) return `no route documents this request (answered ${status})`;
  const doc = def.responses[status];
  if (!doc) return `${def.method} ${def.path} answered ${status}, which it does not document (documented: ${Object.keys(def.responses).join(', ')})`;
  if (!doc.schema) return body === undefined || doc.contentType ? undefined : `${status} should have no body`;
  const r = z.safeParse(doc.schema, body);
  return r.success ? undefined : `${def.method} ${def.path} ${status} body: ${describe(r.error)}`;
}

const describe = (e: z.SchemaIssues): string => e.issues.map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`).join('; ');
