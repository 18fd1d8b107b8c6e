/** Hot path: POST /v1/tenants/{tenantId}/events and /events/batch. */
import { processAppDeps, processAuthenticator, processObservability } from '../../lib/composition/process.ts';
import { ingestRoutes } from '../../lib/http/ingest-routes.ts';
import { httpLambda } from '../../lib/http/lambda.ts';

const obs = processObservability();
export const handler = httpLambda(ingestRoutes(async () => processAppDeps(), obs.metrics), processAuthenticator, obs);
