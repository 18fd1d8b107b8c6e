/** Events (read side), deliveries, manual retries and the DLQ. */
import type { AppDeps } from '../../app/deps.ts';
import { getDelivery, getEvent, listDeliveries, listEvents } from '../../app/queries.ts';
import { redriveDeadLetters, retryDelivery } from '../../app/replay.ts';
import { API } from '../../contract/index.ts';
import { implement, type Route } from '../router.ts';
import { jobIdOf } from './job-id.ts';

export const deliveryRoutes = (deps: () => Promise<AppDeps>): Route[] => [
  implement(API.listEvents, async ({ params, query }) => listEvents(await deps(), params.tenantId, query)),
  implement(API.getEvent, async ({ params }) => getEvent(await deps(), params.tenantId, params.eventId)),
  implement(API.listDeliveries, async ({ params, query }) => listDeliveries(await deps(), params.tenantId, query)),
  implement(API.getDelivery, async ({ params }) => getDelivery(await deps(), params.tenantId, params.deliveryId)),
  implement(API.retryDelivery, async ({ req, params }) => retryDelivery(await deps(), params.tenantId, params.deliveryId, jobIdOf(req.requestId))),
  implement(API.getDlq, async () => ({ approximateMessages: await (await deps()).dlq.depth() })),
  implement(API.redriveDlq, async ({ body }) => redriveDeadLetters(await deps(), { max: body.max ?? 100, ratePerSecond: body.ratePerSecond ?? 20 })),
];
