/** Events: the log with search by id and type, and one event with its deliveries. */
import { useState } from 'preact/hooks';
import { prettyJson } from '../../../core/json-text.ts';
import { pathOf, queryOf, type Delivery, type Event as BillingEvent, type Page } from '../api.ts';
import { Empty, ErrorBox, EventTypeOptions, Loading, Pager, Table, Time } from '../components.tsx';
import { useSession } from '../context.ts';
import { useCursorPager, useLoad } from '../hooks.ts';
import { link, navigate, useRoute } from '../router.ts';
import { DeliveryTable } from './deliveries.tsx';

const PAGE_SIZE = 25;

export function EventsPage() {
  const { api, tenantId } = useSession();
  const route = useRoute();
  const type = route.query.get('type') ?? '';
  const pager = useCursorPager(`${tenantId}|${type}`);
  const [searchId, setSearchId] = useState('');
  const base = pathOf('v1', 'tenants', tenantId);
  const catalogue = useLoad(() => api.eventTypes(), []);
  const list = useLoad(() => api.get<Page<BillingEvent>>(`${base}/events` + queryOf({ type, limit: PAGE_SIZE, cursor: pager.cursor })), [tenantId, type, pager.cursor]);
  return (
    <section aria-labelledby="events-title">
      <div class="page-head">
        <h1 id="events-title" tabIndex={-1}>
          Events
        </h1>
        <button type="button" onClick={list.reload}>
          Refresh
        </button>
      </div>
      <div class="filters">
        <form
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            if (searchId.trim()) navigate(link('t', tenantId, 'events', searchId.trim()));
          }}
        >
          <label>
            Event id
            <input type="search" value={searchId} onInput={(e) => setSearchId(e.currentTarget.value)} placeholder="evt_…" spellcheck={false} />
          </label>
          <button type="submit">Find</button>
        </form>
        <label>
          Type
          <select value={type} onChange={(e) => navigate(link('t', tenantId, 'events', new URLSearchParams(e.currentTarget.value ? { type: e.currentTarget.value } : {})))}>
            <option value="">Any</option>
            <EventTypeOptions types={catalogue.data} />
          </select>
        </label>
      </div>
      {list.loading && !list.data && <Loading what="events" />}
      {list.error && <ErrorBox error={list.error} retry={list.reload} />}
      {list.data && list.data.data.length === 0 && (
        <Empty title={type ? `No ${type} events` : 'No events yet'}>
          <p>Events appear here once the billing platform posts them to Billhook.</p>
        </Empty>
      )}
      {list.data && list.data.data.length > 0 && (
        <Table caption="Events, newest first">
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Type</th>
              <th scope="col">Created</th>
              <th scope="col">Routed to</th>
            </tr>
          </thead>
          <tbody>
            {list.data.data.map((e) => (
              <tr key={e.id}>
                <td>
                  <a href={link('t', tenantId, 'events', e.id)} class="mono">
                    {e.id}
                  </a>
                </td>
                <td>
                  <code>{e.type}</code>
                </td>
                <td>
                  <Time iso={e.createdAt} />
                </td>
                <td class="num">
                  {e.deliveries} endpoint{e.deliveries === 1 ? '' : 's'}
                </td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      {list.data && <Pager label="Events" page={pager.page} hasNext={!!list.data.nextCursor} onNext={() => pager.next(list.data!.nextCursor!)} onPrevious={pager.previous} />}
    </section>
  );
}

export function EventPage({ eventId }: { eventId: string }) {
  const { api, tenantId } = useSession();
  const base = pathOf('v1', 'tenants', tenantId);
  const event = useLoad(() => api.event(`${base}/events/${encodeURIComponent(eventId)}`), [eventId]);
  const deliveries = useLoad(() => api.get<Page<Delivery>>(`${base}/deliveries` + queryOf({ eventId, limit: 100 })), [eventId]);
  return (
    <section aria-labelledby="event-title">
      <p class="crumbs">
        <a href={link('t', tenantId, 'events')}>Events</a> /
      </p>
      <h1 id="event-title" tabIndex={-1} class="mono">
        {eventId}
      </h1>
      {event.error && <ErrorBox error={event.error} retry={event.reload} />}
      {!event.data && !event.error && <Loading what="the event" />}
      {event.data && (
        <>
          <dl class="facts panel">
            <dt>Type</dt>
            <dd>
              <code>{event.data.type}</code>
            </dd>
            <dt>Created</dt>
            <dd>
              <Time iso={event.data.createdAt} />
            </dd>
            <dt>Routed to</dt>
            <dd>{event.data.deliveries} endpoints</dd>
          </dl>
          <h2>Payload</h2>
          <pre class="payload">{prettyJson(event.data.dataText)}</pre>
        </>
      )}
      <h2>Deliveries</h2>
      {deliveries.error && <ErrorBox error={deliveries.error} retry={deliveries.reload} />}
      {!deliveries.data && !deliveries.error && <Loading what="deliveries" />}
      {deliveries.data && deliveries.data.data.length === 0 && <Empty title="No deliveries">{<p>No endpoint was subscribed to this event type when it arrived.</p>}</Empty>}
      {deliveries.data && deliveries.data.data.length > 0 && <DeliveryTable rows={deliveries.data.data} caption="Deliveries of this event" />}
    </section>
  );
}
