/** Management routes served by the api function (definitions: lib/contract; handlers: lib/http/routes). */
import type { AppDeps } from '../app/deps.ts';
import { deliveryRoutes } from './routes/deliveries.ts';
import { endpointRoutes } from './routes/endpoints.ts';
import { eventTypeRoutes } from './routes/event-types.ts';
import { metaRoutes } from './routes/meta.ts';
import { portalSessionRoutes } from './routes/portal-sessions.ts';
import { statsRoutes } from './routes/stats.ts';
import { tenantRoutes } from './routes/tenants.ts';
import type { Route } from './router.ts';

export function apiRoutes(deps: () => Promise<AppDeps>): Route[] {
  return [...metaRoutes(deps), ...eventTypeRoutes(deps), ...tenantRoutes(deps), ...endpointRoutes(deps), ...deliveryRoutes(deps), ...portalSessionRoutes(deps), ...statsRoutes(deps)];
}
