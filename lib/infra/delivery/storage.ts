/**
 * Storage: the DynamoDB tables (from TABLES in lib/definitions.ts, the data
 * local mode creates too) and the admin key secret.
 *
 * Like the other parts of `WebhookDelivery`, these are builders in the
 * manner of aws-solutions-constructs' core (`buildDynamoDBTable(scope,
 * props)`): they add their resources to the scope they are given, so the
 * construct ids, and so the stack's logical ids, are those `WebhookDelivery`
 * has always had.
 */
import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { TABLES, type KeyDef, type TableDef, type TableKey } from '../../definitions.ts';

export interface DeliveryTablesProps {
  /**
   * What happens to the tables when they leave the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * DynamoDB deletion protection on every table.
   *
   * @default - true when `removalPolicy` is RETAIN, false otherwise
   */
  readonly deletionProtection?: boolean;
}

/** One on-demand, point-in-time-recovered, encrypted table per TABLES entry, with its indexes, TTL and stream. */
export function buildTables(scope: Construct, props: DeliveryTablesProps = {}): Record<TableKey, dynamodb.Table> {
  const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
  const deletionProtection = props.deletionProtection ?? removalPolicy === RemovalPolicy.RETAIN;
  const tables: Partial<Record<TableKey, dynamodb.Table>> = {};
  for (const key of Object.keys(TABLES) as TableKey[]) tables[key] = table(scope, TABLES[key], removalPolicy, deletionProtection);
  return tables as Record<TableKey, dynamodb.Table>;
}

function table(scope: Construct, def: TableDef, removalPolicy: RemovalPolicy, deletionProtection: boolean): dynamodb.Table {
  const t = new dynamodb.Table(scope, def.id, {
    partitionKey: attribute(def.partitionKey),
    ...(def.sortKey ? { sortKey: attribute(def.sortKey) } : {}),
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    deletionProtection,
    removalPolicy,
    ...(def.ttlAttribute ? { timeToLiveAttribute: def.ttlAttribute } : {}),
    ...(def.stream ? { stream: dynamodb.StreamViewType[def.stream] } : {}),
  });
  for (const index of def.indexes) {
    t.addGlobalSecondaryIndex({
      indexName: index.indexName,
      partitionKey: attribute(index.partitionKey),
      ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
      ...(index.include ? { projectionType: dynamodb.ProjectionType.INCLUDE, nonKeyAttributes: [...index.include] } : { projectionType: dynamodb.ProjectionType.ALL }),
    });
  }
  return t;
}

function attribute(key: KeyDef): dynamodb.Attribute {
  return { name: key.name, type: key.type === 'N' ? dynamodb.AttributeType.NUMBER : dynamodb.AttributeType.STRING };
}

/** Grant exactly `actions` on a table; Query also on its indexes, which need their own ARN. */
export function grantTable(role: iam.Role, key: TableKey, table: dynamodb.Table, actions: readonly string[]): void {
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...actions], resources: [table.tableArn] }));
  if (actions.includes('dynamodb:Query') && TABLES[key].indexes.length > 0) {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${table.tableArn}/index/*`] }));
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(table).getLogicalId(table.node.defaultChild as dynamodb.CfnTable)}.Arn>/index/*]`,
      reason: `Query on the ${key} table's global secondary indexes, which are addressed by index ARN; "*" covers only that table's indexes, with Query as the sole action.`,
    });
  }
}

export interface AdminKeySecretProps {
  /**
   * What happens to the secret when it leaves the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The generated admin API key: a plain string secret, rotated by hand. */
export function buildAdminKeySecret(scope: Construct, props: AdminKeySecretProps = {}): secretsmanager.Secret {
  const secret = new secretsmanager.Secret(scope, 'AdminKey', {
    description: 'Billhook admin API key (Bearer token for every route and tenant).',
    generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
  });
  Validations.of(secret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      'The admin key is a bearer token held by the billing platform; rotating it automatically would lock that client out. ' +
      'It is rotated by hand (new secret version, then client update); the functions re-read it on cold start.',
  });
  return secret;
}
