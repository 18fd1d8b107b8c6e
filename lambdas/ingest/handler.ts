/** Hot path: POST /v1/tenants/{tenantId}/events and /events/batch. */
import type { Config } from '../../lib/config.ts';
import { createRuntime, fromProcessEnvironment, type RuntimeOptions } from '../../lib/composition/process.ts';
import { ingestRoutes } from '../../lib/http/ingest-routes.ts';
import { httpLambda } from '../../lib/http/lambda.ts';

/** The ingest function for one configuration. */
export function createHandler(config: Config, options: RuntimeOptions = {}) {
  const rt = createRuntime(config, options);
  return httpLambda(ingestRoutes(async () => rt.appDeps(), rt.obs.metrics), rt.authenticator, rt.obs);
}

export const handler = fromProcessEnvironment(createHandler);
