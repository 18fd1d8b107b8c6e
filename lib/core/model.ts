/**
 * The domain vocabulary as zod schemas: tenant, endpoint, event, delivery,
 * attempt. Input schemas validate API bodies; record types are what stores
 * keep; views are what the API returns (never a secret).
 */
import * as z from './zod.ts';
import { MAX_IN_FLIGHT, ORDERING_MODES, maxInFlightOf, type OrderingMode } from './endpoint-limits.ts';
import { fieldValueProblem } from './header-value.ts';
import { displayUrl } from './endpoint-url.ts';
import { DELIVERY_STATUSES } from './delivery-status.ts';
import { isOriginSyntax, ORIGIN_RULE } from './origin.ts';

export const ID_PREFIX = { tenant: 'ten_', endpoint: 'ep_', event: 'evt_', delivery: 'dlv_', key: 'key_', portalSession: 'ps_' } as const;

export const LIMITS = {
  bodyBytes: 256 * 1024,
  urlLength: 2048,
  descriptionLength: 512,
  nameLength: 200,
  eventTypesPerEndpoint: 100,
  headersPerEndpoint: 20,
  headerValueLength: 1024,
  idempotencyKeyLength: 255,
  orderingKeyLength: 200,
  batchEvents: 100,
  retryScheduleLength: 20,
  maxRetryDelaySeconds: 7 * 24 * 3600,
  listLimitDefault: 50,
  listLimitMax: 250,
  /** Origins one tenant may name as allowed to frame its portal. */
  portalFrameAncestors: 10,
  portalSessionSeconds: { min: 60, max: 86_400, default: 3600 },
} as const;

const idSuffix = /^[A-Za-z0-9_-]{1,64}$/;
export const tenantIdSchema = z.string().check(z.regex(/^ten_[A-Za-z0-9_-]{1,64}$/, 'must look like ten_<letters, digits, _ or ->'));
export const endpointIdSchema = z.string().check(z.regex(/^ep_[A-Za-z0-9_-]{1,64}$/, 'must look like ep_<id>'));
export const eventIdSchema = z.string().check(z.regex(/^evt_[A-Za-z0-9_-]{1,64}$/, 'must look like evt_<id>'));
export const keyIdSchema = z.string().check(z.regex(/^key_[A-Za-z0-9_-]{1,64}$/, 'must look like key_<id>'));
export const deliveryIdSchema = z.string().check(z.regex(/^dlv_[A-Za-z0-9_-]{1,64}$/, 'must look like dlv_<id>'));
export const portalSessionIdSchema = z.string().check(z.regex(/^ps_[A-Za-z0-9_-]{1,64}$/, 'must look like ps_<id>'));

export const SIGNATURE_SCHEMES = ['standard-webhooks', 'standard-webhooks-ed25519', 'hmac-sha256-hex'] as const;
export type SignatureScheme = (typeof SIGNATURE_SCHEMES)[number];

/** `whsec_` + base64 of 24 to 64 bytes. */
export const secretSchema = z.string().check(
  z.regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'must be whsec_ followed by base64'),
  z.refine((s: string) => {
    // Decoded length from the text alone (no Buffer: this schema also runs in the browser).
    const b64 = s.slice('whsec_'.length);
    const bytes = Math.floor((b64.length * 3) / 4) - (b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0);
    return bytes >= 24 && bytes <= 64;
  }, 'must encode 24 to 64 bytes'),
);

// Headers that Billhook owns on every request; an endpoint may not override them.
const RESERVED_HEADERS = new Set([
  'host', 'content-length', 'content-type', 'content-encoding', 'transfer-encoding', 'connection', 'user-agent',
  'webhook-id', 'webhook-timestamp', 'webhook-signature', 'x-signature', 'te', 'upgrade', 'keep-alive', 'expect',
]);
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;

export const headersSchema = z.record(z.string(), z.string().check(z.maxLength(LIMITS.headerValueLength))).check(
  z.superRefine((h: Record<string, string>, ctx) => {
    const names = Object.keys(h);
    if (names.length > LIMITS.headersPerEndpoint) ctx.addIssue({ code: 'custom', message: `at most ${LIMITS.headersPerEndpoint} headers` });
    for (const name of names) {
      if (!HEADER_NAME.test(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'is not a valid header name' });
      else if (RESERVED_HEADERS.has(name.toLowerCase()) || name.toLowerCase().startsWith('webhook-'))
        ctx.addIssue({ code: 'custom', path: [name], message: 'is reserved and cannot be set' });
      // The value itself is never echoed: it may be a credential.
      const problem = fieldValueProblem(h[name]!);
      if (problem) ctx.addIssue({ code: 'custom', path: [name], message: `value of header ${JSON.stringify(name)} ${problem}` });
    }
  }),
);

export const retryScheduleSchema = z.array(z.int().check(z.minimum(0), z.maximum(LIMITS.maxRetryDelaySeconds))).check(z.maxLength(LIMITS.retryScheduleLength));

export const endpointInputSchema = z.strictObject({
  url: z.string().check(z.minLength(1), z.maxLength(LIMITS.urlLength)),
  eventTypes: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(200))).check(z.minLength(1), z.maxLength(LIMITS.eventTypesPerEndpoint))),
  description: z.optional(z.string().check(z.maxLength(LIMITS.descriptionLength))),
  secret: z.optional(secretSchema),
  headers: z.optional(headersSchema),
  disabled: z.optional(z.boolean()),
  signatureScheme: z.optional(z.enum(SIGNATURE_SCHEMES)),
  retrySchedule: z.optional(retryScheduleSchema),
  rateLimitPerSecond: z.optional(z.int().check(z.minimum(1), z.maximum(10_000))),
  maxInFlight: z.optional(z.int().check(z.minimum(MAX_IN_FLIGHT.min), z.maximum(MAX_IN_FLIGHT.max))),
  ordering: z.optional(z.enum(ORDERING_MODES)),
});
export type EndpointInput = z.infer<typeof endpointInputSchema>;

export const endpointPatchSchema = z.omit(z.partial(endpointInputSchema), { secret: true });
export type EndpointPatch = z.infer<typeof endpointPatchSchema>;

export const tenantInputSchema = z.strictObject({
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(LIMITS.nameLength)),
  id: z.optional(tenantIdSchema),
});
export type TenantInput = z.infer<typeof tenantInputSchema>;

/** 1–200 printable ASCII characters: a subscription, invoice or customer id. */
function orderingKeySchema() {
  return z.string().check(z.minLength(1), z.maxLength(LIMITS.orderingKeyLength), z.regex(/^[\x20-\x7e]+$/, 'must be printable ASCII'));
}

export const eventInputSchema = z.strictObject({
  type: z.string().check(z.minLength(1), z.maxLength(200)),
  data: z.record(z.string(), z.unknown()),
  id: z.optional(z.string().check(z.minLength(1), z.maxLength(LIMITS.idempotencyKeyLength), z.regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces'))),
  orderingKey: z.optional(orderingKeySchema()),
});
export type EventInput = z.infer<typeof eventInputSchema>;

/**
 * An event as ingest takes it: the validated input, with `data` as the JSON
 * text it was sent as (minified) instead of a parsed value, so no number or
 * escape is ever rewritten (see lib/core/json-text.ts).
 */
export type EventSubmission = Omit<EventInput, 'data'> & { dataJson: string };

export const eventBatchInputSchema = z.strictObject({
  events: z.array(eventInputSchema).check(z.minLength(1), z.maxLength(LIMITS.batchEvents)),
});

const isoTimeSchema = z.string().register(z.globalRegistry, { format: 'date-time' });

/** Origins (`https://app.example.com`) allowed to frame a tenant's portal; checked in full by lib/core/origin.ts. */
export const portalFrameAncestorsSchema = z
  .array(z.string().check(z.refine(isOriginSyntax, { message: ORIGIN_RULE })))
  .check(z.maxLength(LIMITS.portalFrameAncestors, `at most ${LIMITS.portalFrameAncestors} origins`))
  .register(z.globalRegistry, { description: `Origins allowed to frame this tenant's portal (CSP frame-ancestors), at most ${LIMITS.portalFrameAncestors}; absent or empty: none may` });

export const tenantSchema = z.strictObject({
  id: tenantIdSchema,
  name: z.string(),
  createdAt: isoTimeSchema,
  portalFrameAncestors: z.optional(z.array(z.string())).register(z.globalRegistry, { description: "Origins allowed to frame this tenant's portal" }),
});
export type Tenant = z.infer<typeof tenantSchema>;

/** PATCH a tenant: the fields given change; `portalFrameAncestors: []` removes every origin. */
export const tenantPatchSchema = z.strictObject({
  name: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(LIMITS.nameLength))),
  portalFrameAncestors: z.optional(portalFrameAncestorsSchema),
});
export type TenantPatch = z.infer<typeof tenantPatchSchema>;

/** What a portal session may do: `read` changes nothing; `manage` is a tenant key minus API keys and portal sessions. */
export const PORTAL_SCOPES = ['read', 'manage'] as const;
export type PortalScope = (typeof PORTAL_SCOPES)[number];

export const ENDPOINT_STATUSES = ['enabled', 'disabled'] as const;
export type EndpointStatus = (typeof ENDPOINT_STATUSES)[number];

export interface EndpointHealth {
  /** Start of the current run of failures (cleared by a success). */
  failingSince?: string;
  /** Deliveries exhausted in a row (cleared by a success). */
  consecutiveExhausted?: number;
}

/** An endpoint as stored, secret included. Never returned by the API as is. */
export interface EndpointRecord {
  id: string;
  tenantId: string;
  url: string;
  eventTypes: string[];
  description: string;
  secret: string;
  /** Secrets replaced by a rotation, still signing beside the new one until they expire. */
  previousSecrets?: { secret: string; expiresAt: string }[];
  headers: Record<string, string>;
  status: EndpointStatus;
  disabledReason?: string;
  /** When the endpoint was last disabled (the backlog to drain on re-enable starts here). */
  disabledAt?: string;
  /** Delivery health, kept by the sender: see lib/app/endpoint-health.ts. */
  health?: EndpointHealth;
  signatureScheme: SignatureScheme;
  /** Explicit per-endpoint schedule; absent means the deployment default. */
  retrySchedule?: number[];
  rateLimitPerSecond?: number;
  /** Most concurrent requests, deployment-wide; absent: the deployment default. */
  maxInFlight?: number;
  /** `key`: events sharing an orderingKey are delivered in ingest order. Absent: `none`. */
  ordering?: OrderingMode;
  /** Incremented on every change; caches compare versions to stay fresh. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** An endpoint as the API answers it: never the secret, never header values. */
export const endpointViewSchema = z.strictObject({
  id: endpointIdSchema,
  tenantId: tenantIdSchema,
  url: z.string(),
  eventTypes: z.array(z.string()),
  description: z.string(),
  status: z.enum(ENDPOINT_STATUSES),
  disabledReason: z.optional(z.string()),
  signatureScheme: z.enum(SIGNATURE_SCHEMES),
  retrySchedule: z.array(z.int()),
  rateLimitPerSecond: z.optional(z.int()),
  maxInFlight: z.int(),
  ordering: z.enum(ORDERING_MODES),
  /** Names of the custom headers; values may hold credentials and are never returned. */
  headerNames: z.array(z.string()),
  createdAt: isoTimeSchema,
  updatedAt: isoTimeSchema,
});
export type EndpointView = z.infer<typeof endpointViewSchema>;

/**
 * The event as delivered to receivers: the webhook body is
 * `{"id","type","createdAt","data"}` with `dataJson` spliced in as `data`.
 */
export const webhookPayloadSchema = z.object({
  id: eventIdSchema,
  type: z.string(),
  createdAt: z.string(),
  /** `data` as the billing service sent it: minified JSON text of an object, never re-serialised. */
  dataJson: z.string(),
});
export type WebhookPayload = z.infer<typeof webhookPayloadSchema>;

/** A payload on a queue: as text, or (messages enqueued before payloads travelled as text, in flight across a deploy) with `data` as a value. */
const queuedPayloadSchema = z.pipe(
  z.union([webhookPayloadSchema, z.object({ id: eventIdSchema, type: z.string(), createdAt: z.string(), data: z.record(z.string(), z.unknown()) })]),
  z.transform((p): WebhookPayload => ({ id: p.id, type: p.type, createdAt: p.createdAt, dataJson: 'dataJson' in p ? p.dataJson : JSON.stringify(p.data) })),
);

export interface EventRecord extends WebhookPayload {
  tenantId: string;
  /** Events sharing it reach ordered endpoints in ingest order. */
  orderingKey?: string;
  /** Number of endpoints the event was routed to. */
  deliveries: number;
  /** Hash of the request as sent (see eventFingerprint), to tell a replay from a reused key. */
  fingerprint: string;
  idempotencyKey?: string;
}

/** The 202 answer of POST /events. */
export const eventAcceptedSchema = z.strictObject({
  id: eventIdSchema,
  type: z.string(),
  createdAt: isoTimeSchema,
  /** Number of endpoints the event was routed to. */
  deliveries: z.int(),
});
export type EventAccepted = z.infer<typeof eventAcceptedSchema>;

export { DELIVERY_STATUSES, type DeliveryStatus } from './delivery-status.ts';
export const TRIGGERS = ['scheduled', 'manual', 'recover'] as const;
export type Trigger = (typeof TRIGGERS)[number];

export const attemptSchema = z.strictObject({
  attempt: z.int(),
  at: isoTimeSchema,
  trigger: z.enum(TRIGGERS),
  statusCode: z.optional(z.int()),
  durationMs: z.number(),
  error: z.optional(z.string()),
  /** The first 4 KB of the endpoint's answer. */
  responseBody: z.optional(z.string()),
});
export type Attempt = z.infer<typeof attemptSchema>;

export const deliverySchema = z.strictObject({
  id: deliveryIdSchema,
  tenantId: tenantIdSchema,
  eventId: eventIdSchema,
  endpointId: endpointIdSchema,
  eventType: z.string(),
  orderingKey: z.optional(z.string()),
  status: z.enum(DELIVERY_STATUSES),
  attemptCount: z.int(),
  lastStatusCode: z.optional(z.int()),
  lastAttemptAt: z.optional(isoTimeSchema),
  nextAttemptAt: z.optional(isoTimeSchema),
  createdAt: isoTimeSchema,
});
export type Delivery = z.infer<typeof deliverySchema>;

export const deliveryWithAttemptsSchema = z.extend(deliverySchema, { attempts: z.array(attemptSchema) });
export type DeliveryWithAttempts = z.infer<typeof deliveryWithAttemptsSchema>;

/*
 * Queue and job messages: each is declared once, as the schema its consumer
 * parses it with, and its type is inferred from that schema, so a field
 * cannot be sent that the parser would drop. Anything that fails to parse is
 * unprocessable and ends in the DLQ.
 */

/** What one SQS message on the deliveries queue carries. */
export const deliveryMessageSchema = z.object({
  v: z.literal(1),
  deliveryId: deliveryIdSchema,
  tenantId: tenantIdSchema,
  endpointId: endpointIdSchema,
  /** Endpoint version at enqueue time: the sender's cache must be at least this fresh. */
  endpointVersion: z.int().check(z.minimum(0)),
  event: queuedPayloadSchema,
  /** 1-based number of the attempt this message asks for. */
  attempt: z.int().check(z.minimum(1)),
  trigger: z.enum(TRIGGERS),
  /** When the delivery was created (first enqueue). */
  createdAt: z.string(),
  /**
   * Do not attempt before this time. Set when a delay exceeds what SQS can
   * hold (900 s): the message hops through the queue until it is due.
   */
  notBefore: z.optional(z.string()),
  /** Retry chain: 0 for the first; a DLQ redrive starts the next chain. */
  chain: z.optional(z.int().check(z.minimum(0))),
  /** Idempotency key of a manual or recover attempt. */
  attemptKey: z.optional(z.string().check(z.maxLength(100))),
  /** Status a failed manual/recover attempt leaves (`failed` if a scheduled retry is still pending). */
  onFailure: z.optional(z.enum(['failed', 'exhausted'])),
  /** The event's ordering key (see lib/core/lanes.ts). */
  orderingKey: z.optional(z.string().check(z.maxLength(LIMITS.orderingKeyLength))),
  /** FIFO message group, fixed at enqueue (lib/core/lanes.ts). Absent on messages from before lanes: derived from the endpoint. */
  group: z.optional(z.string().check(z.maxLength(128))),
  /** Re-enqueues of the same attempt (deferrals): part of the deduplication id, so a deferral is not dropped as a duplicate. */
  hop: z.optional(z.int().check(z.minimum(0))),
});
export type DeliveryMessage = z.infer<typeof deliveryMessageSchema>;

/** The idempotency key of the attempt a message asks for. */
export const attemptKeyOf = (m: Pick<DeliveryMessage, 'trigger' | 'attempt' | 'chain' | 'attemptKey'>): string =>
  m.trigger === 'scheduled' ? `s${m.chain ?? 0}.${m.attempt}` : (m.attemptKey ?? `${m.trigger[0]}${m.attempt}`);

/** Fan-out job: route one stored event to a tenant's endpoints, a page at a time. */
export const fanoutMessageSchema = z.object({
  v: z.literal(1),
  kind: z.literal('fanout'),
  tenantId: tenantIdSchema,
  event: queuedPayloadSchema,
  orderingKey: z.optional(z.string().check(z.maxLength(LIMITS.orderingKeyLength))),
  /** Ingest enqueued the ordered endpoints' deliveries itself (keyed events keep their order). */
  exceptOrdered: z.optional(z.boolean()),
  cursor: z.optional(z.string()),
});
export type FanoutMessage = z.infer<typeof fanoutMessageSchema>;

/** Recover job: re-send an endpoint's failed and exhausted deliveries in a window, a page at a time. */
export const recoverJobSchema = z.object({
  v: z.literal(1),
  kind: z.literal('recover'),
  tenantId: tenantIdSchema,
  endpointId: endpointIdSchema,
  since: z.string(),
  until: z.optional(z.string()),
  /** Names the recover request: attempts it adds are keyed by it, so a replayed step adds nothing twice. */
  jobId: z.string().check(z.minLength(1), z.maxLength(64)),
  cursor: z.optional(z.string()),
  /** Which deliveries to re-send (default failed and exhausted). */
  statuses: z.optional(z.array(z.enum(['failed', 'exhausted', 'skipped']))),
  /** Spread the re-sends to at most this many per second (backlog drain). */
  ratePerSecond: z.optional(z.number().check(z.positive())),
});
export type RecoverJob = z.infer<typeof recoverJobSchema>;

/** Emit an operational event (endpoint.disabled, delivery.exhausted, …) through ingest. */
export const emitJobSchema = z.object({
  v: z.literal(1),
  kind: z.literal('emit'),
  tenantId: tenantIdSchema,
  type: z.string(),
  data: z.record(z.string(), z.unknown()),
  /** Idempotency key, so a repeated job emits once. */
  key: z.string().check(z.minLength(1), z.maxLength(255)),
});
export type EmitJob = z.infer<typeof emitJobSchema>;

/** Anything on the jobs (fan-out) queue. */
export const jobMessageSchema = z.discriminatedUnion('kind', [fanoutMessageSchema, recoverJobSchema, emitJobSchema]);
export type JobMessage = z.infer<typeof jobMessageSchema>;

/** How long a rotated-out secret keeps signing beside its successor. */
export const SECRET_ROTATION_OVERLAP_MS = 24 * 3600 * 1000;

/** Every secret that signs a request at `nowMs`: the current one first. */
export function signingSecrets(e: Pick<EndpointRecord, 'secret' | 'previousSecrets'>, nowMs: number): string[] {
  return [e.secret, ...(e.previousSecrets ?? []).filter((p) => Date.parse(p.expiresAt) > nowMs).map((p) => p.secret)];
}

export const rotateSecretSchema = z.strictObject({ secret: z.optional(secretSchema) });

/** Turn a stored endpoint into its API view. */
export function endpointView(e: EndpointRecord, defaultSchedule: readonly number[], defaultMaxInFlight: number = MAX_IN_FLIGHT.default): EndpointView {
  const v: EndpointView = {
    id: e.id,
    tenantId: e.tenantId,
    url: displayUrl(e.url),
    eventTypes: e.eventTypes,
    description: e.description,
    status: e.status,
    signatureScheme: e.signatureScheme,
    retrySchedule: e.retrySchedule ?? [...defaultSchedule],
    maxInFlight: maxInFlightOf(e, defaultMaxInFlight),
    ordering: e.ordering ?? 'none',
    headerNames: Object.keys(e.headers).sort(),
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
  if (e.disabledReason) v.disabledReason = e.disabledReason;
  if (e.rateLimitPerSecond !== undefined) v.rateLimitPerSecond = e.rateLimitPerSecond;
  return v;
}

/** Turn a zod error into field errors for a 422. */
export function fieldErrors(error: z.SchemaIssues): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(body)', message: i.message }));
}

export { idSuffix as ID_SUFFIX_PATTERN };
