/** Activity: the tenant's delivery attempts by outcome and latency over time. */
import { ActivityCharts } from '../charts.tsx';

export function ActivityPage() {
  return (
    <section aria-labelledby="activity-title">
      <h1 id="activity-title" tabIndex={-1}>
        Activity
      </h1>
      <p class="muted">Every delivery attempt to your endpoints, by outcome: succeeded, failed and retried later, or exhausted (no attempts left).</p>
      <ActivityCharts />
    </section>
  );
}
