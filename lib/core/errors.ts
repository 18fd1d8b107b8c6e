/**
 * One error type for the whole system. Every failure a caller can act on has a
 * stable machine `code`; the HTTP layer maps it to RFC 9457 problem+json.
 */
export const ERROR_STATUS = {
  bad_request: 400,
  invalid_json: 400,
  invalid_cursor: 400,
  invalid_query: 400,
  unauthorized: 401,
  /** A portal session (`bhps_…`) that is unknown, expired, revoked or altered. */
  session_expired: 401,
  forbidden: 403,
  not_found: 404,
  route_not_found: 404,
  method_not_allowed: 405,
  idempotency_key_reused: 409,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  url_not_allowed: 422,
  unknown_event_type: 422,
  duplicate_key: 422,
  /** Event data (or a catalogue example) does not satisfy its type's JSON Schema; `errors` lists the failing paths. */
  schema_mismatch: 422,
  /** A catalogue schema that is not a usable JSON Schema 2020-12. */
  invalid_schema: 422,
  internal_error: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** A field-level validation problem, as reported in a 422. */
export interface FieldError {
  path: string;
  message: string;
}

export class BillhookError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly fields?: FieldError[];

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; fields?: FieldError[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BillhookError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    if (options.fields) this.fields = options.fields;
  }
}

export const isBillhookError = (e: unknown): e is BillhookError => e instanceof BillhookError;

/** RFC 9457 problem details body. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/**
 * Map any thrown value to problem+json. Unknown errors become a 500 whose
 * detail never echoes the original message (it may carry secrets or internals).
 */
export function toProblem(err: unknown): Problem {
  if (isBillhookError(err)) {
    const p: Problem = {
      type: `https://billhook.dev/problems/${err.code.replaceAll('_', '-')}`,
      title: TITLES[err.status] ?? 'Error',
      status: err.status,
      detail: err.message,
      code: err.code,
    };
    if (err.fields) p.errors = err.fields;
    return p;
  }
  return {
    type: 'https://billhook.dev/problems/internal-error',
    title: TITLES[500]!,
    status: 500,
    detail: 'An unexpected error occurred.',
    code: 'internal_error',
  };
}
