import { MemoryApiKeyStore, MemoryDeliveryLimiter, MemoryDeliveryLog, MemoryEndpointStore, MemoryEventStore, MemoryPortalSessionStore, MemoryTenantStore } from '../../lib/adapters/memory/stores.ts';
import { apiKeyStoreContract, deliveryLimiterContract, deliveryLogContract, endpointStoreContract, eventStoreContract, portalSessionStoreContract, tenantStoreContract } from './store-contract.ts';

tenantStoreContract('memory', async () => new MemoryTenantStore());
endpointStoreContract('memory', async () => new MemoryEndpointStore());
eventStoreContract('memory', async () => new MemoryEventStore());
deliveryLogContract('memory', async () => new MemoryDeliveryLog());
deliveryLimiterContract('memory', async (clock) => new MemoryDeliveryLimiter(clock));
apiKeyStoreContract('memory', async () => new MemoryApiKeyStore());
portalSessionStoreContract('memory', async () => new MemoryPortalSessionStore());
