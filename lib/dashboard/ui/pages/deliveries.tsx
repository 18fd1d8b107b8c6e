/** Deliveries: the filtered list, and one delivery with every attempt, its payload and a retry. */
import { useState } from 'preact/hooks';
import { prettyJson } from '../../../core/json-text.ts';
import { DELIVERY_STATUSES, pathOf, queryOf, webhookBodyText, type Attempt, type Delivery, type Endpoint, type Page } from '../api.ts';
import { Code, Empty, ErrorBox, EventTypeOptions, IfCanWrite, Loading, Pager, StatusBadge, Table, Time, fromLocalInput, shortId, toLocalInput } from '../components.tsx';
import { useSession } from '../context.ts';
import { useCursorPager, useInterval, useLoad } from '../hooks.ts';
import { link, navigate, useRoute } from '../router.ts';

const PAGE_SIZE = 25;
const FILTERS = ['status', 'endpointId', 'eventType', 'since', 'until'] as const;

/** A list of deliveries (shared by the deliveries page and an event's page). */
export function DeliveryTable({ rows, endpoints, caption }: { rows: Delivery[]; endpoints?: Map<string, string>; caption: string }) {
  const { tenantId } = useSession();
  return (
    <Table caption={caption}>
      <thead>
        <tr>
          <th scope="col">Delivery</th>
          <th scope="col">Event type</th>
          <th scope="col">Endpoint</th>
          <th scope="col">Status</th>
          <th scope="col">Attempts</th>
          <th scope="col">Last code</th>
          <th scope="col">Created</th>
          <th scope="col">Next attempt</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((d) => (
          <tr key={d.id} data-delivery={d.id}>
            <td>
              <a href={link('t', tenantId, 'deliveries', d.id)} class="mono" aria-label={`Delivery ${d.id}`}>
                {shortId(d.id)}
              </a>
            </td>
            <td>
              <code>{d.eventType}</code>
            </td>
            <td class="url small">
              <a href={link('t', tenantId, 'endpoints', d.endpointId)}>{endpoints?.get(d.endpointId) ?? shortId(d.endpointId)}</a>
            </td>
            <td>
              <StatusBadge status={d.status} />
            </td>
            <td class="num">{d.attemptCount}</td>
            <td>
              <Code code={d.attemptCount ? (d.lastStatusCode ?? 0) : undefined} />
            </td>
            <td>
              <Time iso={d.createdAt} />
            </td>
            <td>
              <Time iso={d.nextAttemptAt} />
            </td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

export function DeliveriesPage() {
  const { api, tenantId } = useSession();
  const route = useRoute();
  const filters = Object.fromEntries(FILTERS.map((f) => [f, route.query.get(f) ?? ''])) as Record<(typeof FILTERS)[number], string>;
  const filterKey = `${tenantId}?${FILTERS.map((f) => filters[f]).join('|')}`;
  const pager = useCursorPager(filterKey);
  const [auto, setAuto] = useState(true);
  const base = pathOf('v1', 'tenants', tenantId);
  const endpoints = useLoad(() => api.get<Page<Endpoint>>(`${base}/endpoints?limit=250`), [tenantId]);
  const catalogue = useLoad(() => api.eventTypes(), []);
  const list = useLoad(() => api.get<Page<Delivery>>(`${base}/deliveries` + queryOf({ ...filters, limit: PAGE_SIZE, cursor: pager.cursor })), [filterKey, pager.cursor]);
  // Keep the first page fresh while deliveries are moving; later pages stay put for reading.
  useInterval(list.reload, 5000, auto && pager.page === 1);
  const names = new Map((endpoints.data?.data ?? []).map((e) => [e.id, e.url]));

  const apply = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const q = new URLSearchParams();
    for (const f of FILTERS) {
      const raw = String(form.get(f) ?? '');
      const v = f === 'since' || f === 'until' ? (fromLocalInput(raw) ?? '') : raw;
      if (v) q.set(f, v);
    }
    navigate(link('t', tenantId, 'deliveries', q));
  };
  const filtered = FILTERS.some((f) => filters[f]);
  return (
    <section aria-labelledby="deliveries-title">
      <div class="page-head">
        <h1 id="deliveries-title" tabIndex={-1}>
          Deliveries
        </h1>
        <span class="toolbar">
          <label class="check">
            <input type="checkbox" checked={auto} onChange={(e) => setAuto(e.currentTarget.checked)} /> Refresh every 5 s
          </label>
          <button type="button" onClick={list.reload}>
            Refresh
          </button>
        </span>
      </div>
      <form class="filters" onSubmit={apply} key={filterKey} aria-label="Filter deliveries">
        <label>
          Status
          <select name="status" defaultValue={filters.status}>
            <option value="">Any</option>
            {DELIVERY_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Endpoint
          <select name="endpointId" defaultValue={filters.endpointId}>
            <option value="">Any</option>
            {endpoints.data?.data.map((e) => (
              <option key={e.id} value={e.id}>
                {e.url}
              </option>
            ))}
            {filters.endpointId && !names.has(filters.endpointId) && <option value={filters.endpointId}>{filters.endpointId}</option>}
          </select>
        </label>
        <label>
          Event type
          <select name="eventType" defaultValue={filters.eventType}>
            <option value="">Any</option>
            <EventTypeOptions types={catalogue.data} />
          </select>
        </label>
        <label>
          From
          <input type="datetime-local" name="since" defaultValue={toLocalInput(filters.since || undefined)} />
        </label>
        <label>
          Until
          <input type="datetime-local" name="until" defaultValue={toLocalInput(filters.until || undefined)} />
        </label>
        <span class="filter-actions">
          <button type="submit" class="primary">
            Apply
          </button>
          {filtered && (
            <a class="button" href={link('t', tenantId, 'deliveries')}>
              Clear
            </a>
          )}
        </span>
      </form>
      {list.loading && !list.data && <Loading what="deliveries" />}
      {list.error && <ErrorBox error={list.error} retry={list.reload} />}
      {list.data && list.data.data.length === 0 && (
        <Empty title={filtered ? 'No deliveries match these filters' : 'No deliveries yet'}>
          <p>{filtered ? 'Widen the time window or clear a filter.' : 'Deliveries appear here as soon as an event is routed to one of your endpoints.'}</p>
        </Empty>
      )}
      {list.data && list.data.data.length > 0 && <DeliveryTable rows={list.data.data} endpoints={names} caption="Deliveries, newest first" />}
      {list.data && <Pager label="Deliveries" page={pager.page} hasNext={!!list.data.nextCursor} onNext={() => pager.next(list.data!.nextCursor!)} onPrevious={pager.previous} />}
    </section>
  );
}

function Attempts({ attempts }: { attempts: Attempt[] }) {
  if (attempts.length === 0) return <Empty title="No attempts yet">{<p>The first attempt is on its way.</p>}</Empty>;
  return (
    <Table caption="Attempts, oldest first">
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">At</th>
          <th scope="col">Trigger</th>
          <th scope="col">Status</th>
          <th scope="col">Duration</th>
          <th scope="col">Error and response</th>
        </tr>
      </thead>
      <tbody>
        {attempts.map((a) => (
          <tr key={a.attempt} data-attempt={a.attempt}>
            <td class="num">{a.attempt}</td>
            <td>
              <Time iso={a.at} />
            </td>
            <td>{a.trigger}</td>
            <td>
              <Code code={a.statusCode ?? 0} />
            </td>
            <td class="num">{a.durationMs} ms</td>
            <td class="response">
              {a.error && <p class="attempt-error">{a.error}</p>}
              {a.responseBody && (
                <details>
                  <summary>Response body ({a.responseBody.length} chars)</summary>
                  <pre>{a.responseBody}</pre>
                </details>
              )}
              {!a.error && !a.responseBody && <span class="muted">—</span>}
            </td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

export function DeliveryPage({ deliveryId }: { deliveryId: string }) {
  const { api, tenantId, notify } = useSession();
  const base = pathOf('v1', 'tenants', tenantId);
  const d = useLoad(() => api.get<Delivery & { attempts: Attempt[] }>(`${base}/deliveries/${encodeURIComponent(deliveryId)}`), [deliveryId]);
  const event = useLoad(() => (d.data ? api.event(`${base}/events/${encodeURIComponent(d.data.eventId)}`) : Promise.resolve(undefined)), [d.data?.eventId]);
  const [waitingFor, setWaitingFor] = useState<number>();
  const [retryError, setRetryError] = useState<Error>();
  const moving = !!d.data && (d.data.status === 'pending' || waitingFor !== undefined);
  useInterval(d.reload, 1500, moving);
  if (waitingFor !== undefined && d.data && d.data.attemptCount > waitingFor) {
    setWaitingFor(undefined);
    notify(`Retry finished: ${d.data.status === 'succeeded' ? 'delivered' : `still failing (${d.data.lastStatusCode ?? 'no answer'})`}.`);
  }
  if (d.error && !d.data) return <ErrorBox error={d.error} retry={d.reload} />;
  if (!d.data) return <Loading what="the delivery" />;
  const x = d.data;
  const retry = async () => {
    setRetryError(undefined);
    try {
      await api.post(`${base}/deliveries/${encodeURIComponent(x.id)}/retry`);
      setWaitingFor(x.attemptCount);
      notify('Retry queued: a new attempt is on its way.');
    } catch (err) {
      setRetryError(err as Error);
    }
  };
  return (
    <section aria-labelledby="delivery-title">
      <p class="crumbs">
        <a href={link('t', tenantId, 'deliveries')}>Deliveries</a> /
      </p>
      <div class="page-head">
        <h1 id="delivery-title" tabIndex={-1} class="mono">
          {x.id}
        </h1>
        <StatusBadge status={x.status} />
      </div>
      <div class="toolbar">
        <IfCanWrite>
          <button type="button" class="primary" onClick={retry} disabled={waitingFor !== undefined}>
            {waitingFor !== undefined ? 'Retrying…' : 'Retry now'}
          </button>
        </IfCanWrite>
        <button type="button" onClick={() => navigate(link('t', tenantId, 'endpoints', x.endpointId))}>
          Endpoint
        </button>
      </div>
      {retryError && <ErrorBox error={retryError} />}
      <dl class="facts panel">
        <dt>Event</dt>
        <dd>
          <a href={link('t', tenantId, 'events', x.eventId)} class="mono">
            {x.eventId}
          </a>{' '}
          <code>{x.eventType}</code>
        </dd>
        <dt>Endpoint</dt>
        <dd>
          <a href={link('t', tenantId, 'endpoints', x.endpointId)} class="mono">
            {x.endpointId}
          </a>
        </dd>
        <dt>Created</dt>
        <dd>
          <Time iso={x.createdAt} />
        </dd>
        <dt>Attempts</dt>
        <dd>{x.attemptCount}</dd>
        <dt>Last status code</dt>
        <dd>
          <Code code={x.attemptCount ? (x.lastStatusCode ?? 0) : undefined} />
        </dd>
        <dt>Next attempt</dt>
        <dd>
          <Time iso={x.nextAttemptAt} />
        </dd>
      </dl>
      <h2>Attempts</h2>
      <Attempts attempts={x.attempts} />
      <h2>Payload</h2>
      {event.error && <ErrorBox error={event.error} retry={event.reload} />}
      {event.data ? <pre class="payload">{prettyJson(webhookBodyText(event.data))}</pre> : !event.error && <Loading what="the payload" />}
    </section>
  );
}
