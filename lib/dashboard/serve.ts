/**
 * Serves the built dashboard from the api function: `/dashboard` is the page
 * shell, `/dashboard/assets/<hashed name>` its script and stylesheet. The
 * files are read once per process, on the first dashboard request, so API
 * calls never pay for them.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { BillhookError } from '../core/errors.ts';
import * as DASHBOARD from '../contract/dashboard.ts';
import { implement, type Route } from '../http/router.ts';
import type { HttpRequest } from '../http/types.ts';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
};

/**
 * Only the page's own files: no inline script or style, no third-party
 * origin, no framing unless the deployment names who may frame it (the
 * embeddable customer portal).
 */
export function contentSecurityPolicy(frameAncestors: readonly string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${frameAncestors.length ? frameAncestors.join(' ') : "'none'"}`,
  ].join('; ');
}

export interface DashboardOptions {
  /** Folder holding index.html and assets/ (what lib/dashboard/build.ts writes). */
  dir: string;
  /** Origins allowed to frame the dashboard. Default: none. */
  frameAncestors?: readonly string[];
}

type Assets = Map<string, string>;

/** The headers every dashboard response carries, errors included. */
export function securityHeaders(frameAncestors: readonly string[] = []): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(frameAncestors),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    ...(frameAncestors.length ? {} : { 'x-frame-options': 'DENY' }),
  };
}

const isDashboardPath = (p: string): boolean => p === '/dashboard' || p.startsWith('/dashboard/');

/**
 * For `handleHttp`'s `responseHeaders`: the security headers on every
 * response under /dashboard, whichever way it ends (404 for an unknown or
 * nested asset name, 405, 503 before the dashboard is built).
 */
export function dashboardResponseHeaders(getOptions: () => Pick<DashboardOptions, 'frameAncestors'>): (req: HttpRequest) => Record<string, string> | undefined {
  return (req) => (isDashboardPath(req.path) ? securityHeaders(getOptions().frameAncestors) : undefined);
}

async function loadAssets(dir: string): Promise<Assets> {
  const assets: Assets = new Map();
  let names: string[];
  try {
    names = ['index.html', ...(await readdir(path.join(dir, 'assets'))).map((f) => `assets/${f}`)];
  } catch {
    throw new BillhookError('service_unavailable', 'the dashboard is not built into this deployment (npm run build writes it)');
  }
  for (const name of names) assets.set(name, await readFile(path.join(dir, name), 'utf8'));
  return assets;
}

/** The dashboard's routes (public: the page signs in with an API key it sends to the API itself). */
export function dashboardRoutes(getOptions: () => DashboardOptions): Route[] {
  let assets: Promise<Assets> | undefined;
  let options: DashboardOptions | undefined;
  const opts = () => (options ??= getOptions());
  const load = (): Promise<Assets> => {
    assets ??= loadAssets(opts().dir).catch((err: unknown) => {
      assets = undefined; // a later request tries again
      throw err;
    });
    return assets;
  };
  const serve = async (name: string, setHeaders: (h: Record<string, string>) => void): Promise<string> => {
    const body = (await load()).get(name);
    if (body === undefined) throw new BillhookError('not_found', `no dashboard file ${name}`);
    setHeaders({
      ...securityHeaders(opts().frameAncestors),
      'content-type': CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream',
      // Hashed names never change content; the shell must be fetched fresh to pick up a new build.
      'cache-control': name === 'index.html' ? 'no-cache' : 'public, max-age=31536000, immutable',
    });
    return body;
  };
  return [
    implement(DASHBOARD.dashboardPage, ({ setHeaders }) => serve('index.html', setHeaders)),
    implement(DASHBOARD.dashboardAsset, ({ params, setHeaders }) => serve(`assets/${params.file}`, setHeaders)),
  ];
}
