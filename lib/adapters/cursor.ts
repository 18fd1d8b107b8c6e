/**
 * Opaque pagination cursors. A cursor is bound to the tenant (or scope) it
 * was issued for, so a cursor from one tenant can never page through
 * another's data: decoding under the wrong scope is an `invalid_cursor`.
 */
import { BillhookError } from '../core/errors.ts';

export function encodeCursor(scope: string, key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify({ s: scope, k: key }), 'utf8').toString('base64url');
}

export function decodeCursor(scope: string, cursor: string | undefined): Record<string, unknown> | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new BillhookError('invalid_cursor', 'cursor is not valid');
  }
  const p = parsed as { s?: unknown; k?: unknown };
  if (typeof p !== 'object' || p === null || p.s !== scope || typeof p.k !== 'object' || p.k === null) {
    throw new BillhookError('invalid_cursor', 'cursor is not valid for this list');
  }
  return p.k as Record<string, unknown>;
}
