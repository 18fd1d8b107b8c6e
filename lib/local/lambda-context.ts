/** A Lambda `Context` for handlers invoked in-process by local mode, and the timeout Lambda would enforce. */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { LOCAL_REGION } from './dynamodb.ts';

export const LOCAL_ACCOUNT_ID = '000000000000';

export interface LambdaContextOptions {
  /** Short function name (`ingest`, `sender`...); the context says `billhook-<name>`. */
  name: string;
  timeoutSeconds: number;
  memoryMb?: number;
  requestId?: string;
  region?: string;
  /** Clock, for tests. */
  now?: () => number;
}

/**
 * Build a Lambda-like context. `getRemainingTimeInMillis` counts down from
 * the function's timeout, starting now.
 *
 * @example
 * const ctx = createLambdaContext({ name: 'sender', timeoutSeconds: 30 });
 * ctx.getRemainingTimeInMillis(); // ≈ 30000
 */
export function createLambdaContext(options: LambdaContextOptions): Context {
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutSeconds * 1000;
  const functionName = `billhook-${options.name}`;
  const region = options.region ?? LOCAL_REGION;
  const deprecated = (what: string) => () => {
    throw new Error(`context.${what}() is not supported: return a promise from the handler`);
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: String(options.memoryMb ?? 1024),
    awsRequestId: options.requestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - now()),
    done: deprecated('done'),
    fail: deprecated('fail'),
    succeed: deprecated('succeed'),
  };
}

export class FunctionTimeoutError extends Error {
  constructor(readonly functionName: string, readonly timeoutSeconds: number) {
    super(`${functionName} timed out after ${timeoutSeconds} s`);
    this.name = 'FunctionTimeoutError';
  }
}

/**
 * Run `invoke` as Lambda would: a handler that has not settled after
 * `timeoutSeconds` is treated as failed (the work it still does is not
 * cancelled, as it is not in a frozen Lambda either, but its result is ignored).
 */
export async function withTimeout<T>(name: string, timeoutSeconds: number, invoke: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FunctionTimeoutError(`billhook-${name}`, timeoutSeconds)), timeoutSeconds * 1000);
    timer.unref();
  });
  try {
    return await Promise.race([invoke(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
