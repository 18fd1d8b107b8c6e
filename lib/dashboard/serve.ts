/**
 * Serves the built dashboard from the api function: `/dashboard` is the page
 * shell, `/dashboard/assets/<hashed name>` its script and stylesheet, and
 * `/portal/<tenantId>` the same shell as one tenant's customer portal. The
 * files are read once per process, on the first dashboard request, so API
 * calls never pay for them.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { BillhookError } from '../core/errors.ts';
import { isOriginSyntax } from '../core/origin.ts';
import * as DASHBOARD from '../contract/dashboard.ts';
import { implement, type Route } from '../http/router.ts';
import type { HttpRequest, HttpResponse } from '../http/types.ts';

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

export interface Branding {
  /** The product name: the page title and `<meta name="billhook-product">`. */
  productName: string;
  /** `#rrggbb`: `<meta name="billhook-accent">`. */
  accentColor: string;
}

export const DEFAULT_BRANDING: Readonly<Branding> = { productName: 'Billhook', accentColor: '#1f5fbf' };

export interface DashboardOptions {
  /** Folder holding index.html and assets/ (what lib/dashboard/build.ts writes). */
  dir: string;
  /** Origins allowed to frame the dashboard. Default: none. */
  frameAncestors?: readonly string[];
  /** Product name and accent colour written into the served page. Default: DEFAULT_BRANDING. */
  branding?: Branding;
  /**
   * The origins allowed to frame a tenant's portal (`/portal/{tenantId}`),
   * or none for an unknown tenant; called per page view, so cache it (see
   * RecentTenants). Absent: no portal may be framed.
   */
  portalFrameAncestors?: (tenantId: string) => Promise<readonly string[] | undefined>;
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The built page shell with the deployment's branding: the title is the
 * product name, and two metas carry name and colour for the UI to read.
 * Done when the shell is served (once per process), so one build serves any
 * branding and its hashed assets stay cacheable.
 */
export function brandIndexHtml(html: string, branding: Branding): string {
  const metas = `<meta name="billhook-product" content="${escapeHtml(branding.productName)}">\n<meta name="billhook-accent" content="${escapeHtml(branding.accentColor)}">`;
  const title = `<title>${escapeHtml(branding.productName)}</title>`;
  const bare = html.replace(/<meta name="billhook-(?:product|accent)"[^>]*>\n?/g, '');
  // A function replacement: `$` in a product name is text, not a pattern.
  if (/<title>[^<]*<\/title>/.test(bare)) return bare.replace(/<title>[^<]*<\/title>/, () => `${title}\n${metas}`);
  return bare.replace('</head>', () => `${title}\n${metas}\n</head>`);
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
const isPortalPath = (p: string): boolean => p === '/portal' || p.startsWith('/portal/');

/** What the portal page sends besides its CSP: the link's token must not leave in a Referer or stay in a cache. */
const PORTAL_HEADERS = { 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' } as const;

/**
 * For `handleHttp`'s `responseHeaders`: the security headers on every
 * response under /dashboard and /portal, whichever way it ends (404 for an
 * unknown or nested asset name, 405, 503 before the dashboard is built). A
 * portal page that was served keeps the headers of its tenant; any other
 * answer under /portal may not be framed.
 */
export function dashboardResponseHeaders(getOptions: () => Pick<DashboardOptions, 'frameAncestors'>): (req: HttpRequest, res?: HttpResponse) => Record<string, string> | undefined {
  return (req, res) => {
    if (isDashboardPath(req.path)) return securityHeaders(getOptions().frameAncestors);
    if (isPortalPath(req.path)) return res?.headers['content-security-policy'] ? undefined : { ...securityHeaders(), ...PORTAL_HEADERS };
    return undefined;
  };
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
  let shell: { from: string; html: string } | undefined;
  /** The shell with the branding written in, once per build loaded. */
  const branded = (html: string): string => {
    if (shell?.from !== html) shell = { from: html, html: brandIndexHtml(html, opts().branding ?? DEFAULT_BRANDING) };
    return shell.html;
  };
  const file = async (name: string): Promise<string> => {
    const body = (await load()).get(name);
    if (body === undefined) throw new BillhookError('not_found', `no dashboard file ${name}`);
    return body;
  };
  const serve = async (name: string, setHeaders: (h: Record<string, string>) => void): Promise<string> => {
    const body = await file(name);
    setHeaders({
      ...securityHeaders(opts().frameAncestors),
      'content-type': CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream',
      // Hashed names never change content; the shell must be fetched fresh to pick up a new build.
      'cache-control': name === 'index.html' ? 'no-cache' : 'public, max-age=31536000, immutable',
    });
    return name === 'index.html' ? branded(body) : body;
  };
  /** The same shell for one tenant's portal, framed only where that tenant says. */
  const servePortal = async (tenantId: string, setHeaders: (h: Record<string, string>) => void): Promise<string> => {
    const body = await file('index.html');
    let ancestors: readonly string[];
    try {
      // Checked again here: whatever reaches the header is an exact origin, nothing that could start another directive.
      ancestors = ((await opts().portalFrameAncestors?.(tenantId)) ?? []).filter(isOriginSyntax);
    } catch (err) {
      throw new BillhookError('service_unavailable', 'the portal cannot be served right now; try again in a moment', { cause: err });
    }
    setHeaders({ ...securityHeaders(ancestors), ...PORTAL_HEADERS, 'content-type': CONTENT_TYPES['.html']! });
    return branded(body);
  };
  return [
    implement(DASHBOARD.dashboardPage, ({ setHeaders }) => serve('index.html', setHeaders)),
    implement(DASHBOARD.dashboardAsset, ({ params, setHeaders }) => serve(`assets/${params.file}`, setHeaders)),
    implement(DASHBOARD.portalPage, ({ params, setHeaders }) => servePortal(params.tenantId, setHeaders)),
  ];
}
