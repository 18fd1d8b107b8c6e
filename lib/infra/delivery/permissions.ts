/**
 * Least privilege: exactly what each function may do to each table and
 * queue, the admin key and the scheduler, and nothing it need not.
 */
import { Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { STREAM_CONSUMERS, type QueueKey, type TableKey } from '../../definitions.ts';
import type { FunctionKey } from './functions.ts';
import { grantCreateSchedules, type RetryScheduler } from './scheduler.ts';
import { grantTable } from './storage.ts';

/** DynamoDB actions each function needs, per table. Index ARNs are added for Query. */
export const TABLE_ACCESS: Readonly<Record<FunctionKey, Partial<Record<TableKey, readonly string[]>>>> = {
  ingest: {
    entities: ['dynamodb:GetItem', 'dynamodb:Query'],
    // BatchGetItem: a batch's replays are found in one read per 100 keys.
    events: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem'],
  },
  api: {
    entities: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query', 'dynamodb:ConditionCheckItem'],
    // PutItem: test events sent from the api are stored like ingested ones. BatchGetItem: listing
    // events reads the page's items (the index holds keys and type only).
    events: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem'],
    logs: ['dynamodb:GetItem', 'dynamodb:Query'],
    // The charts and the endpoint list's totals: one Query each.
    stats: ['dynamodb:Query'],
  },
  sender: {
    // The endpoint cache reads endpoints; health counters and disabling are in-place UpdateItems.
    entities: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    // Attempts are logged by one conditional UpdateItem; a retry first reads the delivery.
    logs: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    // Rate slots (UpdateItem) and concurrency leases (PutItem, DeleteItem): conditional writes only.
    limits: ['dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
  },
  fanout: {
    entities: ['dynamodb:GetItem', 'dynamodb:Query'],
    // Recover steps read deliveries (byEndpoint index) and their events; operational events are ingested.
    events: ['dynamodb:GetItem', 'dynamodb:PutItem'],
    logs: ['dynamodb:Query'],
  },
  // The counters: ADDs only (UpdateItem), no reads. The logs table's stream is read by the event source (grantStreamReads).
  stats: {
    stats: ['dynamodb:UpdateItem'],
  },
};

/** Queues each function sends to (consuming is granted by the event source). */
export const QUEUE_SENDS: Readonly<Record<FunctionKey, readonly QueueKey[]>> = {
  ingest: ['deliveries', 'fanout'],
  // fanout: recover and drain jobs; retries: a drain's paced re-sends.
  api: ['deliveries', 'retries', 'fanout'],
  // retries: unordered retries and deferrals; fanout: operational events (endpoint.disabled, …) are emitted as jobs.
  sender: ['deliveries', 'retries', 'deliveriesDlq', 'fanout'],
  fanout: ['deliveries', 'retries', 'fanout'],
  // Nothing: the on-failure destination (statsDlq) is granted by the event source's SqsDlq.
  stats: [],
};

/** Functions that authenticate callers and so read the admin key. */
export const READS_ADMIN_KEY: readonly FunctionKey[] = ['ingest', 'api'];

export interface FunctionPermissionsProps {
  readonly roles: Readonly<Record<FunctionKey, iam.Role>>;
  readonly tables: Readonly<Record<TableKey, dynamodb.Table>>;
  readonly queues: Readonly<Record<QueueKey, sqs.IQueue>>;
  readonly adminKeySecret: secretsmanager.ISecret;
  readonly retryScheduler: RetryScheduler;
}

export function grantFunctionPermissions(props: FunctionPermissionsProps): void {
  for (const [key, role] of Object.entries(props.roles) as [FunctionKey, iam.Role][]) {
    for (const [tableKey, actions] of Object.entries(TABLE_ACCESS[key]) as [TableKey, readonly string[]][]) grantTable(role, tableKey, props.tables[tableKey], actions);
    const sendTo = QUEUE_SENDS[key].map((q) => props.queues[q].queueArn);
    if (sendTo.length) role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: sendTo }));
    if (READS_ADMIN_KEY.includes(key)) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [props.adminKeySecret.secretArn] }));
    }
  }
  grantStreamReads(props.roles, props.tables);
  grantCreateSchedules(props.roles.sender, props.retryScheduler);
  // The api reads the dead-letter queues for their depth and redrive (moving messages back to the deliveries queue).
  props.roles.api.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
      resources: [props.queues.deliveriesDlq.queueArn, props.queues.retriesDlq.queueArn],
    }),
  );
}

/**
 * What a stream event source reads, on that one table's stream: describe it,
 * take shard iterators, get records. Plus `dynamodb:ListStreams`, which
 * supports no resource-level permission (AWS's own
 * AWSLambdaDynamoDBExecutionRole grants it on "*" too): it lists stream
 * ARNs, never records.
 */
export function grantStreamReads(roles: Readonly<Record<FunctionKey, iam.Role>>, tables: Readonly<Record<TableKey, dynamodb.ITable>>): void {
  for (const c of Object.values(STREAM_CONSUMERS)) {
    const role = roles[c.function];
    const streamArn = tables[c.table].tableStreamArn;
    if (!streamArn) throw new Error(`stream consumer ${c.function}: table ${c.table} has no stream`);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:DescribeStream', 'dynamodb:GetShardIterator', 'dynamodb:GetRecords'], resources: [streamArn] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:ListStreams'], resources: ['*'] }));
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Two actions support no resource-level permissions, so "*" is their only valid resource: X-Ray PutTraceSegments/PutTelemetryRecords (added by Tracing.ACTIVE) ' +
        `and dynamodb:ListStreams, which the ${c.function} function's stream event source uses to find the ${c.table} table's stream (it lists stream ARNs, no records; the records are read on that stream's ARN only).`,
    });
  }
}
