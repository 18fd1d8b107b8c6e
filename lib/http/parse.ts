/**
 * Request parsing with the API's error contract: body over 256 KB → 413,
 * wrong content type → 415, malformed JSON or invalid UTF-8 → 400, too
 * deeply nested → 422, a duplicate object key anywhere → 422
 * `duplicate_key`, schema violations → 422 with the failing fields.
 *
 * Limits apply to the body as sent; the JSON text itself is kept (minified)
 * beside the parsed value, for routes that must pass a payload on unchanged.
 */
import * as z from '../core/zod.ts';
import { BillhookError } from '../core/errors.ts';
import { JsonTextError, minifyJson } from '../core/json-text.ts';
import { fieldErrors, LIMITS } from '../core/model.ts';
import type { HttpRequest } from './types.ts';

/** Deepest nesting of objects and arrays a body may have (measured on the text, see lib/core/json-text.ts). */
export const MAX_JSON_DEPTH = 32;

/** A request body as JSON: the text as sent, minus insignificant whitespace, and its parsed value. */
export interface JsonBody {
  /** Minified text: every number, string and escape exactly as the client wrote it. */
  text: string;
  /** The parsed value, for schema validation (numbers in it may be rounded: never pass it on). */
  value: unknown;
}

/** Decode, check and minify a JSON request body; see the module comment for the errors. */
export function parseJsonText(req: HttpRequest, { optional = false } = {}): JsonBody {
  const body = req.body;
  if (body === undefined || body.length === 0) {
    if (optional) return { text: '{}', value: {} };
    throw new BillhookError('invalid_json', 'request body is required');
  }
  if (body.length > LIMITS.bodyBytes) {
    throw new BillhookError('payload_too_large', `request body is ${body.length} bytes; the limit is ${LIMITS.bodyBytes}`);
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type && type !== 'application/json' && !type.endsWith('+json')) {
    throw new BillhookError('unsupported_media_type', `content-type must be application/json, not ${type}`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new BillhookError('invalid_json', 'request body is not valid UTF-8');
  }
  let minified: string;
  try {
    minified = minifyJson(text, { maxDepth: MAX_JSON_DEPTH }).minified;
  } catch (e) {
    if (!(e instanceof JsonTextError)) throw e;
    if (e.kind === 'too_deep') throw new BillhookError('validation_failed', `request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
    if (e.kind === 'duplicate_key') {
      // Parsers disagree on which duplicate wins: a signature would cover one meaning, the receiver act on another.
      throw new BillhookError('duplicate_key', `request body has a ${e.message}`, { fields: [{ path: e.path ?? '(body)', message: 'is a duplicate key: each key may appear once in an object' }] });
    }
    throw new BillhookError('invalid_json', `request body is not valid JSON: ${e.message}`);
  }
  return { text: minified, value: JSON.parse(minified) as unknown };
}

export function validate<S extends z.Schema>(schema: S, value: unknown): z.output<S> {
  const result = z.safeParse(schema, value);
  if (!result.success) throw new BillhookError('validation_failed', 'request body failed validation', { fields: fieldErrors(result.error) });
  return result.data;
}
