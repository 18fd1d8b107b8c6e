/**
 * Hash routing: `#/t/<tenant>/<page>/<id>?<query>`. The server serves one
 * page shell, so every view is a link that survives a reload and can be
 * shared, and the back button works.
 */
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** Path segments after `#/`, decoded. */
  segments: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [p = '', q = ''] = raw.split('?', 2);
  return { segments: p.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(q) };
}

/** `href` for a route: `link('t', 'ten_a', 'endpoints')` → `#/t/ten_a/endpoints`. */
export function link(...segments: (string | URLSearchParams)[]): string {
  const query = segments.find((s): s is URLSearchParams => s instanceof URLSearchParams);
  const parts = segments.filter((s): s is string => typeof s === 'string');
  const q = query?.toString();
  return `#/${parts.map(encodeURIComponent).join('/')}${q ? `?${q}` : ''}`;
}

export function navigate(href: string): void {
  if (location.hash !== href) location.hash = href;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
