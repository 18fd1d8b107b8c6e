import { MemoryApiKeyStore, MemoryDeliveryLimiter, MemoryDeliveryLog, MemoryEndpointStore, MemoryEventStore, MemoryTenantStore } from '../../lib/adapters/memory/stores.ts';
import { apiKeyStoreContract, deliveryLimiterContract, deliveryLogContract, endpointStoreContract, eventStoreContract, tenantStoreContract } from './store-contract.ts';

tenantStoreContract('memory', async () => new MemoryTenantStore());
endpointStoreContract('memory', async () => new MemoryEndpointStore());
eventStoreContract('memory', async () => new MemoryEventStore());
deliveryLogContract('memory', async () => new MemoryDeliveryLog());
deliveryLimiterContract('memory', async (clock) => new MemoryDeliveryLimiter(clock));
apiKeyStoreContract('memory', async () => new MemoryApiKeyStore());
