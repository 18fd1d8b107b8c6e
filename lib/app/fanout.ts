import type { DeliveryMessage, FanoutMessage } from '../core/model.ts';
import { route } from '../core/routing.ts';
import type { AppDeps } from './deps.ts';
import { deliveryMessage } from './messages.ts';

/** Endpoints read per fan-out step; a step ends by handing its cursor to the next. */
export const FANOUT_PAGE_SIZE = 250;
export const FANOUT_PAGES_PER_STEP = 4;

/**
 * One step of a fan-out job: route the event to up to
 * FANOUT_PAGE_SIZE × FANOUT_PAGES_PER_STEP endpoints, enqueue their
 * deliveries, then enqueue a continuation carrying the cursor. A crash
 * replays the step (same delivery ids), never skips one.
 */
export async function fanoutStep(deps: Pick<AppDeps, 'endpoints' | 'queue' | 'settings'>, job: FanoutMessage): Promise<{ enqueued: number; continued: boolean }> {
  let cursor = job.cursor;
  let enqueued = 0;
  for (let i = 0; i < FANOUT_PAGES_PER_STEP; i++) {
    const page = await deps.endpoints.list(job.tenantId, cursor === undefined ? { limit: FANOUT_PAGE_SIZE } : { limit: FANOUT_PAGE_SIZE, cursor });
    const messages: DeliveryMessage[] = route(page.data, job.event.type)
      .filter((ep) => !(job.exceptOrdered && ep.ordering === 'key'))
      .map((ep) => deliveryMessage(job.event, job.tenantId, ep, deps.settings.defaultMaxInFlight, job.orderingKey));
    if (messages.length) await deps.queue.enqueue(messages);
    enqueued += messages.length;
    cursor = page.nextCursor ?? undefined;
    if (!cursor) return { enqueued, continued: false };
  }
  await deps.queue.enqueueJob({ ...job, cursor });
  return { enqueued, continued: true };
}
