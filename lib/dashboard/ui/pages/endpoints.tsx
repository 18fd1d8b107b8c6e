/** Endpoints: the list with health, create/edit with the event-type picker, and one endpoint's page. */
import { useState } from 'preact/hooks';
import { MAX_IN_FLIGHT, type OrderingMode } from '../../../core/endpoint-limits.ts';
import { ApiError, pathOf, queryOf, type Delivery, type Endpoint, type EndpointStats, type EndpointTotals, type EventType, type Page } from '../api.ts';
import { ActivityCharts } from '../charts.tsx';
import { formatMs } from '../chart-geometry.ts';
import { Code, Empty, ErrorBox, EventTypeOptions, IfCanWrite, Loading, Pager, StatusBadge, Table, Time, fieldErrors, fromLocalInput, toLocalInput } from '../components.tsx';
import { useSession } from '../context.ts';
import { useCursorPager, useInterval, useLoad, type Loaded } from '../hooks.ts';
import { link, navigate } from '../router.ts';

const PAGE_SIZE = 20;
/** How often the list's 24-hour figures refresh while it is open (one request for all rows). */
const TOTALS_REFRESH_MS = 10_000;

function useTenantPath() {
  const { tenantId } = useSession();
  return (...segments: string[]) => pathOf('v1', 'tenants', tenantId, ...segments);
}

const ZERO = { succeeded: 0, failed: 0, exhausted: 0, p50Ms: null, p95Ms: null };

/** One row's last-24-hour figures, out of the list's single totals request (no entry: nothing happened, zeros). */
function Totals({ endpointId, totals }: { endpointId: string; totals: Loaded<Map<string, EndpointTotals>> }) {
  if (!totals.data) return totals.error ? <span class="muted" title={totals.error.message}>unavailable</span> : <span class="muted">…</span>;
  const t = totals.data.get(endpointId) ?? { endpointId, ...ZERO };
  const attempts = t.succeeded + t.failed + t.exhausted;
  const rate = attempts ? t.succeeded / attempts : null;
  return (
    <span class="health">
      <span class="rate">{rate === null ? <span class="muted">no attempts</span> : `${(rate * 100).toFixed(rate === 1 ? 0 : 1)} %`}</span>
      <span class="small muted">
        {t.succeeded} ok · {t.failed} failed · {t.exhausted} exhausted
        {t.p95Ms !== null && ` · p95 ${formatMs(t.p95Ms)}`}
      </span>
    </span>
  );
}

export function EndpointsPage() {
  const { api, tenantId, notify, canWrite } = useSession();
  const p = useTenantPath();
  const pager = useCursorPager(tenantId);
  const list = useLoad(() => api.get<Page<Endpoint>>(p('endpoints') + queryOf({ limit: PAGE_SIZE, cursor: pager.cursor })), [tenantId, pager.cursor]);
  // One request for every row's figures, whatever the page size (the stats table answers it from counters).
  const totals = useLoad(async () => new Map((await api.endpointTotals(tenantId)).data.map((t) => [t.endpointId, t])), [tenantId]);
  useInterval(totals.reload, TOTALS_REFRESH_MS, !totals.error);
  const toggle = async (ep: Endpoint) => {
    try {
      await api.patch(p('endpoints', ep.id), { disabled: ep.status === 'enabled' });
      notify(`${ep.url} ${ep.status === 'enabled' ? 'disabled' : 'enabled'}.`);
      list.reload();
    } catch (err) {
      notify(`Could not change ${ep.url}: ${(err as Error).message}`);
    }
  };
  return (
    <section aria-labelledby="endpoints-title">
      <div class="page-head">
        <h1 id="endpoints-title" tabIndex={-1}>
          Endpoints
        </h1>
        <IfCanWrite>
          <a class="button primary" href={link('t', tenantId, 'endpoints', 'new')}>
            Add endpoint
          </a>
        </IfCanWrite>
      </div>
      {list.loading && !list.data && <Loading what="endpoints" />}
      {list.error && <ErrorBox error={list.error} retry={list.reload} />}
      {list.data && list.data.data.length === 0 && pager.page === 1 && (
        <Empty title="No endpoints yet">
          <p>An endpoint is a URL of yours that receives signed events.</p>
          <IfCanWrite>
            <a class="button primary" href={link('t', tenantId, 'endpoints', 'new')}>
              Add your first endpoint
            </a>
          </IfCanWrite>
        </Empty>
      )}
      {list.data && list.data.data.length > 0 && (
        <Table caption="Endpoints">
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Status</th>
              <th scope="col">Events</th>
              <th scope="col">Last 24 h</th>
              {canWrite && (
                <th scope="col">
                  <span class="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {list.data.data.map((ep) => (
              <tr key={ep.id}>
                <td>
                  <a href={link('t', tenantId, 'endpoints', ep.id)} class="url">
                    {ep.url}
                  </a>
                  {ep.description && <div class="muted small">{ep.description}</div>}
                </td>
                <td>
                  <StatusBadge status={ep.status} />
                </td>
                <td class="small">{ep.eventTypes.join(', ')}</td>
                <td data-testid="endpoint-stats" data-endpoint={ep.id}>
                  <Totals endpointId={ep.id} totals={totals} />
                </td>
                {canWrite && (
                  <td class="actions">
                    <button type="button" onClick={() => toggle(ep)} aria-label={`${ep.status === 'enabled' ? 'Disable' : 'Enable'} ${ep.url}`}>
                      {ep.status === 'enabled' ? 'Disable' : 'Enable'}
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      {list.data && <Pager label="Endpoints" page={pager.page} hasNext={!!list.data.nextCursor} onNext={() => pager.next(list.data!.nextCursor!)} onPrevious={pager.previous} />}
    </section>
  );
}

/**
 * Event types as the catalogue groups them (`invoice.*`), with `*` for
 * everything. Choosing a wildcard covers (and greys out) what it matches.
 */
function EventTypePicker({ value, onChange, error }: { value: string[]; onChange: (v: string[]) => void; error?: string | undefined }) {
  const { api } = useSession();
  const catalogue = useLoad(() => api.eventTypes(), []);
  if (catalogue.error) return <ErrorBox error={catalogue.error} retry={catalogue.reload} />;
  if (!catalogue.data) return <Loading what="event types" />;
  const groups = new Map<string, EventType[]>();
  for (const t of catalogue.data) {
    const g = t.type.split('.')[0] ?? t.type;
    groups.set(g, [...(groups.get(g) ?? []), t]);
  }
  const has = (t: string) => value.includes(t);
  const set = (t: string, on: boolean) => onChange(on ? [...value.filter((v) => v !== t), t] : value.filter((v) => v !== t));
  const all = has('*');
  return (
    <fieldset class="picker" aria-describedby={error ? 'eventTypes-error' : 'eventTypes-help'}>
      <legend>Event types</legend>
      <p id="eventTypes-help" class="help">
        Wildcards follow new types of a group as they are added. Operational events (endpoint.*, delivery.*) are never matched by “All events”.
      </p>
      <label class="check strong">
        <input type="checkbox" checked={all} onChange={(e) => set('*', e.currentTarget.checked)} /> All events <code>*</code>
      </label>
      <div class="groups">
        {[...groups].map(([group, types]) => {
          const wildcard = `${group}.*`;
          const groupOn = has(wildcard);
          return (
            <div class="group" key={group} role="group" aria-label={`${group} events`}>
              <label class="check strong">
                <input type="checkbox" checked={groupOn} disabled={all && group !== 'endpoint' && group !== 'delivery'} onChange={(e) => set(wildcard, e.currentTarget.checked)} /> All{' '}
                <code>{wildcard}</code>
              </label>
              {types.map((t) => (
                <label class="check" key={t.type} title={t.description}>
                  <input type="checkbox" checked={has(t.type) || groupOn} disabled={groupOn || (all && group !== 'endpoint' && group !== 'delivery')} onChange={(e) => set(t.type, e.currentTarget.checked)} />{' '}
                  <code>{t.type}</code>
                </label>
              ))}
            </div>
          );
        })}
      </div>
      {error && (
        <p id="eventTypes-error" class="field-error" role="alert">
          {error}
        </p>
      )}
    </fieldset>
  );
}

function Field(props: { id: string; label: string; help?: string; error?: string | undefined; children: (a: Record<string, unknown>) => preact.JSX.Element }) {
  const described = [props.help ? `${props.id}-help` : '', props.error ? `${props.id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children({ id: props.id, name: props.id, 'aria-invalid': props.error ? true : undefined, ...(described ? { 'aria-describedby': described } : {}) })}
      {props.help && (
        <p id={`${props.id}-help`} class="help">
          {props.help}
        </p>
      )}
      {props.error && (
        <p id={`${props.id}-error`} class="field-error">
          {props.error}
        </p>
      )}
    </div>
  );
}

export function EndpointFormPage({ endpointId }: { endpointId?: string }) {
  const { api, tenantId, notify } = useSession();
  const p = useTenantPath();
  const existing = useLoad(() => (endpointId ? api.get<Endpoint>(p('endpoints', endpointId)) : Promise.resolve(undefined)), [endpointId]);
  if (endpointId && existing.error) return <ErrorBox error={existing.error} retry={existing.reload} />;
  if (endpointId && !existing.data) return <Loading what="the endpoint" />;
  return <EndpointForm key={endpointId ?? 'new'} initial={existing.data} api={api} tenantId={tenantId} notify={notify} path={p} />;
}

function EndpointForm(props: { initial: Endpoint | undefined; api: ReturnType<typeof useSession>['api']; tenantId: string; notify: (m: string) => void; path: (...s: string[]) => string }) {
  const { initial, api, tenantId, notify } = props;
  const [url, setUrl] = useState(initial?.url ?? '');
  const [description, setDescription] = useState(initial?.description ?? '');
  const [eventTypes, setEventTypes] = useState<string[]>(initial?.eventTypes ?? ['*']);
  const [scheme, setScheme] = useState<Endpoint['signatureScheme']>(initial?.signatureScheme ?? 'standard-webhooks');
  const [schedule, setSchedule] = useState(initial ? initial.retrySchedule.join(', ') : '');
  const [rate, setRate] = useState(initial?.rateLimitPerSecond ? String(initial.rateLimitPerSecond) : '');
  const [maxInFlight, setMaxInFlight] = useState(initial ? String(initial.maxInFlight) : '');
  const [ordering, setOrdering] = useState<OrderingMode>(initial?.ordering ?? 'none');
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const errors = fieldErrors(error);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    const delays = schedule.trim() ? schedule.split(/[\s,]+/).filter(Boolean).map(Number) : undefined;
    if (delays?.some((d) => !Number.isInteger(d) || d < 0)) return setError(new ApiError(422, 'validation_failed', 'Fix the fields below.', [{ path: 'retrySchedule', message: 'Whole seconds, separated by commas, e.g. 5, 300, 1800.' }]));
    if (eventTypes.length === 0) return setError(new ApiError(422, 'validation_failed', 'Fix the fields below.', [{ path: 'eventTypes', message: 'Choose at least one event type.' }]));
    const body: Record<string, unknown> = { url: url.trim(), description, eventTypes };
    if (!initial) body.signatureScheme = scheme;
    if (delays) body.retrySchedule = delays;
    if (rate.trim()) body.rateLimitPerSecond = Number(rate);
    // Only what changed: an edit that leaves them alone keeps following the deployment default.
    if (maxInFlight.trim() && Number(maxInFlight) !== initial?.maxInFlight) body.maxInFlight = Number(maxInFlight);
    if (ordering !== (initial?.ordering ?? 'none')) body.ordering = ordering;
    setBusy(true);
    try {
      const saved = initial ? await api.patch<Endpoint>(props.path('endpoints', initial.id), body) : await api.post<Endpoint>(props.path('endpoints'), body);
      notify(initial ? 'Endpoint saved.' : 'Endpoint created. Its signing secret is on its page.');
      navigate(link('t', tenantId, 'endpoints', saved.id));
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="form-title">
      <h1 id="form-title" tabIndex={-1}>
        {initial ? 'Edit endpoint' : 'Add endpoint'}
      </h1>
      <form onSubmit={submit} noValidate class="form">
        {error && (
          <div class="error-box" role="alert">
            <p>
              <strong>{initial ? 'Not saved.' : 'Not created.'}</strong> {error.message}
            </p>
          </div>
        )}
        <Field id="url" label="URL" help="Where Billhook POSTs events. https:// in production." error={errors.url}>
          {(a) => <input {...a} type="url" required value={url} onInput={(e) => (setUrl(e.currentTarget.value), setError(undefined))} placeholder="https://example.com/webhooks" />}
        </Field>
        <Field id="description" label="Description (optional)" error={errors.description}>
          {(a) => <input {...a} type="text" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />}
        </Field>
        <EventTypePicker value={eventTypes} onChange={setEventTypes} error={errors.eventTypes} />
        {!initial && (
          <Field id="signatureScheme" label="Signature scheme" error={errors.signatureScheme}>
            {(a) => (
              <select {...a} value={scheme} onChange={(e) => setScheme(e.currentTarget.value as Endpoint['signatureScheme'])}>
                <option value="standard-webhooks">Standard Webhooks, HMAC-SHA256 (v1)</option>
                <option value="standard-webhooks-ed25519">Standard Webhooks, Ed25519 (v1a)</option>
                <option value="hmac-sha256-hex">Hex HMAC-SHA256 (x-signature)</option>
              </select>
            )}
          </Field>
        )}
        <Field id="retrySchedule" label="Retry delays in seconds (optional)" help="After the first attempt; empty keeps the deployment's default." error={errors.retrySchedule}>
          {(a) => <input {...a} type="text" inputMode="numeric" value={schedule} onInput={(e) => setSchedule(e.currentTarget.value)} placeholder="5, 300, 1800" />}
        </Field>
        <Field id="rateLimitPerSecond" label="Rate limit per second (optional)" error={errors.rateLimitPerSecond}>
          {(a) => <input {...a} type="number" min={1} max={10000} value={rate} onInput={(e) => setRate(e.currentTarget.value)} />}
        </Field>
        <Field
          id="maxInFlight"
          label="Concurrent requests at most (optional)"
          help={`${MAX_IN_FLIGHT.min}–${MAX_IN_FLIGHT.max}: how many requests this endpoint receives at the same time, across the whole deployment. Empty keeps the deployment's default.`}
          error={errors.maxInFlight}
        >
          {(a) => <input {...a} type="number" inputMode="numeric" min={MAX_IN_FLIGHT.min} max={MAX_IN_FLIGHT.max} step={1} value={maxInFlight} onInput={(e) => setMaxInFlight(e.currentTarget.value)} />}
        </Field>
        <Field
          id="ordering"
          label="Ordering"
          help="By ordering key: events that share an orderingKey arrive in the order they were sent, each after the previous one succeeded or was exhausted; other keys are not held back, and events without a key are not ordered. Held-back deliveries are neither failures nor spent attempts."
          error={errors.ordering}
        >
          {(a) => (
            <select {...a} value={ordering} onChange={(e) => setOrdering(e.currentTarget.value as OrderingMode)}>
              <option value="none">None: deliver each event as soon as possible</option>
              <option value="key">By ordering key</option>
            </select>
          )}
        </Field>
        <div class="form-actions">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Saving…' : initial ? 'Save' : 'Create endpoint'}
          </button>
          <a class="button" href={initial ? link('t', tenantId, 'endpoints', initial.id) : link('t', tenantId, 'endpoints')}>
            Cancel
          </a>
        </div>
      </form>
    </section>
  );
}

function SecretPanel({ endpoint }: { endpoint: Endpoint }) {
  const { api, notify } = useSession();
  const p = useTenantPath();
  const [secret, setSecret] = useState<string>();
  const [error, setError] = useState<Error>();
  const [confirming, setConfirming] = useState(false);
  const show = async () => {
    setError(undefined);
    try {
      setSecret((await api.get<{ secret: string }>(p('endpoints', endpoint.id, 'secret'))).secret);
    } catch (err) {
      setError(err as Error);
    }
  };
  const rotate = async () => {
    setConfirming(false);
    setError(undefined);
    try {
      setSecret((await api.post<{ secret: string }>(p('endpoints', endpoint.id, 'secret', 'rotate'), {})).secret);
      notify('Secret rotated. The old secret keeps signing beside the new one for 24 hours.');
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <section class="panel" aria-labelledby="secret-title">
      <h2 id="secret-title">Signing secret</h2>
      {secret ? (
        <p>
          <code class="secret" data-testid="secret">
            {secret}
          </code>{' '}
          <button type="button" onClick={() => setSecret(undefined)}>
            Hide
          </button>
        </p>
      ) : (
        <p>
          <button type="button" onClick={show}>
            Show secret
          </button>
        </p>
      )}
      {confirming ? (
        <div class="confirm" role="group" aria-label="Confirm rotation">
          <p>Rotate the secret? Receivers should add the new one within 24 hours.</p>
          <button type="button" class="danger" onClick={rotate}>
            Rotate now
          </button>{' '}
          <button type="button" onClick={() => setConfirming(false)}>
            Keep the current secret
          </button>
        </div>
      ) : (
        <button type="button" onClick={() => setConfirming(true)}>
          Rotate secret…
        </button>
      )}
      {error && <ErrorBox error={error} />}
    </section>
  );
}

/** Recover: re-send what failed in a window, then follow the count of what is still failing. */
function RecoverPanel({ endpoint }: { endpoint: Endpoint }) {
  const { api, notify } = useSession();
  const p = useTenantPath();
  const [since, setSince] = useState(() => toLocalInput(new Date(Date.now() - 24 * 3600_000).toISOString()));
  const [until, setUntil] = useState('');
  const [error, setError] = useState<Error>();
  const [progress, setProgress] = useState<{ total: number; left: number; started: number; done: boolean }>();
  const countFailing = async (window: { since: string; until?: string | undefined }): Promise<number> => {
    let n = 0;
    for (const status of ['failed', 'exhausted'] as const) {
      let cursor: string | null | undefined;
      let pages = 0;
      do {
        const page = await api.get<Page<Delivery>>(p('deliveries') + queryOf({ endpointId: endpoint.id, status, since: window.since, until: window.until, limit: 250, cursor }));
        n += page.data.length;
        cursor = page.nextCursor;
      } while (cursor && ++pages < 20);
    }
    return n;
  };
  const [window, setWindow] = useState<{ since: string; until?: string | undefined }>();
  useInterval(
    async () => {
      if (!window || !progress || progress.done) return;
      const left = await countFailing(window).catch(() => progress.left);
      const done = left === 0 || Date.now() - progress.started > 120_000;
      setProgress({ ...progress, left, done });
      if (done) notify(left === 0 ? 'Recover finished: every delivery in the window went through.' : `Recover sent everything again; ${left} still failing.`);
    },
    2000,
    !!progress && !progress.done,
  );
  const start = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    const s = fromLocalInput(since);
    if (!s) return setError(new Error('Choose when the window starts.'));
    const w = { since: s, until: fromLocalInput(until) };
    try {
      const r = await api.post<{ queued: number }>(p('endpoints', endpoint.id, 'recover'), { since: w.since, ...(w.until ? { until: w.until } : {}) });
      const total = Math.max(r.queued, await countFailing(w));
      setWindow(w);
      setProgress({ total, left: total, started: Date.now(), done: total === 0 });
      notify(total === 0 ? 'Nothing to recover in that window.' : `Recover started: ${total} deliveries queued again.`);
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <section class="panel" aria-labelledby="recover-title">
      <h2 id="recover-title">Recover failed deliveries</h2>
      <form onSubmit={start} class="inline-form">
        <label>
          From <input type="datetime-local" value={since} onInput={(e) => setSince(e.currentTarget.value)} required />
        </label>
        <label>
          Until (optional) <input type="datetime-local" value={until} onInput={(e) => setUntil(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={!!progress && !progress.done}>
          Recover
        </button>
      </form>
      {progress && progress.total > 0 && (
        <div class="progress">
          <label for="recover-progress">
            {progress.done ? 'Done' : 'Re-sending'}: {progress.total - progress.left} of {progress.total} delivered
          </label>
          <progress id="recover-progress" max={progress.total} value={progress.total - progress.left} />
        </div>
      )}
      {error && <ErrorBox error={error} />}
    </section>
  );
}

export function EndpointPage({ endpointId }: { endpointId: string }) {
  const { api, tenantId, notify, canWrite } = useSession();
  const p = useTenantPath();
  const ep = useLoad(() => api.get<Endpoint>(p('endpoints', endpointId)), [endpointId]);
  const stats = useLoad(() => api.get<EndpointStats>(p('endpoints', endpointId, 'stats')), [endpointId]);
  const catalogue = useLoad(() => api.eventTypes(), []);
  const [testType, setTestType] = useState('');
  const [actionError, setActionError] = useState<Error>();
  const [confirmDelete, setConfirmDelete] = useState(false);
  if (ep.error) return <ErrorBox error={ep.error} retry={ep.reload} />;
  if (!ep.data) return <Loading what="the endpoint" />;
  const e = ep.data;
  const act = async (what: () => Promise<unknown>, done: string) => {
    setActionError(undefined);
    try {
      await what();
      notify(done);
      ep.reload();
      stats.reload();
    } catch (err) {
      setActionError(err as Error);
    }
  };
  const sendTest = () =>
    act(async () => {
      const d: Delivery = await api.sendTest(tenantId, e.id, testType || undefined);
      navigate(link('t', tenantId, 'deliveries', d.id));
    }, 'Test event sent.');
  return (
    <section aria-labelledby="endpoint-title">
      <p class="crumbs">
        <a href={link('t', tenantId, 'endpoints')}>Endpoints</a> /
      </p>
      <div class="page-head">
        <h1 id="endpoint-title" tabIndex={-1} class="url">
          {e.url}
        </h1>
        <StatusBadge status={e.status} />
      </div>
      {e.disabledReason && <p class="warn-box">Disabled: {e.disabledReason}</p>}
      {actionError && <ErrorBox error={actionError} />}
      <div class="toolbar">
        <IfCanWrite>
          <a class="button" href={link('t', tenantId, 'endpoints', e.id, 'edit')}>
            Edit
          </a>
          <button type="button" onClick={() => act(() => api.patch(p('endpoints', e.id), { disabled: e.status === 'enabled' }), e.status === 'enabled' ? 'Endpoint disabled.' : 'Endpoint enabled; its backlog drains at a capped rate.')}>
            {e.status === 'enabled' ? 'Disable' : 'Enable'}
          </button>
          <span class="test-event">
            <label for="test-type" class="sr-only">
              Test event type
            </label>
            <select id="test-type" value={testType} onChange={(ev) => setTestType(ev.currentTarget.value)}>
              <option value="">Default test event</option>
              <EventTypeOptions types={catalogue.data} />
            </select>
            <button type="button" onClick={sendTest}>
              Send test event
            </button>
          </span>
        </IfCanWrite>
        <a class="button" href={link('t', tenantId, 'deliveries', new URLSearchParams({ endpointId: e.id }))}>
          Deliveries
        </a>
        {!canWrite ? null : confirmDelete ? (
          <span class="confirm" role="group" aria-label="Confirm delete">
            Delete this endpoint?{' '}
            <button type="button" class="danger" onClick={() => act(() => api.del(p('endpoints', e.id)).then(() => navigate(link('t', tenantId, 'endpoints'))), 'Endpoint deleted.')}>
              Delete
            </button>{' '}
            <button type="button" onClick={() => setConfirmDelete(false)}>
              Cancel
            </button>
          </span>
        ) : (
          <button type="button" class="danger-outline" onClick={() => setConfirmDelete(true)}>
            Delete…
          </button>
        )}
      </div>
      <div class="grid">
        <section class="panel" aria-labelledby="details-title">
          <h2 id="details-title">Details</h2>
          <dl class="facts">
            <dt>Id</dt>
            <dd class="mono">{e.id}</dd>
            <dt>Description</dt>
            <dd>{e.description || <span class="muted">—</span>}</dd>
            <dt>Event types</dt>
            <dd>{e.eventTypes.map((t) => <code key={t}>{t} </code>)}</dd>
            <dt>Signature</dt>
            <dd>{e.signatureScheme}</dd>
            <dt>Retry delays</dt>
            <dd>{e.retrySchedule.length ? e.retrySchedule.map((s) => `${s} s`).join(', ') : 'none'}</dd>
            <dt>Concurrency</dt>
            <dd>
              at most {e.maxInFlight} at a time{e.rateLimitPerSecond ? `, ${e.rateLimitPerSecond} per second` : ''}
            </dd>
            <dt>Ordering</dt>
            <dd>{e.ordering === 'key' ? 'by ordering key' : 'none'}</dd>
            <dt>Custom headers</dt>
            <dd>{e.headerNames.length ? e.headerNames.join(', ') : <span class="muted">none</span>}</dd>
            <dt>Created</dt>
            <dd>
              <Time iso={e.createdAt} />
            </dd>
          </dl>
        </section>
        <section class="panel" aria-labelledby="health-title">
          <h2 id="health-title">Last 24 hours</h2>
          {stats.error && <ErrorBox error={stats.error} retry={stats.reload} />}
          {!stats.data && !stats.error && <Loading what="health" />}
          {stats.data && (
            <dl class="facts">
              <dt>Success rate</dt>
              <dd class="big">{stats.data.successRate === null ? '—' : `${(stats.data.successRate * 100).toFixed(1)} %`}</dd>
              <dt>Deliveries</dt>
              <dd>
                {stats.data.deliveries}
                {stats.data.truncated ? '+' : ''} ({stats.data.succeeded} succeeded, {stats.data.inFlight} in flight, {stats.data.exhausted} exhausted)
              </dd>
              <dt>Recent status codes</dt>
              <dd class="codes">{stats.data.recentStatusCodes.length ? stats.data.recentStatusCodes.map((c, i) => <Code key={i} code={c} />) : <span class="muted">none yet</span>}</dd>
            </dl>
          )}
        </section>
        <IfCanWrite>
          <SecretPanel endpoint={e} />
          <RecoverPanel endpoint={e} />
        </IfCanWrite>
      </div>
      <section class="panel activity-panel" aria-labelledby="activity-title">
        <h2 id="activity-title">Activity</h2>
        <ActivityCharts endpointId={e.id} level={3} />
      </section>
    </section>
  );
}
