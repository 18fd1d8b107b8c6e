import { deliveryId } from '../core/ids.ts';
import { laneOf, type LaneEndpoint } from '../core/lanes.ts';
import type { DeliveryMessage, EndpointRecord, EventRecord, WebhookPayload } from '../core/model.ts';

/**
 * The first message of a delivery (event × endpoint), in its lane.
 *
 * @param defaultMaxInFlight the deployment's maxInFlight for endpoints that set none
 */
export function deliveryMessage(
  event: WebhookPayload,
  tenantId: string,
  endpoint: Pick<EndpointRecord, 'id' | 'version'> & LaneEndpoint,
  defaultMaxInFlight: number,
  orderingKey?: string,
): DeliveryMessage {
  const m: DeliveryMessage = {
    v: 1,
    deliveryId: deliveryId(event.id, endpoint.id),
    tenantId,
    endpointId: endpoint.id,
    endpointVersion: endpoint.version,
    event,
    attempt: 1,
    trigger: 'scheduled',
    createdAt: event.createdAt,
  };
  if (orderingKey !== undefined) m.orderingKey = orderingKey;
  return inLane(m, endpoint, defaultMaxInFlight);
}

/** The message with its FIFO group set from what it is now (trigger, chain) and the endpoint's current settings. */
export function inLane(m: DeliveryMessage, endpoint: LaneEndpoint, defaultMaxInFlight: number): DeliveryMessage {
  return { ...m, group: laneOf(endpoint, m, defaultMaxInFlight).group };
}

export const payloadOf = (e: EventRecord): WebhookPayload => ({ id: e.id, type: e.type, createdAt: e.createdAt, dataJson: e.dataJson });

