import { MemoryApiKeyStore, MemoryDeliveryLimiter, MemoryDeliveryLog, MemoryEndpointStore, MemoryEventStore, MemoryEventTypeStore, MemoryPortalSessionStore, MemoryStatsStore, MemoryTenantStore } from '../../lib/adapters/memory/stores.ts';
import { apiKeyStoreContract, deliveryLimiterContract, deliveryLogContract, endpointStoreContract, eventStoreContract, eventTypeStoreContract, portalSessionStoreContract, statsStoreContract, tenantStoreContract } from './store-contract.ts';

tenantStoreContract('memory', async () => new MemoryTenantStore());
endpointStoreContract('memory', async () => new MemoryEndpointStore());
eventStoreContract('memory', async () => new MemoryEventStore());
deliveryLogContract('memory', async () => new MemoryDeliveryLog());
deliveryLimiterContract('memory', async (clock) => new MemoryDeliveryLimiter(clock));
apiKeyStoreContract('memory', async () => new MemoryApiKeyStore());
eventTypeStoreContract('memory', async () => new MemoryEventTypeStore());
portalSessionStoreContract('memory', async () => new MemoryPortalSessionStore());
statsStoreContract('memory', async () => {
  const store = new MemoryStatsStore();
  // As DynamoDB refuses a sort key over 1 KB.
  store.failWhen = (d) => d.endpointId.length > 1000;
  return store;
});
