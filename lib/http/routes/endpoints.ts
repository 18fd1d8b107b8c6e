/** Endpoints: CRUD, secrets, stats, test sends and recovery. */
import type { AppDeps } from '../../app/deps.ts';
import { createEndpoint, deleteEndpoint, getEndpoint, getEndpointPublicKey, getEndpointSecret, listEndpoints, rotateEndpointSecret, sendTestEvent, updateEndpoint } from '../../app/endpoints.ts';
import { endpointStats } from '../../app/stats.ts';
import { recoverEndpoint } from '../../app/replay.ts';
import { API } from '../../contract/index.ts';
import { implement, type Route } from '../router.ts';
import { jobIdOf } from './job-id.ts';

export const endpointRoutes = (deps: () => Promise<AppDeps>): Route[] => [
  implement(API.createEndpoint, async ({ params, body }) => createEndpoint(await deps(), params.tenantId, body)),
  implement(API.listEndpoints, async ({ params, query }) => listEndpoints(await deps(), params.tenantId, query)),
  implement(API.getEndpoint, async ({ params }) => getEndpoint(await deps(), params.tenantId, params.endpointId)),
  implement(API.updateEndpoint, async ({ params, body }) => updateEndpoint(await deps(), params.tenantId, params.endpointId, body)),
  implement(API.deleteEndpoint, async ({ params }) => {
    await deleteEndpoint(await deps(), params.tenantId, params.endpointId);
  }),
  implement(API.getEndpointStats, async ({ params, query }) => endpointStats(await deps(), params.tenantId, params.endpointId, query.since)),
  implement(API.getEndpointSecret, async ({ params }) => getEndpointSecret(await deps(), params.tenantId, params.endpointId)),
  implement(API.getEndpointPublicKey, async ({ params }) => getEndpointPublicKey(await deps(), params.tenantId, params.endpointId)),
  implement(API.rotateEndpointSecret, async ({ params, body }) => rotateEndpointSecret(await deps(), params.tenantId, params.endpointId, body.secret)),
  implement(API.testEndpoint, async ({ params, body }) => sendTestEvent(await deps(), params.tenantId, params.endpointId, body.type)),
  implement(API.recoverEndpoint, async ({ req, params, body }) => recoverEndpoint(await deps(), params.tenantId, params.endpointId, body, jobIdOf(req.requestId))),
];
