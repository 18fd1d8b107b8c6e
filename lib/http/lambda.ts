import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { METRICS } from '../metrics.ts';
import type { Observability } from '../observability.ts';
import type { Authenticator } from './auth.ts';
import { fromApiGateway, handleHttp, toApiGateway, type HttpOptions } from './handler.ts';
import { Router, type Route } from './router.ts';

/** An API Gateway v2 handler over a set of routes, with Powertools logging, metrics and tracing. */
export function httpLambda(routes: Route[], authenticator: () => Authenticator, obs: Observability, options: HttpOptions = {}) {
  const router = new Router(routes);
  const base = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const req = fromApiGateway(event);
    const res = await handleHttp(router, authenticator(), obs.log, req, options);
    obs.metrics.addMetric(METRICS.requests, 'Count', 1);
    if (res.statusCode >= 500) obs.metrics.addMetric(METRICS.serverErrors, 'Count', 1);
    return toApiGateway(res, req.requestId);
  };
  return middy(base)
    .use(captureLambdaHandler(obs.tracer, { captureResponse: false }))
    .use(injectLambdaContext(obs.logger))
    .use(logMetrics(obs.metrics, { captureColdStartMetric: true }));
}
