import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BillhookError } from '../../core/errors.ts';
import type { Tenant, TenantPatch } from '../../core/model.ts';
import type { Page, PageRequest, TenantStore } from '../../ports.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import { isConditionalCheckFailed } from './client.ts';

const pk = (id: string) => `TENANT#${id}`;
const SK = 'TENANT';
const LIST_PK = 'TENANTS';

export class DynamoTenantStore implements TenantStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(tenant: Tenant): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: pk(tenant.id), sk: SK, gsi1pk: LIST_PK, gsi1sk: `${tenant.createdAt}#${tenant.id}`, ...tenant },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (e) {
      if (isConditionalCheckFailed(e)) throw new BillhookError('conflict', `tenant ${tenant.id} already exists`);
      throw e;
    }
  }

  async get(id: string): Promise<Tenant | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { pk: pk(id), sk: SK } }));
    return out.Item ? toTenant(out.Item) : undefined;
  }

  async update(id: string, patch: TenantPatch): Promise<Tenant | undefined> {
    const set: string[] = [];
    const remove: string[] = [];
    const values: Record<string, unknown> = {};
    const names: Record<string, string> = {};
    if (patch.name !== undefined) {
      set.push('#name = :name');
      names['#name'] = 'name';
      values[':name'] = patch.name;
    }
    if (patch.portalFrameAncestors !== undefined) {
      if (patch.portalFrameAncestors.length) {
        set.push('portalFrameAncestors = :pfa');
        values[':pfa'] = patch.portalFrameAncestors;
      } else remove.push('portalFrameAncestors');
    }
    if (!set.length && !remove.length) return this.get(id);
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: pk(id), sk: SK },
          UpdateExpression: [set.length ? `SET ${set.join(', ')}` : '', remove.length ? `REMOVE ${remove.join(', ')}` : ''].filter(Boolean).join(' '),
          ConditionExpression: 'attribute_exists(pk)',
          ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
          ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes ? toTenant(out.Attributes) : undefined;
    } catch (e) {
      if (isConditionalCheckFailed(e)) return undefined;
      throw e;
    }
  }

  async list(page: PageRequest): Promise<Page<Tenant>> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': LIST_PK },
        Limit: page.limit,
        ExclusiveStartKey: decodeCursor('tenants', page.cursor),
      }),
    );
    return {
      data: (out.Items ?? []).map(toTenant),
      nextCursor: out.LastEvaluatedKey ? encodeCursor('tenants', out.LastEvaluatedKey) : null,
    };
  }
}

function toTenant(item: Record<string, unknown>): Tenant {
  const tenant: Tenant = { id: item.id as string, name: item.name as string, createdAt: item.createdAt as string };
  if (Array.isArray(item.portalFrameAncestors) && item.portalFrameAncestors.length) tenant.portalFrameAncestors = item.portalFrameAncestors as string[];
  return tenant;
}
