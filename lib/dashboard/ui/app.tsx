/**
 * The shell: sign-in, tenant choice (admins), navigation, and the view for
 * the current route. The key lives in sessionStorage only: closing the tab
 * signs out, and nothing is written to disk for long.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Api, ApiError, whoami, type Tenant, type Who } from './api.ts';
import { ErrorBox, Loading } from './components.tsx';
import { SessionContext, type Session } from './context.ts';
import { useLoad } from './hooks.ts';
import { link, navigate, useRoute } from './router.ts';
import { DeliveriesPage, DeliveryPage } from './pages/deliveries.tsx';
import { EndpointFormPage, EndpointPage, EndpointsPage } from './pages/endpoints.tsx';
import { EventPage, EventsPage } from './pages/events.tsx';

const KEY_STORAGE = 'billhook.key';

function SignIn({ onSignedIn }: { onSignedIn: (key: string, who: Who) => void }) {
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
      <h1>Billhook</h1>
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

function View({ segments }: { segments: string[] }) {
  const [, , page, id, action] = segments;
  if (page === 'endpoints' && id === 'new') return <EndpointFormPage />;
  if (page === 'endpoints' && id && action === 'edit') return <EndpointFormPage endpointId={id} />;
  if (page === 'endpoints' && id) return <EndpointPage endpointId={id} />;
  if (page === 'endpoints') return <EndpointsPage />;
  if (page === 'deliveries' && id) return <DeliveryPage deliveryId={id} />;
  if (page === 'deliveries') return <DeliveriesPage />;
  if (page === 'events' && id) return <EventPage eventId={id} />;
  if (page === 'events') return <EventsPage />;
  return (
    <section>
      <h1 tabIndex={-1}>Page not found</h1>
      <p>
        <a href={link('t', segments[1] ?? '', 'endpoints')}>Go to the endpoints</a>
      </p>
    </section>
  );
}

export function App() {
  const route = useRoute();
  const [key, setKey] = useState<string | undefined>(() => sessionStorage.getItem(KEY_STORAGE) ?? undefined);
  const [who, setWho] = useState<Who>();
  const [bootError, setBootError] = useState<Error>();
  const [notice, setNotice] = useState('');
  const mainRef = useRef<HTMLElement>(null);

  const signOut = () => {
    sessionStorage.removeItem(KEY_STORAGE);
    setKey(undefined);
    setWho(undefined);
  };
  const api = useMemo(() => (key ? new Api(key, signOut) : undefined), [key]);

  // A reload keeps the key (same tab): find out again whose it is.
  useEffect(() => {
    if (!key || who) return;
    whoami(key).then(setWho, (err: Error) => (err instanceof ApiError && err.status === 401 ? signOut() : setBootError(err)));
  }, [key, who]);

  // Tenant keys belong to one tenant: send them there; admins without a tenant go to the picker.
  const tenantInRoute = route.segments[0] === 't' ? route.segments[1] : undefined;
  useEffect(() => {
    if (!who) return;
    if (who.kind === 'tenant' && tenantInRoute !== who.tenantId) navigate(link('t', who.tenantId!, 'endpoints'));
    if (who.kind === 'admin' && !tenantInRoute && route.segments[0] !== 'tenants') navigate(link('tenants'));
  }, [who, tenantInRoute, route.segments]);

  // Move focus to the new view's heading, so keyboard and screen-reader users land on it.
  const path = route.segments.join('/');
  useEffect(() => {
    const h1 = mainRef.current?.querySelector('h1');
    if (h1 instanceof HTMLElement) h1.focus({ preventScroll: false });
    setNotice('');
  }, [path]);

  if (!key || !api) {
    return (
      <SignIn
        onSignedIn={(k, w) => {
          sessionStorage.setItem(KEY_STORAGE, k);
          setKey(k);
          setWho(w);
        }}
      />
    );
  }
  if (bootError) return <ErrorBox error={bootError} retry={() => setBootError(undefined)} />;
  if (!who) return <Loading what="your account" />;

  // A tenant key never renders (nor asks for) another tenant's pages: the redirect above is on its way.
  const allowed = tenantInRoute && (who.kind === 'admin' || who.tenantId === tenantInRoute);
  const session: Session | undefined = allowed ? { api, who, tenantId: tenantInRoute, notify: setNotice } : undefined;
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
        <a class="brand" href={tenantInRoute ? link('t', tenantInRoute, 'endpoints') : link('tenants')}>
          Billhook
        </a>
        {tenantInRoute && (
          <nav aria-label="Sections">
            <ul>
              {nav('endpoints', 'Endpoints')}
              {nav('deliveries', 'Deliveries')}
              {nav('events', 'Events')}
            </ul>
          </nav>
        )}
        <div class="account">
          {who.kind === 'admin' ? (
            <a href={link('tenants')} class="tenant-switch" title="Switch tenant">
              {tenantInRoute ? <span class="mono">{tenantInRoute}</span> : 'All tenants'} <span class="muted">(admin)</span>
            </a>
          ) : (
            <span class="mono">{who.tenantId}</span>
          )}
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={mainRef} tabIndex={-1}>
        <p class="notice" role="status" aria-live="polite">
          {notice}
        </p>
        {session ? (
          <SessionContext.Provider value={session}>
            <View segments={route.segments} />
          </SessionContext.Provider>
        ) : (
          who.kind === 'admin' && <TenantPicker api={api} />
        )}
      </main>
    </>
  );
}
