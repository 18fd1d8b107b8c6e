import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Logger } from '../log.ts';
import type { Authenticator } from './auth.ts';
import { fromApiGateway, handleHttp, toApiGateway } from './handler.ts';
import { Router, type Route } from './router.ts';

/** An API Gateway v2 handler over a set of routes. */
export function httpLambda(routes: Route[], authenticator: () => Authenticator, log: () => Logger) {
  const router = new Router(routes);
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const req = fromApiGateway(event);
    return toApiGateway(await handleHttp(router, authenticator(), log(), req), req.requestId);
  };
}
