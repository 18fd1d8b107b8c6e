/**
 * Request parsing with the API's error contract: body over 256 KB → 413,
 * wrong content type → 415, malformed JSON → 400, too deeply nested → 422,
 * schema violations → 422 with the failing fields.
 */
import * as z from '../core/zod.ts';
import { BillhookError } from '../core/errors.ts';
import { fieldErrors, LIMITS } from '../core/model.ts';
import type { HttpRequest } from './types.ts';

export const MAX_JSON_DEPTH = 32;

/** Depth of a parsed JSON value, computed without recursion. */
export function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > max) max = d;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

export function parseJson(req: HttpRequest, { optional = false } = {}): unknown {
  const body = req.body;
  if (body === undefined || body.length === 0) {
    if (optional) return {};
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
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new BillhookError('invalid_json', `request body is not valid JSON: ${(e as Error).message}`);
  }
  if (jsonDepth(value) > MAX_JSON_DEPTH) {
    throw new BillhookError('validation_failed', `request body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  return value;
}

export function validate<S extends z.Schema>(schema: S, value: unknown): z.output<S> {
  const result = z.safeParse(schema, value);
  if (!result.success) throw new BillhookError('validation_failed', 'request body failed validation', { fields: fieldErrors(result.error) });
  return result.data;
}

export const parseBody = <S extends z.Schema>(req: HttpRequest, schema: S, options?: { optional?: boolean }): z.output<S> =>
  validate(schema, parseJson(req, options));

/** `limit` and `cursor` query parameters. */
export function pageQuery(query: Record<string, string>): { limit: number; cursor?: string } {
  let limit: number = LIMITS.listLimitDefault;
  if (query.limit !== undefined) {
    limit = Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > LIMITS.listLimitMax) {
      throw new BillhookError('invalid_query', `limit must be a whole number from 1 to ${LIMITS.listLimitMax}`);
    }
  }
  return query.cursor ? { limit, cursor: query.cursor } : { limit };
}
