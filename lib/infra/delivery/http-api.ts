/**
 * The HTTP API: ingest routes (INGEST_ROUTES) to the ingest function,
 * everything else to the api function, on a throttled, access-logged
 * `$default` stage. A builder that adds to the given scope (see storage.ts
 * for why).
 */
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { INGEST_ROUTES } from '../../definitions.ts';

/** Rate limits for the HTTP API's default stage (per account and region, shared by all routes). */
export interface ThrottleProps {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Requests allowed in a burst above the steady rate. */
  readonly burstLimit: number;
}

export const DEFAULT_THROTTLE: ThrottleProps = { rateLimit: 1000, burstLimit: 2000 };

export interface DeliveryHttpApiProps {
  readonly ingest: lambda.IFunction;
  readonly api: lambda.IFunction;
  /** @default DEFAULT_THROTTLE: { rateLimit: 1000, burstLimit: 2000 } */
  readonly throttle?: ThrottleProps;
  /** Retention of the access log. @default logs.RetentionDays.ONE_MONTH */
  readonly cloudWatchLogRetention?: logs.RetentionDays;
  /** What happens to the access log when it leaves the stack. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

export interface DeliveryHttpApi {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogGroup: logs.LogGroup;
}

// No headers: the Authorization header must never reach a log.
const ACCESS_LOG_FORMAT = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  method: '$context.httpMethod',
  path: '$context.path',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
};

export function buildHttpApi(scope: Construct, props: DeliveryHttpApiProps): DeliveryHttpApi {
  const throttle = props.throttle ?? DEFAULT_THROTTLE;
  if (!(throttle.rateLimit > 0) || !(throttle.burstLimit > 0)) throw new Error(`throttle: rateLimit and burstLimit must be positive, got ${JSON.stringify(throttle)}`);
  const httpApi = new HttpApi(scope, 'HttpApi', {
    description: 'Billhook webhook delivery API',
    createDefaultStage: false,
    // Everything that is not an ingest route goes to the api function, which routes itself.
    defaultIntegration: new HttpLambdaIntegration('ApiIntegration', props.api),
  });
  const ingestIntegration = new HttpLambdaIntegration('IngestIntegration', props.ingest);
  for (const route of INGEST_ROUTES) httpApi.addRoutes({ path: route.path, methods: [route.method as HttpMethod], integration: ingestIntegration });

  const accessLogGroup = new logs.LogGroup(scope, 'AccessLogGroup', { retention: props.cloudWatchLogRetention ?? logs.RetentionDays.ONE_MONTH, removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN });
  const stage = new HttpStage(scope, 'DefaultStage', {
    httpApi,
    stageName: '$default',
    autoDeploy: true,
    throttle: { rateLimit: throttle.rateLimit, burstLimit: throttle.burstLimit },
    accessLogSettings: { destination: new LogGroupLogDestination(accessLogGroup), format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FORMAT)) },
  });
  // Routes carry no gateway authorizer: the functions check Bearer keys themselves.
  Validations.of(httpApi).acknowledge({
    id: 'AwsSolutions-APIG4',
    reason:
      'Authorization is enforced in the ingest and api functions (Bearer admin key from Secrets Manager, or hashed tenant keys scoped per tenant, per the README\'s API section); ' +
      'a gateway authorizer cannot express tenant scoping, and /v1/health and /openapi.json are public by contract.',
  });
  return { httpApi, stage, accessLogGroup };
}
