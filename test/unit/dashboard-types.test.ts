/**
 * The dashboard declares the API's answers as its own types (it runs in the
 * browser and cannot import lib/core, which needs Node). These checks fail
 * `npm run typecheck` when an API view and the dashboard's idea of it drift.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { EndpointStats as ApiEndpointStats, EventView } from '../../lib/app/queries.ts';
import type { EventTypeDef } from '../../lib/core/event-types.ts';
import type { Attempt as ApiAttempt, Delivery as ApiDelivery, EndpointView, Tenant as ApiTenant } from '../../lib/core/model.ts';
import type { Attempt, Delivery, DeliveryStatus, Endpoint, EndpointStats, Event, EventType, Tenant } from '../../lib/dashboard/ui/api.ts';

describe('dashboard types', () => {
  it('accept what the API answers', () => {
    expectTypeOf<EndpointView>().toExtend<Endpoint>();
    expectTypeOf<ApiEndpointStats>().toExtend<EndpointStats>();
    expectTypeOf<ApiDelivery>().toExtend<Delivery>();
    expectTypeOf<ApiAttempt>().toExtend<Attempt>();
    expectTypeOf<EventView>().toExtend<Event>();
    expectTypeOf<EventTypeDef>().toExtend<EventType>();
    expectTypeOf<ApiTenant>().toExtend<Tenant>();
    expectTypeOf<ApiDelivery['status']>().toEqualTypeOf<DeliveryStatus>();
  });
});
