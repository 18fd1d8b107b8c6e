/** Stats: charts per hour or day, and the endpoint list's totals. */
import type { AppDeps } from '../../app/deps.ts';
import { endpointTotals, tenantStats } from '../../app/stats.ts';
import { API } from '../../contract/index.ts';
import { implement, type Route } from '../router.ts';

export const statsRoutes = (deps: () => Promise<AppDeps>): Route[] => [
  implement(API.getStats, async ({ params, query }) => tenantStats(await deps(), params.tenantId, query)),
  implement(API.getEndpointTotals, async ({ params, query }) => endpointTotals(await deps(), params.tenantId, query.since)),
];
