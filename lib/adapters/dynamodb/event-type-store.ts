import { DeleteCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StoredEventType } from '../../core/event-types.ts';
import type { EventTypeStore } from '../../ports.ts';

/**
 * Stored event-type definitions in the entities table, one partition for
 * the whole catalogue (`EVENTTYPES`, sort key = the type): listing it is one
 * strongly consistent Query (a page per 1 MB), which instances cache. The
 * schema and example stay the JSON text they were sent as.
 */
const PK = 'EVENTTYPES';
const key = (type: string) => ({ pk: PK, sk: type });

export class DynamoEventTypeStore implements EventTypeStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async put(def: StoredEventType): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { ...key(def.type), ...def } }));
  }

  async delete(type: string): Promise<boolean> {
    const out = await this.db.send(new DeleteCommand({ TableName: this.table, Key: key(type), ReturnValues: 'ALL_OLD' }));
    return out.Attributes !== undefined;
  }

  async list(): Promise<StoredEventType[]> {
    const defs: StoredEventType[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': PK },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      defs.push(...(out.Items ?? []).map(toDef));
      start = out.LastEvaluatedKey;
    } while (start);
    return defs;
  }
}

function toDef(item: Record<string, unknown>): StoredEventType {
  const def: StoredEventType = { type: item.type as string, description: item.description as string, updatedAt: item.updatedAt as string };
  if (typeof item.schemaJson === 'string') def.schemaJson = item.schemaJson;
  if (typeof item.exampleJson === 'string') def.exampleJson = item.exampleJson;
  return def;
}
