/**
 * The event catalogue: every type the platform sends, with its description,
 * where it comes from, the JSON Schema of its data and an example; "Send
 * example" delivers that example to one of the endpoints that receive the type.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { matchesAny } from '../../../core/event-types.ts';
import type { CatalogueEntry, Delivery, Endpoint } from '../api.ts';
import { Empty, ErrorBox, IfCanWrite, Loading, shortId } from '../components.tsx';
import { useSession } from '../context.ts';
import { useLoad, type Loaded } from '../hooks.ts';
import { link } from '../router.ts';

const SOURCE_LABEL: Record<NonNullable<CatalogueEntry['source']>, string> = { default: 'Standard', deployment: 'Deployment', custom: 'Custom' };

const slug = (type: string) => type.replace(/[^a-z0-9_-]/gi, '-');
const pretty = (value: unknown) => JSON.stringify(value, null, 2);

function SendExample({ type, endpoints, onClose }: { type: string; endpoints: Loaded<{ data: Endpoint[] }>; onClose: () => void }) {
  const { api, tenantId, notify } = useSession();
  const subscribed = (endpoints.data?.data ?? []).filter((e) => matchesAny(e.eventTypes, type));
  const [choice, setChoice] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const [sent, setSent] = useState<{ delivery: Delivery; url: string }>();
  const first = useRef<HTMLSelectElement>(null);
  useEffect(() => first.current?.focus(), [endpoints.data]);
  const endpointId = choice || subscribed[0]?.id || '';
  const submit = async (e: Event) => {
    e.preventDefault();
    const target = subscribed.find((x) => x.id === endpointId);
    if (!target) return;
    setBusy(true);
    setError(undefined);
    try {
      const delivery = await api.sendTest(tenantId, target.id, type);
      setSent({ delivery, url: target.url });
      notify(`Example ${type} sent to ${target.url}: delivery ${delivery.id}.`);
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  const id = `send-${slug(type)}`;
  return (
    <form class="send-example" id={id} onSubmit={submit} aria-label={`Send an example ${type}`}>
      {endpoints.error && <ErrorBox error={endpoints.error} retry={endpoints.reload} />}
      {!endpoints.data && !endpoints.error && <Loading what="endpoints" />}
      {endpoints.data && subscribed.length === 0 && (
        <p>
          No endpoint receives <code>{type}</code>. <a href={link('t', tenantId, 'endpoints', 'new')}>Add an endpoint</a> or edit the event types of one.
        </p>
      )}
      {subscribed.length > 0 && (
        <span class="inline-form">
          <label>
            Endpoint
            <select ref={first} value={endpointId} onChange={(e) => setChoice(e.currentTarget.value)}>
              {subscribed.map((ep) => (
                <option key={ep.id} value={ep.id}>
                  {ep.url}
                  {ep.status === 'disabled' ? ' (disabled)' : ''}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" class="primary" disabled={busy} data-testid="send-example-submit">
            {busy ? 'Sending…' : 'Send'}
          </button>
        </span>
      )}
      <button type="button" onClick={onClose}>
        Close
      </button>
      {sent && (
        <p data-testid="example-sent">
          Sent to <span class="url">{sent.url}</span>.{' '}
          <a href={link('t', tenantId, 'deliveries', sent.delivery.id)} data-testid="example-delivery">
            Follow delivery <span class="mono">{shortId(sent.delivery.id)}</span>
          </a>
        </p>
      )}
      {error && <ErrorBox error={error} />}
    </form>
  );
}

function TypeRow({ entry, open, onToggle, endpoints }: { entry: CatalogueEntry; open: boolean; onToggle: () => void; endpoints: Loaded<{ data: Endpoint[] }> }) {
  const id = `type-${slug(entry.type)}`;
  const toggle = useRef<HTMLButtonElement>(null);
  const close = () => {
    onToggle();
    toggle.current?.focus(); // back where the user opened it, not lost with the closed form
  };
  return (
    <li class="panel catalogue-row" data-testid="catalogue-row" data-type={entry.type} aria-labelledby={id}>
      <div class="type-head">
        <h3 id={id}>
          <code>{entry.type}</code>
        </h3>
        {entry.source && <span class={`badge badge-source-${entry.source}`}>{SOURCE_LABEL[entry.source]}</span>}
        {entry.example && (
          <IfCanWrite>
            <button ref={toggle} type="button" class="send-toggle" aria-expanded={open} aria-controls={`send-${slug(entry.type)}`} onClick={onToggle} data-testid="send-example">
              Send example
            </button>
          </IfCanWrite>
        )}
      </div>
      <p class="description">{entry.description}</p>
      <div class="type-details">
        {entry.schema ? (
          <details>
            <summary>Schema</summary>
            <pre class="payload" data-testid="type-schema">
              {pretty(entry.schema)}
            </pre>
          </details>
        ) : (
          <p class="muted small">No schema: the data of this type is not checked.</p>
        )}
        {entry.example ? (
          <details>
            <summary>Example</summary>
            <pre class="payload" data-testid="type-example">
              {pretty(entry.example)}
            </pre>
          </details>
        ) : (
          <p class="muted small">No example.</p>
        )}
      </div>
      {open && <SendExample type={entry.type} endpoints={endpoints} onClose={close} />}
    </li>
  );
}

export function CataloguePage() {
  const { api, tenantId, canWrite } = useSession();
  const [refreshes, setRefreshes] = useState(0);
  // Asked afresh on every visit: the platform may have changed its catalogue (PUT /v1/event-types) since sign-in.
  const catalogue = useLoad(() => api.eventTypes({ fresh: true }), [refreshes]);
  // Only a session that may send examples needs the endpoints (to offer those that receive the type).
  const endpoints = useLoad(() => (canWrite ? api.endpointsForPicker(tenantId) : Promise.resolve({ data: [] as Endpoint[], nextCursor: null })), [tenantId, canWrite]);
  const [filter, setFilter] = useState('');
  const [open, setOpen] = useState<string>();
  const q = filter.trim().toLowerCase();
  const shown = (catalogue.data ?? []).filter((t) => !q || t.type.includes(q) || t.description.toLowerCase().includes(q));
  const groups = new Map<string, CatalogueEntry[]>();
  for (const t of shown) {
    const g = t.type.split('.')[0] ?? t.type;
    groups.set(g, [...(groups.get(g) ?? []), t]);
  }
  return (
    <section aria-labelledby="catalogue-title">
      <div class="page-head">
        <h1 id="catalogue-title" tabIndex={-1}>
          Event catalogue
        </h1>
        <button type="button" onClick={() => setRefreshes((n) => n + 1)}>
          Refresh
        </button>
      </div>
      <p class="muted">The events your endpoints can receive: what each means, the shape of its data (a JSON Schema) and an example.</p>
      <div class="filters" role="search">
        <label>
          Filter
          <input type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} placeholder="invoice, refund…" spellcheck={false} />
        </label>
        {catalogue.data && (
          <span class="muted small" aria-live="polite">
            {shown.length} of {catalogue.data.length} types
          </span>
        )}
      </div>
      {catalogue.loading && !catalogue.data && <Loading what="the catalogue" />}
      {catalogue.error && <ErrorBox error={catalogue.error} retry={catalogue.reload} />}
      {catalogue.data && shown.length === 0 && <Empty title={q ? `No event type matches “${filter.trim()}”` : 'The catalogue is empty'} />}
      {[...groups].map(([group, types]) => (
        <section key={group} aria-labelledby={`group-${slug(group)}`}>
          <h2 id={`group-${slug(group)}`}>{group}</h2>
          <ul class="catalogue">
            {types.map((t) => (
              <TypeRow key={t.type} entry={t} endpoints={endpoints} open={open === t.type} onToggle={() => setOpen(open === t.type ? undefined : t.type)} />
            ))}
          </ul>
        </section>
      ))}
    </section>
  );
}
