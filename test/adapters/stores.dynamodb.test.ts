/** The store contracts against the DynamoDB adapters on a real DynamoDB Local (fresh tables per test). */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../../lib/adapters/dynamodb/client.ts';
import { DynamoApiKeyStore } from '../../lib/adapters/dynamodb/api-key-store.ts';
import { DynamoPortalSessionStore } from '../../lib/adapters/dynamodb/portal-session-store.ts';
import { DynamoDeliveryLog } from '../../lib/adapters/dynamodb/delivery-log.ts';
import { DynamoEndpointStore } from '../../lib/adapters/dynamodb/endpoint-store.ts';
import { DynamoEventStore } from '../../lib/adapters/dynamodb/event-store.ts';
import { DynamoTenantStore } from '../../lib/adapters/dynamodb/tenant-store.ts';
import { TABLES, type TableDef } from '../../lib/definitions.ts';
import { ensureTables, LOCAL_CREDENTIALS, startDynamoLocal, type DynamoLocal } from '../../lib/local/dynamodb.ts';
import { DynamoDeliveryLimiter } from '../../lib/adapters/dynamodb/delivery-limiter.ts';
import { apiKeyStoreContract, deliveryLimiterContract, deliveryLogContract, endpointStoreContract, eventStoreContract, eventTypeStoreContract, portalSessionStoreContract, statsStoreContract, tenantStoreContract } from './store-contract.ts';
import { DynamoEventTypeStore } from '../../lib/adapters/dynamodb/event-type-store.ts';
import { DynamoStatsStore } from '../../lib/adapters/dynamodb/stats-store.ts';

let ddb: DynamoLocal;
let n = 0;

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID ??= LOCAL_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= LOCAL_CREDENTIALS.secretAccessKey;
  ddb = await startDynamoLocal();
}, 60_000);

afterAll(async () => {
  await ddb?.stop();
});

/** A fresh copy of one table, so each test starts empty. */
async function freshTable(def: TableDef): Promise<string> {
  const name = `${def.localName}-${++n}`;
  await ensureTables(ddb.client, { t: def }, () => name);
  return name;
}

const db = () => documentClient({ region: 'us-east-1', endpoint: ddb.endpoint });

tenantStoreContract('dynamodb', async () => new DynamoTenantStore(db(), await freshTable(TABLES.entities)));
endpointStoreContract('dynamodb', async () => new DynamoEndpointStore(db(), await freshTable(TABLES.entities)));
apiKeyStoreContract('dynamodb', async () => new DynamoApiKeyStore(db(), await freshTable(TABLES.entities)));
eventTypeStoreContract('dynamodb', async () => new DynamoEventTypeStore(db(), await freshTable(TABLES.entities)));
portalSessionStoreContract('dynamodb', async () => new DynamoPortalSessionStore(db(), await freshTable(TABLES.entities)));
// Fixture dates are in the past: a long retention keeps DynamoDB Local's TTL sweeper off them.
const RETENTION_DAYS = 36_500;
eventStoreContract('dynamodb', async () => new DynamoEventStore(db(), await freshTable(TABLES.events), RETENTION_DAYS));
deliveryLogContract('dynamodb', async () => new DynamoDeliveryLog(db(), await freshTable(TABLES.logs), RETENTION_DAYS));
deliveryLimiterContract('dynamodb', async (clock) => new DynamoDeliveryLimiter(db(), await freshTable(TABLES.limits), clock, () => 0));
// DynamoDB itself refuses the contract's over-long endpoint id (a sort key over 1 KB).
statsStoreContract('dynamodb', async () => new DynamoStatsStore(db(), await freshTable(TABLES.stats), RETENTION_DAYS));

describe('DynamoEventStore: items written by earlier versions', () => {
  it('reads an event whose data was stored as a map as JSON text', async () => {
    const table = await freshTable(TABLES.events);
    const store = new DynamoEventStore(db(), table, RETENTION_DAYS);
    const base = { tenantId: 'ten_a', type: 'invoice.paid', createdAt: '2026-01-01T00:00:00.000Z', deliveries: 1, fingerprint: 'fp' };
    await db().send(new PutCommand({ TableName: table, Item: { ...base, id: 'evt_map', createdAtId: '2026-01-01T00:00:00.000Z#evt_map', data: { amount: 5, s: 'Zoë' } } }));
    expect((await store.get('ten_a', 'evt_map'))?.dataJson).toBe('{"amount":5,"s":"Zoë"}');
    // The current shape keeps the text exactly.
    await store.putIfAbsent({ ...base, id: 'evt_text', dataJson: '{"big":12345678901234567890,"neg0":-0}' });
    expect((await store.get('ten_a', 'evt_text'))?.dataJson).toBe('{"big":12345678901234567890,"neg0":-0}');
  });
});

describe('DynamoPortalSessionStore: the entities table', () => {
  it('lets DynamoDB expire sessions by the table TTL attribute, and keeps them apart from API keys and the tenant', async () => {
    const table = await freshTable(TABLES.entities);
    const sessions = new DynamoPortalSessionStore(db(), table);
    const keys = new DynamoApiKeyStore(db(), table);
    const tenants = new DynamoTenantStore(db(), table);
    await tenants.create({ id: 'ten_a', name: 'A', createdAt: '2026-01-01T00:00:00.000Z' });
    await keys.create({ id: 'key_1', tenantId: 'ten_a', hash: 'h-key', prefix: 'bh_tk_abcd', createdAt: '2026-01-01T00:00:00.000Z', createdBy: 'admin' });
    await sessions.create({ id: 'ps_1', tenantId: 'ten_a', hash: 'h-ps', scope: 'read', createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2100-01-01T00:00:00.500Z' });
    // Both items carry the TTL attribute, in epoch seconds (rounded up: never before the session expires).
    const ttl = TABLES.entities.ttlAttribute;
    const items = await Promise.all(
      [{ pk: 'PORTALSESSION#h-ps', sk: 'PORTALSESSION' }, { pk: 'TENANT#ten_a', sk: 'PSESSION#ps_1' }].map(async (Key) => (await db().send(new GetCommand({ TableName: table, Key }))).Item),
    );
    for (const item of items) expect(item?.[ttl]).toBe(Math.ceil(Date.parse('2100-01-01T00:00:00.500Z') / 1000));
    // No other item of the table carries it: nothing else expires.
    const tenantItem = (await db().send(new GetCommand({ TableName: table, Key: { pk: 'TENANT#ten_a', sk: 'TENANT' } }))).Item;
    expect(tenantItem?.[ttl]).toBeUndefined();
    expect((await keys.list('ten_a')).map((k) => k.id)).toEqual(['key_1']);
    expect((await sessions.list('ten_a')).map((s) => s.id)).toEqual(['ps_1']);
    expect(await tenants.get('ten_a')).toEqual({ id: 'ten_a', name: 'A', createdAt: '2026-01-01T00:00:00.000Z' });
  });
});
