/**
 * Structured JSON logs, one line per record. Errors are reduced to name,
 * message, code and stack. Callers never pass secrets, keys or bodies.
 */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

function serialise(fields: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!fields) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v instanceof Error) {
      out[k] = { name: v.name, message: v.message, code: (v as { code?: unknown }).code, stack: v.stack };
    } else out[k] = v;
  }
  return out;
}

export function jsonLogger(service: string, write: (line: string) => void = (l) => process.stdout.write(l + '\n'), level: 'info' | 'warn' | 'error' = 'info'): Logger {
  const rank = { info: 0, warn: 1, error: 2 } as const;
  const emit = (lvl: keyof typeof rank, message: string, fields?: Record<string, unknown>) => {
    if (rank[lvl] < rank[level]) return;
    write(JSON.stringify({ level: lvl, time: new Date().toISOString(), service, message, ...serialise(fields) }));
  };
  return {
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
