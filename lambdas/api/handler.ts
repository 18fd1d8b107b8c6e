/** Management API: tenants, endpoints, events and deliveries queries. */
import middy from '@middy/core';
import { processAppDeps, processAuthenticator, processLogger } from '../../lib/composition/process.ts';
import { apiRoutes } from '../../lib/http/api-routes.ts';
import { httpLambda } from '../../lib/http/lambda.ts';

export const handler = middy(httpLambda(apiRoutes(async () => processAppDeps()), processAuthenticator, processLogger));
