/** Management API: tenants, keys, endpoints, events, deliveries, replay and the DLQ; and the web dashboard. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { processAppDeps, processAuthenticator, processConfig, processObservability } from '../../lib/composition/process.ts';
import { dashboardResponseHeaders, dashboardRoutes } from '../../lib/dashboard/serve.ts';
import { apiRoutes } from '../../lib/http/api-routes.ts';
import { httpLambda } from '../../lib/http/lambda.ts';

// The stack copies the built dashboard into `dashboard/` beside this bundle.
const besideBundle = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dashboard');

const dashboard = () => ({ dir: processConfig().dashboardDir ?? besideBundle, frameAncestors: processConfig().dashboardFrameAncestors });

export const handler = httpLambda([...apiRoutes(async () => processAppDeps()), ...dashboardRoutes(dashboard)], processAuthenticator, processObservability(), {
  responseHeaders: dashboardResponseHeaders(dashboard),
});
