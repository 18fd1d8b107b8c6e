/** Management API: tenants, keys, endpoints, events, deliveries, replay and the DLQ; and the web dashboard. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RecentTenants } from '../../lib/app/tenants.ts';
import type { Config } from '../../lib/config.ts';
import { createRuntime, fromProcessEnvironment, type RuntimeOptions } from '../../lib/composition/process.ts';
import { dashboardResponseHeaders, dashboardRoutes } from '../../lib/dashboard/serve.ts';
import { apiRoutes } from '../../lib/http/api-routes.ts';
import { httpLambda } from '../../lib/http/lambda.ts';

// The stack copies the built dashboard into `dashboard/` beside this bundle.
const besideBundle = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dashboard');

/** The api function for one configuration. */
export function createHandler(config: Config, options: RuntimeOptions = {}) {
  const rt = createRuntime(config, options);
  // The portal page's frame-ancestors come from its tenant, read at most once per 30 s per tenant.
  const tenants = new RecentTenants(async () => rt.appDeps().tenants, rt.clock);
  const dashboard = () => ({
    dir: config.dashboardDir ?? besideBundle,
    frameAncestors: config.dashboardFrameAncestors,
    branding: config.portalBranding,
    portalFrameAncestors: async (tenantId: string) => (await tenants.get(tenantId))?.portalFrameAncestors,
  });
  return httpLambda([...apiRoutes(async () => rt.appDeps()), ...dashboardRoutes(dashboard)], rt.authenticator, rt.obs, {
    responseHeaders: dashboardResponseHeaders(dashboard),
  });
}

export const handler = fromProcessEnvironment(createHandler);
