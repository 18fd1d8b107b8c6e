/**
 * Activity charts, drawn as SVG by hand: attempts by outcome (stacked bars)
 * and attempt latency (p50 and p95 lines), from `GET /v1/tenants/{t}/stats`.
 * Each chart is one `role="img"` whose title and description state the
 * totals; outcomes differ by pattern and order as well as colour, the
 * latency lines by dash and marker shape; a table holds every bucket. All
 * geometry comes from chart-geometry.ts. Colours live in styles.css (classes,
 * never style attributes: the CSP allows no inline style).
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { ApiError, type StatsBucket, type StatsBucketSize, type StatsSeries } from './api.ts';
import { bands, bucketLabel, formatCount, formatMs, labelIndices, latencyMax, linePath, niceTicks, plotArea, seriesPoints, stackBars, summarise, yScale, type Plot } from './chart-geometry.ts';
import { Empty, ErrorBox, Loading, Table } from './components.tsx';
import { useSession } from './context.ts';
import { useLoad } from './hooks.ts';

const HEIGHT = 200;
const MARGIN = { top: 10, right: 12, bottom: 26, left: 52 };
/** Room one x label needs, so labels never overlap. */
const LABEL_WIDTH = 56;

const OUTCOMES = ['succeeded', 'failed', 'exhausted'] as const;
type Outcome = (typeof OUTCOMES)[number];
const OUTCOME_LABEL: Record<Outcome, string> = { succeeded: 'Succeeded', failed: 'Failed, retried', exhausted: 'Exhausted' };

/** The width the chart has to draw in, kept current as the layout changes. */
function useWidth(initial: number) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(initial);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const measure = () => el.clientWidth > 0 && setWidth(Math.floor(el.clientWidth));
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return { ref, width };
}

const windowText = (s: StatsSeries) => `the last ${s.data.length} ${s.bucket === 'hour' ? 'hours' : 'days'}`;
const perText = (b: StatsBucketSize) => (b === 'hour' ? 'per hour' : 'per day');
const fullLabel = (iso: string, b: StatsBucketSize) => new Date(iso).toLocaleString(undefined, b === 'hour' ? { dateStyle: 'medium', timeStyle: 'short' } : { dateStyle: 'medium' });
const attemptsOf = (b: StatsBucket) => b.succeeded + b.failed + b.exhausted;

/** Y axis: gridlines and tick labels. */
function YAxis({ plot, ticks, y, format }: { plot: Plot; ticks: number[]; y: (v: number) => number; format: (v: number) => string }) {
  return (
    <g class="axis" aria-hidden="true">
      {ticks.map((t) => (
        <g key={t}>
          <line class={t === 0 ? 'axis-line' : 'grid-line'} x1={plot.left} x2={plot.right} y1={y(t)} y2={y(t)} />
          <text x={plot.left - 6} y={y(t)} dy="0.32em" text-anchor="end">
            {format(t)}
          </text>
        </g>
      ))}
    </g>
  );
}

/** X axis: a tick and a label under the buckets that fit. */
function XAxis({ plot, data, bucket, center }: { plot: Plot; data: StatsBucket[]; bucket: StatsBucketSize; center: (i: number) => number }) {
  return (
    <g class="axis" aria-hidden="true">
      {labelIndices(data.length, Math.floor((plot.right - plot.left) / LABEL_WIDTH)).map((i) => (
        <g key={i}>
          <line class="axis-line" x1={center(i)} x2={center(i)} y1={plot.bottom} y2={plot.bottom + 4} />
          <text x={center(i)} y={plot.bottom + 16} text-anchor="middle">
            {bucketLabel(data[i]!.start, bucket)}
          </text>
        </g>
      ))}
    </g>
  );
}

/** The fills of the outcomes: solid, stripes, cross-hatch (so print and colour-blind readers tell them apart). */
function OutcomePatterns({ id }: { id: string }) {
  return (
    <defs>
      <pattern id={`${id}-succeeded`} width="6" height="6" patternUnits="userSpaceOnUse">
        <rect class="fill-succeeded" width="6" height="6" />
      </pattern>
      <pattern id={`${id}-failed`} width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
        <rect class="fill-failed" width="6" height="6" />
        <line class="hatch" x1="0" y1="0" x2="0" y2="6" />
      </pattern>
      <pattern id={`${id}-exhausted`} width="6" height="6" patternUnits="userSpaceOnUse">
        <rect class="fill-exhausted" width="6" height="6" />
        <path class="hatch" d="M0 0L6 6M6 0L0 6" />
      </pattern>
    </defs>
  );
}

function Legend({ children }: { children: ComponentChildren }) {
  return <ul class="legend">{children}</ul>;
}

function OutcomesChart({ series, width }: { series: StatsSeries; width: number }) {
  const id = useId();
  const { data, bucket } = series;
  const plot = plotArea(width, HEIGHT, MARGIN);
  const s = summarise(data);
  const ticks = niceTicks(s.peakAttempts, 4, true);
  const y = yScale(ticks[ticks.length - 1]!, plot);
  const b = bands(data.length, plot, 0.25);
  const stacks = stackBars(data, OUTCOMES, b, y);
  const busiest = data.reduce((best, x) => (attemptsOf(x) > attemptsOf(best) ? x : best), data[0]!);
  return (
    <figure class="chart">
      <svg role="img" aria-labelledby={`${id}-title ${id}-desc`} width={width} height={HEIGHT} viewBox={`0 0 ${width} ${HEIGHT}`} data-testid="chart-outcomes">
        <title id={`${id}-title`}>
          Delivery attempts {perText(bucket)}, {windowText(series)}
        </title>
        <desc id={`${id}-desc`}>
          {`${s.attempts} attempts: ${s.succeeded} succeeded, ${s.failed} failed and were retried, ${s.exhausted} exhausted. ` +
            `Busiest ${bucket}: ${fullLabel(busiest.start, bucket)}, ${attemptsOf(busiest)} attempts.`}
        </desc>
        <OutcomePatterns id={id} />
        <YAxis plot={plot} ticks={ticks} y={y} format={formatCount} />
        <g class="bars">
          {stacks.map((segments, i) =>
            segments.map((seg) => (
              <rect key={`${i}-${seg.key}`} class={`bar bar-${seg.key}`} x={seg.x} y={seg.y} width={seg.width} height={seg.height} fill={`url(#${id}-${seg.key})`}>
                <title>{`${fullLabel(data[i]!.start, bucket)}: ${seg.value} ${OUTCOME_LABEL[seg.key].toLowerCase()}`}</title>
              </rect>
            )),
          )}
        </g>
        <XAxis plot={plot} data={data} bucket={bucket} center={b.center} />
      </svg>
      <Legend>
        {OUTCOMES.map((k) => (
          <li key={k}>
            <svg class="swatch" width="14" height="14" aria-hidden="true">
              <rect class={`bar bar-${k}`} width="14" height="14" fill={`url(#${id}-${k})`} />
            </svg>
            {OUTCOME_LABEL[k]} <span class="muted">({s[k]})</span>
          </li>
        ))}
      </Legend>
    </figure>
  );
}

function LatencyChart({ series, width }: { series: StatsSeries; width: number }) {
  const id = useId();
  const { data, bucket } = series;
  const plot = plotArea(width, HEIGHT, MARGIN);
  const s = summarise(data);
  const ticks = niceTicks(latencyMax(data), 4);
  const y = yScale(ticks[ticks.length - 1]!, plot);
  const b = bands(data.length, plot);
  const p50 = seriesPoints(
    data.map((d) => d.p50Ms),
    b.center,
    y,
  );
  const p95 = seriesPoints(
    data.map((d) => d.p95Ms),
    b.center,
    y,
  );
  const desc =
    (s.p50Range ? `Median (p50) between ${formatMs(s.p50Range[0])} and ${formatMs(s.p50Range[1])}. ` : '') +
    (s.p95Peak ? `Slowest p95: ${formatMs(s.p95Peak.value)}, ${fullLabel(s.p95Peak.start, bucket)}. ` : '') +
    `No figure for ${data.filter((d) => d.p50Ms === null).length} of ${data.length} ${bucket === 'hour' ? 'hours' : 'days'} (no attempt).`;
  return (
    <figure class="chart">
      <svg role="img" aria-labelledby={`${id}-title ${id}-desc`} width={width} height={HEIGHT} viewBox={`0 0 ${width} ${HEIGHT}`} data-testid="chart-latency">
        <title id={`${id}-title`}>
          Attempt latency {perText(bucket)}, p50 and p95, {windowText(series)}
        </title>
        <desc id={`${id}-desc`}>{desc}</desc>
        <YAxis plot={plot} ticks={ticks} y={y} format={formatMs} />
        <path class="line line-p95" d={linePath(p95)} />
        <path class="line line-p50" d={linePath(p50)} />
        <g class="markers">
          {p95.map((p) => (
            <rect key={`p95-${p.i}`} class="marker marker-p95" x={p.x - 3} y={p.y - 3} width="6" height="6">
              <title>{`${fullLabel(data[p.i]!.start, bucket)}: p95 ${formatMs(p.value)}`}</title>
            </rect>
          ))}
          {p50.map((p) => (
            <circle key={`p50-${p.i}`} class="marker marker-p50" cx={p.x} cy={p.y} r="3.5">
              <title>{`${fullLabel(data[p.i]!.start, bucket)}: p50 ${formatMs(p.value)}`}</title>
            </circle>
          ))}
        </g>
        <XAxis plot={plot} data={data} bucket={bucket} center={b.center} />
      </svg>
      <Legend>
        <li>
          <svg class="swatch" width="22" height="14" aria-hidden="true">
            <line class="line line-p50" x1="0" x2="22" y1="7" y2="7" />
            <circle class="marker marker-p50" cx="11" cy="7" r="3.5" />
          </svg>
          p50 (median), solid line, round markers
        </li>
        <li>
          <svg class="swatch" width="22" height="14" aria-hidden="true">
            <line class="line line-p95" x1="0" x2="22" y1="7" y2="7" />
            <rect class="marker marker-p95" x="8" y="4" width="6" height="6" />
          </svg>
          p95, dashed line, square markers
        </li>
      </Legend>
    </figure>
  );
}

function StatsTable({ series }: { series: StatsSeries }) {
  const ms = (v: number | null) => (v === null ? <span class="muted">—</span> : formatMs(v));
  return (
    <details class="chart-table">
      <summary>Show as table</summary>
      <Table caption={`Attempts and latency ${perText(series.bucket)}, oldest first`} testId="stats-table">
        <thead>
          <tr>
            <th scope="col">{series.bucket === 'hour' ? 'Hour starting' : 'Day'}</th>
            <th scope="col">Succeeded</th>
            <th scope="col">Failed, retried</th>
            <th scope="col">Exhausted</th>
            <th scope="col">p50</th>
            <th scope="col">p95</th>
          </tr>
        </thead>
        <tbody>
          {series.data.map((b) => (
            <tr key={b.start}>
              <th scope="row">
                <time dateTime={b.start}>{fullLabel(b.start, series.bucket)}</time>
              </th>
              <td class="num">{b.succeeded}</td>
              <td class="num">{b.failed}</td>
              <td class="num">{b.exhausted}</td>
              <td class="num">{ms(b.p50Ms)}</td>
              <td class="num">{ms(b.p95Ms)}</td>
            </tr>
          ))}
        </tbody>
      </Table>
    </details>
  );
}

function StatsError({ error, retry }: { error: Error; retry: () => void }) {
  // A Billhook without the stats routes answers 404 route_not_found: say so plainly.
  const missing = error instanceof ApiError && error.status === 404 && error.code === 'route_not_found';
  return <div data-testid="stats-error">{missing ? <ErrorBox error={new Error('Activity figures are not available from this server yet.')} retry={retry} /> : <ErrorBox error={error} retry={retry} />}</div>;
}

/**
 * Attempts by outcome and latency for the tenant, or one endpoint: a
 * period toggle, a reload button, both charts and the table.
 */
export function ActivityCharts({ endpointId, level = 2 }: { endpointId?: string; level?: 2 | 3 }) {
  const { api, tenantId } = useSession();
  const [bucket, setBucket] = useState<StatsBucketSize>('hour');
  const stats = useLoad(() => api.stats(tenantId, { bucket, endpointId }), [tenantId, endpointId, bucket]);
  const { ref, width } = useWidth(600);
  const H = level === 2 ? 'h2' : 'h3';
  const series = stats.data;
  const attempts = series ? series.data.reduce((n, b) => n + attemptsOf(b), 0) : 0;
  return (
    <div class="activity" data-testid="activity">
      <div class="chart-controls">
        <div role="group" aria-label="Period" class="segmented">
          <button type="button" aria-pressed={bucket === 'hour'} onClick={() => setBucket('hour')}>
            By hour, 24 h
          </button>
          <button type="button" aria-pressed={bucket === 'day'} onClick={() => setBucket('day')}>
            By day, 30 days
          </button>
        </div>
        <button type="button" onClick={stats.reload}>
          {stats.loading && series ? 'Reloading…' : 'Reload'}
        </button>
      </div>
      <div ref={ref} class="chart-frame" aria-busy={stats.loading}>
        {stats.loading && !series && <Loading what="activity" />}
        {stats.error && <StatsError error={stats.error} retry={stats.reload} />}
        {series && attempts === 0 && (
          <Empty title={`No delivery attempts in ${windowText(series)}`} testId="stats-empty">
            <p>Attempts appear here, by outcome and latency, once events are delivered{endpointId ? ' to this endpoint' : ''}.</p>
          </Empty>
        )}
        {series && attempts > 0 && (
          <>
            <H>Attempts by outcome</H>
            <OutcomesChart series={series} width={width} />
            <H>Latency</H>
            <LatencyChart series={series} width={width} />
            <StatsTable series={series} />
          </>
        )}
      </div>
    </div>
  );
}
