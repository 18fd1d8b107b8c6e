/** Management API: tenants, keys, endpoints, events, deliveries, replay and the DLQ. */
import { processAppDeps, processAuthenticator, processObservability } from '../../lib/composition/process.ts';
import { apiRoutes } from '../../lib/http/api-routes.ts';
import { httpLambda } from '../../lib/http/lambda.ts';

export const handler = httpLambda(apiRoutes(async () => processAppDeps()), processAuthenticator, processObservability());
