/** Helpers the commands share: list options and output, record output, option readers. */
import { prettyJson } from '../../core/json-text.ts';
import { usageError } from '../errors.ts';
import { keyValues, parseNumber, table, type Column } from '../format.ts';
import type { Page } from '../http.ts';
import type { Ctx, Flags, Options } from '../spec.ts';

export type Row = Record<string, unknown>;

export const LIST_OPTIONS: Options = {
  limit: { type: 'string', value: '<n>', desc: 'page size, 1 to 250 (default 50)' },
  cursor: { type: 'string', value: '<c>', desc: 'start at this cursor (the nextCursor of a previous page)' },
  all: { type: 'boolean', desc: 'every page (JSON: one {data, nextCursor: null})' },
};

/** A string option, or undefined. */
export const str = (flags: Flags, name: string): string | undefined => {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
};

/** Query parameters for a list from --limit and --cursor. */
export function pageQuery(ctx: Ctx, flags: Flags): Record<string, string | undefined> {
  const limit = parseNumber(str(flags, 'limit'), '--limit', ctx.helpFor, { min: 1, max: 250, integer: true });
  return { limit: limit === undefined ? undefined : String(limit), cursor: str(flags, 'cursor') };
}

/**
 * A list: JSON as the API gave it, else a table and, when there is more, how
 * to get it. `text` (the answer's own JSON text) is printed losslessly when given.
 */
export function printList<R>(ctx: Ctx, page: Page<R>, columns: Column<R>[], text?: string): void {
  if (ctx.json) return ctx.out(text === undefined ? JSON.stringify(page, null, 2) : prettyJson(text));
  ctx.out(table(page.data, columns, ctx.paint));
  if (page.nextCursor) ctx.err(ctx.paintErr.dim(`(more: add --all, or --cursor ${page.nextCursor})`));
}

/** One record: JSON as the API gave it (losslessly from `text` when given), else aligned `key: value` lines. */
export function printRecord(ctx: Ctx, value: unknown, pairs: [string, unknown][], extra?: string, text?: string): void {
  if (ctx.json) return ctx.out(text === undefined ? JSON.stringify(value, null, 2) : prettyJson(text));
  ctx.out(keyValues(pairs, ctx.paint) + (extra ? `\n${extra}` : ''));
}

/** `invoice.*, payment.failed` → `['invoice.*', 'payment.failed']`. */
export function list(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `--retry-schedule 5,300,1800` → `[5, 300, 1800]` (empty string → `[]`: a single attempt). */
export function retrySchedule(value: string | undefined, helpFor: string): number[] | undefined {
  if (value === undefined) return undefined;
  const parts = list(value)!;
  return parts.map((p) => {
    const n = Number(p);
    if (!/^\d+$/.test(p) || !Number.isSafeInteger(n)) throw usageError(`--retry-schedule: expected seconds separated by commas (e.g. 5,300,1800), got "${value}"`, helpFor);
    return n;
  });
}

/** `--header name:value` (repeatable) → a headers object. */
export function headerPairs(values: string[] | undefined, helpFor: string): Record<string, string> | undefined {
  if (!values?.length) return undefined;
  const out: Record<string, string> = {};
  for (const h of values) {
    const i = h.indexOf(':');
    if (i < 1) throw usageError(`--header: expected name:value, got "${h}"`, helpFor);
    out[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  return out;
}

/** An ISO time without milliseconds (`2026-01-31T12:00:05Z`): still valid as a --since value. */
export const when = (iso: unknown): string => (typeof iso === 'string' ? iso.replace(/\.\d+Z$/, 'Z') : '');
