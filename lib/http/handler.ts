/**
 * API Gateway HTTP API (payload v2) → Router → problem+json. The one place
 * that turns any thrown error into an answer; a 5xx here is a bug and is
 * logged with its stack (never with request bodies or keys).
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { isBillhookError } from '../core/errors.ts';
import { portalAccessOf } from '../contract/define.ts';
import type { Logger } from '../log.ts';
import { authorize, bearerToken, type Authenticator } from './auth.ts';
import { problem } from './respond.ts';
import type { Router } from './router.ts';
import type { HttpRequest, HttpResponse } from './types.ts';

export function fromApiGateway(event: APIGatewayProxyEventV2): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.queryStringParameters ?? {})) if (v !== undefined) query[k] = v;
  const req: HttpRequest = {
    method: event.requestContext.http.method.toUpperCase(),
    path: event.rawPath,
    query,
    headers,
    requestId: event.requestContext.requestId,
  };
  if (event.body !== undefined && event.body !== null) req.body = Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  return req;
}

export function toApiGateway(res: HttpResponse, requestId: string): APIGatewayProxyStructuredResultV2 {
  const out: APIGatewayProxyStructuredResultV2 = { statusCode: res.statusCode, headers: { ...res.headers, 'x-request-id': requestId } };
  if (res.body !== undefined) out.body = res.body;
  return out;
}

export interface HttpOptions {
  /**
   * Headers added to every response of a request, errors included (the
   * dashboard's security headers on its 404s, 405s and 503s).
   */
  responseHeaders?: (req: HttpRequest, res: HttpResponse) => Record<string, string> | undefined;
}

export async function handleHttp(router: Router, authenticator: Authenticator, log: Logger, req: HttpRequest, options: HttpOptions = {}): Promise<HttpResponse> {
  const started = Date.now();
  let res: HttpResponse;
  try {
    const { route, params } = router.match(req.method, req.path);
    const token = bearerToken(req);
    const { auth, freshAuth } = route.def;
    const principal = auth === 'none' || !token ? undefined : await authenticator.authenticate(token, { fresh: freshAuth === true });
    authorize(principal, auth, params.tenantId, portalAccessOf(route.def));
    res = await route.handle(req, params, principal);
  } catch (err) {
    if (!isBillhookError(err) || err.status >= 500) {
      log.error('request failed', { requestId: req.requestId, method: req.method, path: req.path, error: err });
    }
    res = problem(err, isBillhookError(err) && err.status === 401 ? { 'www-authenticate': 'Bearer' } : {});
  }
  const extra = options.responseHeaders?.(req, res);
  if (extra) res = { ...res, headers: { ...res.headers, ...extra } };
  log.info('request', { requestId: req.requestId, method: req.method, path: req.path, status: res.statusCode, ms: Date.now() - started });
  return res;
}
