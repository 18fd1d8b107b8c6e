import { toProblem } from '../core/errors.ts';
import { stringifyJson } from '../core/json-text.ts';
import type { HttpResponse } from './types.ts';

const BASE_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
} as const;

/** A JSON answer; `RawJson` values (an event's data) are spliced in as the text they were sent as. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { statusCode, headers: { ...BASE_HEADERS, 'content-type': 'application/json', ...headers }, body: stringifyJson(body) ?? 'null' };
}

export function noContent(): HttpResponse {
  return { statusCode: 204, headers: { ...BASE_HEADERS } };
}

/** RFC 9457 problem+json for any error; unknown errors become an opaque 500. */
export function problem(err: unknown, headers: Record<string, string> = {}): HttpResponse {
  const p = toProblem(err);
  return {
    statusCode: p.status,
    headers: { ...BASE_HEADERS, 'content-type': 'application/problem+json', ...headers },
    body: JSON.stringify(p),
  };
}
