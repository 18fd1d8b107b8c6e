/**
 * The logging port the application code writes through. In the Lambdas it
 * is the Powertools logger (lib/observability.ts); tests use silentLogger.
 * Callers never pass secrets, keys or request bodies.
 */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
