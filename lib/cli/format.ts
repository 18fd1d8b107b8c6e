/**
 * Human output: aligned tables, key/value blocks, status colours (only on a
 * terminal, never with NO_COLOR or TERM=dumb) and a progress line that redraws
 * in place on a terminal and prints plain lines otherwise.
 */
import { usageError } from './errors.ts';

export interface OutStream {
  write(s: string): unknown;
  isTTY?: boolean;
}

/** Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org) or TERM is dumb. */
export function colourEnabled(stream: OutStream, env: Record<string, string | undefined>): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

export interface Paint {
  readonly enabled: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  /** The colour a status word (delivery or endpoint) reads in. */
  status(s: string): string;
}

export function paint(enabled: boolean): Paint {
  const sgr = (open: number, close: number) => (s: string) => (enabled && s ? `\x1b[${open}m${s}\x1b[${close}m` : s);
  const p = {
    enabled,
    bold: sgr(1, 22),
    dim: sgr(2, 22),
    red: sgr(31, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    cyan: sgr(36, 39),
    status: (s: string) => s,
  };
  const byStatus: Record<string, (s: string) => string> = {
    succeeded: p.green,
    enabled: p.green,
    valid: p.green,
    pending: p.cyan,
    failed: p.yellow,
    exhausted: p.red,
    disabled: p.red,
    skipped: p.dim,
  };
  p.status = (s: string) => (byStatus[s.trim()] ?? ((x: string) => x))(s);
  return p;
}

/** One table cell: first line only, objects as JSON, long text cut with an ellipsis. */
export function cell(v: unknown, max = 60): string {
  if (v === undefined || v === null) return '';
  const s = (typeof v === 'object' ? JSON.stringify(v) : String(v)).replace(/\r/g, '').split('\n')[0]!;
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

export interface Column<R> {
  header: string;
  value: (row: R) => unknown;
  /** Cut longer values (default 60 characters). */
  max?: number;
  /** Colour the cell by its status word. */
  status?: boolean;
  align?: 'left' | 'right';
}

/** An aligned table with a header row; `(none)` when there are no rows. */
export function table<R>(rows: readonly R[], columns: readonly Column<R>[], p: Paint = paint(false)): string {
  if (rows.length === 0) return p.dim('(none)');
  const cells = rows.map((r) => columns.map((c) => cell(c.value(r), c.max)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)));
  const last = columns.length - 1;
  // Right-aligned cells pad on the left; the last column is not padded (no trailing spaces).
  const pad = (s: string, i: number) => (columns[i]!.align === 'right' ? s.padStart(widths[i]!) : i === last ? s : s.padEnd(widths[i]!));
  const header = p.bold(columns.map((c, i) => pad(c.header, i)).join('  '));
  const lines = cells.map((row) => row.map((s, i) => (columns[i]!.status ? p.status(pad(s, i)) : pad(s, i))).join('  '));
  return [header, ...lines].map((l) => l.replace(/ +$/, '')).join('\n');
}

/** A key/value block for one record: `key: value`, keys aligned. */
export function keyValues(pairs: readonly [string, unknown][], p: Paint = paint(false), statusKeys: readonly string[] = ['status']): string {
  const shown = pairs.filter(([, v]) => v !== undefined && v !== null && v !== '');
  const width = Math.max(...shown.map(([k]) => k.length)) + 1;
  return shown
    .map(([k, v]) => {
      const s = Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v);
      return `${p.dim((k + ':').padEnd(width))} ${statusKeys.includes(k) ? p.status(s) : s}`;
    })
    .join('\n');
}

/** `1234` → `1.2 s`, `87` → `87 ms`. */
export function duration(ms: unknown): string {
  if (typeof ms !== 'number') return '';
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

const UNITS = { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 } as const;

/**
 * `--since`/`--until`: an ISO time, or a duration back from now
 * (`90s`, `30m`, `1h`, `2d`, `1w`) → an ISO time.
 */
export function parseTime(value: string, option = '--since', helpFor = '', now = Date.now()): string {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(value.trim());
  if (m) return new Date(now - Number(m[1]) * UNITS[m[2] as keyof typeof UNITS]).toISOString();
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(t)) throw usageError(`${option}: expected an ISO time (2026-01-31T12:00:00Z) or a duration back from now (30m, 1h, 2d), got "${value}"`, helpFor);
  return new Date(t).toISOString();
}

/** A positive number option (`--interval 0.5`), with bounds. */
export function parseNumber(value: unknown, option: string, helpFor: string, bounds: { min?: number; max?: number; integer?: boolean } = {}): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const { min = 0, max = Number.MAX_SAFE_INTEGER, integer = false } = bounds;
  if (String(value).trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw usageError(`${option}: expected ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, got "${String(value)}"`, helpFor);
  }
  return n;
}

/** How long ago an ISO time or unix-seconds timestamp was, as `12 s ago` / `in 3 s`. */
export function age(seconds: number): string {
  const abs = Math.abs(seconds);
  const text = abs < 120 ? `${Math.round(abs)} s` : abs < 7200 ? `${Math.round(abs / 60)} min` : abs < 172800 ? `${Math.round(abs / 3600)} h` : `${Math.round(abs / 86400)} d`;
  return seconds >= 0 ? `${text} ago` : `in ${text}`;
}

/**
 * A progress line on stderr. On a terminal it redraws in place (`\r`); when
 * stderr is a file or a pipe it prints a line only when the text changes, so
 * logs stay short.
 */
export class Progress {
  private last = '';
  private open = false;

  constructor(
    private readonly stream: OutStream,
    private readonly p: Paint,
    private readonly width = 24,
  ) {}

  /** `label [#####.....] done/total suffix`; without a total, just the count. */
  render(label: string, done: number, total: number | undefined, suffix = ''): string {
    if (total === undefined || total <= 0) return `${label} ${done}${suffix ? ' ' + suffix : ''}`;
    const shown = Math.min(done, total);
    const filled = Math.round((this.width * shown) / total);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(this.width - filled)}]`;
    const pct = `${Math.floor((100 * shown) / total)}%`.padStart(4);
    return `${label} ${this.p.enabled ? this.p.green(bar) : bar} ${shown}/${total} ${pct}${suffix ? ' ' + suffix : ''}`;
  }

  update(label: string, done: number, total?: number, suffix = ''): void {
    const line = this.render(label, done, total, suffix);
    if (line === this.last) return;
    this.last = line;
    if (this.stream.isTTY) {
      this.stream.write(`\r\x1b[2K${line}`);
      this.open = true;
    } else this.stream.write(line + '\n');
  }

  /** End the line (a terminal's redrawn line gets its newline). */
  done(): void {
    if (this.open) this.stream.write('\n');
    this.open = false;
  }

  /** Width of the line last drawn, for tests. */
  get lastLine(): string {
    return this.last;
  }
}
