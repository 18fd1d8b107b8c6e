import { unmarshall, type NativeAttributeValue } from '@aws-sdk/util-dynamodb';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { instrumentClient } from '../aws-instrumentation.ts';

/** A document client; `endpoint` points it at DynamoDB Local. */
export function documentClient(options: { region: string; endpoint?: string; credentials?: DynamoDBClientConfig['credentials']; extra?: DynamoDBClientConfig }): DynamoDBDocumentClient {
  // The document client shares the base client's middleware stack, so instrumenting the base covers both.
  const base = instrumentClient(
    new DynamoDBClient({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      maxAttempts: 3,
      ...options.extra,
    }),
  );
  return DynamoDBDocumentClient.from(base, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

export const isConditionalCheckFailed = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && (e as { name?: string }).name === 'ConditionalCheckFailedException';

/**
 * The item a failed conditional write returned (ReturnValuesOnConditionCheckFailure).
 * The document client does not unmarshall error payloads, so this does.
 */
export function conditionFailureItem(e: unknown): Record<string, unknown> | undefined {
  const item = (e as { Item?: Record<string, NativeAttributeValue> }).Item;
  if (!item) return undefined;
  return unmarshall(item as Parameters<typeof unmarshall>[0]);
}
