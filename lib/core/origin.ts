/**
 * Origins as a CSP `frame-ancestors` source: `https://host[:port]`, exactly.
 * A value goes into a response header, so anything that is not a plain origin
 * (a path, a query, a wildcard, a space or `;` that would start another
 * directive) is refused rather than escaped. Browser-safe (no node:*).
 */

/** What an origin must look like, as the API says it in a 422. */
export const ORIGIN_RULE = 'must be an exact origin such as https://app.example.com (scheme, lower-case host, optional port; no path, query, fragment or wildcard)';

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const ORIGIN = new RegExp(`^(https?)://(${LABEL}(?:\\.${LABEL})*|\\[[0-9a-f:.]+\\])(?::([1-9][0-9]{0,4}))?$`);

/**
 * True when `s` is an origin written the one way a browser serialises it
 * (`new URL(s).origin === s`): http or https, a host name, IPv4 or [IPv6]
 * address, and a port only when it is not the scheme's default.
 *
 * @example isOriginSyntax('https://app.example.com:8443') // true
 * @example isOriginSyntax('https://*.example.com') // false
 */
export function isOriginSyntax(s: string): boolean {
  const m = ORIGIN.exec(s);
  if (!m) return false;
  if (m[3] !== undefined && Number(m[3]) > 65535) return false;
  try {
    return new URL(s).origin === s;
  } catch {
    return false;
  }
}

/**
 * Why `origin` may not frame a portal in this deployment, or undefined when it
 * may. Plain `http://` only where the deployment allows plain http (local mode).
 */
export function frameAncestorProblem(origin: string, options: { allowHttp: boolean }): string | undefined {
  if (!isOriginSyntax(origin)) return ORIGIN_RULE;
  if (origin.startsWith('http://') && !options.allowHttp) return 'must use https:// (this deployment does not allow plain http)';
  return undefined;
}
