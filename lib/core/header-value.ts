/**
 * Custom header values as RFC 9110 §5.5 defines a field value:
 *
 *   field-value   = *field-content
 *   field-content = field-vchar [ 1*( SP / HTAB / field-vchar ) field-vchar ]
 *   field-vchar   = VCHAR / obs-text
 *
 * Billhook refuses obs-text (0x80–0xFF): the RFC keeps it only for old
 * software, Node would send it as Latin-1 while the API received UTF-8, so
 * the receiver would see other bytes than the tenant typed. What remains is
 * visible ASCII, with SP and HTAB allowed inside (not at either end: a
 * receiver strips surrounding whitespace, so it would never arrive). Every
 * value this accepts is also accepted by Node's `http.validateHeaderValue`.
 */

/** Empty, or visible ASCII with SP/HTAB only between visible characters. */
const FIELD_VALUE = /^(?:[\x21-\x7e](?:[\t\x20-\x7e]*[\x21-\x7e])?)?$/;

/** True if `value` is a field value Billhook sends as is. */
export const isFieldValue = (value: string): boolean => FIELD_VALUE.test(value);

/** Why a value is refused, for a 422 or an attempt's error; undefined if it is fine. */
export function fieldValueProblem(value: string): string | undefined {
  if (isFieldValue(value)) return undefined;
  if (/^[\t ]|[\t ]$/.test(value)) return 'must not start or end with a space or tab';
  return 'may hold only visible ASCII characters, spaces and tabs (RFC 9110 field-value, without obs-text)';
}

/** The names of the headers whose values are refused (stored before this check existed). */
export const invalidHeaderNames = (headers: Readonly<Record<string, string>>): string[] =>
  Object.entries(headers)
    .filter(([, v]) => typeof v !== 'string' || !isFieldValue(v))
    .map(([k]) => k);
