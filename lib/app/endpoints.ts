import { BillhookError, type FieldError } from '../core/errors.ts';
import { TEST_EVENT_DATA, type EventCatalogue } from '../core/event-types.ts';
import { eventFingerprint } from '../core/canonical-json.ts';
import { normaliseEndpointUrl } from '../core/endpoint-url.ts';
import { ed25519PublicKey, newEd25519Key } from '../core/signing.ts';
import { endpointView, SECRET_ROTATION_OVERLAP_MS, type Delivery, type EndpointInput, type EndpointPatch, type EndpointRecord, type EndpointView, type EventRecord, type SignatureScheme } from '../core/model.ts';
import { deliveryMessage, payloadOf } from './messages.ts';
import type { Page, PageRequest } from '../ports.ts';
import { isoNow, type AppDeps } from './deps.ts';
import { getTenant } from './tenants.ts';

type Deps = Pick<AppDeps, 'tenants' | 'endpoints' | 'urlGuard' | 'catalogue' | 'clock' | 'ids' | 'randomBytes' | 'settings' | 'queue'>;

/** Default pace of the backlog drain after re-enabling an endpoint. */
export const DRAIN_RATE_PER_SECOND = 10;

/** A new signing secret: `whsec_` + base64 of 32 random bytes, or an Ed25519 key for that scheme. */
export const newSecret = (randomBytes: (n: number) => Uint8Array, scheme: SignatureScheme = 'standard-webhooks'): string =>
  scheme === 'standard-webhooks-ed25519' ? newEd25519Key(randomBytes(32)) : 'whsec_' + Buffer.from(randomBytes(32)).toString('base64');

const isEd25519 = (scheme: SignatureScheme) => scheme === 'standard-webhooks-ed25519';

function refuseSecretForEd25519(scheme: SignatureScheme, secret: string | undefined): void {
  if (isEd25519(scheme) && secret !== undefined) {
    throw new BillhookError('validation_failed', 'Ed25519 endpoints get a generated key pair; a secret cannot be supplied', {
      fields: [{ path: 'secret', message: 'not allowed with signatureScheme standard-webhooks-ed25519' }],
    });
  }
}

function checkEventTypes(catalogue: EventCatalogue, types: readonly string[]): void {
  const fields: FieldError[] = [];
  types.forEach((t, i) => {
    if (!catalogue.acceptsPattern(t)) fields.push({ path: `eventTypes.${i}`, message: `unknown event type or pattern ${JSON.stringify(t)}` });
  });
  if (fields.length) throw new BillhookError('unknown_event_type', 'eventTypes contains unknown event types', { fields });
}

export async function createEndpoint(deps: Deps, tenantId: string, input: EndpointInput): Promise<EndpointView> {
  await getTenant(deps, tenantId);
  const eventTypes = dedupe(input.eventTypes ?? ['*']);
  checkEventTypes(await deps.catalogue.current(), eventTypes);
  const signatureScheme = input.signatureScheme ?? 'standard-webhooks';
  refuseSecretForEd25519(signatureScheme, input.secret);
  const url = normaliseEndpointUrl(input.url);
  await deps.urlGuard.check(url);
  const now = isoNow(deps.clock);
  const record: EndpointRecord = {
    id: deps.ids.endpoint(),
    tenantId,
    url,
    eventTypes,
    description: input.description ?? '',
    secret: input.secret ?? newSecret(deps.randomBytes, signatureScheme),
    headers: input.headers ?? {},
    status: input.disabled ? 'disabled' : 'enabled',
    signatureScheme,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  if (input.disabled) record.disabledReason = 'disabled by user';
  if (input.retrySchedule) record.retrySchedule = input.retrySchedule;
  if (input.rateLimitPerSecond !== undefined) record.rateLimitPerSecond = input.rateLimitPerSecond;
  if (input.maxInFlight !== undefined) record.maxInFlight = input.maxInFlight;
  if (input.ordering !== undefined) record.ordering = input.ordering;
  await deps.endpoints.create(record);
  return view(deps, record);
}

/** The API view, with the deployment's defaults filled in. */
const view = (deps: Pick<AppDeps, 'settings'>, e: EndpointRecord): EndpointView => endpointView(e, deps.settings.retrySchedule, deps.settings.defaultMaxInFlight);

async function load(deps: Pick<AppDeps, 'endpoints'>, tenantId: string, id: string): Promise<EndpointRecord> {
  const e = await deps.endpoints.get(tenantId, id);
  if (!e) throw new BillhookError('not_found', `endpoint ${id} not found`);
  return e;
}

export async function getEndpoint(deps: Pick<AppDeps, 'endpoints' | 'settings'>, tenantId: string, id: string): Promise<EndpointView> {
  return view(deps, await load(deps, tenantId, id));
}

export async function listEndpoints(
  deps: Pick<AppDeps, 'tenants' | 'endpoints' | 'settings'>,
  tenantId: string,
  page: PageRequest,
): Promise<Page<EndpointView>> {
  await getTenant(deps, tenantId);
  const out = await deps.endpoints.list(tenantId, page);
  return { data: out.data.map((e) => view(deps, e)), nextCursor: out.nextCursor };
}

export async function updateEndpoint(deps: Deps, tenantId: string, id: string, patch: EndpointPatch): Promise<EndpointView> {
  const current = await load(deps, tenantId, id);
  const next: EndpointRecord = { ...current, version: current.version + 1, updatedAt: isoNow(deps.clock) };
  if (patch.url !== undefined) {
    next.url = normaliseEndpointUrl(patch.url);
    await deps.urlGuard.check(next.url);
  }
  if (patch.eventTypes !== undefined) {
    next.eventTypes = dedupe(patch.eventTypes);
    checkEventTypes(await deps.catalogue.current(), next.eventTypes);
  }
  if (patch.description !== undefined) next.description = patch.description;
  if (patch.headers !== undefined) next.headers = patch.headers;
  if (patch.signatureScheme !== undefined && patch.signatureScheme !== current.signatureScheme) {
    next.signatureScheme = patch.signatureScheme;
    // HMAC secrets and Ed25519 keys are not interchangeable: switching family issues a new one.
    if (isEd25519(patch.signatureScheme) !== isEd25519(current.signatureScheme)) {
      next.secret = newSecret(deps.randomBytes, patch.signatureScheme);
      delete next.previousSecrets;
    }
  }
  if (patch.retrySchedule !== undefined) next.retrySchedule = patch.retrySchedule;
  if (patch.rateLimitPerSecond !== undefined) next.rateLimitPerSecond = patch.rateLimitPerSecond;
  if (patch.maxInFlight !== undefined) next.maxInFlight = patch.maxInFlight;
  if (patch.ordering !== undefined) next.ordering = patch.ordering;
  const reenabled = patch.disabled === false && current.status === 'disabled';
  if (patch.disabled === true && current.status === 'enabled') {
    next.status = 'disabled';
    next.disabledReason = 'disabled by user';
    next.disabledAt = next.updatedAt;
  } else if (reenabled) {
    next.status = 'enabled';
    delete next.disabledReason;
    delete next.disabledAt;
    delete next.health;
  }
  await deps.endpoints.update(next, current.version);
  if (reenabled && current.disabledAt) {
    // Drain what was skipped while disabled, at a capped rate, as a background job.
    await deps.queue.enqueueJob({
      v: 1,
      kind: 'recover',
      tenantId,
      endpointId: id,
      since: current.disabledAt,
      statuses: ['skipped'],
      ratePerSecond: next.rateLimitPerSecond ?? DRAIN_RATE_PER_SECOND,
      jobId: `drain${next.version}`,
    });
  }
  return view(deps, next);
}

export async function deleteEndpoint(deps: Pick<AppDeps, 'endpoints'>, tenantId: string, id: string): Promise<void> {
  const deleted = await deps.endpoints.delete(tenantId, id);
  if (!deleted) throw new BillhookError('not_found', `endpoint ${id} not found`);
}

export async function getEndpointSecret(deps: Pick<AppDeps, 'endpoints'>, tenantId: string, id: string): Promise<{ secret: string }> {
  const e = await load(deps, tenantId, id);
  if (isEd25519(e.signatureScheme)) throw new BillhookError('conflict', `endpoint ${id} signs with Ed25519: receivers verify with its public key (GET …/public-key)`);
  return { secret: e.secret };
}

/** The `whpk_` public key of an Ed25519 endpoint. */
export async function getEndpointPublicKey(deps: Pick<AppDeps, 'endpoints'>, tenantId: string, id: string): Promise<{ publicKey: string }> {
  const e = await load(deps, tenantId, id);
  if (!isEd25519(e.signatureScheme)) throw new BillhookError('conflict', `endpoint ${id} signs with an HMAC secret, not Ed25519`);
  return { publicKey: ed25519PublicKey(e.secret) };
}

/** Every endpoint of a tenant, page by page. */
export async function* allEndpoints(deps: Pick<AppDeps, 'endpoints'>, tenantId: string, pageSize = 250): AsyncGenerator<EndpointRecord[]> {
  let cursor: string | undefined;
  do {
    const page = await deps.endpoints.list(tenantId, cursor === undefined ? { limit: pageSize } : { limit: pageSize, cursor });
    yield page.data;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

const dedupe = (xs: readonly string[]): string[] => [...new Set(xs)];

/**
 * Rotate the signing secret. The old secret keeps signing beside the new one
 * for 24 hours (several space-separated signatures), so receivers can switch
 * without dropping a webhook.
 */
export async function rotateEndpointSecret(
  deps: Pick<AppDeps, 'endpoints' | 'clock' | 'randomBytes'>,
  tenantId: string,
  id: string,
  secret?: string,
): Promise<{ secret: string } | { publicKey: string }> {
  const current = await load(deps, tenantId, id);
  refuseSecretForEd25519(current.signatureScheme, secret);
  const now = deps.clock.now();
  const next: EndpointRecord = {
    ...current,
    secret: secret ?? newSecret(deps.randomBytes, current.signatureScheme),
    previousSecrets: [
      { secret: current.secret, expiresAt: new Date(now + SECRET_ROTATION_OVERLAP_MS).toISOString() },
      ...(current.previousSecrets ?? []).filter((p) => Date.parse(p.expiresAt) > now),
    ],
    version: current.version + 1,
    updatedAt: new Date(now).toISOString(),
  };
  if (next.secret === current.secret) throw new BillhookError('validation_failed', 'the new secret must differ from the current one', { fields: [{ path: 'secret', message: 'equals the current secret' }] });
  await deps.endpoints.update(next, current.version);
  return isEd25519(next.signatureScheme) ? { publicKey: ed25519PublicKey(next.secret) } : { secret: next.secret };
}

/**
 * POST /endpoints/{id}/test: a `webhook.test` event (or another catalogue
 * type) stored and delivered to this one endpoint through the normal
 * pipeline, so the test exercises signing, retries and the log. Its data is
 * the type's example, as the catalogue holds its text ("send example"), or
 * TEST_EVENT_DATA for a type without one.
 */
export async function sendTestEvent(
  deps: Pick<AppDeps, 'endpoints' | 'events' | 'deliveries' | 'queue' | 'catalogue' | 'clock' | 'ids' | 'settings'>,
  tenantId: string,
  endpointId: string,
  type = 'webhook.test',
): Promise<Delivery> {
  const entry = (await deps.catalogue.current()).get(type);
  if (!entry) {
    throw new BillhookError('unknown_event_type', `unknown event type ${JSON.stringify(type)}`, { fields: [{ path: 'type', message: 'is not in the catalogue' }] });
  }
  const endpoint = await load(deps, tenantId, endpointId);
  if (endpoint.status !== 'enabled') throw new BillhookError('conflict', `endpoint ${endpointId} is disabled; enable it to send a test`);
  const dataJson = entry.exampleJson ?? JSON.stringify(TEST_EVENT_DATA);
  // Receivers of a type with a schema are promised data that satisfies it, test sends included.
  if (entry.exampleJson === undefined && deps.catalogue.check(entry, TEST_EVENT_DATA).length > 0) {
    throw new BillhookError('schema_mismatch', `${type} has a schema but no example, and the plain test data does not satisfy the schema: store an example (PUT /v1/event-types/${type})`, {
      fields: [{ path: 'type', message: 'has a schema and no example' }],
    });
  }
  const createdAt = isoNow(deps.clock);
  const event: EventRecord = { id: deps.ids.event(), tenantId, type, createdAt, dataJson, deliveries: 1, fingerprint: eventFingerprint(type, dataJson) };
  const message = deliveryMessage(payloadOf(event), tenantId, endpoint, deps.settings.defaultMaxInFlight);
  await deps.queue.enqueue([message]);
  await deps.events.putIfAbsent(event);
  // The id handed out must be fetchable at once, not only after the sender's first attempt.
  const delivery = { id: message.deliveryId, tenantId, eventId: event.id, endpointId, eventType: type, createdAt };
  await deps.deliveries.registerPending(delivery);
  return { ...delivery, status: 'pending', attemptCount: 0 };
}
