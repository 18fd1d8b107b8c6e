/**
 * The customer portal's boot: `/portal/<tenantId>#session=<token>` is a
 * magic link. The token leaves the address bar (and the history entry) at
 * once, and is kept for this tab only, in sessionStorage, or in memory where
 * storage is refused (some browsers refuse it to third-party iframes). Pure
 * apart from what it is handed: a location, a history and a store.
 */

/** Where the portal keeps its session token (this tab only). */
export const PORTAL_STORAGE = 'billhook.portal';

/** A string store that never throws. */
export interface KeyValueStore {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  remove(key: string): void;
}

/**
 * sessionStorage when the browser allows it, memory when it does not:
 * reading `window.sessionStorage` itself throws in a storage-blocked iframe,
 * so even the lookup happens inside the try.
 */
/** The part of the Web Storage API the store uses (declared here: the unit tests type-check without the DOM library). */
export interface WebStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export function safeStore(storage: () => WebStorage): KeyValueStore {
  const memory = new Map<string, string>();
  return {
    get(key) {
      try {
        const v = storage().getItem(key);
        if (v !== null) return v;
      } catch {
        // storage refused: memory below
      }
      return memory.get(key);
    },
    set(key, value) {
      memory.set(key, value);
      try {
        storage().setItem(key, value);
      } catch {
        // memory holds it for the life of the page
      }
    },
    remove(key) {
      memory.delete(key);
      try {
        storage().removeItem(key);
      } catch {
        // nothing stored there
      }
    },
  };
}

/** `/portal/ten_acme` (or with a trailing slash) → `ten_acme`; any other path → undefined. */
export function portalTenantOf(pathname: string): string | undefined {
  const m = /^\/portal\/([^/]+)\/?$/.exec(pathname);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return undefined;
  }
}

/** `#session=<token>` → the token; an empty or absent one → undefined. */
export function sessionTokenOf(hash: string): string | undefined {
  if (!hash.startsWith('#session=')) return undefined;
  return new URLSearchParams(hash.slice(1)).get('session')?.trim() || undefined;
}

export interface PortalBoot {
  tenantId: string;
  /** The session token: fresh from the link, or kept from earlier in this tab. Absent: nothing to sign in with. */
  token: string | undefined;
}

/**
 * In portal mode (the path is `/portal/<tenantId>`): take the token out of
 * the URL, keep it, and land on the tenant's endpoints. Not portal mode → undefined.
 */
export function bootPortal(
  win: { location: { pathname: string; hash: string }; history: { replaceState(data: unknown, unused: string, url: string): void } },
  store: KeyValueStore,
): PortalBoot | undefined {
  const { pathname, hash } = win.location;
  const tenantId = portalTenantOf(pathname);
  if (tenantId === undefined) return undefined;
  if (hash.startsWith('#session=')) {
    const fresh = sessionTokenOf(hash);
    // Before anything else can read or log the address: the token leaves the bar and this history entry.
    win.history.replaceState(null, '', `${pathname}#/t/${encodeURIComponent(tenantId)}/endpoints`);
    if (fresh) store.set(PORTAL_STORAGE, fresh);
    else store.remove(PORTAL_STORAGE);
    return { tenantId, token: fresh };
  }
  return { tenantId, token: store.get(PORTAL_STORAGE) };
}
