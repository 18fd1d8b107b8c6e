import { MemoryApiKeyStore, MemoryDeliveryLimiter, MemoryDeliveryLog, MemoryEndpointStore, MemoryEventStore, MemoryEventTypeStore, MemoryPortalSessionStore, MemoryTenantStore } from '../../lib/adapters/memory/stores.ts';
import { apiKeyStoreContract, deliveryLimiterContract, deliveryLogContract, endpointStoreContract, eventStoreContract, eventTypeStoreContract, portalSessionStoreContract, tenantStoreContract } from './store-contract.ts';

tenantStoreContract('memory', async () => new MemoryTenantStore());
endpointStoreContract('memory', async () => new MemoryEndpointStore());
eventStoreContract('memory', async () => new MemoryEventStore());
deliveryLogContract('memory', async () => new MemoryDeliveryLog());
deliveryLimiterContract('memory', async (clock) => new MemoryDeliveryLimiter(clock));
apiKeyStoreContract('memory', async () => new MemoryApiKeyStore());
eventTypeStoreContract('memory', async () => new MemoryEventTypeStore());
portalSessionStoreContract('memory', async () => new MemoryPortalSessionStore());
