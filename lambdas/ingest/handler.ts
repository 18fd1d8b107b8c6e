/** Hot path: POST /v1/tenants/{tenantId}/events and /events/batch. */
import middy from '@middy/core';
import { processAppDeps, processAuthenticator, processLogger } from '../../lib/composition/process.ts';
import { ingestRoutes } from '../../lib/http/ingest-routes.ts';
import { httpLambda } from '../../lib/http/lambda.ts';

export const handler = middy(httpLambda(ingestRoutes(async () => processAppDeps()), processAuthenticator, processLogger));
