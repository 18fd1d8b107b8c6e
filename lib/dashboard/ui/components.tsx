/** Small shared pieces: states (loading, error, empty), badges, times, the pager. */
import type { ComponentChildren } from 'preact';
import { ApiError, type DeliveryStatus, type EventType } from './api.ts';
import { useSession } from './context.ts';

export function Loading({ what }: { what: string }) {
  return (
    <p class="state" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

export function ErrorBox({ error, retry }: { error: Error; retry?: () => void }) {
  const status = error instanceof ApiError && error.status ? ` (${error.status})` : '';
  return (
    <div class="error-box" role="alert">
      <p>
        <strong>Something went wrong{status}.</strong> {error.message}
      </p>
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ title, children, testId }: { title: string; children?: ComponentChildren; testId?: string }) {
  return (
    <div class="empty" data-testid={testId}>
      <p class="empty-title">{title}</p>
      {children}
    </div>
  );
}

const STATUS_LABEL: Record<DeliveryStatus | 'enabled' | 'disabled', string> = {
  pending: 'Pending',
  succeeded: 'Succeeded',
  failed: 'Failed, retrying',
  exhausted: 'Exhausted',
  skipped: 'Skipped',
  enabled: 'Enabled',
  disabled: 'Disabled',
};

export function StatusBadge({ status }: { status: keyof typeof STATUS_LABEL }) {
  return <span class={`badge badge-${status}`}>{STATUS_LABEL[status]}</span>;
}

/** An HTTP status code, coloured by class; 0 means no answer (timeout, refused). */
export function Code({ code }: { code: number | undefined }) {
  if (code === undefined) return <span class="muted">—</span>;
  if (code === 0) return <span class="code code-none" title="No HTTP answer">none</span>;
  const cls = code < 300 ? 'ok' : code < 500 ? 'warn' : 'bad';
  return <span class={`code code-${cls}`}>{code}</span>;
}

export function Time({ iso }: { iso: string | undefined }) {
  if (!iso) return <span class="muted">—</span>;
  const d = new Date(iso);
  return (
    <time dateTime={iso} title={iso}>
      {d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' })}
    </time>
  );
}

export function Pager(props: { page: number; hasNext: boolean; onNext: () => void; onPrevious: () => void; label: string }) {
  if (props.page === 1 && !props.hasNext) return null;
  return (
    <nav class="pager" aria-label={`${props.label} pages`}>
      <button type="button" onClick={props.onPrevious} disabled={props.page === 1}>
        ← Newer
      </button>
      <span aria-live="polite">Page {props.page}</span>
      <button type="button" onClick={props.onNext} disabled={!props.hasNext}>
        Older →
      </button>
    </nav>
  );
}

/** `<option>`s for a `<select>` of event types (the catalogue may still be loading: none yet). */
export function EventTypeOptions({ types }: { types: EventType[] | undefined }) {
  return (
    <>
      {types?.map((t) => (
        <option key={t.type} value={t.type}>
          {t.type}
        </option>
      ))}
    </>
  );
}

/** A table that scrolls sideways on a narrow screen instead of breaking the layout. */
export function Table({ caption, children, testId }: { caption: string; children: ComponentChildren; testId?: string }) {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={caption}>
      <table data-testid={testId}>
        <caption class="sr-only">{caption}</caption>
        {children}
      </table>
    </div>
  );
}

/** Field-level errors of a 422, keyed by field path. */
export function fieldErrors(error: Error | undefined): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  const fields: Record<string, string> = Object.fromEntries(error.fields.map((f) => [f.path.split('.')[0] ?? f.path, f.message]));
  // Problems about one field that the API reports without a field list.
  if (error.code === 'url_not_allowed') fields.url ??= error.message;
  if (error.code === 'unknown_event_type') fields.eventTypes ??= error.message;
  return fields;
}

export const shortId = (id: string): string => (id.length > 14 ? `${id.slice(0, 10)}…${id.slice(-4)}` : id);

/** `<input type="datetime-local">` value ↔ ISO 8601, in the browser's time zone. */
export function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** What only a credential that may change state sees (not a `read` portal session). */
export function IfCanWrite({ children }: { children: ComponentChildren }) {
  return useSession().canWrite ? <>{children}</> : null;
}

/** A page that only changes things, opened with a read-only session. */
export function ViewOnly() {
  return (
    <section>
      <h1 tabIndex={-1}>View only</h1>
      <p>This page changes settings, and this link only lets you look. Ask for a link that can manage your webhooks.</p>
    </section>
  );
}
