/** The store contracts against the DynamoDB adapters on a real DynamoDB Local (fresh tables per test). */
import { afterAll, beforeAll } from 'vitest';
import { documentClient } from '../../lib/adapters/dynamodb/client.ts';
import { DynamoApiKeyStore } from '../../lib/adapters/dynamodb/api-key-store.ts';
import { DynamoDeliveryLog } from '../../lib/adapters/dynamodb/delivery-log.ts';
import { DynamoEndpointStore } from '../../lib/adapters/dynamodb/endpoint-store.ts';
import { DynamoEventStore } from '../../lib/adapters/dynamodb/event-store.ts';
import { DynamoTenantStore } from '../../lib/adapters/dynamodb/tenant-store.ts';
import { TABLES, type TableDef } from '../../lib/definitions.ts';
import { ensureTables, LOCAL_CREDENTIALS, startDynamoLocal, type DynamoLocal } from '../../lib/local/dynamodb.ts';
import { DynamoDeliveryLimiter } from '../../lib/adapters/dynamodb/delivery-limiter.ts';
import { apiKeyStoreContract, deliveryLimiterContract, deliveryLogContract, endpointStoreContract, eventStoreContract, tenantStoreContract } from './store-contract.ts';

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
// Fixture dates are in the past: a long retention keeps DynamoDB Local's TTL sweeper off them.
const RETENTION_DAYS = 36_500;
eventStoreContract('dynamodb', async () => new DynamoEventStore(db(), await freshTable(TABLES.events), RETENTION_DAYS));
deliveryLogContract('dynamodb', async () => new DynamoDeliveryLog(db(), await freshTable(TABLES.logs), RETENTION_DAYS));
deliveryLimiterContract('dynamodb', async (clock) => new DynamoDeliveryLimiter(db(), await freshTable(TABLES.limits), clock, () => 0));
