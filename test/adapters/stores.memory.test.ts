import { MemoryApiKeyStore, MemoryDeliveryLog, MemoryEndpointStore, MemoryEventStore, MemoryTenantStore } from '../../lib/adapters/memory/stores.ts';
import { apiKeyStoreContract, deliveryLogContract, endpointStoreContract, eventStoreContract, tenantStoreContract } from './store-contract.ts';

tenantStoreContract('memory', async () => new MemoryTenantStore());
endpointStoreContract('memory', async () => new MemoryEndpointStore());
eventStoreContract('memory', async () => new MemoryEventStore());
deliveryLogContract('memory', async () => new MemoryDeliveryLog());
apiKeyStoreContract('memory', async () => new MemoryApiKeyStore());
