/**
 * Endpoint URLs are stored and shown as the WHATWG URL parser normalises
 * them (`new URL(x).href`), which is exactly what the sender connects to.
 * Text the parser would silently rewrite into another meaning is refused
 * instead: backslashes (read as `/` in http(s) URLs, so
 * `http://a\@b/` reaches `a`, not `b`), surrounding whitespace (stripped)
 * and control characters (tabs and newlines are dropped anywhere inside).
 */
import { BillhookError } from './errors.ts';

/** C0 controls, DEL and C1 controls. */
const hasControl = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
};

/**
 * The normalised form of an endpoint URL, or a 422 `validation_failed`
 * naming what is wrong. The SSRF guard then judges the normalised URL.
 *
 * @example normaliseEndpointUrl('HTTPS://Example.COM:443/a/../b') // 'https://example.com/b'
 */
export function normaliseEndpointUrl(raw: string): string {
  const refuse = (message: string): never => {
    throw new BillhookError('validation_failed', `url ${message}`, { fields: [{ path: 'url', message }] });
  };
  if (raw.trim() !== raw) refuse('must not start or end with whitespace');
  if (hasControl(raw)) refuse('must not contain control characters (tabs, newlines, ...)');
  if (raw.includes('\\')) refuse('must not contain a backslash');
  try {
    return new URL(raw).href;
  } catch {
    return refuse('is not a valid absolute URL');
  }
}

/** How a stored URL is shown: normalised, so a record from before normalisation shows the host it reaches. */
export function displayUrl(stored: string): string {
  try {
    return new URL(stored).href;
  } catch {
    return stored;
  }
}
