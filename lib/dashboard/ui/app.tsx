/**
 * The shell: sign-in, tenant choice (admins), navigation, and the view for
 * the current route. Two ways in:
 * - the dashboard (`/dashboard`): sign in with an admin or tenant key, kept
 *   in sessionStorage only: closing the tab signs out;
 * - the customer portal (`/portal/<tenantId>#session=<token>`, see portal.ts):
 *   a magic link for one tenant, no sign-in form, no tenant switch; when the
 *   session is refused (expired, revoked, altered) an "expired" page says so.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Api, ApiError, whoami, type Tenant, type Who } from './api.ts';
import type { Brand } from './brand.ts';
import { ErrorBox, Loading, ViewOnly } from './components.tsx';
import { SessionContext, canWriteAs, type Session } from './context.ts';
import { useLoad } from './hooks.ts';
import { PORTAL_STORAGE, type KeyValueStore, type PortalBoot } from './portal.ts';
import { link, navigate, useRoute } from './router.ts';
import { ActivityPage } from './pages/activity.tsx';
import { CataloguePage } from './pages/catalogue.tsx';
import { DeliveriesPage, DeliveryPage } from './pages/deliveries.tsx';
import { EndpointFormPage, EndpointPage, EndpointsPage } from './pages/endpoints.tsx';
import { EventPage, EventsPage } from './pages/events.tsx';

const KEY_STORAGE = 'billhook.key';

/** What main.tsx found before the first render. */
export interface Boot {
  store: KeyValueStore;
  brand: Brand;
  /** Set on `/portal/<tenantId>`: portal mode. */
  portal?: PortalBoot | undefined;
}

function SignIn({ productName, onSignedIn }: { productName: string; onSignedIn: (key: string, who: Who) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) return setError('Enter an API key.');
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(trimmed, await whoami(trimmed));
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'That key is not valid. Check it and try again.' : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="signin">
      <h1>{productName}</h1>
      <p class="muted">Webhook deliveries: endpoints, attempts and replays.</p>
      <form onSubmit={submit} noValidate>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          spellcheck={false}
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
          aria-describedby="api-key-help"
          aria-invalid={error ? true : undefined}
          {...(error ? { 'aria-errormessage': 'api-key-error' } : {})}
        />
        <p id="api-key-help" class="help">
          An admin key, or a tenant's key. It stays in this browser tab and is sent only to this Billhook.
        </p>
        {error && (
          <p id="api-key-error" class="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

function TenantPicker({ api }: { api: Api }) {
  const tenants = useLoad(() => api.get<{ data: Tenant[] }>('/v1/tenants?limit=250'), []);
  return (
    <section aria-labelledby="tenants-title">
      <h1 id="tenants-title" tabIndex={-1}>
        Choose a tenant
      </h1>
      {tenants.loading && !tenants.data && <Loading what="tenants" />}
      {tenants.error && <ErrorBox error={tenants.error} retry={tenants.reload} />}
      {tenants.data && tenants.data.data.length === 0 && <p class="empty-title">No tenants yet. Create one with the API or the CLI (billhook tenants create).</p>}
      {tenants.data && tenants.data.data.length > 0 && (
        <ul class="tenant-list">
          {tenants.data.data.map((t) => (
            <li key={t.id}>
              <a href={link('t', t.id, 'endpoints')}>
                <strong>{t.name}</strong> <span class="mono muted">{t.id}</span>
              </a>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function View({ segments, canWrite }: { segments: string[]; canWrite: boolean }) {
  const [, , page, id, action] = segments;
  if (page === 'endpoints' && (id === 'new' || action === 'edit') && !canWrite) return <ViewOnly />;
  if (page === 'endpoints' && id === 'new') return <EndpointFormPage />;
  if (page === 'endpoints' && id && action === 'edit') return <EndpointFormPage endpointId={id} />;
  if (page === 'endpoints' && id) return <EndpointPage endpointId={id} />;
  if (page === 'endpoints') return <EndpointsPage />;
  if (page === 'deliveries' && id) return <DeliveryPage deliveryId={id} />;
  if (page === 'deliveries') return <DeliveriesPage />;
  if (page === 'events' && id) return <EventPage eventId={id} />;
  if (page === 'events') return <EventsPage />;
  if (page === 'activity') return <ActivityPage />;
  if (page === 'catalogue') return <CataloguePage />;
  return (
    <section>
      <h1 tabIndex={-1}>Page not found</h1>
      <p>
        <a href={link('t', segments[1] ?? '', 'endpoints')}>Go to the endpoints</a>
      </p>
    </section>
  );
}

/** Where an expired, revoked or altered portal link lands (and a portal URL without one). */
export function ExpiredPage({ productName }: { productName: string }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return (
    <main id="main" class="expired">
      <p class="expired-brand">{productName}</p>
      <h1 ref={heading} tabIndex={-1} data-testid="portal-expired">
        This link has expired
      </h1>
      <p>For your security, links to this page work for a limited time only.</p>
      <p>Go back to the app that opened this page and open it again from there: it gives you a new link.</p>
    </main>
  );
}

/** Header, navigation and the current view, for whoever is signed in. */
function Shell({ api, who, brand, onSignOut }: { api: Api; who: Who; brand: Brand; onSignOut?: (() => void) | undefined }) {
  const route = useRoute();
  const [notice, setNotice] = useState('');
  const mainRef = useRef<HTMLElement>(null);

  // Tenant keys and portal sessions belong to one tenant: send them there; admins without a tenant go to the picker.
  const tenantInRoute = route.segments[0] === 't' ? route.segments[1] : undefined;
  useEffect(() => {
    if (who.kind !== 'admin' && tenantInRoute !== who.tenantId) navigate(link('t', who.tenantId, 'endpoints'));
    if (who.kind === 'admin' && !tenantInRoute && route.segments[0] !== 'tenants') navigate(link('tenants'));
  }, [who, tenantInRoute, route.segments]);

  // Move focus to the new view's heading, so keyboard and screen-reader users land on it.
  const path = route.segments.join('/');
  useEffect(() => {
    const h1 = mainRef.current?.querySelector('h1');
    if (h1 instanceof HTMLElement) h1.focus({ preventScroll: false });
    setNotice('');
  }, [path]);

  // One tenant's credential never renders (nor asks for) another tenant's pages: the redirect above is on its way.
  const allowed = tenantInRoute && (who.kind === 'admin' || who.tenantId === tenantInRoute);
  const canWrite = canWriteAs(who);
  const session: Session | undefined = allowed ? { api, who, tenantId: tenantInRoute, notify: setNotice, canWrite } : undefined;
  const section = route.segments[2];
  const nav = (page: string, label: string) => (
    <li>
      <a href={link('t', tenantInRoute ?? '', page)} aria-current={section === page ? 'page' : undefined}>
        {label}
      </a>
    </li>
  );
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), mainRef.current?.focus())}>
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href={tenantInRoute ? link('t', tenantInRoute, 'endpoints') : link('tenants')} data-testid="brand">
          {brand.productName}
        </a>
        {tenantInRoute && (
          <nav aria-label="Sections">
            <ul>
              {nav('endpoints', 'Endpoints')}
              {nav('deliveries', 'Deliveries')}
              {nav('events', 'Events')}
              {nav('activity', 'Activity')}
              {nav('catalogue', 'Catalogue')}
            </ul>
          </nav>
        )}
        <div class="account">
          {who.kind === 'admin' && (
            <a href={link('tenants')} class="tenant-switch" title="Switch tenant">
              {tenantInRoute ? <span class="mono">{tenantInRoute}</span> : 'All tenants'} <span class="muted">(admin)</span>
            </a>
          )}
          {who.kind === 'tenant' && <span class="mono">{who.tenantId}</span>}
          {!canWrite && (
            <span class="badge badge-readonly" data-testid="view-only">
              View only
            </span>
          )}
          {onSignOut && (
            <button type="button" onClick={onSignOut}>
              Sign out
            </button>
          )}
        </div>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1}>
        <p class="notice" role="status" aria-live="polite">
          {notice}
        </p>
        {session ? (
          <SessionContext.Provider value={session}>
            <View segments={route.segments} canWrite={canWrite} />
          </SessionContext.Provider>
        ) : (
          who.kind === 'admin' && <TenantPicker api={api} />
        )}
      </main>
    </>
  );
}

/** The dashboard: an API key typed into the sign-in form. */
function KeyApp({ store, brand }: { store: KeyValueStore; brand: Brand }) {
  const [key, setKey] = useState<string | undefined>(() => store.get(KEY_STORAGE));
  const [who, setWho] = useState<Who>();
  const [bootError, setBootError] = useState<Error>();
  const [attempt, setAttempt] = useState(0);

  const signOut = () => {
    store.remove(KEY_STORAGE);
    setKey(undefined);
    setWho(undefined);
  };
  const api = useMemo(() => (key ? new Api(key, signOut) : undefined), [key]);

  // A reload keeps the key (same tab): find out again whose it is.
  useEffect(() => {
    if (!key || who) return;
    whoami(key).then(setWho, (err: Error) => (err instanceof ApiError && err.status === 401 ? signOut() : setBootError(err)));
  }, [key, who, attempt]);

  if (!key || !api) {
    return (
      <SignIn
        productName={brand.productName}
        onSignedIn={(k, w) => {
          store.set(KEY_STORAGE, k);
          setKey(k);
          setWho(w);
        }}
      />
    );
  }
  if (bootError) return <ErrorBox error={bootError} retry={() => (setBootError(undefined), setAttempt((n) => n + 1))} />;
  if (!who) return <Loading what="your account" />;
  return <Shell api={api} who={who} brand={brand} onSignOut={signOut} />;
}

/**
 * The customer portal: the session from the magic link, for one tenant.
 * Any 401 (an expired, revoked or altered session) ends on the expired page.
 */
function PortalApp({ portal, store, brand }: { portal: PortalBoot; store: KeyValueStore; brand: Brand }) {
  const [expired, setExpired] = useState(!portal.token);
  const [who, setWho] = useState<Who>();
  const [bootError, setBootError] = useState<Error>();
  const [attempt, setAttempt] = useState(0);
  const api = useMemo(() => {
    if (!portal.token) return undefined;
    return new Api(portal.token, () => {
      store.remove(PORTAL_STORAGE);
      setExpired(true);
    });
  }, [portal.token]);

  useEffect(() => {
    if (!api || who || expired) return;
    api.whoami().then(
      // Only a portal session of this page's tenant: anything else in the fragment is not a link to this portal.
      (w) => (w.kind === 'portal' && w.tenantId === portal.tenantId ? setWho(w) : (store.remove(PORTAL_STORAGE), setExpired(true))),
      (err: Error) => !(err instanceof ApiError && err.status === 401) && setBootError(err),
    );
  }, [api, who, expired, attempt]);

  if (expired || !api) return <ExpiredPage productName={brand.productName} />;
  if (bootError) return <ErrorBox error={bootError} retry={() => (setBootError(undefined), setAttempt((n) => n + 1))} />;
  if (!who) return <Loading what={brand.productName} />;
  return <Shell api={api} who={who} brand={brand} />;
}

export function App({ boot }: { boot: Boot }) {
  return boot.portal ? <PortalApp portal={boot.portal} store={boot.store} brand={boot.brand} /> : <KeyApp store={boot.store} brand={boot.brand} />;
}
