import { createHash, timingSafeEqual } from 'node:crypto';
import { BillhookError } from '../core/errors.ts';
import { TtlCache } from '../core/ttl-cache.ts';
import { hashKey, TENANT_KEY_PREFIX } from '../app/api-keys.ts';
import { hashPortalToken, PORTAL_TOKEN_PREFIX } from '../app/portal-sessions.ts';
import type { PortalAccess } from '../contract/define.ts';
import type { ApiKeyRecord, ApiKeyStore, PortalSessionRecord, PortalSessionStore } from '../ports.ts';
import type { HttpRequest, Principal } from './types.ts';

export interface AuthOptions {
  /** Bypass any cache: a key revoked a moment ago must fail now (key management routes). */
  fresh?: boolean;
}

export interface Authenticator {
  /** The principal a bearer token stands for, or undefined if unknown. */
  authenticate(token: string, options?: AuthOptions): Promise<Principal | undefined>;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * The admin key. Compared as sha256 digests in constant time, so neither
 * length nor content leaks through timing. The key is fetched once (it may
 * come from Secrets Manager) and only its digest is kept.
 */
export class AdminKeyAuthenticator implements Authenticator {
  private expected: Promise<Buffer> | undefined;

  constructor(private readonly adminKey: () => Promise<string>) {}

  async authenticate(token: string): Promise<Principal | undefined> {
    this.expected ??= this.adminKey().then(digest);
    let expected: Buffer;
    try {
      expected = await this.expected;
    } catch (e) {
      this.expected = undefined; // try again on the next request
      throw new BillhookError('service_unavailable', 'authentication is unavailable', { cause: e });
    }
    return timingSafeEqual(digest(token), expected) ? { kind: 'admin' } : undefined;
  }
}

/**
 * Tenant API keys, looked up by hash. Answers are cached briefly so the hot
 * path does not read DynamoDB per request; a revoked key stops working within
 * `ttlMs` (30 s by default) on every warm instance. Routes that manage keys
 * ask for a `fresh` answer: one store read, no cache, so a revoked key cannot
 * mint a replacement in that window.
 */
export class TenantKeyAuthenticator implements Authenticator {
  private readonly lookup: TtlCache<ApiKeyRecord>;

  constructor(keys: Pick<ApiKeyStore, 'findByHash'>, now: () => number = Date.now, ttlMs = 30_000) {
    this.lookup = new TtlCache((hash) => keys.findByHash(hash), now, ttlMs);
  }

  async authenticate(token: string, options: AuthOptions = {}): Promise<Principal | undefined> {
    if (!token.startsWith(TENANT_KEY_PREFIX)) return undefined;
    const record = await this.lookup.get(hashKey(token), options.fresh);
    return record ? { kind: 'tenant', tenantId: record.tenantId, keyId: record.id } : undefined;
  }
}

/**
 * Portal sessions (`bhps_…`), looked up by hash and cached like tenant keys:
 * a revoked session stops working within `ttlMs` (30 s by default) on every
 * warm instance, or at once on `fresh` routes. Expiry is compared with the
 * clock on every request, cached or not. A `bhps_` token that is unknown,
 * expired, revoked or altered answers 401 `session_expired`, so the portal
 * can tell its user the link expired rather than that a key is wrong.
 */
export class PortalSessionAuthenticator implements Authenticator {
  private readonly lookup: TtlCache<PortalSessionRecord>;

  constructor(
    sessions: Pick<PortalSessionStore, 'findByHash'>,
    private readonly now: () => number = Date.now,
    ttlMs = 30_000,
  ) {
    this.lookup = new TtlCache((hash) => sessions.findByHash(hash), now, ttlMs);
  }

  async authenticate(token: string, options: AuthOptions = {}): Promise<Principal | undefined> {
    if (!token.startsWith(PORTAL_TOKEN_PREFIX)) return undefined;
    const session = await this.lookup.get(hashPortalToken(token), options.fresh);
    // The detail never names the token: it may be a live credential with one character changed.
    if (!session || !(Date.parse(session.expiresAt) > this.now())) throw new BillhookError('session_expired', 'this portal session has expired or was revoked: ask the application that opened it for a new link');
    return { kind: 'portal', tenantId: session.tenantId, sessionId: session.id, scope: session.scope, expiresAt: session.expiresAt };
  }
}

/** Tries each authenticator in turn (admin key, then tenant keys, then portal sessions). */
export class ChainAuthenticator implements Authenticator {
  constructor(private readonly chain: readonly Authenticator[]) {}

  async authenticate(token: string, options: AuthOptions = {}): Promise<Principal | undefined> {
    for (const a of this.chain) {
      const p = await a.authenticate(token, options);
      if (p) return p;
    }
    return undefined;
  }
}

export function bearerToken(req: HttpRequest): string | undefined {
  const h = req.headers['authorization'];
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}

/**
 * 401 without a valid key; 404 (not 403) for another tenant's resources, so
 * ids do not leak; 403 for a portal session whose scope the route exceeds
 * (`portal`: what the route asks of a session, from `portalAccessOf`; absent:
 * no session may call it).
 */
export function authorize(principal: Principal | undefined, auth: 'none' | 'admin' | 'tenant', tenantId: string | undefined, portal: PortalAccess = 'never'): void {
  if (auth === 'none') return;
  if (!principal) throw new BillhookError('unauthorized', 'missing or invalid API key');
  if (principal.kind === 'admin') return;
  if (auth === 'admin') throw new BillhookError('forbidden', 'this route needs the admin key');
  // Routes without a tenant in the path (e.g. the catalogue) are open to any valid key.
  if (tenantId !== undefined && principal.tenantId !== tenantId) throw new BillhookError('not_found', `tenant ${tenantId} not found`);
  if (principal.kind !== 'portal') return;
  if (portal === 'never') throw new BillhookError('forbidden', 'a portal session cannot call this route (API keys and portal sessions are managed with a tenant or admin key)');
  if (portal === 'manage' && principal.scope !== 'manage') throw new BillhookError('forbidden', 'this portal session is read-only: this route needs a session with scope manage');
}
