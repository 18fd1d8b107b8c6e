/** Exit codes and the one error type every CLI failure is turned into. */

export const EXIT = {
  ok: 0,
  /** The API answered 4xx, or a verified signature is invalid. */
  api: 1,
  /** Unknown command or option, missing or malformed argument. */
  usage: 2,
  /** The server could not be reached (or did not answer in time). */
  unreachable: 3,
  /** The API answered 5xx. */
  server: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A usage error, with the `--help` to read. */
export function usageError(message: string, helpFor = ''): CliError {
  return new CliError(EXIT.usage, `error: ${message}\n(see: billhook ${helpFor ? helpFor + ' ' : ''}--help)`);
}
