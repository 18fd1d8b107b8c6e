/**
 * How a route of the HTTP API is written down: once, as data. The server
 * (lib/http/router.ts) validates requests from it and hands the handler typed
 * input; /openapi.json and docs/api.md are generated from it; the client
 * (lib/client) takes its paths and types from it; the test client checks
 * every answer against it.
 *
 * Browser-safe: nothing here or in the resource modules imports node:*.
 */
import * as z from '../core/zod.ts';
import { ERROR_STATUS, type ErrorCode } from '../core/errors.ts';
import { RawJson } from '../core/json-text.ts';
import { LIMITS } from '../core/model.ts';

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
/** `admin`: admin key only; `tenant`: admin or a key of the `{tenantId}` in the path; `none`: public. */
export type Auth = 'none' | 'admin' | 'tenant';

/**
 * What a portal session must hold to call a route: `read` (any session),
 * `manage` (a manage session), `never` (no session, whatever its scope).
 */
export type PortalAccess = 'read' | 'manage' | 'never';

export interface ResponseDef {
  readonly description: string;
  /** JSON body schema; absent: no body (204) or a non-JSON body (`contentType`). */
  readonly schema?: z.Schema;
  /** Default `application/json`. */
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface HeaderDef {
  readonly description: string;
  readonly schema: z.Schema<string>;
}

export interface RouteDef {
  readonly method: Method;
  /** Path template, e.g. `/v1/tenants/{tenantId}/endpoints/{endpointId}`. */
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  /** The resource it belongs to (an OpenAPI tag, a section of docs/api.md). */
  readonly tag: string;
  readonly auth: Auth;
  /**
   * What a portal session needs to call this `tenant` route. Default: `read`
   * for GET, `manage` for the other methods (see `portalAccessOf`). Routes
   * that are not `tenant` routes are never open to sessions.
   */
  readonly portalScope?: PortalAccess;
  /** Check the key against the store, not the authenticator's cache (routes that manage credentials). */
  readonly freshAuth?: boolean;
  /** Path parameters: an id that fails its schema answers 404, like any unknown id. */
  readonly params?: z.Schema;
  /** Query parameters (strings on the wire; coerced by the schema). Invalid → 400 `invalid_query`. */
  readonly query?: z.Schema;
  /** Request headers the route reads. */
  readonly headers?: Readonly<Record<string, HeaderDef>>;
  /** JSON body. Malformed → 400, schema violations → 422 `validation_failed`. */
  readonly body?: z.Schema;
  /** An empty body reads as `{}`. */
  readonly bodyOptional?: boolean;
  /** Each answer by status (successes only: errors are problem+json, see `errors`). */
  readonly responses: Readonly<Record<number, ResponseDef>>;
  /** Problem codes this route answers besides the ones every route may (documented). */
  readonly errors?: readonly ErrorCode[];
  readonly example?: { readonly params?: Record<string, string>; readonly query?: Record<string, unknown>; readonly body?: unknown; readonly response?: unknown };
}

/** Declare a route, keeping its literal types (paths, statuses, schemas) for the typed router and client. */
export const route = <const D extends RouteDef>(def: D): D => def;

type Out<S> = S extends z.Schema ? z.output<S> : never;
type In<S> = S extends z.Schema ? z.input<S> : never;

/** Path parameters after validation. */
export type ParamsOf<D extends RouteDef> = D extends { params: infer S } ? Out<S> : Record<string, never>;
/** Query after validation (the client takes it partial, and turns it into strings). */
export type QueryOf<D extends RouteDef> = D extends { query: infer S } ? Out<S> : Record<string, never>;
/** Body after validation. */
export type BodyOf<D extends RouteDef> = D extends { body: infer S } ? Out<S> : undefined;
/** Body as a client sends it. */
export type BodyInputOf<D extends RouteDef> = D extends { body: infer S } ? In<S> : undefined;

type StatusOf<D extends RouteDef> = keyof D['responses'] & number;
type ResponseSchemaOf<D extends RouteDef, K extends StatusOf<D>> = D['responses'][K] extends { schema: infer S } ? S : undefined;

/** What a client reads: each documented status with its parsed body. */
export type ResponseOf<D extends RouteDef> = {
  [K in StatusOf<D>]: { status: K; body: ResponseSchemaOf<D, K> extends z.Schema ? Out<ResponseSchemaOf<D, K>> : undefined };
}[StatusOf<D>];

/** The body of the (first) success answer, as a client reads it. */
export type SuccessBodyOf<D extends RouteDef> = ResponseOf<D>['body'];

/**
 * What a server handler answers: the body of the route's success status, as
 * the schema's input (so event data may be RawJson); text for non-JSON routes.
 */
export type ServedBodyOf<D extends RouteDef> = {
  [K in StatusOf<D>]: ResponseSchemaOf<D, K> extends z.Schema ? In<ResponseSchemaOf<D, K>> : D['responses'][K] extends { contentType: string } ? string : void;
}[StatusOf<D>];

/**
 * What a portal session needs to call a route: only `tenant` routes are open
 * to sessions; GETs read, anything else manages, unless the route says.
 *
 * @example portalAccessOf(API.getEndpointSecret) // 'manage': a read-only viewer does not see signing secrets
 */
export const portalAccessOf = (def: Pick<RouteDef, 'auth' | 'method' | 'portalScope'>): PortalAccess =>
  def.auth !== 'tenant' ? 'never' : (def.portalScope ?? (def.method === 'GET' ? 'read' : 'manage'));

/** The status a route answers on success (its one documented response). */
export const successStatus = (def: RouteDef): number => Number(Object.keys(def.responses)[0]);

// ---------------------------------------------------------------- shared pieces

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A JSON object the server answers as `RawJson` (the text as it was sent,
 * spliced in unchanged) and a client reads parsed (read the answer's text
 * for the exact numbers: see BillhookClient.callText).
 */
export const rawJsonObject = (description: string) =>
  z
    .pipe(
      z.custom<RawJson | Record<string, unknown>>((v) => v instanceof RawJson || isPlainObject(v), 'must be a JSON object'),
      z.transform((v) => v as Record<string, unknown>),
    )
    .register(z.globalRegistry, { type: 'object', description } as Record<string, unknown>);

/** An event's `data`: a JSON object, answered as the text the billing service sent. */
export const eventDataSchema = rawJsonObject('The event data as the billing service sent it (number texts, escapes and key order kept)');

/** An ISO 8601 time with an offset. */
export const isoTime = z.iso.datetime({ offset: true });

/** A query parameter that is a time: normalised to UTC ISO. */
export const queryTime = z.pipe(isoTime, z.transform((s: string) => new Date(s).toISOString()));

export const pageQuerySchema = z.object({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(LIMITS.listLimitMax)), LIMITS.listLimitDefault).register(z.globalRegistry, {
    description: `Page size (1–${LIMITS.listLimitMax}, default ${LIMITS.listLimitDefault})`,
  }),
  cursor: z.optional(z.string()).register(z.globalRegistry, { description: 'Opaque cursor from the previous page’s nextCursor' }),
});

/** `{ data, nextCursor }`: one page of a list. */
export const pageOf = <S extends z.Schema>(item: S) =>
  z.strictObject({ data: z.array(item), nextCursor: z.nullable(z.string()).register(z.globalRegistry, { description: 'Pass as `cursor` for the next page; null on the last' }) });

/** RFC 9457 problem details, with a stable machine `code`. */
export const problemSchema = z.strictObject({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  detail: z.string(),
  code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]).register(z.globalRegistry, { description: 'Stable machine code' }),
  errors: z.optional(z.array(z.strictObject({ path: z.string(), message: z.string() }))).register(z.globalRegistry, { description: 'The failing fields (422)' }),
});
export type ProblemBody = z.infer<typeof problemSchema>;

/** The problem codes any authenticated route may answer. */
export const COMMON_ERRORS: readonly ErrorCode[] = ['unauthorized', 'session_expired', 'forbidden', 'not_found', 'route_not_found', 'method_not_allowed', 'internal_error', 'service_unavailable'];
/** …and any route with a JSON body. */
export const BODY_ERRORS: readonly ErrorCode[] = ['invalid_json', 'payload_too_large', 'unsupported_media_type', 'validation_failed', 'duplicate_key'];

export const json = <S extends z.Schema>(description: string, schema: S) => ({ description, schema });
