/** Path parameters shared by the resource modules: an id that fails its schema reads as 404. */
import * as z from '../core/zod.ts';
import { deliveryIdSchema, endpointIdSchema, eventIdSchema, keyIdSchema, portalSessionIdSchema, tenantIdSchema } from '../core/model.ts';

export const T = '/v1/tenants/{tenantId}';
export const tenantParams = z.object({ tenantId: tenantIdSchema });
export const endpointParams = z.object({ tenantId: tenantIdSchema, endpointId: endpointIdSchema });
export const keyParams = z.object({ tenantId: tenantIdSchema, keyId: keyIdSchema });
export const eventParams = z.object({ tenantId: tenantIdSchema, eventId: eventIdSchema });
export const deliveryParams = z.object({ tenantId: tenantIdSchema, deliveryId: deliveryIdSchema });
/** An event type in a path (checked by the route: a PUT of a malformed type is a 422, not a 404). */
export const eventTypeParams = z.object({ type: z.string().check(z.minLength(1), z.maxLength(200)) });
export const portalSessionParams = z.object({ tenantId: tenantIdSchema, sessionId: portalSessionIdSchema });

/** What an id parameter names, for its 404 ("endpoint ep_x not found"). */
export const PARAM_NOUNS: Readonly<Record<string, string>> = {
  tenantId: 'tenant',
  endpointId: 'endpoint',
  keyId: 'api key',
  eventId: 'event',
  deliveryId: 'delivery',
  type: 'event type',
  sessionId: 'portal session',
};
